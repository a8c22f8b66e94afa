"""Errors of the booking services, each with a stable machine-readable code (see
eventtypes/errors.py)."""

from eventtypes.errors import DomainError


class BookingError(DomainError):
    code = "booking_error"


class InvalidInput(BookingError):
    code = "invalid_input"


class InvalidMetadata(InvalidInput):
    code = "invalid_metadata"


class NotFound(BookingError):
    code = "not_found"


class OccurrenceNotFound(NotFound):
    code = "occurrence_not_found"


class BookingNotFound(NotFound):
    code = "booking_not_found"


class EventTypeNotBookable(BookingError):
    code = "event_type_not_bookable"


class SlotUnavailable(BookingError):
    """The host is taken at that time (another booking, its buffers) or lost a race."""

    code = "slot_unavailable"


class StartInPast(BookingError):
    code = "start_in_past"


class OutsideAvailability(BookingError):
    code = "outside_availability"


class BeforeMinimumNotice(BookingError):
    code = "before_minimum_notice"


class OutsideBookingWindow(BookingError):
    code = "outside_booking_window"


class BookingLimitReached(BookingError):
    code = "booking_limit_reached"


class SeatsFull(BookingError):
    code = "seats_full"


class ReservationHeld(BookingError):
    code = "reservation_held"

    def __init__(self, message: str, *, retry_after: int, details: dict | None = None):
        super().__init__(message, details={"retryAfterSeconds": retry_after, **(details or {})})
        self.retry_after = retry_after


class LockTimeout(BookingError):
    """Another request holds the lock of a host or a booking for too long."""

    code = "lock_timeout"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class TooManyReservations(BookingError):
    code = "too_many_reservations"


class ReservationNotFound(BookingError):
    code = "reservation_not_found"


class InvalidTransition(BookingError):
    """The booking is not in a state that allows this change (e.g. confirming a cancelled one)."""

    code = "invalid_transition"


class CutoffPassed(BookingError):
    code = "cutoff_passed"


class ChangesDisabled(BookingError):
    """The event type does not let attendees cancel or reschedule."""

    code = "changes_disabled"


class PrivateLinkInvalid(BookingError):
    code = "private_link_invalid"


class InvalidToken(BookingError):
    code = "invalid_token"


class NoHostAvailable(BookingError):
    code = "no_host_available"
