from api.me.views import MeViewSet
from api.routers import ApiRouter

router = ApiRouter()
router.register("me", MeViewSet, basename="me")
urlpatterns = router.urls
