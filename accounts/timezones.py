"""Time zones: IANA names (validation and choices, from the installed tz database), the one
way instants are written out (UTC, ISO 8601 with milliseconds, as Cal.com writes them), and how
a time reads on a 12 h or 24 h clock."""

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

HOUR_FORMATS = (("12h", "12 h (9:00am)"), ("24h", "24 h (09:00)"))


@lru_cache(maxsize=1)
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_time_zone(name: str) -> bool:
    return isinstance(name, str) and name in available_time_zones()


def validate_time_zone(name: str) -> None:
    if not is_valid_time_zone(name):
        raise ValidationError(f"'{name}' is not an IANA time zone such as 'Europe/Berlin'.")


@lru_cache(maxsize=1)
def world_time_zones() -> list[str]:
    """The zones to offer people: one per country and region (the tz database's zone.tab; its
    other names are aliases kept for old systems, still accepted but not offered), and UTC."""
    names = {line.split("\t")[2] for line in _zone_table() if not line.startswith("#")}
    return sorted(names & available_time_zones()) + ["UTC"]


def _zone_table() -> list[str]:
    for directory in zoneinfo.TZPATH:
        table = Path(directory) / "zone.tab"
        if table.is_file():
            return table.read_text().splitlines()
    # No system tz database: the tzdata package that zoneinfo then uses has the table too.
    return (resources.files("tzdata.zoneinfo") / "zone.tab").read_text().splitlines()


def city_of(zone: str) -> str:
    """The place a zone is named after: "America/Argentina/Buenos_Aires" -> "Buenos Aires"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_time_zones())]


def iso_utc(moment: datetime) -> str:
    """e.g. 2027-01-05T09:00:00.000Z"""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def time_label(moment: datetime, zone: ZoneInfo, hour_format: str, *, may_repeat=True) -> str:
    """e.g. "9:00am" or "09:00"; a wall time that happens twice (the hour a clock goes back)
    also names the zone's abbreviation, so both are told apart. may_repeat=False: the caller
    knows the day has no change of offset."""
    local = moment.astimezone(zone)
    if hour_format == "12h":
        text = f"{local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    else:
        text = f"{local.hour:02d}:{local.minute:02d}"
    if may_repeat:
        wall = local.replace(tzinfo=None)
        earlier = wall.replace(fold=0, tzinfo=zone).utcoffset()
        if earlier != wall.replace(fold=1, tzinfo=zone).utcoffset():
            text += f" {local.tzname()}"
    return text
