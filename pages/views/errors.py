"""Which refusals of the booking service are about the chosen time: the page shows them next to
the times, with the times refreshed, and keeps what was typed."""

from bookings import errors

TIME_ERRORS = frozenset(
    {
        errors.SlotUnavailable,
        errors.SeatsFull,
        errors.ReservationHeld,
        errors.StartInPast,
        errors.OutsideAvailability,
        errors.BeforeMinimumNotice,
        errors.OutsideBookingWindow,
        errors.BookingLimitReached,
        errors.NoHostAvailable,
        errors.LockTimeout,
    }
)
