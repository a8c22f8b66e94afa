"""Busy intervals from iCalendar data (RFC 5545), pure: the caller passes the data, the window
and the calendar's time zone; nothing here reads the clock, the network or the database.

- Recurring events are expanded (RRULE, RDATE, EXDATE, and RECURRENCE-ID instances that move
  or cancel one occurrence) by `recurring-ical-events`, in each event's own time zone, so an
  occurrence keeps its wall-clock time across a daylight-saving change.
- An all-day event blocks its whole days, midnight to midnight in the calendar's zone.
- A floating time (no zone) is read in the calendar's zone.
- Cancelled events block nothing and are left out. Events marked free (TRANSP:TRANSPARENT) and
  invitations the host declined are kept as transparent: they block nothing either.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar


class CalendarDataError(Exception):
    """The data is not iCalendar the parser understands."""


@dataclass(frozen=True)
class Interval:
    uid: str
    start: datetime  # UTC
    end: datetime  # UTC
    transparent: bool = False


def parse(data: bytes) -> Calendar:
    try:
        return Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as error:
        raise CalendarDataError(f"Not a valid calendar: {str(error)[:200]}") from None


# The library orders dates and floating times as if they were UTC, where they are read in the
# calendar's zone, up to 14 hours away: the window is searched a day wider on each side.
ORDER_SLACK = timedelta(days=1)


def busy_intervals(
    calendars: list[Calendar],
    window: tuple[datetime, datetime],
    zone: ZoneInfo,
    *,
    owner_emails: frozenset[str] = frozenset(),
    limit: int = 20000,
) -> list[Interval]:
    """The instances of the calendars' events overlapping the window: at most `limit` of them,
    from at most twice as many instances looked at (a runaway rule, say every minute for
    years, or an endless series of instances that block nothing, stops there)."""
    start, end = window
    found: list[Interval] = []
    looked_at = 0
    for calendar in calendars:
        zone_of_calendar = _calendar_zone(calendar, zone)
        try:
            query = recurring_ical_events.of(calendar, skip_bad_series=True)
            for event in query.after(start - ORDER_SLACK):
                looked_at += 1
                if looked_at > 2 * limit:
                    return found
                first = _first_instant(event, zone_of_calendar)
                if first is not None and first >= end + ORDER_SLACK:
                    break  # instances come in order of their start (give or take a day)
                interval = _interval(event, zone_of_calendar, owner_emails)
                if interval is not None and interval.start < end and interval.end > start:
                    found.append(interval)
                    if len(found) >= limit:
                        return found
        except (ValueError, TypeError, KeyError, OSError) as error:
            raise CalendarDataError(f"Events could not be read: {str(error)[:200]}") from None
    return found


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None (unknown, empty, or not a zone at all)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # OSError: a folder of zones, such as "America"
        return None


def _calendar_zone(calendar: Calendar, fallback: ZoneInfo) -> ZoneInfo:
    """The zone the calendar names (X-WR-TIMEZONE), else `fallback`; a name that is no zone
    is dropped, so that nothing reads it."""
    name = str(calendar.get("X-WR-TIMEZONE", "") or "")
    zone = zone_named(name)
    if name and zone is None:
        del calendar["X-WR-TIMEZONE"]
    return zone or fallback


def _first_instant(event, zone: ZoneInfo) -> datetime | None:
    value = event.get("DTSTART")
    return _utc(value.dt, zone) if value is not None else None


def _interval(event, zone: ZoneInfo, owner_emails) -> Interval | None:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start_value = event.get("DTSTART")
    if start_value is None:
        return None
    start = start_value.dt
    end_value = event.get("DTEND")
    if end_value is not None:
        end = end_value.dt
    elif event.get("DURATION") is not None:
        end = start + event.get("DURATION").dt
    else:
        # RFC 5545: without an end, a date lasts the day and a date-time is an instant.
        end = start + timedelta(days=1) if not isinstance(start, datetime) else start
    start_utc, end_utc = _utc(start, zone), _utc(end, zone)
    if end_utc <= start_utc:
        return None
    transparent = str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT" or _declined(
        event, owner_emails
    )
    return Interval(str(event.get("UID", "")), start_utc, end_utc, transparent)


def _utc(value, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):  # a date: midnight in the calendar's zone
        value = datetime.combine(value, time(0), tzinfo=zone)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _declined(event, owner_emails) -> bool:
    if not owner_emails:
        return False
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    for attendee in attendees:
        address = str(attendee).lower().removeprefix("mailto:")
        if address in owner_emails:
            return str(attendee.params.get("PARTSTAT", "")).upper() == "DECLINED"
    return False
