"""The month calendar and the times of a day, in the attendee's time zone.

The slots come from the same engine as the API (bookings.slots.find_slots); this module only
groups them by the attendee's local date and writes their times in the chosen clock format.
"""

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.timezones import iso_utc, time_label
from bookings import slots
from eventtypes.models import EventType

HOUR_FORMATS = ("12h", "24h")
# How far ahead the calendar may be paged; the booking window usually ends much earlier.
MONTHS_AHEAD = 24


@dataclass
class TimeChoice:
    start: datetime
    label: str
    seats_remaining: int | None = None
    href: str = ""

    @property
    def iso(self) -> str:
        return iso_utc(self.start)


@dataclass
class Day:
    date: date
    times: list[TimeChoice] = field(default_factory=list)
    selected: bool = False
    href: str = ""

    @property
    def iso(self) -> str:
        return self.date.isoformat()


@dataclass
class Picker:
    zone: str
    hour_format: str
    month: date
    length: int
    weeks: list[list[Day | None]]
    selected: Day | None
    previous_month: date | None
    next_month: date | None
    chosen: TimeChoice | None
    search: slots.SlotSearch

    @property
    def days_with_times(self) -> list[Day]:
        return [day for week in self.weeks for day in week if day and day.times]

    @property
    def month_label(self) -> str:
        return f"{calendar.month_name[self.month.month]} {self.month.year}"


def offset_changes_on(day: date, zone: ZoneInfo) -> bool:
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return start.utcoffset() != (start + timedelta(days=1)).utcoffset()


def date_time_label(moment: datetime, zone: ZoneInfo, hour_format: str) -> str:
    """e.g. "Mon 7 Dec 2026, 9:00am" """
    return f"{moment.astimezone(zone):%a %-d %b %Y}, {time_label(moment, zone, hour_format)}"


def month_start(moment: datetime) -> date:
    return moment.date().replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def build_picker(
    event_type: EventType,
    *,
    zone: str,
    hour_format: str,
    length: int,
    month: date | None = None,
    selected_date: date | None = None,
    chosen_start: datetime | None = None,
    exclude_booking_uid: str | None = None,
    now: datetime | None = None,
) -> Picker:
    """The calendar of one month. Without a month asked for, the current month, or the next
    one when nothing is free in what is left of this one. The selected day is the one asked
    for, else the first with free times."""
    now = now or timezone.now()
    tz = ZoneInfo(zone)
    this_month = month_start(now.astimezone(tz))
    last_month = add_months(this_month, MONTHS_AHEAD)
    asked = month is not None
    month = min(max(month or this_month, this_month), last_month)

    search, by_date = _month_slots(
        event_type, month, tz, hour_format, length, exclude_booking_uid, now
    )
    if not by_date and not asked and not selected_date:
        month = add_months(month, 1)
        search, by_date = _month_slots(
            event_type, month, tz, hour_format, length, exclude_booking_uid, now
        )

    if selected_date is None or month_start_of(selected_date) != month:
        selected_date = min(by_date) if by_date else None
    weeks = []
    selected = None
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        row = []
        for day in week:
            if day.month != month.month:
                row.append(None)
                continue
            cell = Day(day, by_date.get(day, []), selected=day == selected_date)
            if cell.selected:
                selected = cell
            row.append(cell)
        weeks.append(row)

    chosen = None
    if chosen_start is not None:
        chosen = next(
            (t for times in by_date.values() for t in times if t.start == chosen_start), None
        )
    return Picker(
        zone=zone,
        hour_format=hour_format,
        month=month,
        length=length,
        weeks=weeks,
        selected=selected,
        previous_month=add_months(month, -1) if month > this_month else None,
        next_month=add_months(month, 1) if month < last_month else None,
        chosen=chosen,
        search=search,
    )


def month_start_of(day: date) -> date:
    return day.replace(day=1)


def _month_slots(event_type, month, tz, hour_format, length, exclude_booking_uid, now):
    range_start = max(local_midnight(month, tz), now)
    range_end = local_midnight(add_months(month, 1), tz)
    by_date: dict[date, list[TimeChoice]] = {}
    if range_end <= range_start:
        return slots.SlotSearch([], {}), by_date
    search = slots.find_slots(
        event_type,
        range_start,
        range_end,
        now=now,
        length=length,
        exclude_booking_uid=exclude_booking_uid,
        refresh_calendars=True,
    )
    show_seats = event_type.is_seated and event_type.seats_show_availability_count
    changing: dict[date, bool] = {}
    for slot in search.slots:
        local_day = slot.start.astimezone(tz).date()
        if local_day not in changing:
            changing[local_day] = offset_changes_on(local_day, tz)
        by_date.setdefault(local_day, []).append(
            TimeChoice(
                slot.start,
                time_label(slot.start, tz, hour_format, may_repeat=changing[local_day]),
                slot.seats_remaining if show_seats else None,
            )
        )
    return search, by_date


# Dates a query string may name; anything else is ignored (and far from any zone's limits).
YEARS = range(1970, 2200)


def parse_month(value) -> date | None:
    try:
        month = datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None
    return month if month.year in YEARS else None


def parse_date(value) -> date | None:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if day.year in YEARS else None


def parse_start(value) -> datetime | None:
    """A UTC start as the pages write it (ISO 8601, "Z" or an offset)."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if moment.tzinfo is None or moment.year not in YEARS:
        return None
    return moment.astimezone(UTC)
