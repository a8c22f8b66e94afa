"""Calendar files (RFC 5545) for bookings, built from plain values.

Pure: the caller passes everything, including `now` (the DTSTAMP); nothing here reads the
clock or the database. The UID stays the same for the life of a booking, across reschedules,
and SEQUENCE goes up with each change, so calendar clients update the event they already have
instead of adding a second one.

Text coming from people (names, titles, descriptions, locations) is cleaned before it reaches
the library: a line break in a one-line value becomes a space and control characters are
dropped, so no value can start a property or a component of its own whatever the library
version does with a lone CR.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress

PRODID = "-//Rendezvous//Bookings//EN"

CONFIRMED = "CONFIRMED"
TENTATIVE = "TENTATIVE"
CANCELLED = "CANCELLED"
STATUSES = (CONFIRMED, TENTATIVE, CANCELLED)

# C0 controls and DEL; RFC 5545 TEXT allows none of them except HTAB (and escaped newlines).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Participant:
    email: str
    name: str = ""
    partstat: str = "ACCEPTED"


@dataclass(frozen=True)
class CalendarEvent:
    """One booking as a calendar event. Times are aware datetimes (written in UTC)."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    status: str
    organizer: Participant
    description: str = ""
    location: str = ""
    attendees: list[Participant] = field(default_factory=list)


def one_line(value: str) -> str:
    """A value that must stay on one line: line breaks become spaces, controls go."""
    value = _LINE_BREAKS.sub(" ", value or "")
    return _CONTROLS.sub("", value.replace("\t", " ")).strip()


def multi_line(value: str) -> str:
    """A value that may span lines: every kind of line break becomes LF (the library
    escapes it as \\n), controls go."""
    value = _LINE_BREAKS.sub("\n", value or "")
    return _CONTROLS.sub("", value).strip()


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("Calendar times must be aware datetimes.")
    return moment.astimezone(UTC)


def email_address(value: str) -> str:
    """An address has no spaces: whatever follows a line break or a space is dropped."""
    words = one_line(value).split()
    return words[0] if words else ""


def _address(person: Participant, *, attendee: bool) -> vCalAddress:
    address = vCalAddress(f"mailto:{email_address(person.email)}")
    name = one_line(person.name)
    if name:
        address.params["CN"] = name
    if attendee:
        address.params["CUTYPE"] = "INDIVIDUAL"
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = person.partstat
        address.params["RSVP"] = "TRUE" if person.partstat == "NEEDS-ACTION" else "FALSE"
    return address


def vevent(event: CalendarEvent, now: datetime) -> Event:
    if event.status not in STATUSES:
        raise ValueError(f"Unknown calendar status {event.status!r}.")
    component = Event()
    component.add("uid", one_line(event.uid))
    component.add("sequence", int(event.sequence))
    component.add("dtstamp", utc(now))
    component.add("dtstart", utc(event.start))
    component.add("dtend", utc(event.end))
    component.add("summary", one_line(event.summary))
    description = multi_line(event.description)
    if description:
        component.add("description", description)
    location = one_line(event.location)
    if location:
        component.add("location", location)
    component.add("status", event.status)
    component.add("transp", "TRANSPARENT" if event.status == CANCELLED else "OPAQUE")
    component.add("organizer", _address(event.organizer, attendee=False))
    for person in event.attendees:
        component.add("attendee", _address(person, attendee=True))
    return component


def build_calendar(event: CalendarEvent, now: datetime) -> bytes:
    """The .ics file: METHOD:REQUEST while the event stands, METHOD:CANCEL once it is
    cancelled (a client that has the event at a lower SEQUENCE then removes it)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if event.status == CANCELLED else "REQUEST")
    calendar.add_component(vevent(event, now))
    return calendar.to_ical()


def calendar_resource(event: CalendarEvent, now: datetime) -> bytes:
    """The event as stored on a calendar server (CalDAV): the same VEVENT without a METHOD,
    which RFC 4791 forbids in a stored calendar object."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(vevent(event, now))
    return calendar.to_ical()
