"""IANA time zone names: validation and choices, read from the installed tz database."""

import zoneinfo
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
