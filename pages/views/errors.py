"""Which refusals of the booking service are about the chosen time: the page shows them next to
the times, with the times refreshed, and keeps what was typed."""

from bookings import errors

TAKEN = "Sorry, that time was just taken. The times below are free now; please choose another."
NO_LONGER = (
    "That time can no longer be booked. The times below are free now; please choose another."
)
BUSY = "Many people are booking right now. Please choose your time again."

# The service's own messages name instants in UTC for API callers; attendees read these.
TIME_ERRORS = {
    errors.SlotUnavailable: TAKEN,
    errors.SeatsFull: TAKEN,
    errors.ReservationHeld: TAKEN,
    errors.NoHostAvailable: TAKEN,
    errors.StartInPast: NO_LONGER,
    errors.OutsideAvailability: NO_LONGER,
    errors.BeforeMinimumNotice: NO_LONGER,
    errors.OutsideBookingWindow: NO_LONGER,
    errors.BookingLimitReached: NO_LONGER,
    errors.LockTimeout: BUSY,
}
