from rest_framework import serializers

from api.fields import Fixed
from bookings.representation import Output


class MeOrganizationOutput(Output):
    isPlatform = Fixed(False, serializers.BooleanField())
    id = serializers.IntegerField()


class MeOutput(Output):
    """Cal.com's MeOutput."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    name = serializers.SerializerMethodField()
    avatarUrl = Fixed(None, serializers.CharField(allow_null=True))
    bio = Fixed(None, serializers.CharField(allow_null=True))
    timeFormat = Fixed(24, serializers.ChoiceField(choices=[12, 24]))
    defaultScheduleId = serializers.SerializerMethodField()
    weekStart = Fixed("Monday", serializers.CharField())
    timeZone = serializers.CharField(source="time_zone")
    locale = serializers.CharField(source="language")
    organizationId = serializers.IntegerField(source="organization_id", allow_null=True)
    organization = MeOrganizationOutput(required=False)

    def get_name(self, user) -> str | None:
        return user.name or None

    def get_defaultScheduleId(self, user) -> int | None:
        # Through the reverse relation: accounts does not import the apps built on it.
        return user.schedules.filter(is_default=True).values_list("id", flat=True).first()
