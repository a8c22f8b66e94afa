from django.urls import path

from api.calendars.views import (
    CalendarViewSet,
    DestinationCalendarViewSet,
    SelectedCalendarViewSet,
)
from api.routers import ApiRouter

router = ApiRouter()
router.register("calendars", CalendarViewSet, basename="calendar")

urlpatterns = [
    path(
        "selected-calendars",
        SelectedCalendarViewSet.as_view({"post": "create", "delete": "destroy_selected"}),
        name="selected-calendars",
    ),
    path(
        "destination-calendars",
        DestinationCalendarViewSet.as_view({"put": "update_destination"}),
        name="destination-calendars",
    ),
    *router.urls,
]
