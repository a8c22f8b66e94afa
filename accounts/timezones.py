"""Time zones: IANA names (validation and choices, from the installed tz database) and the one
way instants are written out (UTC, ISO 8601 with milliseconds, as Cal.com writes them)."""

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache

from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_time_zone(name: str) -> bool:
    return isinstance(name, str) and name in available_time_zones()


def validate_time_zone(name: str) -> None:
    if not is_valid_time_zone(name):
        raise ValidationError(f"'{name}' is not an IANA time zone such as 'Europe/Berlin'.")


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_time_zones())]


def iso_utc(moment: datetime) -> str:
    """e.g. 2027-01-05T09:00:00.000Z"""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
