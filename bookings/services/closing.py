"""Closing a booking: cancelled (by someone, or because it moved) or declined, its time freed."""

from bookings.models import Booking, BookingHost
from bookings.services.actors import Actor
from bookings.services.recording import Action, record_change, snapshot
from webhooks.models import Trigger


def release_time(booking_ids) -> None:
    """The bookings no longer block their hosts' time."""
    BookingHost.objects.filter(booking_id__in=booking_ids).update(is_blocking=False)


def mark_cancelled(
    booking: Booking, actor: Actor, now, *, reason: str = "", moved=False, rescheduled_by_email=""
) -> dict:
    """Cancel a locked booking and free its time; returns its state before the change.

    moved: the booking is cancelled because it moved to another time. The reason is then the
    rescheduling reason, and its calendar event lives on in the new booking (whose SEQUENCE
    goes up, not this one's).
    """
    before = snapshot(booking)
    booking.status = Booking.Status.CANCELLED
    booking.pending_on = Booking.PendingOn.NOTHING
    booking.cancelled_at = now
    booking.cancelled_by_role = actor.role
    booking.idempotency_key = None
    changed = ["status", "pending_on", "cancelled_at", "cancelled_by_role", "idempotency_key"]
    if moved:
        booking.cancelled_by_email = actor.email or rescheduled_by_email or ""
        booking.rescheduling_reason = reason or ""
        booking.rescheduled_by_email = rescheduled_by_email or actor.email or ""
        changed += ["cancelled_by_email", "rescheduling_reason", "rescheduled_by_email"]
    else:
        booking.cancelled_by_email = actor.email or ""
        booking.cancellation_reason = reason or ""
        booking.ics_sequence += 1
        changed += ["cancelled_by_email", "cancellation_reason", "ics_sequence"]
    booking.save(update_fields=[*changed, "updated_at"])
    release_time([booking.pk])
    return before


def cancel_locked(booking: Booking, actor: Actor, reason: str, now) -> Booking:
    """Cancel a booking already locked and checked. Outbox: BOOKING_CANCELLED."""
    before = mark_cancelled(booking, actor, now, reason=reason)
    return record_change(
        booking, Action.CANCELLED, actor, before=before, trigger=Trigger.BOOKING_CANCELLED
    )
