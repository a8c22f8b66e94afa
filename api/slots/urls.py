from django.urls import path

from api.routers import ApiRouter
from api.slots.version_2024_04_15 import SlotsViewSet_2024_04_15
from api.slots.views import ReservationViewSet, SlotViewSet

router = ApiRouter()
router.register("slots/reservations", ReservationViewSet, basename="slot-reservation")
router.register("slots", SlotViewSet, basename="slot")
urlpatterns = [
    # Cal.com 2024-04-15, for clients that send no version header.
    path("slots/available", SlotsViewSet_2024_04_15.as_view({"get": "available"})),
    path("slots/reserve", SlotsViewSet_2024_04_15.as_view({"post": "reserve"})),
    path("slots/selected-slot", SlotsViewSet_2024_04_15.as_view({"delete": "release"})),
    *router.urls,
]
