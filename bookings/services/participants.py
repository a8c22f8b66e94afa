"""Attendees, guests and (round robin) the host of a booking."""

from django.utils import timezone

from bookings.errors import InvalidInput, InvalidTransition, SeatsFull
from bookings.models import Booking, BookingHost
from bookings.services import inputs
from bookings.services.actors import Actor
from bookings.services.building import attendee_row
from bookings.services.hosts import host_user_ids, reassignment_target
from bookings.services.locking import booking_write
from bookings.services.recording import Action, record_change
from bookings.services.states import require_open
from eventtypes.models import EventType
from webhooks.models import Trigger


def add_attendee(booking: Booking, attendee: inputs.AttendeeInput, actor: Actor):
    """Add an attendee (a seat on seated types, within the seats). Outbox: BOOKING_UPDATED.

    Returns (booking, the new attendee row).
    """
    inputs.check_attendee(attendee)
    with booking_write(booking_ids=[booking.pk]) as [booking]:
        require_open(booking, "add an attendee")
        event_type = booking.event_type
        seated = bool(event_type and event_type.is_seated)
        existing = list(booking.attendees.all())
        if seated and len(existing) >= event_type.seats_per_time_slot:
            raise SeatsFull("All seats of this booking are taken.")
        if any(a.email == attendee.email.lower() for a in existing):
            raise InvalidInput(f"{attendee.email} is already an attendee of this booking.")
        row = attendee_row(attendee, seated=seated)
        row.booking = booking
        row.save()
        fresh = record_change(
            booking,
            Action.ATTENDEE_ADDED,
            actor,
            after={"email": row.email},
            trigger=Trigger.BOOKING_UPDATED,
        )
        return fresh, row


def remove_attendee(booking: Booking, attendee_id: int, actor: Actor) -> Booking:
    """Remove an attendee; the last one cannot be removed (cancel instead)."""
    with booking_write(booking_ids=[booking.pk]) as [booking]:
        require_open(booking, "remove an attendee")
        attendee = booking.attendees.filter(pk=attendee_id).first()
        if attendee is None:
            raise InvalidInput(f"No attendee {attendee_id} in this booking.")
        if booking.attendees.count() == 1:
            raise InvalidTransition("This is the only attendee; cancel the booking instead.")
        attendee.delete()
        return record_change(
            booking,
            Action.ATTENDEE_REMOVED,
            actor,
            after={"email": attendee.email},
            trigger=Trigger.BOOKING_UPDATED,
        )


MAX_GUESTS_PER_CALL = 10


def add_guests(booking: Booking, emails, actor: Actor) -> Booking:
    """Add guest emails (at most 10 per call, 30 per booking). Outbox: BOOKING_UPDATED."""
    emails = list(emails or [])
    if not emails:
        raise InvalidInput("Give at least one guest.", details={"field": "guests"})
    if len(emails) > MAX_GUESTS_PER_CALL:
        raise InvalidInput(f"At most {MAX_GUESTS_PER_CALL} guests can be added at once.")
    with booking_write(booking_ids=[booking.pk]) as [booking]:
        require_open(booking, "add guests")
        before = {"guests": list(booking.guests)}
        booking.guests = inputs.check_guests(booking.event_type, emails, existing=booking.guests)
        booking.save(update_fields=["guests", "updated_at"])
        return record_change(
            booking,
            Action.GUESTS_ADDED,
            actor,
            before=before,
            after={"guests": booking.guests},
            trigger=Trigger.BOOKING_UPDATED,
        )


def reassign_booking(booking: Booking, actor: Actor, *, to_user_id=None, reason="", now=None):
    """Give a round-robin booking to another host: the one named, or the best free one.

    Locks the hosts, then the booking. Outbox: BOOKING_REASSIGNED.
    """
    now = now or timezone.now()
    event_type = booking.event_type
    if event_type is None or event_type.scheduling_type != EventType.SchedulingType.ROUND_ROBIN:
        raise InvalidTransition("Only bookings of round-robin event types can be reassigned.")
    with booking_write(host_ids=host_user_ids(event_type), booking_ids=[booking.pk]) as [booking]:
        require_open(booking, "reassign")
        if booking.start <= now:
            raise InvalidTransition("A booking that has started cannot be reassigned.")
        new_host_id = reassignment_target(booking, event_type, to_user_id, now)
        before = {"organizerId": booking.organizer_id}
        row = BookingHost.objects.get(booking=booking, user_id=booking.organizer_id)
        row.user_id = new_host_id
        row.absent = False
        row.save(update_fields=["user", "absent"])
        booking.organizer_id = new_host_id
        booking.reassign_reason = reason or ""
        booking.reassigned_by = actor.user
        booking.save(update_fields=["organizer", "reassign_reason", "reassigned_by", "updated_at"])
        return record_change(
            booking,
            Action.REASSIGNED,
            actor,
            before=before,
            after={"organizerId": new_host_id, "reason": reason},
            trigger=Trigger.BOOKING_REASSIGNED,
        )
