"""Errors of the calendar services, each with a stable code (see eventtypes/errors.py)."""

from eventtypes.errors import DomainError


class CalendarError(DomainError):
    code = "calendar_error"


class ConnectionNotFound(CalendarError):
    code = "calendar_connection_not_found"


class CalendarNotFound(CalendarError):
    code = "calendar_not_found"


class InvalidCalendarUrl(CalendarError):
    code = "invalid_calendar_url"


class CalendarUnreachable(CalendarError):
    """The server did not answer usefully (network, status, not CalDAV, not iCalendar)."""

    code = "calendar_unreachable"


class CredentialsRefused(CalendarError):
    code = "calendar_credentials_refused"


class ReadOnlyCalendar(CalendarError):
    code = "calendar_read_only"
