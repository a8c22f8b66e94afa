"""Event types (Cal.com's 2024-06-14 shapes) and their private links: inputs and outputs.

`EventTypeSettings` is the one table of the API's names for an event type's settings: each field
names its model field (`source`), so the same declarations read an input (validated data keyed by
model field), render the output, and name the setting in errors (`api_names`). Settings given as
objects (bookingWindow, confirmationPolicy, ...) are fields that convert both ways.

Inputs check types and shapes; the rules (lengths among the options, limits, locations,
questions, windows...) live in eventtypes/rules.py and eventtypes/services.py. Where Cal.com has
a setting we do not have, the output gives its neutral value (no price, nothing locked).
"""

from django.conf import settings as django_settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    BoundedIntegerField,
    Fixed,
    LenientDateTimeField,
    StrictBooleanField,
    StrictIntegerField,
)
from bookings.representation import Instant, OneOf, Output
from eventtypes.models import EventType, Host
from eventtypes.rules import LOCATION_TYPES
from eventtypes.services import HostSpec

MINUTES_PER_DAY = 24 * 60
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
    "forwardParamsSuccessRedirect",
    "emailSettings",
    "rescheduleWithSameRoundRobinHost",
)
PRIORITY_NAMES = {value: label.lower() for value, label in Host.Priority.choices}


class PatchableSerializer(serializers.Serializer):
    """patch=True: every top-level field becomes optional. Nested objects keep their required
    fields and defaults, which DRF's partial=True would drop at every depth."""

    def __init__(self, *args, patch: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if patch:
            for field in self.fields.values():
                field.required = False


# --- Settings given as objects -----------------------------------------------------------------


class DisabledInput(serializers.Serializer):
    disabled = serializers.BooleanField(help_text="Only true: switches the setting off")


class ObjectSetting(serializers.Field):
    """A setting given as an object that sets several model fields (`model_fields`), or as
    {"disabled": true} to switch it off (`off`: the model fields then).

    Subclasses name the object's shape, convert it to model fields (`to_fields`) and back
    (`from_model`, None when switched off, which the output leaves out).
    """

    shape: type[serializers.Serializer]
    off: dict = {}
    # How the document describes the setting: any of these shapes (or, in a request,
    # {"disabled": true}; in a response, null).
    shapes: tuple = ()

    default_error_messages = {
        "not_object": 'Give an object, or {{"disabled": true}} to switch this off.',
        "mixed": 'Give {{"disabled": true}} alone, or the settings without "disabled": true.',
    }

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    @property
    def model_fields(self):
        return tuple(self.off)

    def shape_for(self, data: dict) -> type[serializers.Serializer]:
        return self.shape

    def documented_shapes(self) -> tuple:
        return self.shapes or (self.shape,)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_object")
        if data.get("disabled") is True:
            if set(data) != {"disabled"}:
                self.fail("mixed")
            return dict(self.off)
        serializer = self.shape_for(data)(data=data)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        return {**self.off, **self.to_fields(serializer.validated_data)}

    def to_fields(self, data: dict) -> dict:
        raise NotImplementedError

    def to_representation(self, event_type):
        return self.from_model(event_type)

    def from_model(self, event_type: EventType):
        raise NotImplementedError


class DaysWindowInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["businessDays", "calendarDays"])
    value = StrictIntegerField(min_value=1, max_value=3650, help_text="Days into the future")
    rolling = StrictBooleanField(
        required=False,
        default=False,
        help_text="Only false: the window counts every day from today, not only days with "
        "availability",
    )

    def validate_rolling(self, value):
        if value:
            raise serializers.ValidationError(
                "Rolling windows (counting only days with free slots) are not supported; "
                "give rolling: false."
            )
        return value


class RangeWindowInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["range"])
    value = serializers.ListField(
        child=serializers.DateField(), min_length=2, max_length=2, help_text="[first, last] day"
    )


class BookingWindowField(ObjectSetting):
    off = {
        "booking_window_type": EventType.BookingWindow.UNLIMITED,
        "booking_window_days": None,
        "booking_window_start": None,
        "booking_window_end": None,
    }

    shapes = (DaysWindowInput, RangeWindowInput)

    def shape_for(self, data):
        return RangeWindowInput if data.get("type") == "range" else DaysWindowInput

    def to_fields(self, data):
        if data["type"] == "range":
            start, end = data["value"]
            fields = {"booking_window_start": start, "booking_window_end": end}
            return {"booking_window_type": "range", **fields}
        return {"booking_window_type": data["type"], "booking_window_days": data["value"]}

    def from_model(self, event_type):
        kind = event_type.booking_window_type
        if kind == EventType.BookingWindow.RANGE:
            start, end = event_type.booking_window_start, event_type.booking_window_end
            return {"type": kind, "value": [start.isoformat(), end.isoformat()]}
        if kind in (EventType.BookingWindow.CALENDAR_DAYS, EventType.BookingWindow.BUSINESS_DAYS):
            return {"type": kind, "value": event_type.booking_window_days, "rolling": False}
        return None


class LimitsInput(serializers.Serializer):
    day = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    week = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    month = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    year = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    disabled = StrictBooleanField(required=False, help_text="false, or leave out")


class LimitsField(ObjectSetting):
    shape = LimitsInput

    def __init__(self, model_field: str, **kwargs):
        self.model_field = model_field
        self.off = {model_field: {}}
        super().__init__(**kwargs)

    def to_fields(self, data):
        return {self.model_field: {k: v for k, v in data.items() if k != "disabled"}}

    def from_model(self, event_type):
        return dict(getattr(event_type, self.model_field) or {}) or None


class NoticeThresholdInput(serializers.Serializer):
    unit = serializers.ChoiceField(choices=["minutes", "hours"])
    count = StrictIntegerField(min_value=1, max_value=365 * MINUTES_PER_DAY)


class ConfirmationPolicyInput(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["always", "time"],
        help_text="always, or time: only when booked less than noticeThreshold ahead",
    )
    noticeThreshold = NoticeThresholdInput(required=False)
    blockUnconfirmedBookingsInBooker = StrictBooleanField(
        required=False, help_text="Only true: unconfirmed bookings hold their slot"
    )

    def validate_blockUnconfirmedBookingsInBooker(self, value):
        if not value:
            raise serializers.ValidationError(
                "Unconfirmed bookings always hold their slot here; give true or leave it out."
            )
        return value

    def validate(self, data):
        if data["type"] == "time" and "noticeThreshold" not in data:
            raise serializers.ValidationError(
                {"noticeThreshold": "A 'time' policy needs a noticeThreshold."}
            )
        if data["type"] == "always" and "noticeThreshold" in data:
            raise serializers.ValidationError(
                {"noticeThreshold": "Only a 'time' policy has a noticeThreshold."}
            )
        return data


class ConfirmationPolicyField(ObjectSetting):
    shape = ConfirmationPolicyInput
    off = {"requires_confirmation": False, "confirmation_threshold_minutes": None}

    def to_fields(self, data):
        threshold = data.get("noticeThreshold")
        minutes = None
        if threshold:
            minutes = threshold["count"] * (60 if threshold["unit"] == "hours" else 1)
        return {"requires_confirmation": True, "confirmation_threshold_minutes": minutes}

    def from_model(self, event_type):
        if not event_type.requires_confirmation:
            return None
        policy = {"type": "always", "blockUnconfirmedBookingsInBooker": True}
        if event_type.confirmation_threshold_minutes is not None:
            policy["type"] = "time"
            policy["noticeThreshold"] = {
                "unit": "minutes",
                "count": event_type.confirmation_threshold_minutes,
            }
        return policy


class RecurrenceInput(serializers.Serializer):
    frequency = serializers.ChoiceField(choices=EventType.RecurrenceFrequency.values)
    interval = StrictIntegerField(min_value=1, max_value=99, help_text="Every N weeks/months/years")
    occurrences = StrictIntegerField(min_value=1, max_value=730, help_text="At most N meetings")


class RecurrenceField(ObjectSetting):
    shape = RecurrenceInput
    off = {"recurrence_frequency": "", "recurrence_interval": 1, "recurrence_max_occurrences": None}

    def to_fields(self, data):
        return {
            "recurrence_frequency": data["frequency"],
            "recurrence_interval": data["interval"],
            "recurrence_max_occurrences": data["occurrences"],
        }

    def from_model(self, event_type):
        if not event_type.is_recurring:
            return None
        return {
            "frequency": event_type.recurrence_frequency,
            "interval": event_type.recurrence_interval,
            "occurrences": event_type.recurrence_max_occurrences,
        }


class SeatsInput(serializers.Serializer):
    seatsPerTimeSlot = StrictIntegerField(min_value=1, max_value=1000)
    showAttendeeInfo = StrictBooleanField(required=False, default=False)
    showAvailabilityCount = StrictBooleanField(required=False, default=True)


class SeatsField(ObjectSetting):
    shape = SeatsInput
    off = {"seats_per_time_slot": None}
    model_fields = ("seats_per_time_slot", "seats_show_attendees", "seats_show_availability_count")

    def to_fields(self, data):
        return {
            "seats_per_time_slot": data["seatsPerTimeSlot"],
            "seats_show_attendees": data["showAttendeeInfo"],
            "seats_show_availability_count": data["showAvailabilityCount"],
        }

    def from_model(self, event_type):
        if not event_type.is_seated:
            return None
        return {
            "seatsPerTimeSlot": event_type.seats_per_time_slot,
            "showAttendeeInfo": event_type.seats_show_attendees,
            "showAvailabilityCount": event_type.seats_show_availability_count,
        }


class DisableCancellingSetting(Output):
    disabled = StrictBooleanField(source="disable_cancelling", help_text="Attendees cannot cancel")


class DisableReschedulingSetting(Output):
    disabled = StrictBooleanField(
        source="disable_rescheduling",
        required=False,
        default=False,
        help_text="Never reschedulable",
    )
    minutesBefore = StrictIntegerField(
        source="reschedule_cutoff_minutes",
        required=False,
        default=None,
        allow_null=True,
        min_value=1,
        max_value=365 * MINUTES_PER_DAY,
        help_text="Not reschedulable when less than this many minutes before the start",
    )

    def validate(self, data):
        if data["disable_rescheduling"] and data.get("reschedule_cutoff_minutes"):
            raise serializers.ValidationError(
                "Give disabled: true, or minutesBefore with disabled false, not both."
            )
        return data


# --- Lists of objects --------------------------------------------------------------------------


# Named for this component alone: the bookings API has an enum with the same values, and
# one shared enum cannot take either component's name.
@extend_schema_field(
    {"type": "string", "enum": list(LOCATION_TYPES), "x-spec-enum-id": "event-type-location"}
)
class LocationTypeField(serializers.ChoiceField):
    pass


class EventTypeLocationInput(serializers.Serializer):
    """A typed location (Cal.com's Input*Location_2024_06_14)."""

    type = LocationTypeField(choices=list(LOCATION_TYPES))
    address = serializers.CharField(required=False, max_length=1000)
    link = serializers.URLField(required=False, max_length=1000)
    phone = serializers.CharField(required=False, max_length=30)
    integration = serializers.CharField(
        required=False, max_length=50, help_text="cal-video, google-meet, zoom, ..."
    )
    public = StrictBooleanField(
        required=False, default=True, help_text="Shown before booking (address, link, phone)"
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                'Each location is an object with a "type", e.g. {"type": "address", '
                '"address": "1 Main St", "public": true}.'
            )
        data = super().to_internal_value(data)
        value_key = LOCATION_TYPES[data["type"]]
        location = {"type": data["type"]}
        if value_key:
            if value_key in data:
                location[value_key] = data[value_key]
            if data["type"] != "integration":
                location["public"] = data["public"]
        return location


PRIVATE_LOCATION_VALUES = ("address", "link", "phone")


class PublicLocationsField(serializers.ListField):
    """The event type's locations. Shown to someone who does not manage it (context `manages`,
    a predicate; without one everything is shown), a location marked `"public": false` keeps
    its type with an empty address, number or link, which the attendee learns once booked."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.DictField(), source="*", **kwargs)

    def to_representation(self, event_type):
        locations = list(event_type.locations or [])
        manages = self.context.get("manages")
        if manages is None or manages(event_type):
            return locations
        return [
            {k: "" if k in PRIVATE_LOCATION_VALUES else v for k, v in location.items()}
            if not location.get("public", True)
            else location
            for location in locations
        ]


class BookingFieldInput(serializers.Serializer):
    """A custom booking question (Cal.com's *FieldInput_2024_06_14)."""

    slug = serializers.CharField(max_length=64, required=False)
    type = serializers.CharField(
        max_length=20,
        help_text="phone, address, text, number, textarea, select, multiselect, multiemail, "
        "checkbox, radio, boolean, url, name, email",
    )
    label = serializers.CharField(max_length=500)
    required = StrictBooleanField(required=False, default=False)
    hidden = StrictBooleanField(required=False, default=False)
    placeholder = serializers.CharField(required=False, allow_blank=True, max_length=500)
    options = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=100
    )
    disableOnPrefill = StrictBooleanField(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict) and "slug" not in data:
            raise serializers.ValidationError(
                "Each booking question needs a slug. The default questions (name, email, "
                "notes, guests, ...) are always on the form and are not set here."
            )
        if not isinstance(data, dict):
            raise serializers.ValidationError("Each booking question is an object.")
        return super().to_internal_value(data)


CHOICE_TYPES = {"select", "multiselect", "checkbox", "radio"}
# Question types whose Cal.com output carries a placeholder.
PLACEHOLDER_TYPES = {
    "name",
    "email",
    "phone",
    "address",
    "text",
    "number",
    "textarea",
    "select",
    "multiemail",
    "url",
}


class BookingFieldOutput(Output):
    """A booking question as Cal.com shows it: with its defaults, a placeholder for the types
    that have one and the options of the choice types."""

    type = serializers.CharField()
    slug = serializers.CharField()
    label = serializers.CharField(default="")
    required = serializers.BooleanField(default=False)
    hidden = serializers.BooleanField(default=False)
    isDefault = serializers.BooleanField(default=False)
    placeholder = serializers.CharField(required=False, allow_blank=True)
    options = serializers.ListField(child=serializers.CharField(), required=False)
    disableOnPrefill = serializers.BooleanField(required=False)

    def is_empty(self, value) -> bool:
        return False  # a question keeps what it has, even an empty placeholder

    def to_representation(self, field):
        data = super().to_representation(field)
        if field["type"] in PLACEHOLDER_TYPES:
            data.setdefault("placeholder", "")
        if field["type"] in CHOICE_TYPES:
            data.setdefault("options", [])
        if data.get("options") is None and "options" in data:
            data["options"] = []
        return data


class UrlOrNullField(serializers.URLField):
    """A URL; null or blank for none (stored empty, shown as null)."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def run_validation(self, data=serializers.empty):
        if data is None or (isinstance(data, str) and not data.strip()):
            return ""
        return super().run_validation(data)

    def to_representation(self, value):
        return value or None


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
    forwardParamsSuccessRedirect = Fixed(False, serializers.BooleanField(allow_null=True))
    bookingRequiresAuthentication = Fixed(False, serializers.BooleanField())
    requiresBookerEmailVerification = Fixed(False, serializers.BooleanField())
    bookingUrl = serializers.SerializerMethodField()

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            field.required = name not in SWITCHABLE_SETTINGS
        return fields

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
