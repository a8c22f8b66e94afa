"""Query strings and bodies of the slots API (cal-api-version 2024-09-04).

They check types and shapes; which starts are bookable is decided by the slot engine and the
reservation services.
"""

from dateutil.relativedelta import relativedelta
from rest_framework import serializers

from api.fields import (
    BoundedIntegerField,
    LenientDateTimeField,
    StrictIntegerField,
    TimeZoneField,
    UtcDateTimeField,
)
from bookings.services.reservations import MAX_RESERVATION_MINUTES
from bookings.slot_presentation import FORMATS, TIME
from bookings.slots import GROUP_DEFAULT_LENGTH, GROUP_LENGTHS

MAX_RANGE_MONTHS = 3


class TargetSerializer(serializers.Serializer):
    """Which event type: by id, by slug with its owner's username or its team's slug."""

    eventTypeId = BoundedIntegerField(
        required=False, min_value=1, help_text="The event type's id (hidden ones too)"
    )
    eventTypeSlug = serializers.SlugField(required=False, max_length=100)
    username = serializers.CharField(
        required=False, max_length=150, help_text="Owner of a personal event type"
    )
    teamSlug = serializers.SlugField(required=False, max_length=100)
    organizationSlug = serializers.SlugField(required=False, max_length=100)
    duration = BoundedIntegerField(
        required=False,
        min_value=1,
        max_value=24 * 60,
        help_text="Minutes: one of the event type's lengths (default: its default length)",
    )
    bookingUidToReschedule = serializers.CharField(
        required=False,
        max_length=64,
        help_text="A booking being moved: its own time does not block",
    )

    def lookup(self) -> dict:
        data = self.validated_data
        return {
            "event_type_id": data.get("eventTypeId"),
            "slug": data.get("eventTypeSlug"),
            "username": data.get("username"),
            "team_slug": data.get("teamSlug"),
            "organization_slug": data.get("organizationSlug"),
        }

    def length_for(self, event_type) -> int:
        """The slot length asked for, which must be one the event type offers."""
        duration = self.validated_data.get("duration")
        if duration is None:
            return event_type.length_minutes
        if duration not in event_type.allowed_lengths:
            allowed = ", ".join(str(n) for n in event_type.allowed_lengths)
            raise serializers.ValidationError(
                {"duration": f"This event type offers {allowed} minutes, not {duration}."}
            )
        return duration


class SlotQuerySerializer(TargetSerializer):
    start = LenientDateTimeField(
        help_text="UTC; a bare date (2050-09-05) means the start of that day"
    )
    end = LenientDateTimeField(
        end_of_day=True, help_text="UTC; a bare date (2050-09-06) means 23:59:59 that day"
    )
    timeZone = TimeZoneField(
        required=False, default="UTC", max_length=64, help_text="Zone of the times returned"
    )
    format = serializers.ChoiceField(
        choices=FORMATS,
        required=False,
        default=TIME,
        help_text="time: items {start}; range: items {start, end}",
    )
    usernames = serializers.CharField(
        required=False,
        max_length=2000,
        help_text="Two or more usernames separated by commas: when all of them are free",
    )

    def validate_usernames(self, value):
        names = list(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))
        if len(names) < 2:
            raise serializers.ValidationError(
                "Give at least two different usernames separated by commas, e.g. alice,bob."
            )
        return names

    def validate(self, data):
        start, end = data["start"], data["end"]
        if end <= start:
            raise serializers.ValidationError({"end": "Must be after start."})
        if end > start + relativedelta(months=MAX_RANGE_MONTHS):
            raise serializers.ValidationError(
                {
                    "end": f"The range from start to end is at most {MAX_RANGE_MONTHS} months; "
                    "ask for later periods in further requests."
                }
            )
        if "usernames" in data:
            named = [f for f in ("eventTypeId", "eventTypeSlug", "teamSlug") if f in data]
            if named:
                raise serializers.ValidationError(
                    {"usernames": f"Give either usernames or {', '.join(named)}, not both."}
                )
        elif "eventTypeId" not in data and "eventTypeSlug" not in data:
            raise serializers.ValidationError(
                "Name what to search: eventTypeId; eventTypeSlug with username or teamSlug; "
                "or usernames=alice,bob for when several people are all free."
            )
        return data

    @property
    def is_group(self) -> bool:
        return "usernames" in self.validated_data

    def group_length(self) -> int:
        duration = self.validated_data.get("duration", GROUP_DEFAULT_LENGTH)
        if duration not in GROUP_LENGTHS:
            allowed = ", ".join(str(n) for n in GROUP_LENGTHS)
            raise serializers.ValidationError(
                {"duration": f"A group meeting lasts {allowed} minutes, not {duration}."}
            )
        return duration


class ExplainQuerySerializer(TargetSerializer):
    start = UtcDateTimeField(help_text="The start to explain, UTC, e.g. 2050-09-05T09:00:00Z")

    def validate(self, data):
        if "eventTypeId" not in data and "eventTypeSlug" not in data:
            raise serializers.ValidationError(
                "Name the event type: eventTypeId, or eventTypeSlug with username or teamSlug."
            )
        return data


class ReserveSlotSerializer(serializers.Serializer):
    """Cal.com's ReserveSlotInput_2024_09_04."""

    eventTypeId = StrictIntegerField(min_value=1)
    slotStart = UtcDateTimeField(help_text="UTC start of an available slot")
    slotDuration = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=24 * 60,
        help_text="Minutes, for event types with several lengths (default: the default length)",
    )
    reservationDuration = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_RESERVATION_MINUTES,
        help_text=(
            "Minutes to hold the slot (default 5). Only with an API key of someone from the event "
            "type's owner, team or organization."
        ),
    )
