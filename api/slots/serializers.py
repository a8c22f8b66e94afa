"""Query strings, bodies and outputs of the slots API (cal-api-version 2024-09-04).

Inputs check types and shapes; which starts are bookable is decided by the slot engine and the
reservation services. Slots are shown grouped by their local date in the caller's time zone,
with that zone's offset, e.g. "2050-09-05T09:00:00.000+02:00".
"""

import math
from datetime import UTC
from operator import itemgetter
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from api.fields import (
    BoundedIntegerField,
    LenientDateTimeField,
    StrictIntegerField,
    TimeZoneField,
    UtcDateTimeField,
)
from bookings.output_fields import CopiedFields
from bookings.representation import Instant, Output
from bookings.services.reservations import MAX_RESERVATION_MINUTES
from bookings.slots import GROUP_DEFAULT_LENGTH, GROUP_LENGTHS
from eventtypes import availability

MAX_RANGE_MONTHS = 3
TIME, RANGE = "time", "range"

# --- Queries and bodies -------------------------------------------------------------------------


class TargetQuery(CopiedFields, serializers.Serializer):
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
        return offered_length(event_type, self.validated_data.get("duration"), "duration")


def check_range(start, end, start_field: str, end_field: str) -> None:
    """A search range runs forward, over at most MAX_RANGE_MONTHS."""
    if end <= start:
        raise serializers.ValidationError({end_field: f"Must be after {start_field}."})
    if end > start + relativedelta(months=MAX_RANGE_MONTHS):
        raise serializers.ValidationError(
            {
                end_field: f"The range from {start_field} to {end_field} is at most "
                f"{MAX_RANGE_MONTHS} months; ask for later periods in further requests."
            }
        )


def offered_length(event_type, minutes, field: str) -> int:
    """`minutes` if the event type offers that length (its default length for None); a
    validation error on `field` otherwise."""
    if minutes is None:
        return event_type.length_minutes
    if minutes not in event_type.allowed_lengths:
        allowed = ", ".join(str(n) for n in event_type.allowed_lengths)
        raise serializers.ValidationError(
            {field: f"This event type offers {allowed} minutes, not {minutes:g}."}
        )
    return int(minutes)


class SlotQuery(TargetQuery):
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
        choices=(TIME, RANGE),
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
        check_range(data["start"], data["end"], "start", "end")
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


class ExplainQuery(TargetQuery):
    start = UtcDateTimeField(help_text="The start to explain, UTC, e.g. 2050-09-05T09:00:00Z")

    def validate(self, data):
        if "eventTypeId" not in data and "eventTypeSlug" not in data:
            raise serializers.ValidationError(
                "Name the event type: eventTypeId, or eventTypeSlug with username or teamSlug."
            )
        return data


class ReserveSlotInput(serializers.Serializer):
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


# --- Slots --------------------------------------------------------------------------------------

# Zone names written with "Z" rather than "+00:00", as Cal.com writes them.
ZULU_NAMES = {"UTC", "GMT"}


def iso_local(moment, zone: ZoneInfo) -> str:
    """An instant as local ISO 8601 with milliseconds and the offset in force at that instant."""
    if moment.tzinfo is UTC:
        return LOCAL_TEXTS[moment, zone]
    return _written(moment.astimezone(zone))


def _written(local) -> str:
    """A datetime already in its zone (a ZoneInfo) as iso_local writes it."""
    text = local.isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if local.tzinfo.key in ZULU_NAMES else text


class _LocalTexts(dict):
    """iso_local's texts by (instant in UTC, zone), kept per process: a month of slots is the
    same few thousand instants for every request, and writing one costs more than all else done
    for its slot. Each text depends on nothing else (a zone's rules do not change in a process);
    when full, it starts afresh. Only UTC datetimes are keys: two local ones that differ only in
    `fold` are equal keys for different instants."""

    limit = 20_000

    def __missing__(self, key):
        moment, zone = key
        if len(self) >= self.limit:
            self.clear()
        text = self[key] = _written(moment.astimezone(zone))
        return text


LOCAL_TEXTS = _LocalTexts()


class LocalTime(serializers.DateTimeField):
    """An instant in the time zone of the context (`zone`), with its offset."""

    def to_representation(self, value):
        return iso_local(value, self.context["zone"])


class SlotEnd(LocalTime):
    """The slot's end, with format=range only."""

    def get_attribute(self, slot):
        return slot.end if self.context.get("format") == RANGE else None


class SlotOutput(Output):
    start = LocalTime(help_text="Local time with its offset, e.g. 2050-09-05T09:00:00.000+02:00")
    end = SlotEnd(required=False, help_text="With format=range")
    attendeesCount = serializers.IntegerField(
        source="attendees_count", required=False, help_text="Seated event types"
    )
    bookingUid = serializers.CharField(
        source="booking_uid",
        required=False,
        help_text="Seated event types: the booking to join at that time",
    )


class SlotsByDateOutput(serializers.BaseSerializer):
    """Slots keyed by their local date (YYYY-MM-DD in the context's `zone`), in order; {} when
    none. With the context's `format` range, each slot has its end.

    Each slot is written as SlotOutput describes it (tests/api/test_slots.py compares the two),
    directly: a month of slots is thousands of them, and a serializer per slot cost most of
    the request."""

    def to_representation(self, slots):
        zone = self.context["zone"]
        with_end = self.context.get("format") == RANGE
        texts = LOCAL_TEXTS
        days: dict[str, list[dict]] = {}
        date, of_date = None, None
        for slot in sorted(slots, key=itemgetter(0)):  # by start
            start = slot.start
            text = texts[start, zone] if start.tzinfo is UTC else iso_local(start, zone)
            if text[:10] != date:  # the local date begins the text
                date = text[:10]
                of_date = days.setdefault(date, [])
            item = {"start": text}
            if with_end:
                item["end"] = iso_local(slot.end, zone)
            if slot.attendees_count is not None:
                item["attendeesCount"] = slot.attendees_count
            if slot.booking_uid:
                item["bookingUid"] = slot.booking_uid
            of_date.append(item)
        return days


class SlotsByDateExtension(OpenApiSerializerExtension):
    target_class = SlotsByDateOutput

    def map_serializer(self, auto_schema, direction):
        slot = auto_schema.resolve_serializer(SlotOutput, direction).ref
        return {
            "type": "object",
            "description": "Slots keyed by local date (YYYY-MM-DD in timeZone); {} when none",
            "additionalProperties": {"type": "array", "items": slot},
        }


# --- Reservations and explanations ------------------------------------------------------------


class ReservationOutput(Output):
    """A hold as Cal.com's ReserveSlotOutput. reservationDuration is the minutes it still lasts
    at the context's `now`: the whole hold right after it was made or moved, 0 once expired."""

    eventTypeId = serializers.IntegerField(source="event_type_id")
    slotStart = Instant(source="start")
    slotEnd = Instant(source="end")
    slotDuration = serializers.IntegerField(source="duration_minutes", help_text="Minutes")
    reservationUid = serializers.UUIDField(source="uid")
    reservationDuration = serializers.SerializerMethodField(
        help_text="Minutes the hold still lasts"
    )
    reservationUntil = Instant(source="expires_at")

    def get_reservationDuration(self, reservation) -> int:
        remaining = (reservation.expires_at - self.context["now"]).total_seconds()
        return max(0, math.ceil(remaining / 60))


class HostReasonsOutput(Output):
    hostId = serializers.IntegerField(source="host_id")
    codes = serializers.ListField(
        child=serializers.ChoiceField(choices=availability.REASON_ORDER),
        help_text="Why this host cannot take the start; empty when it can",
    )
    calendars = serializers.SerializerMethodField(
        help_text="With calendar_busy: the names of the host's own calendars with an event "
        "then, told only to that host (empty for anyone else)"
    )

    def get_calendars(self, reasons) -> list[str]:
        return self.context.get("calendar_names", {}).get(reasons.host_id, [])


class ExplanationOutput(Output):
    """Whether a start is bookable and each host's reasons, as machine codes only: nothing about
    the bookings or reservations behind them."""

    start = Instant()
    bookable = serializers.BooleanField()
    reasons = HostReasonsOutput(many=True, source="reasons_by_host")
    firstReason = serializers.ChoiceField(
        source="refusal_reason",
        choices=availability.REASON_ORDER,
        allow_null=True,
        help_text="The code a booking at this start would be refused with; null if bookable",
    )
