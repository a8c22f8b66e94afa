"""What a booking's state allows, checked on the booking re-read under its lock."""

from datetime import timedelta

from bookings.errors import ChangesDisabled, CutoffPassed, InvalidInput, InvalidTransition
from bookings.models import Booking
from bookings.services.actors import Actor


def require_status(booking: Booking, allowed, action: str) -> None:
    """action: what would be done, as a past participle ("confirmed", "cancelled")."""
    if booking.status not in allowed:
        article = "An" if booking.status[0] in "aeiou" else "A"
        raise InvalidTransition(
            f"{article} {booking.status} booking cannot be {action}.",
            details={"status": booking.status},
        )


def require_open(booking: Booking, action: str) -> None:
    """action: what would be done ("add guests"). Pending and accepted bookings are open."""
    if not booking.is_blocking:
        raise InvalidTransition(
            f"Cannot {action} on a {booking.status} booking.", details={"status": booking.status}
        )


def require_seat_for_attendee(booking: Booking, actor: Actor, seat_uid, verb: str) -> None:
    """On a seated booking an attendee changes only their own seat: every attendee knows the
    booking's uid, so the uid alone must not move or cancel everybody's seats."""
    if actor.is_attendee and booking.is_seated and not seat_uid:
        raise InvalidInput(
            f"This is a seated booking: send your seatUid to {verb} your seat.",
            details={"field": "seatUid"},
        )


def check_attendee_cutoff(booking: Booking, actor: Actor, now, verb: str) -> None:
    """Attendees cancel or reschedule (verb) only when the event type lets them, and not after
    its cut-off before the start; hosts are held to neither."""
    event_type = booking.event_type
    if not actor.is_attendee or event_type is None:
        return
    if verb == "cancel":
        cutoff, disabled = event_type.cancellation_cutoff_minutes, event_type.disable_cancelling
    else:
        cutoff, disabled = event_type.reschedule_cutoff_minutes, event_type.disable_rescheduling
    if disabled:
        raise ChangesDisabled(f"This event type does not allow attendees to {verb} bookings.")
    if booking.start <= now:
        raise CutoffPassed(f"The booking has already started; attendees can no longer {verb} it.")
    if cutoff and booking.start - now < timedelta(minutes=cutoff):
        raise CutoffPassed(
            f"Attendees can {verb} until {cutoff} minutes before the start.",
            details={"cutoffMinutes": cutoff},
        )


def attendee_refusal(booking: Booking, verb: str, now) -> str:
    """Why an attendee could not cancel or reschedule (verb) the booking now; "" if they can.
    The same checks the change itself makes, for pages that offer it beforehand."""
    try:
        require_status(
            booking, Booking.BLOCKING_STATUSES, f"{verb}led" if verb == "cancel" else "rescheduled"
        )
        check_attendee_cutoff(booking, Actor.attendee(), now, verb)
    except (InvalidTransition, ChangesDisabled, CutoffPassed) as error:
        return error.message
    return ""
