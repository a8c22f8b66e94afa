"""GET /v2/timezones (and the older GET /v2/schedules/time-zones): the time zones to offer
people, each with the city it is named after, in Cal.com's shape."""

from rest_framework import serializers

from accounts.timezones import city_of, world_time_zones
from api.operations import operation
from api.views import ApiViewSet
from bookings.representation import Output


class TimeZoneOutput(Output):
    city = serializers.SerializerMethodField()
    timezone = serializers.SerializerMethodField(help_text="IANA name")
    pop = serializers.SerializerMethodField(
        help_text="The city's population in Cal.com; not known here (null)"
    )

    def get_city(self, zone) -> str:
        return city_of(zone)

    def get_timezone(self, zone) -> str:
        return zone

    def get_pop(self, zone) -> int | None:
        return None


class TimeZoneViewSet(ApiViewSet):
    api_version = None  # Cal.com serves it under every version
    tag = "Time zones"

    @operation("getTimeZones", output=TimeZoneOutput, many=True, public=True)
    def list(self, request):
        """List the time zones

        Every IANA zone named after a city (by region), and UTC.
        """
        return self.respond(world_time_zones())

    @operation(
        "getScheduleTimeZones", output=TimeZoneOutput, many=True, public=True, deprecated=True
    )
    def for_schedules(self, request):
        """List the time zones (older path)

        The same list as GET /v2/timezones, where Cal.com's SDK still asks for it.
        """
        return self.respond(world_time_zones())
