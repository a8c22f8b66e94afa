"""History rows and outbox events, written in the transaction of the change they describe."""

from collections.abc import Sequence

from accounts.timezones import iso_utc
from bookings.events import booking_payload, no_show_payload
from bookings.models import Booking, BookingHistory
from bookings.representation import with_output_relations
from webhooks.models import Trigger
from webhooks.outbox import outbox_event, record_events

Action = BookingHistory.Action


def snapshot(booking: Booking) -> dict:
    return {
        "status": booking.status,
        "start": iso_utc(booking.start),
        "end": iso_utc(booking.end),
        "organizerId": booking.organizer_id,
        "location": booking.location,
    }


def reload(booking_id: int) -> Booking:
    """The booking with everything its output needs, in a fixed number of queries."""
    return with_output_relations(Booking.objects.filter(pk=booking_id)).get()


def record_change(
    booking: Booking,
    action: Action,
    actor,
    *,
    before: dict | None = None,
    after: dict | None = None,
    trigger: str | Sequence[str] | None = None,
    seat_uid: str | None = None,
    just_written: bool = False,
) -> Booking:
    """Write the history row and, per trigger, an outbox event; returns the fresh booking.

    just_written: the booking was written by this transaction and carries its output
    relations (building.insert_booking with users): it is not read back."""
    fresh = booking if just_written else reload(booking.pk)
    history = BookingHistory(
        booking=fresh,
        action=action,
        actor=actor.user,
        actor_email=actor.email or "",
        actor_role=actor.role,
        channel=actor.channel,
        before=before or {},
        after=after if after is not None else snapshot(fresh),
    )
    triggers = [trigger] if isinstance(trigger, str) else list(trigger or ())
    events = [
        booking_event(
            fresh,
            each,
            seat_uid=seat_uid,
            change=action if each == Trigger.BOOKING_UPDATED else None,
        )
        for each in triggers
    ]
    record_events(events, along_with=[history])
    return fresh


def record_booking_event(
    booking: Booking, trigger: str, *, seat_uid: str | None = None, change: str | None = None
):
    """Write the outbox event of `trigger` about the booking (see booking_event)."""
    event = booking_event(booking, trigger, seat_uid=seat_uid, change=change)
    record_events([event])
    return event


def booking_event(
    booking: Booking, trigger: str, *, seat_uid: str | None = None, change: str | None = None
):
    """The outbox event (not written yet) of `trigger` about the booking (loaded with its
    output relations), for the subscribers of its organizer, its team and its event type.
    `change`: what a BOOKING_UPDATED changed (the history action)."""
    if trigger == Trigger.BOOKING_NO_SHOW_UPDATED:
        payload = no_show_payload(booking)
    else:
        payload = booking_payload(booking, seat_uid=seat_uid, change=change)
    event_type = booking.event_type
    return outbox_event(
        trigger,
        payload,
        user_id=booking.organizer_id,
        team_id=event_type.team_id if event_type else None,
        event_type_id=event_type.id if event_type else None,
        booking_uid=booking.uid,
    )


def created_trigger(booking: Booking) -> str:
    """A new booking is BOOKING_CREATED when it stands, BOOKING_REQUESTED while it waits for
    the host or the attendee."""
    if booking.is_blocking and not booking.pending_on:
        return Trigger.BOOKING_CREATED
    return Trigger.BOOKING_REQUESTED
