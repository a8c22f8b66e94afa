"""Add-to-calendar links for a booking, built from plain values (no database, no clock).

Each provider takes the event in its own query parameters; times are UTC. Labels are the
ones Cal.com's calendar-links endpoint uses, plus Yahoo.
"""

from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import quote, urlencode

GOOGLE = "Google Calendar"
OFFICE = "Microsoft Office"
OUTLOOK = "Microsoft Outlook"
YAHOO = "Yahoo Calendar"
ICS = "ICS"


class CalendarLink(NamedTuple):
    label: str
    link: str


def _compact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _url(base: str, params: dict) -> str:
    # %20 rather than "+": Outlook's compose page shows a "+" literally.
    return f"{base}?{urlencode(params, quote_via=quote)}"


def calendar_links(
    *,
    title: str,
    start: datetime,
    end: datetime,
    description: str = "",
    location: str = "",
    ics_url: str,
) -> list[CalendarLink]:
    """Links for Google Calendar, Microsoft Office 365, Microsoft Outlook, Yahoo
    and the downloadable .ics file at `ics_url`."""
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "startdt": _iso(start),
        "enddt": _iso(end),
        "subject": title,
        "body": description,
        "location": location,
    }
    google = {
        "dates": f"{_compact(start)}/{_compact(end)}",
        "text": title,
        "details": description,
        "location": location,
    }
    yahoo = {
        "v": "60",
        "title": title,
        "st": _compact(start),
        "et": _compact(end),
        "desc": description,
        "in_loc": location,
    }
    return [
        CalendarLink(GOOGLE, _url("https://calendar.google.com/calendar/r/eventedit", google)),
        CalendarLink(
            OFFICE, _url("https://outlook.office.com/calendar/0/deeplink/compose", outlook)
        ),
        CalendarLink(
            OUTLOOK, _url("https://outlook.live.com/calendar/0/deeplink/compose", outlook)
        ),
        CalendarLink(YAHOO, _url("https://calendar.yahoo.com/", yahoo)),
        CalendarLink(ICS, ics_url),
    ]
