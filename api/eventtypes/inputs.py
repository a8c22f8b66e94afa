"""Request bodies and query strings of the event type, private link and schedule APIs.

Shapes of Cal.com's CreateEventTypeInput_2024_06_14, CreateScheduleInput_2024_06_11 and
friends. They check types and shapes and translate to model field names; the rules
(lengths among the options, limits, locations, questions, windows...) live in
eventtypes/rules.py and eventtypes/services.py.
"""

import re
from datetime import time

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from api.fields import (
    BoundedIntegerField,
    LenientDateTimeField,
    StrictBooleanField,
    StrictIntegerField,
    TimeZoneField,
)
from eventtypes.models import WEEKDAYS, EventType, Host
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


class PatchableSerializer(serializers.Serializer):
    """patch=True: every top-level field becomes optional. Nested objects keep their required
    fields and defaults, which DRF's partial=True would drop at every depth."""

    def __init__(self, *args, patch: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if patch:
            for field in self.fields.values():
                field.required = False


class DisabledInput(serializers.Serializer):
    disabled = serializers.BooleanField(help_text="Only true: switches the setting off")


class SwitchableSetting(serializers.Field):
    """A setting given as an object, or as {"disabled": true} to switch it off.

    Subclasses name the object's shape and translate it to model fields (`to_fields`);
    `off` are the model fields of the switched-off setting.
    """

    shape: type[serializers.Serializer]
    off: dict = {}

    default_error_messages = {
        "not_object": 'Give an object, or {{"disabled": true}} to switch this off.',
        "mixed": 'Give {{"disabled": true}} alone, or the settings without "disabled": true.',
    }

    def shape_for(self, data: dict) -> type[serializers.Serializer]:
        return self.shape

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
        return self.to_fields(serializer.validated_data)

    def to_fields(self, data: dict) -> dict:
        raise NotImplementedError

    def to_representation(self, value):
        return value


# --- Settings given as objects -----------------------------------------------------------------


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


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="BookingWindowSetting",
        serializers=[DaysWindowInput, RangeWindowInput, DisabledInput],
        resource_type_field_name=None,
    )
)
class BookingWindowField(SwitchableSetting):
    off = {
        "booking_window_type": EventType.BookingWindow.UNLIMITED,
        "booking_window_days": None,
        "booking_window_start": None,
        "booking_window_end": None,
    }

    def shape_for(self, data):
        return RangeWindowInput if data.get("type") == "range" else DaysWindowInput

    def to_fields(self, data):
        if data["type"] == "range":
            start, end = data["value"]
            return {
                **self.off,
                "booking_window_type": "range",
                "booking_window_start": start,
                "booking_window_end": end,
            }
        return {
            **self.off,
            "booking_window_type": data["type"],
            "booking_window_days": data["value"],
        }


class LimitsInput(serializers.Serializer):
    day = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    week = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    month = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    year = StrictIntegerField(required=False, min_value=1, max_value=1_000_000)
    disabled = StrictBooleanField(required=False, help_text="false, or leave out")


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="BookingLimitsSetting",
        serializers=[LimitsInput, DisabledInput],
        resource_type_field_name=None,
    )
)
class LimitsField(SwitchableSetting):
    shape = LimitsInput

    def __init__(self, model_field: str, **kwargs):
        self.model_field = model_field
        self.off = {model_field: {}}
        super().__init__(**kwargs)

    def to_fields(self, data):
        return {self.model_field: {k: v for k, v in data.items() if k != "disabled"}}


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


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="ConfirmationPolicySetting",
        serializers=[ConfirmationPolicyInput, DisabledInput],
        resource_type_field_name=None,
    )
)
class ConfirmationPolicyField(SwitchableSetting):
    shape = ConfirmationPolicyInput
    off = {"requires_confirmation": False, "confirmation_threshold_minutes": None}

    def to_fields(self, data):
        threshold = data.get("noticeThreshold")
        minutes = None
        if threshold:
            minutes = threshold["count"] * (60 if threshold["unit"] == "hours" else 1)
        return {"requires_confirmation": True, "confirmation_threshold_minutes": minutes}


class RecurrenceInput(serializers.Serializer):
    frequency = serializers.ChoiceField(choices=EventType.RecurrenceFrequency.values)
    interval = StrictIntegerField(min_value=1, max_value=99, help_text="Every N weeks/months/years")
    occurrences = StrictIntegerField(min_value=1, max_value=730, help_text="At most N meetings")


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="RecurrenceSetting",
        serializers=[RecurrenceInput, DisabledInput],
        resource_type_field_name=None,
    )
)
class RecurrenceField(SwitchableSetting):
    shape = RecurrenceInput
    off = {"recurrence_frequency": "", "recurrence_interval": 1, "recurrence_max_occurrences": None}

    def to_fields(self, data):
        return {
            "recurrence_frequency": data["frequency"],
            "recurrence_interval": data["interval"],
            "recurrence_max_occurrences": data["occurrences"],
        }


class SeatsInput(serializers.Serializer):
    seatsPerTimeSlot = StrictIntegerField(min_value=1, max_value=1000)
    showAttendeeInfo = StrictBooleanField(required=False, default=False)
    showAvailabilityCount = StrictBooleanField(required=False, default=True)


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="SeatsSetting",
        serializers=[SeatsInput, DisabledInput],
        resource_type_field_name=None,
    )
)
class SeatsField(SwitchableSetting):
    shape = SeatsInput
    off = {"seats_per_time_slot": None}

    def to_fields(self, data):
        return {
            "seats_per_time_slot": data["seatsPerTimeSlot"],
            "seats_show_attendees": data["showAttendeeInfo"],
            "seats_show_availability_count": data["showAvailabilityCount"],
        }


class DisableCancellingInput(serializers.Serializer):
    disabled = StrictBooleanField(help_text="Attendees cannot cancel")


class DisableReschedulingInput(serializers.Serializer):
    disabled = StrictBooleanField(required=False, default=False, help_text="Never reschedulable")
    minutesBefore = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=365 * MINUTES_PER_DAY,
        help_text="Not reschedulable when less than this many minutes before the start",
    )

    def validate(self, data):
        if data["disabled"] and data.get("minutesBefore"):
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


class HostInput(serializers.Serializer):
    PRIORITIES = {label.lower(): value for value, label in Host.Priority.choices}

    userId = StrictIntegerField(min_value=1)
    mandatory = StrictBooleanField(
        required=False, default=False, help_text="Round robin: joins every booking"
    )
    priority = serializers.ChoiceField(choices=list(PRIORITIES), required=False, default="medium")
    weight = StrictIntegerField(required=False, default=100, min_value=1, max_value=10000)

    def to_spec(self, data) -> HostSpec:
        return HostSpec(
            user_id=data["userId"],
            is_fixed=data["mandatory"],
            priority=self.PRIORITIES[data["priority"]],
            weight=data["weight"],
        )


# --- Event types -------------------------------------------------------------------------------

# API name -> model field, for the settings that map one to one.
SIMPLE_SETTINGS = {
    "lengthInMinutes": "length_minutes",
    "lengthInMinutesOptions": "length_options",
    "title": "title",
    "slug": "slug",
    "description": "description",
    "bookingFields": "booking_fields",
    "locations": "locations",
    "disableGuests": "disable_guests",
    "slotInterval": "slot_interval",
    "minimumBookingNotice": "minimum_booking_notice",
    "beforeEventBuffer": "before_event_buffer",
    "afterEventBuffer": "after_event_buffer",
    "scheduleId": "schedule_id",
    "customName": "custom_title",
    "successRedirectUrl": "success_redirect_url",
    "hidden": "hidden",
    "isInstantEvent": "instant_meetings_allowed",
    "allowDoubleBooking": "allow_double_booking",
    "requiresAttendeeEmailConfirmation": "requires_attendee_opt_in",
    "cancellationCutoffMinutes": "cancellation_cutoff_minutes",
    "reminderOffsets": "reminder_offsets",
    "schedulingType": "scheduling_type",
}
OBJECT_SETTINGS = (
    "bookingWindow",
    "bookingLimitsCount",
    "bookingLimitsDuration",
    "confirmationPolicy",
    "recurrence",
    "seats",
)


class EventTypeInput(PatchableSerializer):
    """Cal.com's CreateEventTypeInput_2024_06_14 (PATCH: any subset), plus our extensions."""

    lengthInMinutes = StrictIntegerField(min_value=1, max_value=MINUTES_PER_DAY)
    lengthInMinutesOptions = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MINUTES_PER_DAY),
        required=False,
        max_length=20,
        help_text="Lengths the booker may choose; must include lengthInMinutes",
    )
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    bookingFields = serializers.ListField(child=BookingFieldInput(), required=False, max_length=50)
    locations = serializers.ListField(child=EventTypeLocationInput(), required=False, max_length=20)
    disableGuests = StrictBooleanField(required=False)
    slotInterval = StrictIntegerField(
        required=False, allow_null=True, min_value=1, max_value=MINUTES_PER_DAY
    )
    minimumBookingNotice = StrictIntegerField(
        required=False, min_value=0, max_value=365 * MINUTES_PER_DAY
    )
    beforeEventBuffer = StrictIntegerField(required=False, min_value=0, max_value=MINUTES_PER_DAY)
    afterEventBuffer = StrictIntegerField(required=False, min_value=0, max_value=MINUTES_PER_DAY)
    scheduleId = StrictIntegerField(
        required=False, allow_null=True, min_value=1, help_text="null: the owner's default"
    )
    bookingWindow = BookingWindowField(required=False)
    bookingLimitsCount = LimitsField("booking_limits_count", required=False)
    bookingLimitsDuration = LimitsField(
        "booking_limits_duration", required=False, help_text="Minutes, multiples of 15"
    )
    confirmationPolicy = ConfirmationPolicyField(required=False)
    recurrence = RecurrenceField(required=False)
    seats = SeatsField(required=False)
    customName = serializers.CharField(required=False, allow_blank=True, max_length=255)
    successRedirectUrl = serializers.URLField(
        required=False, allow_blank=True, allow_null=True, max_length=200
    )
    hidden = StrictBooleanField(required=False)
    isInstantEvent = StrictBooleanField(
        required=False, help_text="Team event types: bookable for right now"
    )
    disableCancelling = DisableCancellingInput(required=False)
    disableRescheduling = DisableReschedulingInput(required=False)
    # Extensions (Cal.com has no such settings).
    allowDoubleBooking = StrictBooleanField(
        required=False, help_text="Bookings of this type neither block nor are blocked"
    )
    requiresAttendeeEmailConfirmation = StrictBooleanField(
        required=False, help_text="Double opt-in: the attendee confirms from an email"
    )
    cancellationCutoffMinutes = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=365 * MINUTES_PER_DAY,
        help_text="Attendees cannot cancel later than this many minutes before the start",
    )
    reminderOffsets = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=30 * MINUTES_PER_DAY),
        required=False,
        max_length=10,
        help_text="Minutes before the start at which to send reminders",
    )

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
        """The validated input as model field values."""
        data = self.validated_data
        settings = {
            SIMPLE_SETTINGS[name]: value for name, value in data.items() if name in SIMPLE_SETTINGS
        }
        if settings.get("success_redirect_url") is None and "successRedirectUrl" in data:
            settings["success_redirect_url"] = ""
        for name in OBJECT_SETTINGS:
            settings.update(data.get(name, {}))
        if "disableCancelling" in data:
            settings["disable_cancelling"] = data["disableCancelling"]["disabled"]
        if "disableRescheduling" in data:
            rescheduling = data["disableRescheduling"]
            settings["disable_rescheduling"] = rescheduling["disabled"]
            settings["reschedule_cutoff_minutes"] = rescheduling.get("minutesBefore")
        return settings


class TeamEventTypeInput(EventTypeInput):
    """Cal.com's CreateTeamEventTypeInput_2024_06_14 (PATCH: any subset)."""

    schedulingType = serializers.ChoiceField(
        choices=EventType.SchedulingType.values,
        help_text="roundRobin: one available host; collective: every host",
    )
    hosts = serializers.ListField(child=HostInput(), required=False, max_length=200)
    assignAllTeamMembers = StrictBooleanField(
        required=False, help_text="Every current member becomes a host"
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
        if data.get("hosts") and data.get("assignAllTeamMembers"):
            raise serializers.ValidationError(
                {"hosts": "Give hosts or assignAllTeamMembers: true, not both."}
            )
        return data

    def host_specs(self) -> list[HostSpec] | None:
        hosts = self.validated_data.get("hosts")
        if hosts is None:
            return None
        return [HostInput().to_spec(host) for host in hosts]

    @property
    def assign_all_members(self) -> bool:
        return bool(self.validated_data.get("assignAllTeamMembers"))


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


# --- Private links -----------------------------------------------------------------------------


class PrivateLinkInput(serializers.Serializer):
    """Cal.com's CreatePrivateLinkInput / UpdatePrivateLinkBody: a time or a number of uses."""

    expiresAt = LenientDateTimeField(
        required=False, help_text="Time-based: works until then (ISO 8601)"
    )
    maxUsageCount = StrictIntegerField(
        required=False, min_value=1, max_value=100000, help_text="Usage-based: works N times"
    )


# --- Schedules ---------------------------------------------------------------------------------

DAY_NUMBERS = {name: number for number, name in WEEKDAYS}
HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class HourMinuteField(serializers.CharField):
    """Wall-clock time "HH:MM" (00:00 to 23:59)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        match = HH_MM.match(text)
        if not match:
            raise serializers.ValidationError(f"'{text}' is not a time such as '09:30' (HH:MM).")
        return time(int(match.group(1)), int(match.group(2)))


class AvailabilityInput(serializers.Serializer):
    days = serializers.ListField(
        child=serializers.ChoiceField(choices=list(DAY_NUMBERS)), min_length=1, max_length=7
    )
    startTime = HourMinuteField()
    endTime = HourMinuteField(help_text="00:00 means midnight at the end of the day")


class OverrideInput(serializers.Serializer):
    date = serializers.DateField()
    startTime = HourMinuteField()
    endTime = HourMinuteField(help_text="00:00 to 00:00: unavailable all day")


class ScheduleInput(PatchableSerializer):
    """Cal.com's CreateScheduleInput_2024_06_11 (PATCH: any subset)."""

    name = serializers.CharField(max_length=100)
    timeZone = TimeZoneField(max_length=64)
    isDefault = StrictBooleanField()
    availability = serializers.ListField(
        child=AvailabilityInput(),
        required=False,
        max_length=100,
        help_text="Weekly hours; left out on creation: Monday to Friday 09:00-17:00",
    )
    overrides = serializers.ListField(child=OverrideInput(), required=False, max_length=1000)

    def changes(self) -> dict:
        data = self.validated_data
        names = {"name": "name", "timeZone": "time_zone", "isDefault": "is_default"}
        return {field: data[name] for name, field in names.items() if name in data}

    def weekly_rows(self):
        """(weekday, start, end) per day of each block; None when not given."""
        if "availability" not in self.validated_data:
            return None
        return [
            (DAY_NUMBERS[day], block["startTime"], block["endTime"])
            for block in self.validated_data["availability"]
            for day in dict.fromkeys(block["days"])
        ]

    def override_rows(self):
        """(date, start, end) per override, no times for a day off; None when not given."""
        if "overrides" not in self.validated_data:
            return None
        return [
            (item["date"], *_override_times(item["startTime"], item["endTime"]))
            for item in self.validated_data["overrides"]
        ]


def _override_times(start: time, end: time):
    # Cal.com marks a day off as 00:00 to 00:00; we store it as an override without times.
    if start == end == time(0):
        return None, None
    return start, end
