"""Choosing a time: what the booking and the rescheduling pages share. The query string
carries every choice (time zone, clock, length, month, day, time), so that each step is a
plain link and the pages work without JavaScript."""

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils.html import format_html_join

from accounts.timezones import available_time_zones, is_valid_time_zone
from pages import picker
from pages.picker import HOUR_FORMATS

# Old aliases (e.g. "US/Pacific", "Etc/GMT+8") stay accepted but are not offered in the list.
LISTED_PREFIXES = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
FRAGMENT_HEADER = "HTTP_X_RENDEZVOUS_FRAGMENT"


@lru_cache(maxsize=1)
def listed_time_zones() -> list[str]:
    zones = [z for z in available_time_zones() if z.startswith(LISTED_PREFIXES)]
    return sorted([*zones, "UTC"])


@lru_cache(maxsize=1)
def time_zone_options() -> str:
    """The <option>s of the time zone list, written once: the page sends them every time."""
    return format_html_join("", '<option value="{}">', ((zone,) for zone in listed_time_zones()))


@dataclass
class Choice:
    """What the attendee has chosen so far."""

    zone: str
    zone_given: bool
    hour_format: str
    length: int
    month: date | None
    day: date | None
    start: datetime | None

    def query(self, **changes) -> str:
        """The query string of this choice with some values changed (None drops a value)."""
        values = {
            "timeZone": self.zone if self.zone_given else None,
            "format": self.hour_format,
            "length": self.length,
            "month": self.month.strftime("%Y-%m") if self.month else None,
            "date": self.day.isoformat() if self.day else None,
            "slot": None,
        }
        values.update(changes)
        return "?" + urlencode({k: v for k, v in values.items() if v is not None})

    def forget_start(self) -> None:
        """After the chosen time was refused: show that day's fresh times, nothing chosen."""
        if self.start is not None:
            self.day = self.start.astimezone(ZoneInfo(self.zone)).date()
            self.month = self.day.replace(day=1)
        self.start = None


def read_choice(params, *, default_zone: str, event_type) -> Choice:
    zone = params.get("timeZone", "")
    zone_given = is_valid_time_zone(zone)
    hour_format = params.get("format", "")
    try:
        length = int(params.get("length", ""))
    except ValueError:
        length = event_type.length_minutes
    if length not in event_type.allowed_lengths:
        length = event_type.length_minutes
    return Choice(
        zone=zone if zone_given else default_zone,
        zone_given=zone_given,
        hour_format=hour_format if hour_format in HOUR_FORMATS else "12h",
        length=length,
        month=picker.parse_month(params.get("month")),
        day=picker.parse_date(params.get("date")),
        start=picker.parse_start(params.get("slot")),
    )


def read_posted_choice(post, *, default_zone: str, event_type) -> Choice:
    """The choice a booking form carries: its zone and start in hidden fields."""
    choice = read_choice(
        {
            "timeZone": post.get("attendeeTimeZone", ""),
            "format": post.get("format", ""),
            "length": post.get("length", ""),
            "slot": post.get("start", ""),
        },
        default_zone=default_zone,
        event_type=event_type,
    )
    choice.zone_given = True
    return choice


def build(event_type, choice: Choice, *, exclude_booking_uid=None) -> picker.Picker:
    month = choice.month
    day = choice.day
    if choice.start is not None:
        local = choice.start.astimezone(ZoneInfo(choice.zone)).date()
        day = day or local
        month = month or local.replace(day=1)
    elif day is not None:
        month = month or day.replace(day=1)
    return picker.build_picker(
        event_type,
        zone=choice.zone,
        hour_format=choice.hour_format,
        length=choice.length,
        month=month,
        selected_date=day,
        chosen_start=choice.start,
        exclude_booking_uid=exclude_booking_uid,
    )


def wants_fragment(request) -> bool:
    return request.META.get(FRAGMENT_HEADER) == "picker"
