"""Attendees, guests and (round robin) the host of a booking."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.errors import InvalidInput, InvalidTransition, NoHostAvailable, SeatsFull
from bookings.models import Booking, BookingHost
from bookings.services import inputs
from bookings.services.actors import Actor
from bookings.services.creation import attendee_row, host_user_ids, raise_if_overlap
from bookings.services.locking import lock_booking, lock_hosts
from bookings.services.recording import record_change
from bookings.slots import find_slots
from eventtypes import availability
from eventtypes.models import EventType
from webhooks import triggers


def _require_open(booking: Booking, action: str) -> None:
    if not booking.is_blocking:
        raise InvalidTransition(
            f"Cannot {action} on a {booking.status} booking.", details={"status": booking.status}
        )


def add_attendee(booking: Booking, attendee: inputs.AttendeeInput, actor: Actor):
    """Add an attendee (a seat on seated types, within the seats). Outbox: BOOKING_UPDATED.

    Returns (booking, the new attendee row).
    """
    inputs.check_attendee(attendee)
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        _require_open(booking, "add an attendee")
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
            "attendee_added",
            actor,
            after={"email": row.email},
            trigger=triggers.BOOKING_UPDATED,
        )
        return fresh, row


def remove_attendee(booking: Booking, attendee_id: int, actor: Actor) -> Booking:
    """Remove an attendee; the last one cannot be removed (cancel instead)."""
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        _require_open(booking, "remove an attendee")
        attendee = booking.attendees.filter(pk=attendee_id).first()
        if attendee is None:
            raise InvalidInput(f"No attendee {attendee_id} in this booking.")
        if booking.attendees.count() == 1:
            raise InvalidTransition("This is the only attendee; cancel the booking instead.")
        attendee.delete()
        return record_change(
            booking,
            "attendee_removed",
            actor,
            after={"email": attendee.email},
            trigger=triggers.BOOKING_UPDATED,
        )


MAX_GUESTS_PER_CALL = 10


def add_guests(booking: Booking, emails, actor: Actor) -> Booking:
    """Add guest emails (at most 10 per call, 30 per booking). Outbox: BOOKING_UPDATED."""
    emails = list(emails or [])
    if not emails:
        raise InvalidInput("Give at least one guest.", details={"field": "guests"})
    if len(emails) > MAX_GUESTS_PER_CALL:
        raise InvalidInput(f"At most {MAX_GUESTS_PER_CALL} guests can be added at once.")
    with transaction.atomic():
        booking = lock_booking(booking.pk)
        _require_open(booking, "add guests")
        before = {"guests": list(booking.guests)}
        booking.guests = inputs.check_guests(booking.event_type, emails, existing=booking.guests)
        booking.save(update_fields=["guests", "updated_at"])
        return record_change(
            booking,
            "guests_added",
            actor,
            before=before,
            after={"guests": booking.guests},
            trigger=triggers.BOOKING_UPDATED,
        )


def reassign_booking(booking: Booking, actor: Actor, *, to_user_id=None, reason="", now=None):
    """Give a round-robin booking to another host: the one named, or the best free one.

    Locks the hosts, then the booking. Outbox: BOOKING_REASSIGNED.
    """
    now = now or timezone.now()
    event_type = booking.event_type
    if event_type is None or event_type.scheduling_type != EventType.SchedulingType.ROUND_ROBIN:
        raise InvalidTransition("Only bookings of round-robin event types can be reassigned.")
    try:
        with transaction.atomic():
            lock_hosts(host_user_ids(event_type))
            booking = lock_booking(booking.pk)
            _require_open(booking, "reassign")
            if booking.start <= now:
                raise InvalidTransition("A booking that has started cannot be reassigned.")
            new_host_id = _reassignment_target(booking, event_type, to_user_id, now)
            before = {"organizerId": booking.organizer_id}
            row = BookingHost.objects.get(booking=booking, user_id=booking.organizer_id)
            row.user_id = new_host_id
            row.absent = False
            row.save(update_fields=["user", "absent"])
            booking.organizer_id = new_host_id
            booking.reassign_reason = reason or ""
            booking.reassigned_by = actor.user
            booking.save(
                update_fields=["organizer", "reassign_reason", "reassigned_by", "updated_at"]
            )
            return record_change(
                booking,
                "reassigned",
                actor,
                before=before,
                after={"organizerId": new_host_id, "reason": reason},
                trigger=triggers.BOOKING_REASSIGNED,
            )
    except IntegrityError as error:
        raise_if_overlap(error)
        raise


def _reassignment_target(booking, event_type, to_user_id, now) -> int:
    search = find_slots(
        event_type,
        booking.start,
        booking.start + (booking.end - booking.start) / 1000,
        now=min(now, booking.start),
        length=booking.duration_minutes,
        exclude_booking_uid=booking.uid,
        all_hosts=True,
    )
    slot = search.slot_at(booking.start)
    free = set(slot.host_ids) if slot else set()
    current = booking.organizer_id
    if to_user_id is not None:
        if to_user_id not in search.hosts:
            raise InvalidInput(f"User {to_user_id} is not a host of this event type.")
        if booking.booking_hosts.filter(user_id=to_user_id).exists():
            raise InvalidInput("That host already takes part in this booking.")
        if to_user_id not in free:
            raise NoHostAvailable("That host is not free at the time of the booking.")
        return to_user_id
    candidates = [search.hosts[h] for h in free if h != current and not search.hosts[h].is_fixed]
    if not candidates:
        raise NoHostAvailable("No other host is free at the time of the booking.")
    return availability.choose_round_robin_host(candidates).host_id
