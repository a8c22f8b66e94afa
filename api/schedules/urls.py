from api.routers import ApiRouter
from api.schedules.views import ScheduleViewSet

router = ApiRouter()
router.register("schedules", ScheduleViewSet, basename="schedule")
urlpatterns = router.urls
