"""Errors of the domain services, each with a stable machine-readable code.

They know nothing about HTTP; the API maps codes to statuses in one place (api/errors.py).
"""


class DomainError(Exception):
    code = "error"
    # Seconds after which trying again may succeed (a hold expires, a lock is released).
    retry_after: int | None = None

    def __init__(self, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class EventTypeError(DomainError):
    code = "event_type_error"


class EventTypeNotFound(EventTypeError):
    code = "event_type_not_found"


class TeamNotFound(EventTypeError):
    code = "team_not_found"


class ScheduleNotFound(EventTypeError):
    code = "schedule_not_found"


class PrivateLinkNotFound(EventTypeError):
    code = "private_link_not_found"


class NotTeamAdmin(EventTypeError):
    """A team member may read the team's event types but not change them."""

    code = "not_team_admin"


class SlugTaken(EventTypeError):
    code = "slug_taken"


class DefaultScheduleRequired(EventTypeError):
    """A user with schedules keeps a default one: it changes only by choosing another."""

    code = "default_schedule_required"
