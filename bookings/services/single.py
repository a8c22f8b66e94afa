"""One booking at one time, or a seat in the seated booking already meeting then."""

from django.contrib.auth import get_user_model

from bookings.services import seats
from bookings.services.actors import Actor
from bookings.services.building import (
    CreatedBooking,
    attendee_row,
    build_booking,
    initial_status,
    insert_booking,
    requested_details,
)
from bookings.services.hosts import choose_hosts
from bookings.services.recording import Action, created_trigger, record_change


def create_single(event_type, request, prepared, actor: Actor, now, checked):
    """In the booking write of create_booking, the hosts locked and the start checked
    (checked: require_slot's slot and search): the hosts chosen, the booking written.
    Outbox: BOOKING_CREATED or BOOKING_REQUESTED."""
    slot, search = checked
    if slot.booking_uid:
        return seats.add_seat(slot.booking_uid, event_type, request, prepared, actor)
    organizer_id, host_ids = choose_hosts(event_type, slot, search, request.host_ids)
    if host_ids == [event_type.owner_id]:
        users = {event_type.owner_id: event_type.owner}
    else:
        users = get_user_model().objects.in_bulk(host_ids)
    organizer = users[organizer_id]
    booking = build_booking(
        event_type,
        organizer_id=organizer_id,
        start=request.start,
        length=prepared.length,
        status=initial_status(event_type, request.start, now),
        channel=actor.channel,
        **requested_details(event_type, request, prepared, organizer),
    )
    seated = event_type.is_seated
    row = attendee_row(
        request.attendee,
        seated=seated,
        responses=seats.seat_responses(prepared, request),
        metadata=prepared.metadata,
    )
    insert_booking(booking, host_ids, [row], users=users)
    seat_uid = str(row.seat_uid) if seated else None
    fresh = record_change(
        booking,
        Action.CREATED,
        actor,
        trigger=created_trigger(booking),
        seat_uid=seat_uid,
        just_written=True,
    )
    return CreatedBooking([fresh], "seated" if seated else "single", seat_uid=seat_uid)
