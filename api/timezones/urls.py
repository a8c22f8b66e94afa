from django.urls import path

from api.timezones.views import TimeZoneViewSet

urlpatterns = [
    path("timezones", TimeZoneViewSet.as_view({"get": "list"}), name="timezones"),
    path(
        "schedules/time-zones",
        TimeZoneViewSet.as_view({"get": "for_schedules"}),
        name="schedule-timezones",
    ),
]
