"""The parts of an event type's settings that are more than a value: settings given as objects
(bookingWindow, bookingLimitsCount/Duration, confirmationPolicy, recurrence, seats,
disableCancelling/Rescheduling), which convert both ways between the API's object and the
model's fields, and the lists of locations and booking questions."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    StrictBooleanField,
    StrictIntegerField,
)
from bookings.representation import Output
from eventtypes.availability import MAX_WINDOW_DAYS
from eventtypes.models import EventType
from eventtypes.rules import LOCATION_TYPES

MINUTES_PER_DAY = 24 * 60


# --- Settings given as objects -----------------------------------------------------------------


class Disabled(serializers.Serializer):
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


class DaysWindow(serializers.Serializer):
    type = serializers.ChoiceField(choices=["businessDays", "calendarDays"])
    value = StrictIntegerField(
        min_value=1, max_value=MAX_WINDOW_DAYS, help_text="Days into the future"
    )
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


class RangeWindow(serializers.Serializer):
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

    shapes = (DaysWindow, RangeWindow)

    def shape_for(self, data):
        return RangeWindow if data.get("type") == "range" else DaysWindow

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
            return RangeWindow({"type": kind, "value": [start, end]}).data
        if kind in (EventType.BookingWindow.CALENDAR_DAYS, EventType.BookingWindow.BUSINESS_DAYS):
            days = event_type.booking_window_days
            return DaysWindow({"type": kind, "value": days, "rolling": False}).data
        return None


class Limits(serializers.Serializer):
    day = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    week = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    month = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    year = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    disabled = StrictBooleanField(required=False, help_text="false, or leave out")


class LimitsField(ObjectSetting):
    shape = Limits

    def __init__(self, model_field: str, **kwargs):
        self.model_field = model_field
        super().__init__(**kwargs)

    @property
    def off(self) -> dict:
        return {self.model_field: {}}  # a new inner dict each time: it goes into validated data

    def to_fields(self, data):
        return {self.model_field: {k: v for k, v in data.items() if k != "disabled"}}

    def from_model(self, event_type):
        limits = getattr(event_type, self.model_field)
        return Limits(limits).data if limits else None


class NoticeThreshold(serializers.Serializer):
    unit = serializers.ChoiceField(choices=["minutes", "hours"])
    count = StrictIntegerField(min_value=1, max_value=365 * MINUTES_PER_DAY)


class ConfirmationPolicy(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["always", "time"],
        help_text="always, or time: only when booked less than noticeThreshold ahead",
    )
    noticeThreshold = NoticeThreshold(required=False)
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
    shape = ConfirmationPolicy
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
        minutes = event_type.confirmation_threshold_minutes
        if minutes is not None:
            policy.update(type="time", noticeThreshold={"unit": "minutes", "count": minutes})
        return ConfirmationPolicy(policy).data


class Recurrence(serializers.Serializer):
    frequency = serializers.ChoiceField(
        source="recurrence_frequency", choices=EventType.RecurrenceFrequency.values
    )
    interval = StrictIntegerField(
        source="recurrence_interval",
        min_value=1,
        max_value=99,
        help_text="Every N weeks/months/years",
    )
    occurrences = StrictIntegerField(
        source="recurrence_max_occurrences",
        min_value=1,
        max_value=730,
        help_text="At most N meetings",
    )


class RecurrenceField(ObjectSetting):
    shape = Recurrence
    off = {"recurrence_frequency": "", "recurrence_interval": 1, "recurrence_max_occurrences": None}

    def to_fields(self, data):
        return data

    def from_model(self, event_type):
        return Recurrence(event_type).data if event_type.is_recurring else None


class Seats(serializers.Serializer):
    seatsPerTimeSlot = StrictIntegerField(source="seats_per_time_slot", min_value=1, max_value=1000)
    showAttendeeInfo = StrictBooleanField(
        source="seats_show_attendees", required=False, default=False
    )
    showAvailabilityCount = StrictBooleanField(
        source="seats_show_availability_count", required=False, default=True
    )


class SeatsField(ObjectSetting):
    shape = Seats
    off = {"seats_per_time_slot": None}
    model_fields = ("seats_per_time_slot", "seats_show_attendees", "seats_show_availability_count")

    def to_fields(self, data):
        return data

    def from_model(self, event_type):
        return Seats(event_type).data if event_type.is_seated else None


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
