"""Seats of a seated booking: strangers share one booking at one time, each attendee with a seat
of their own (seat uid, answers, metadata), taken, given up and moved one at a time."""

import uuid

from accounts.timezones import iso_utc
from bookings.errors import InvalidInput, SeatsFull, SlotUnavailable
from bookings.models import Attendee, Booking
from bookings.services.actors import Actor
from bookings.services.building import (
    CreatedBooking,
    attendee_row,
    build_booking,
    initial_status,
    insert_booking,
)
from bookings.services.closing import cancel_locked, mark_cancelled
from bookings.services.hosts import choose_hosts
from bookings.services.locking import lock_booking
from bookings.services.recording import Action, record_change, snapshot
from bookings.services.reservations import claim_reservation
from bookings.services.slot_checks import require_slot
from webhooks.models import Trigger


def lock_open_seated(booking_uid) -> Booking:
    """The seated booking to join, locked; it may have been cancelled since the slot check."""
    booking = lock_booking(Booking.objects.get(uid=booking_uid).pk)
    if not booking.is_blocking:
        raise SlotUnavailable(
            "The booking at that time was cancelled a moment ago; choose the slot again.",
            details={"reason": "conflict"},
        )
    return booking


def find_seat(booking: Booking, seat_uid) -> Attendee:
    try:
        attendee = booking.attendees.filter(seat_uid=uuid.UUID(str(seat_uid))).first()
    except ValueError:
        attendee = None
    if attendee is None:
        raise InvalidInput(f"No seat {seat_uid} in this booking.", details={"field": "seatUid"})
    return attendee


def seat_responses(prepared, request) -> dict:
    """A seat's own answers, with the attendee's notes among them."""
    if request.notes:
        return {**prepared.responses, "notes": request.notes}
    return prepared.responses


def add_seat(booking_uid, event_type, request, prepared, actor: Actor) -> CreatedBooking:
    """Take a seat in the booking that already meets at the requested time, while seats last.
    Outbox: BOOKING_CREATED, with the new seat."""
    booking = lock_open_seated(booking_uid)
    attendees = list(booking.attendees.all())
    if len(attendees) >= event_type.seats_per_time_slot:
        raise SeatsFull(f"All seats at {iso_utc(booking.start)} are taken.")
    if any(a.email == request.attendee.email.lower() for a in attendees):
        raise InvalidInput(
            f"{request.attendee.email} already has a seat in this booking.",
            details={"field": "attendee.email"},
        )
    row = attendee_row(
        request.attendee,
        seated=True,
        responses=seat_responses(prepared, request),
        metadata=prepared.metadata,
    )
    row.booking = booking
    row.save()
    seat_uid = str(row.seat_uid)
    fresh = record_change(
        booking,
        Action.SEAT_ADDED,
        actor,
        after={"seatUid": seat_uid, "email": row.email},
        trigger=Trigger.BOOKING_CREATED,
        seat_uid=seat_uid,
    )
    return CreatedBooking([fresh], "seated", seat_uid=seat_uid)


def cancel_seat(booking: Booking, seat_uid: str, actor: Actor, reason: str, now) -> Booking:
    """Give up one seat of a locked booking; the last seat cancels the booking.
    Outbox: BOOKING_UPDATED (or BOOKING_CANCELLED)."""
    attendee = find_seat(booking, seat_uid)
    remaining = booking.attendees.exclude(pk=attendee.pk).count()
    if remaining == 0:
        return cancel_locked(booking, actor, reason, now)
    attendee.delete()
    return record_change(
        booking,
        Action.SEAT_CANCELLED,
        actor,
        after={"seatUid": seat_uid, "email": attendee.email, "reason": reason},
        trigger=Trigger.BOOKING_UPDATED,
    )


def move_seat(booking, seat_uid, new_start, actor, reservation_uid, now) -> CreatedBooking:
    """Move one seat of a locked booking to `new_start`: into the booking meeting then, or into
    a new one; the last seat leaving cancels the booking it leaves. Outbox: BOOKING_RESCHEDULED
    (payload: the booking the seat moved into)."""
    event_type = booking.event_type
    attendee = find_seat(booking, seat_uid)
    if new_start == booking.start:
        raise InvalidInput("The seat is already at that time.", details={"field": "start"})
    own_reservation = claim_reservation(event_type, reservation_uid, new_start, now)
    slot, search = require_slot(
        event_type,
        new_start,
        now=now,
        length=booking.duration_minutes,
        own_reservation_uid=own_reservation,
    )
    if booking.attendees.count() == 1:
        cancel_locked(booking, actor, "Rescheduled", now)
    if slot.booking_uid:
        target = lock_open_seated(slot.booking_uid)
        if target.attendees.count() >= event_type.seats_per_time_slot:
            raise SeatsFull(f"All seats at {iso_utc(new_start)} are taken.")
    else:
        organizer_id, host_ids = choose_hosts(event_type, slot, search)
        target = build_booking(
            event_type,
            organizer_id=organizer_id,
            start=new_start,
            length=booking.duration_minutes,
            status=initial_status(event_type, new_start, now, confirmed_by_host=actor.is_host),
            channel=actor.channel,
            title=booking.title,
            description=booking.description,
            location=booking.location,
            meeting_url=booking.meeting_url,
            ics_uid=f"{booking.uid}-{seat_uid}@rendezvous",
        )
        insert_booking(target, host_ids, [])
    attendee.booking = target
    attendee.save(update_fields=["booking"])
    record_change(
        booking, Action.SEAT_MOVED_AWAY, actor, after={"seatUid": seat_uid, "toUid": target.uid}
    )
    fresh = record_change(
        target,
        Action.SEAT_MOVED_IN,
        actor,
        after={"seatUid": seat_uid, "fromUid": booking.uid, "at": iso_utc(new_start)},
        trigger=Trigger.BOOKING_RESCHEDULED,
        seat_uid=str(seat_uid),
    )
    return CreatedBooking([fresh], "seated", seat_uid=str(seat_uid))


def merge_seats(booking, slot, actor, reason, rescheduled_by_email, now) -> CreatedBooking:
    """Move a whole seated booking onto the booking that already meets at the new time.
    Outbox: BOOKING_RESCHEDULED (payload: the booking the seats joined)."""
    target = lock_open_seated(slot.booking_uid)
    moving = list(booking.attendees.all())
    # Counted again under the lock: seats may have gone since the slot check.
    free = booking.event_type.seats_per_time_slot - target.attendees.count()
    if len(moving) > free:
        raise SeatsFull(
            f"Only {max(free, 0)} seats are free at {iso_utc(target.start)}; "
            f"{len(moving)} attendees would move.",
        )
    before = mark_cancelled(
        booking, actor, now, reason=reason, moved=True, rescheduled_by_email=rescheduled_by_email
    )
    booking.attendees.update(booking=target)
    record_change(
        booking,
        Action.RESCHEDULED_AWAY,
        actor,
        before=before,
        after={**snapshot(booking), "mergedIntoUid": target.uid},
    )
    fresh = record_change(
        target,
        Action.SEATS_MERGED,
        actor,
        after={"fromUid": booking.uid, "emails": [a.email for a in moving]},
        trigger=Trigger.BOOKING_RESCHEDULED,
    )
    return CreatedBooking([fresh], "seated")
