"""Shapes of the calendar endpoints: Cal.com's where it has them (ConnectedCalendarsOutput,
CreateIcsFeedOutput, SelectedCalendarOutput, DestinationCalendarsOutput, BusyTimesOutput),
with our CalDAV connection's sync state added. A password is accepted, never returned."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.timezones import iso_utc
from api.fields import (
    BoundedIntegerField,
    LenientDateTimeField,
    StrictIntegerField,
    TextField,
    TimeZoneField,
)
from bookings.representation import Instant, Output

INTEGRATIONS = ["apple_calendar", "caldav_calendar", "ics-feed_calendar"]
# Those a booking can be written into.
WRITABLE_INTEGRATIONS = ["apple_calendar", "caldav_calendar"]


@extend_schema_field({"type": "string", "enum": INTEGRATIONS})
class CalendarIntegration(serializers.Field):
    """The integration (Cal.com's name for the provider) of a calendar's connection."""

    def __init__(self, **kwargs):
        super().__init__(source="connection", read_only=True, **kwargs)

    def to_representation(self, connection) -> str:
        return connection.integration


class IntegrationOutput(serializers.Serializer):
    name = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    slug = serializers.SerializerMethodField()
    variant = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()

    def get_name(self, connection) -> str:
        return {
            "apple_calendar": "Apple Calendar",
            "caldav_calendar": "CalDAV",
            "ics-feed_calendar": "ICS Feed",
        }[connection.integration]

    def get_type(self, connection) -> str:
        return connection.integration

    def get_slug(self, connection) -> str:
        return connection.integration.removesuffix("_calendar").replace("_", "-")

    def get_variant(self, connection) -> str:
        return "calendar"

    def get_categories(self, connection) -> list[str]:
        return ["calendar"]

    def get_description(self, connection) -> str:
        return connection.get_kind_display()


class CalendarOutput(Output):
    externalId = serializers.CharField(source="url")
    integration = CalendarIntegration()
    name = serializers.CharField()
    primary = serializers.BooleanField(source="add_bookings")
    readOnly = serializers.BooleanField(source="connection.is_read_only")
    isSelected = serializers.BooleanField(
        source="check_conflicts", help_text="Its events block your slots"
    )
    credentialId = serializers.IntegerField(source="connection_id")


class ConnectedCalendarOutput(Output):
    integration = IntegrationOutput(source="*")
    credentialId = serializers.IntegerField(source="id")
    calendars = CalendarOutput(many=True, source="calendars.all")
    # Ours: where the connection points and how its last sync went.
    url = serializers.CharField()
    username = serializers.CharField()
    syncedAt = serializers.SerializerMethodField(help_text="The last sync that worked")
    attemptedAt = serializers.SerializerMethodField(help_text="The last sync tried")
    lastError = serializers.CharField(
        source="last_error", help_text="Empty when the last sync worked"
    )

    def get_syncedAt(self, connection) -> str | None:
        return iso_utc(connection.synced_at) if connection.synced_at else None

    def get_attemptedAt(self, connection) -> str | None:
        return iso_utc(connection.attempted_at) if connection.attempted_at else None


class DestinationCalendarOutput(Output):
    id = serializers.IntegerField()
    integration = CalendarIntegration()
    externalId = serializers.CharField(source="url")
    name = serializers.CharField()
    userId = serializers.IntegerField(source="user_id")
    eventTypeId = serializers.SerializerMethodField()
    credentialId = serializers.IntegerField(source="connection_id")
    primaryEmail = serializers.SerializerMethodField()

    def get_eventTypeId(self, calendar) -> int | None:
        return None

    def get_primaryEmail(self, calendar) -> str | None:
        return None


class ConnectedCalendarsOutput(serializers.Serializer):
    connectedCalendars = ConnectedCalendarOutput(many=True, source="connections")
    destinationCalendar = DestinationCalendarOutput(source="destination", allow_null=True)


class CaldavCredentialsInput(serializers.Serializer):
    username = TextField(max_length=255)
    password = serializers.CharField(max_length=1000, trim_whitespace=False, write_only=True)
    url = serializers.URLField(
        max_length=1000,
        required=False,
        help_text="The CalDAV server (or principal, or calendar) URL; iCloud's for `apple`",
    )


class IcsFeedInput(serializers.Serializer):
    urls = serializers.ListField(
        child=serializers.CharField(max_length=1000), min_length=1, max_length=10
    )
    readOnly = serializers.BooleanField(default=True, help_text="Feeds are always read only")


class CredentialOutput(Output):
    """Cal.com's CreateIcsFeedOutput / DeletedCalendarCredentialsOutputDto."""

    id = serializers.IntegerField()
    type = serializers.SerializerMethodField()
    userId = serializers.IntegerField(source="user_id")
    teamId = serializers.SerializerMethodField()
    appId = serializers.SerializerMethodField()
    invalid = serializers.SerializerMethodField()

    def get_type(self, connection) -> str:
        return connection.integration

    def get_teamId(self, connection) -> int | None:
        return None

    def get_appId(self, connection) -> str:
        return IntegrationOutput().get_slug(connection)

    def get_invalid(self, connection) -> bool:
        return connection.failures > 0


class DisconnectInput(serializers.Serializer):
    id = StrictIntegerField(min_value=1, help_text="The connection's credentialId")


class SelectedCalendarInput(serializers.Serializer):
    integration = serializers.ChoiceField(choices=INTEGRATIONS)
    externalId = serializers.CharField(max_length=1000)
    credentialId = StrictIntegerField(min_value=1)


class SelectedCalendarQuery(serializers.Serializer):
    integration = serializers.ChoiceField(choices=INTEGRATIONS)
    externalId = serializers.CharField(max_length=1000)
    credentialId = BoundedIntegerField(min_value=1)


class SelectedCalendarOutput(Output):
    userId = serializers.IntegerField(source="user_id")
    integration = CalendarIntegration()
    externalId = serializers.CharField(source="url")
    credentialId = serializers.IntegerField(source="connection_id")


class DestinationInput(serializers.Serializer):
    integration = serializers.ChoiceField(choices=WRITABLE_INTEGRATIONS)
    externalId = serializers.CharField(max_length=1000)


class BusyTimesQuery(serializers.Serializer):
    credentialId = BoundedIntegerField(min_value=1)
    externalId = serializers.CharField(max_length=1000)
    dateFrom = LenientDateTimeField(required=False, help_text="Default: now")
    dateTo = LenientDateTimeField(
        required=False, end_of_day=True, help_text="Default: 30 days after dateFrom"
    )
    timeZone = TimeZoneField(required=False)


class BusyTimeOutput(Output):
    start = Instant()
    end = Instant()
    source = serializers.SerializerMethodField()

    def get_source(self, busy) -> str:
        return self.context["source"]
