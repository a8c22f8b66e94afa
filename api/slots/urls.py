from api.routers import ApiRouter
from api.slots.views import ReservationViewSet, SlotViewSet

router = ApiRouter()
router.register("slots/reservations", ReservationViewSet, basename="slot-reservation")
router.register("slots", SlotViewSet, basename="slot")
urlpatterns = router.urls
