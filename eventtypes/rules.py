"""Validation of event type and schedule settings (shared by the admin, the API and the seeds)."""

from datetime import time

from django.core.exceptions import ValidationError

from eventtypes import booking_fields
from eventtypes.availability import (
    FIRST_WINDOW_DAY,
    LAST_WINDOW_DAY,
    LIMIT_PERIODS,
    MAX_WINDOW_DAYS,
)

LOCATION_TYPES = {
    "address": "address",
    "link": "link",
    "phone": "phone",
    "attendeeAddress": None,
    "attendeePhone": None,
    "attendeeDefined": None,
    "integration": "integration",
}
INTEGRATIONS = frozenset(
    {
        "cal-video",
        "google-meet",
        "zoom",
        "office365-video",
        "whereby-video",
        "jitsi",
        "daily-video",
        "webex",
        "teams",
    }
)


def validate_local_interval(start: time, end: time) -> None:
    """An interval of wall-clock time within one day; an end of 00:00 means midnight."""
    if end != time(0) and end <= start:
        raise ValidationError("The end time must be after the start time.")


def validate_limits(value, field: str, multiple_of: int = 1) -> None:
    if not isinstance(value, dict):
        raise ValidationError({field: 'Give an object such as {"day": 2}.'})
    for period, amount in value.items():
        if period not in LIMIT_PERIODS:
            raise ValidationError({field: f"Unknown period '{period}': use day/week/month/year."})
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
            raise ValidationError({field: f"The {period} limit must be a positive whole number."})
        if amount % multiple_of:
            raise ValidationError(
                {field: f"The {period} limit must be a multiple of {multiple_of}"}
            )
    ordered = [value[p] for p in LIMIT_PERIODS if p in value]
    if ordered != sorted(ordered):
        raise ValidationError({field: "A longer period cannot have a smaller limit."})


def validate_locations(locations) -> None:
    if not isinstance(locations, list):
        raise ValidationError({"locations": "Give a list of location objects."})
    for location in locations:
        if not isinstance(location, dict) or location.get("type") not in LOCATION_TYPES:
            raise ValidationError(
                {"locations": f"Each location needs a type among {', '.join(LOCATION_TYPES)}."}
            )
        value_key = LOCATION_TYPES[location["type"]]
        if value_key and not isinstance(location.get(value_key), str):
            raise ValidationError(
                {"locations": f"A '{location['type']}' location needs a '{value_key}' string."}
            )
        if location["type"] == "integration" and location["integration"] not in INTEGRATIONS:
            raise ValidationError(
                {"locations": f"Unknown integration '{location['integration']}'."}
            )


def validate_event_type_settings(event_type) -> None:
    options = event_type.length_options or []
    if not isinstance(options, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 1440 for n in options
    ):
        raise ValidationError({"length_options": "Give a list of lengths in minutes."})
    if options and event_type.length_minutes not in options:
        raise ValidationError({"length_options": "The options must include the default length."})
    validate_limits(event_type.booking_limits_count, "booking_limits_count")
    validate_limits(event_type.booking_limits_duration, "booking_limits_duration", multiple_of=15)
    validate_locations(event_type.locations)
    booking_fields.validate_definitions(event_type.booking_fields)

    window = event_type.booking_window_type
    if window in ("calendarDays", "businessDays"):
        days = event_type.booking_window_days
        if not days:
            raise ValidationError(
                {"booking_window_days": "A rolling window needs a number of days."}
            )
        if days > MAX_WINDOW_DAYS:
            raise ValidationError(
                {"booking_window_days": f"A rolling window is at most {MAX_WINDOW_DAYS} days."}
            )
    if window == "range":
        start, end = event_type.booking_window_start, event_type.booking_window_end
        if start is None or end is None or end < start:
            raise ValidationError({"booking_window_end": "A range needs a start and a later end."})
        if not (start >= FIRST_WINDOW_DAY and end <= LAST_WINDOW_DAY):
            raise ValidationError(
                {
                    "booking_window_end": f"A range lies between {FIRST_WINDOW_DAY} and "
                    f"{LAST_WINDOW_DAY}."
                }
            )

    if event_type.recurrence_frequency and not event_type.recurrence_max_occurrences:
        raise ValidationError(
            {"recurrence_max_occurrences": "A recurring event type needs a maximum of occurrences."}
        )
    if event_type.recurrence_frequency and event_type.seats_per_time_slot:
        raise ValidationError("An event type cannot be both recurring and seated.")
    if event_type.instant_meetings_allowed and not event_type.team_id:
        raise ValidationError({"instant_meetings_allowed": "Only team event types can be instant."})
    offsets = event_type.reminder_offsets or []
    if not isinstance(offsets, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in offsets
    ):
        raise ValidationError({"reminder_offsets": "Give a list of minutes before the start."})
