"""The `cal-api-version` each resource speaks (Cal.com's current versions)."""

from rest_framework import exceptions

HEADER = "cal-api-version"
BOOKINGS = "2024-08-13"
SLOTS = "2024-09-04"
EVENT_TYPES = "2024-06-14"
SCHEDULES = "2024-06-11"
# Cal.com's oldest version: event types and schedules speak it too, and without the header.
OLDEST = "2024-04-15"


class UnsupportedVersion(exceptions.APIException):
    status_code = 400
    error_code = "unsupported_api_version"


def check(request, version: str | None) -> None:
    """Serves `version` without the header; any other version asked for is a 400. A resource
    Cal.com does not version (None) accepts any header."""
    asked = request.headers.get(HEADER)
    if asked is not None and version and asked.strip() != version:
        raise UnsupportedVersion(
            f"This endpoint speaks {HEADER} {version}; '{asked}' is not supported."
        )
    request.version = version
