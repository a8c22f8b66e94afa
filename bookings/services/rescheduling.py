"""Moving a booking to another time: a new booking, the old one cancelled, linked both ways."""

from datetime import datetime

from django.utils import timezone

from bookings.errors import EventTypeNotBookable, InvalidInput
from bookings.models import Booking
from bookings.services import seats
from bookings.services.actors import Actor
from bookings.services.building import (
    CreatedBooking,
    build_booking,
    copied_attendee,
    initial_status,
    insert_booking,
    moved_details,
)
from bookings.services.closing import mark_cancelled
from bookings.services.hosts import choose_hosts, host_user_ids
from bookings.services.locking import booking_write
from bookings.services.recording import Action, record_change, snapshot
from bookings.services.reservations import claim_reservation
from bookings.services.slot_checks import require_slot
from bookings.services.states import (
    check_attendee_cutoff,
    require_seat_for_attendee,
    require_status,
)
from webhooks.models import Trigger


def reschedule_booking(
    booking: Booking,
    new_start: datetime,
    actor: Actor,
    *,
    reason: str = "",
    rescheduled_by_email: str = "",
    seat_uid: str | None = None,
    reservation_uid=None,
    now=None,
) -> CreatedBooking:
    """Move a booking: a new booking at `new_start`, the old one cancelled, linked both ways.

    The calendar invite keeps its UID with SEQUENCE + 1. The new booking is pending again if the
    event type needs confirmation and no host did the move. For a seated booking with
    `seat_uid`, only that attendee moves. Locks the hosts, then the booking.
    Outbox: BOOKING_RESCHEDULED (payload: the new booking).
    """
    now = now or timezone.now()
    if new_start.tzinfo is None:
        raise InvalidInput("The start must carry a time zone (UTC).", details={"field": "start"})
    event_type = booking.event_type
    if event_type is None:
        raise EventTypeNotBookable("The event type of this booking no longer exists.")
    with booking_write(host_ids=host_user_ids(event_type), booking_ids=[booking.pk]) as locked:
        [booking] = locked
        require_status(booking, Booking.BLOCKING_STATUSES, "rescheduled")
        require_seat_for_attendee(booking, actor, seat_uid, "reschedule")
        check_attendee_cutoff(booking, actor, now, "reschedule")
        if seat_uid:
            return seats.move_seat(booking, seat_uid, new_start, actor, reservation_uid, now)
        return _move(booking, new_start, actor, reason, rescheduled_by_email, reservation_uid, now)


def _move(booking, new_start, actor, reason, rescheduled_by_email, reservation_uid, now):
    event_type = booking.event_type
    length = booking.duration_minutes
    own_reservation = claim_reservation(event_type, reservation_uid, new_start, now)
    slot, search = require_slot(
        event_type,
        new_start,
        now=now,
        length=length,
        exclude_booking_uid=booking.uid,
        own_reservation_uid=own_reservation,
    )
    if slot.booking_uid == booking.uid:
        raise InvalidInput("The booking is already at that time.", details={"field": "start"})
    if slot.booking_uid:
        return seats.merge_seats(booking, slot, actor, reason, rescheduled_by_email, now)
    current_hosts = list(booking.booking_hosts.values_list("user_id", flat=True))
    if set(current_hosts) <= set(slot.host_ids):
        organizer_id, host_ids = booking.organizer_id, current_hosts
    else:
        organizer_id, host_ids = choose_hosts(event_type, slot, search)
    status = _status_after_move(booking, actor, new_start, rescheduled_by_email, now)

    old_before = mark_cancelled(
        booking, actor, now, reason=reason, moved=True, rescheduled_by_email=rescheduled_by_email
    )
    new = build_booking(
        event_type,
        organizer_id=organizer_id,
        start=new_start,
        length=length,
        status=status,
        channel=actor.channel,
        **moved_details(booking),
        ics_uid=booking.ics_uid,
        ics_sequence=booking.ics_sequence + 1,
        rescheduled_from=booking,
        rescheduling_reason=reason or "",
        rescheduled_by_email=booking.rescheduled_by_email,
    )
    if event_type.is_seated:
        # Seats move with their attendees, so that every seat uid keeps working.
        insert_booking(new, host_ids, [])
        booking.attendees.update(booking=new)
    else:
        insert_booking(new, host_ids, [copied_attendee(a) for a in booking.attendees.all()])
    record_change(
        booking,
        Action.RESCHEDULED_AWAY,
        actor,
        before=old_before,
        after={**snapshot(booking), "rescheduledToUid": new.uid},
    )
    fresh = record_change(
        new,
        Action.RESCHEDULED,
        actor,
        after={**snapshot(new), "rescheduledFromUid": booking.uid},
        trigger=Trigger.BOOKING_RESCHEDULED,
    )
    return CreatedBooking([fresh], "single")


def _status_after_move(booking, actor, new_start, rescheduled_by_email, now) -> dict:
    """A move by a host needs no confirmation; an attendee who has not confirmed their address
    still has to, and one who has is not asked again."""
    host_emails = {h.user.email.lower() for h in booking.booking_hosts.select_related("user")}
    by_host = actor.is_host or (rescheduled_by_email or "").lower() in host_emails
    status = initial_status(booking.event_type, new_start, now, confirmed_by_host=by_host)
    if booking.pending_on == Booking.PendingOn.ATTENDEE:
        status["status"], status["pending_on"] = Booking.Status.PENDING, Booking.PendingOn.ATTENDEE
    elif status["pending_on"] == Booking.PendingOn.ATTENDEE:
        needs_host = status["requires_host_confirmation"]
        status["pending_on"] = Booking.PendingOn.HOST if needs_host else ""
        status["status"] = Booking.Status.PENDING if needs_host else Booking.Status.ACCEPTED
    return status
