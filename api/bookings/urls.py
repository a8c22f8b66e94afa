from api.bookings.views import BookingViewSet
from api.routers import ApiRouter

router = ApiRouter()
router.register("bookings", BookingViewSet, basename="booking")
urlpatterns = router.urls
