"""Event types (Cal.com's 2024-06-14 shapes) and their private links: inputs and outputs.

`EventTypeSettings` is the one table of the API's names for an event type's settings: each field
names its model field (`source`), so the same declarations read an input (validated data keyed by
model field), render the output, and name the setting in errors (api/errors.py). Settings given
as objects (bookingWindow, confirmationPolicy, ...) are fields that convert both ways
(settings.py).

Inputs check types and shapes; the rules (lengths among the options, limits, locations,
questions, windows...) live in eventtypes/rules.py and eventtypes/services.py. Where Cal.com has
a setting we do not have, the output gives its neutral value (no price, nothing locked).
"""

from django.conf import settings as django_settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.eventtypes.settings import (
    MINUTES_PER_DAY,
    BookingFieldInput,
    BookingFieldOutput,
    BookingWindowField,
    ConfirmationPolicyField,
    DisableCancellingSetting,
    DisableReschedulingSetting,
    EventTypeLocationInput,
    LimitsField,
    PublicLocationsField,
    RecurrenceField,
    SeatsField,
    UrlOrNullField,
)
from api.fields import (
    BoundedIntegerField,
    Fixed,
    LenientDateTimeField,
    StrictBooleanField,
    StrictIntegerField,
)
from api.serializers import PatchableSerializer
from bookings.representation import Instant, OneOf, Output
from eventtypes.models import EventType, Host
from eventtypes.services import HostSpec

# Values that mean "not used" for a Cal.com setting we do not have.
NEUTRAL_VALUES = (None, False, 0, "", [], {}, {"disabled": True})
UNSUPPORTED_SETTINGS = (
    "offsetStart",
    "bookerLayouts",
    "bookerActiveBookingsLimit",
    "onlyShowFirstAvailableSlot",
    "requiresBookerEmailVerification",
    "hideCalendarNotes",
    "lockTimeZoneToggleOnBookingPage",
    "color",
    "destinationCalendar",
    "useDestinationCalendarEmail",
    "hideCalendarEventDetails",
    "hideOrganizerEmail",
    "calVideoSettings",
    "bookingRequiresAuthentication",
    "interfaceLanguage",
    "allowReschedulingPastBookings",
    "allowReschedulingCancelledBookings",
    "showOptimizedSlots",
    "emailSettings",
    "rescheduleWithSameRoundRobinHost",
)
PRIORITY_NAMES = {value: label.lower() for value, label in Host.Priority.choices}


# --- Event types -------------------------------------------------------------------------------


class EventTypeSettings(Output):
    """The settings of an event type, each under the API's name with its model field."""

    lengthInMinutes = StrictIntegerField(
        source="length_minutes", min_value=1, max_value=MINUTES_PER_DAY
    )
    lengthInMinutesOptions = serializers.ListField(
        source="length_options",
        child=StrictIntegerField(min_value=1, max_value=MINUTES_PER_DAY),
        required=False,
        max_length=20,
        help_text="Lengths the booker may choose; must include lengthInMinutes",
    )
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    bookingFields = serializers.ListField(
        source="booking_fields", child=BookingFieldInput(), required=False, max_length=50
    )
    locations = serializers.ListField(child=EventTypeLocationInput(), required=False, max_length=20)
    disableGuests = StrictBooleanField(source="disable_guests", required=False)
    slotInterval = StrictIntegerField(
        source="slot_interval",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MINUTES_PER_DAY,
    )
    minimumBookingNotice = StrictIntegerField(
        source="minimum_booking_notice",
        required=False,
        min_value=0,
        max_value=365 * MINUTES_PER_DAY,
    )
    beforeEventBuffer = StrictIntegerField(
        source="before_event_buffer", required=False, min_value=0, max_value=MINUTES_PER_DAY
    )
    afterEventBuffer = StrictIntegerField(
        source="after_event_buffer", required=False, min_value=0, max_value=MINUTES_PER_DAY
    )
    scheduleId = StrictIntegerField(
        source="schedule_id",
        required=False,
        allow_null=True,
        min_value=1,
        help_text="null: the owner's default",
    )
    bookingWindow = BookingWindowField(required=False)
    bookingLimitsCount = LimitsField("booking_limits_count", required=False)
    bookingLimitsDuration = LimitsField(
        "booking_limits_duration", required=False, help_text="Minutes, multiples of 15"
    )
    confirmationPolicy = ConfirmationPolicyField(required=False)
    recurrence = RecurrenceField(required=False)
    seats = SeatsField(required=False)
    customName = serializers.CharField(
        source="custom_title", required=False, allow_blank=True, max_length=255
    )
    successRedirectUrl = UrlOrNullField(
        source="success_redirect_url", required=False, max_length=200
    )
    forwardParamsSuccessRedirect = StrictBooleanField(
        source="success_redirect_forward_params", required=False
    )
    hidden = StrictBooleanField(required=False)
    isInstantEvent = StrictBooleanField(
        source="instant_meetings_allowed",
        required=False,
        help_text="Team event types: bookable for right now",
    )
    disableCancelling = DisableCancellingSetting(source="*", required=False)
    disableRescheduling = DisableReschedulingSetting(source="*", required=False)
    # Extensions (Cal.com has no such settings).
    allowDoubleBooking = StrictBooleanField(
        source="allow_double_booking",
        required=False,
        help_text="Bookings of this type neither block nor are blocked",
    )
    requiresAttendeeEmailConfirmation = StrictBooleanField(
        source="requires_attendee_opt_in",
        required=False,
        help_text="Double opt-in: the attendee confirms from an email",
    )
    cancellationCutoffMinutes = StrictIntegerField(
        source="cancellation_cutoff_minutes",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=365 * MINUTES_PER_DAY,
        help_text="Attendees cannot cancel later than this many minutes before the start",
    )
    reminderOffsets = serializers.ListField(
        source="reminder_offsets",
        child=StrictIntegerField(min_value=1, max_value=30 * MINUTES_PER_DAY),
        required=False,
        max_length=10,
        help_text="Minutes before the start at which to send reminders",
    )


class EventTypeInput(PatchableSerializer, EventTypeSettings):
    """Cal.com's CreateEventTypeInput_2024_06_14 (PATCH: any subset), plus our extensions.
    Validated data are model field values."""

    def validate(self, data):
        unsupported = {
            name: (
                f"{name} is not supported; leave it out (or give false, 0, null or "
                '{"disabled": true}).'
            )
            for name in UNSUPPORTED_SETTINGS
            if name in self.initial_data and self.initial_data[name] not in NEUTRAL_VALUES
        }
        if unsupported:
            raise serializers.ValidationError(unsupported)
        return data

    def to_settings(self) -> dict:
        return {
            name: value
            for name, value in self.validated_data.items()
            if name not in ("hosts", "assign_all_members")
        }


class HostInput(serializers.Serializer):
    PRIORITIES = {label.lower(): value for value, label in Host.Priority.choices}

    userId = StrictIntegerField(min_value=1)
    mandatory = StrictBooleanField(
        required=False, default=False, help_text="Round robin: joins every booking"
    )
    priority = serializers.ChoiceField(choices=list(PRIORITIES), required=False, default="medium")
    weight = StrictIntegerField(required=False, default=100, min_value=1, max_value=10000)

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        return HostSpec(
            user_id=data["userId"],
            is_fixed=data["mandatory"],
            priority=self.PRIORITIES[data["priority"]],
            weight=data["weight"],
        )


class TeamEventTypeInput(EventTypeInput):
    """Cal.com's CreateTeamEventTypeInput_2024_06_14 (PATCH: any subset)."""

    schedulingType = serializers.ChoiceField(
        source="scheduling_type",
        choices=EventType.SchedulingType.values,
        help_text="roundRobin: one available host; collective: every host",
    )
    hosts = serializers.ListField(child=HostInput(), required=False, max_length=200)
    assignAllTeamMembers = StrictBooleanField(
        source="assign_all_members",
        required=False,
        help_text="Every current member becomes a host",
    )

    def to_internal_value(self, data):
        if isinstance(data, dict) and data.get("schedulingType") == "managed":
            raise serializers.ValidationError(
                {
                    "schedulingType": "Managed event types are not supported; use roundRobin or "
                    "collective."
                }
            )
        return super().to_internal_value(data)

    def validate(self, data):
        data = super().validate(data)
        if data.get("hosts") and data.get("assign_all_members"):
            raise serializers.ValidationError(
                {"hosts": "Give hosts or assignAllTeamMembers: true, not both."}
            )
        return data

    def host_specs(self) -> list[HostSpec] | None:
        return self.validated_data.get("hosts")

    @property
    def assign_all_members(self) -> bool:
        return bool(self.validated_data.get("assign_all_members"))


class EventTypeListQuery(serializers.Serializer):
    username = serializers.CharField(required=False, max_length=150)
    eventSlug = serializers.CharField(required=False, max_length=100)
    usernames = serializers.CharField(
        required=False, max_length=2000, help_text="Comma-separated usernames"
    )
    orgSlug = serializers.CharField(required=False, max_length=100)
    orgId = BoundedIntegerField(required=False, min_value=1)
    sortCreatedAt = serializers.ChoiceField(choices=["asc", "desc"], required=False)

    def validate_usernames(self, value):
        names = [name.strip() for name in value.split(",") if name.strip()]
        if not names:
            raise serializers.ValidationError("Give usernames separated by commas.")
        return names

    def validate(self, data):
        if "username" in data and "usernames" in data:
            raise serializers.ValidationError("Give username or usernames, not both.")
        return data


class TeamEventTypeListQuery(serializers.Serializer):
    eventSlug = serializers.CharField(required=False, max_length=100)
    hostsLimit = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    sortCreatedAt = serializers.ChoiceField(choices=["asc", "desc"], required=False)


class UserOutput(Output):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    username = serializers.CharField()
    avatarUrl = Fixed(None, serializers.CharField(allow_null=True))
    weekStart = Fixed("Monday", serializers.CharField())
    brandColor = Fixed(None, serializers.CharField(allow_null=True))
    darkBrandColor = Fixed(None, serializers.CharField(allow_null=True))
    metadata = Fixed({}, serializers.DictField())


class EventTypeHostOutput(Output):
    userId = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.display_name")
    username = serializers.CharField(source="user.username")
    mandatory = serializers.BooleanField(source="is_fixed")
    priority = serializers.SerializerMethodField()
    weight = serializers.IntegerField()
    avatarUrl = Fixed(None, serializers.CharField(allow_null=True))

    @extend_schema_field(serializers.ChoiceField(choices=list(PRIORITY_NAMES.values())))
    def get_priority(self, host) -> str:
        return PRIORITY_NAMES[host.priority]


class TeamOutput(Output):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    bannerUrl = Fixed(None, serializers.CharField(allow_null=True))
    logoUrl = Fixed(None, serializers.CharField(allow_null=True))
    weekStart = Fixed("Monday", serializers.CharField())
    brandColor = Fixed(None, serializers.CharField(allow_null=True))
    darkBrandColor = Fixed(None, serializers.CharField(allow_null=True))
    theme = Fixed(None, serializers.CharField(allow_null=True))


# Left out of the output when switched off, as Cal.com does.
SWITCHABLE_SETTINGS = (
    "lengthInMinutesOptions",
    "bookingLimitsCount",
    "bookingLimitsDuration",
    "bookingWindow",
    "confirmationPolicy",
    "seats",
    "customName",
)


class EventTypeFields(EventTypeSettings):
    """What every event type shows. Context: `manages`, a predicate telling whether the caller
    manages an event type (who may see its private locations); everything is shown without."""

    id = serializers.IntegerField()
    bookingFields = serializers.ListField(source="booking_fields", child=BookingFieldOutput())
    locations = PublicLocationsField(help_text='Typed locations, e.g. {"type": "address", ...}')
    recurrence = RecurrenceField(allow_null=True)
    metadata = Fixed({}, serializers.DictField())
    price = Fixed(0, serializers.IntegerField())
    currency = Fixed("usd", serializers.CharField())
    lockTimeZoneToggleOnBookingPage = Fixed(False, serializers.BooleanField())
    seatsPerTimeSlot = serializers.IntegerField(source="seats_per_time_slot", allow_null=True)
    seatsShowAvailabilityCount = serializers.BooleanField(
        source="seats_show_availability_count", allow_null=True
    )
    forwardParamsSuccessRedirect = serializers.BooleanField(
        source="success_redirect_forward_params", allow_null=True
    )
    bookingRequiresAuthentication = Fixed(False, serializers.BooleanField())
    requiresBookerEmailVerification = Fixed(False, serializers.BooleanField())
    bookingUrl = serializers.SerializerMethodField()

    def made_field(self, name, declared):
        field = super().made_field(name, declared)
        field.required = name not in SWITCHABLE_SETTINGS
        return field

    def is_empty(self, value) -> bool:
        return not value


class EventTypeOutput(EventTypeFields):
    """Cal.com's EventTypeOutput_2024_06_14."""

    ownerId = serializers.IntegerField(source="owner_id")
    users = serializers.SerializerMethodField()

    def applies_to(self, event_type) -> bool:
        return not event_type.is_team_event

    def get_bookingUrl(self, event_type) -> str:
        return f"{django_settings.SITE_URL}/{event_type.owner.username}/{event_type.slug}/"

    @extend_schema_field(UserOutput(many=True))
    def get_users(self, event_type) -> list:
        return [UserOutput(event_type.owner, context=self.context).data]


class TeamEventTypeOutput(EventTypeFields):
    """Cal.com's TeamEventTypeOutput_2024_06_14. Context: `hosts_limit`, at most that many
    hosts."""

    teamId = serializers.IntegerField(source="team_id")
    ownerId = Fixed(None, serializers.IntegerField(allow_null=True))
    parentEventTypeId = Fixed(None, serializers.IntegerField(allow_null=True))
    schedulingType = serializers.ChoiceField(
        source="scheduling_type", choices=EventType.SchedulingType.values
    )
    hosts = serializers.SerializerMethodField()
    team = TeamOutput()

    def applies_to(self, event_type) -> bool:
        return event_type.is_team_event

    def get_bookingUrl(self, event_type) -> str:
        return f"{django_settings.SITE_URL}/team/{event_type.team.slug}/{event_type.slug}/"

    @extend_schema_field(EventTypeHostOutput(many=True))
    def get_hosts(self, event_type) -> list:
        hosts = list(event_type.hosts.all())
        limit = self.context.get("hosts_limit")
        if limit is not None:
            hosts = hosts[:limit]
        return EventTypeHostOutput(hosts, many=True, context=self.context).data


class AnyEventTypeOutput(OneOf):
    """A personal event type, or a team event type (with teamId and hosts)."""

    variants = (TeamEventTypeOutput, EventTypeOutput)


class DeletedEventTypeOutput(Output):
    id = serializers.IntegerField()
    lengthInMinutes = serializers.IntegerField(source="length_minutes")
    title = serializers.CharField()
    slug = serializers.CharField()


# --- Private links -----------------------------------------------------------------------------


class PrivateLinkInput(serializers.Serializer):
    """Cal.com's CreatePrivateLinkInput / UpdatePrivateLinkBody: a time or a number of uses."""

    expiresAt = LenientDateTimeField(
        source="expires_at", required=False, help_text="Time-based: works until then (ISO 8601)"
    )
    maxUsageCount = StrictIntegerField(
        source="max_uses",
        required=False,
        min_value=1,
        max_value=100000,
        help_text="Usage-based: works N times",
    )


class PrivateLinkOutput(Output):
    """Time-based when the link has an expiry time, else usage-based. Context: `now`."""

    linkId = serializers.CharField(source="link_hash")
    eventTypeId = serializers.IntegerField(source="event_type_id")
    isExpired = serializers.SerializerMethodField()
    bookingUrl = serializers.SerializerMethodField()
    expiresAt = Instant(source="expires_at", required=False, help_text="Time-based links")
    maxUsageCount = serializers.IntegerField(
        source="max_uses", required=False, help_text="Usage-based links"
    )
    usageCount = serializers.IntegerField(
        source="uses", required=False, help_text="Usage-based links"
    )

    def get_isExpired(self, link) -> bool:
        return not link.is_usable(self.context["now"])

    def get_bookingUrl(self, link) -> str:
        return f"{django_settings.SITE_URL}/d/{link.link_hash}/{link.event_type.slug}/"

    def to_representation(self, link):
        data = super().to_representation(link)
        if link.expires_at is not None:
            data.pop("maxUsageCount", None)
            data.pop("usageCount", None)
        else:
            data["maxUsageCount"], data["usageCount"] = link.max_uses, link.uses
        return data


class DeletedPrivateLinkOutput(Output):
    linkId = serializers.CharField(source="link_hash")
    message = Fixed("Private link deleted successfully", serializers.CharField())
