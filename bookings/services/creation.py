"""Creating bookings: what a caller asks for is checked, then the event type decides whether it
becomes one booking (single.py), a seat in a seated booking (seats.py), a recurring series
(series.py) or an instant meeting (instant.py)."""

import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError
from django.utils import timezone

from bookings.errors import (
    BookingError,
    EventTypeNotBookable,
    InvalidInput,
    PrivateLinkInvalid,
    ReservationNotFound,
)
from bookings.models import Booking, SlotReservation
from bookings.services import inputs, instant, series, single
from bookings.services.actors import Actor
from bookings.services.building import CreatedBooking, new_uid
from bookings.services.hosts import host_user_ids
from bookings.services.inputs import BookingRequest, Prepared
from bookings.services.locking import new_booking_write
from bookings.services.reservations import claim_reservation
from bookings.services.slot_checks import require_slot
from eventtypes.models import EventType, PrivateLink

IDEMPOTENCY_RETENTION = timedelta(hours=24)


def create_booking(
    event_type: EventType, request: BookingRequest, actor: Actor, *, now=None
) -> CreatedBooking:
    """Book an event type.

    Preconditions are checked before anything is written (attendee, answers, metadata, length,
    location, guests). Then, in one booking write: the hosts are locked (by id), the private
    link used up, the reservation claimed, the start re-checked with the slot engine, and the
    booking, its hosts, attendees, history and outbox rows written. A booking already made
    under the idempotency key (looked up as the hosts are locked, in the same round trip) is
    returned instead of a new one.
    Raises a BookingError; a race lost to a concurrent booking raises SlotUnavailable.
    """
    now = now or timezone.now()
    key = request.idempotency_key
    try:
        return _create(event_type, request, actor, now, key)
    except (BookingError, IntegrityError):
        # The booking already made under the key answers that request made again, whatever
        # would refuse it now (a length or an answer no longer accepted, the hosts' lock held
        # a moment too long, the slot it took), and a concurrent request with that key for
        # other hosts (the key is unique).
        if key and (existing := _existing_for_key(key)):
            return existing
        raise


def _create(event_type, request, actor, now, key) -> CreatedBooking:
    prepared = prepare(event_type, request, now)
    single_start = not (request.instant or event_type.is_recurring)
    # The start is checked once, under the hosts' lock (a series checks each occurrence); the
    # exclusion constraint refuses an overlap whatever happens.
    with new_booking_write(host_ids=host_user_ids(event_type), idempotency_key=key) as made:
        if made is not None and (existing := _existing_for_key(key)):
            return existing
        if single_start:
            # Before the link and the hold: a start that cannot be booked is the answer.
            checked = require_slot(
                event_type,
                request.start,
                now=now,
                length=prepared.length,
                own_reservation_uid=request.reservation_uid,
            )
        if request.private_link_hash:
            consume_private_link(event_type, request.private_link_hash, now)
        if request.instant:
            return instant.create_instant(event_type, request, prepared, actor, now)
        claim_reservation(event_type, request.reservation_uid, request.start, now)
        if event_type.is_recurring:
            return series.create_series(event_type, request, prepared, actor, now)
        return single.create_single(event_type, request, prepared, actor, now, checked)


def create_booking_from_reservation(
    reservation_uid, request: BookingRequest, actor: Actor, *, now=None
) -> CreatedBooking:
    """Book the slot a reservation holds; its event type, start and length are the booking's."""
    reservation = (
        SlotReservation.objects.select_related("event_type").filter(uid=reservation_uid).first()
    )
    if reservation is None:
        raise ReservationNotFound(f"No reservation with uid {reservation_uid}.")
    request.start = reservation.start
    request.length = reservation.duration_minutes
    request.reservation_uid = reservation.uid
    return create_booking(reservation.event_type, request, actor, now=now)


def consume_private_link(event_type: EventType, link_hash: str, now: datetime) -> PrivateLink:
    """Use one of a private link's uses, under a lock; raises PrivateLinkInvalid."""
    link = (
        PrivateLink.objects.select_for_update(no_key=True)
        .filter(event_type=event_type, link_hash=link_hash)
        .first()
    )
    if link is None or not link.is_usable(now):
        raise PrivateLinkInvalid("This private link is unknown, expired or already used.")
    link.uses += 1
    link.save(update_fields=["uses"])
    return link


# --- Preparation (no writes) --------------------------------------------------------------------


def prepare(event_type: EventType, request: BookingRequest, now) -> Prepared:
    if request.instant and not (event_type.is_team_event and event_type.instant_meetings_allowed):
        raise EventTypeNotBookable("This event type does not offer instant meetings.")
    if request.start is None and not request.instant:
        raise InvalidInput("A start time is required.", details={"field": "start"})
    if request.start is not None and request.start.tzinfo is None:
        raise InvalidInput("The start must carry a time zone (UTC).", details={"field": "start"})
    inputs.check_attendee(request.attendee)
    length = inputs.check_length(event_type, request.length)
    metadata = inputs.check_metadata(request.metadata)
    responses = inputs.check_responses(event_type, request.responses)
    guests = inputs.check_guests(event_type, request.guests)
    if request.host_ids is not None:
        _check_host_choice(event_type, request.host_ids)
    if request.reservation_uid is not None:
        try:
            request.reservation_uid = uuid.UUID(str(request.reservation_uid))
        except ValueError:
            raise InvalidInput(
                f"'{request.reservation_uid}' is not a reservation uid.",
                details={"field": "reservedSlotUid"},
            ) from None
    if len(request.ics_title) > 200 or len(request.ics_description) > 2000:
        raise InvalidInput("icsTitle is at most 200 and icsDescription 2000 characters.")
    if request.recurrence_count is not None:
        if not event_type.is_recurring:
            raise InvalidInput("recurrenceCount is only for recurring event types.")
        maximum = event_type.recurrence_max_occurrences
        if not 1 <= request.recurrence_count <= maximum:
            raise InvalidInput(f"recurrenceCount must be between 1 and {maximum}.")
    uid = new_uid()
    location, meeting_url = inputs.resolve_location(event_type, request.location, uid)
    if request.meeting_url:
        meeting_url = request.meeting_url
    return Prepared(uid, length, metadata, responses, guests, location, meeting_url)


def _check_host_choice(event_type: EventType, host_ids: list[int]) -> None:
    if not event_type.is_team_event:
        raise InvalidInput("hostIds is only for team event types.", details={"field": "hostIds"})
    known = set(event_type.hosts.values_list("user_id", flat=True))
    unknown = sorted(set(host_ids) - known)
    if unknown or not host_ids:
        raise InvalidInput(
            f"hostIds must name hosts of this event type; unknown: {unknown}.",
            details={"field": "hostIds"},
        )


def _existing_for_key(key: str) -> CreatedBooking | None:
    """The booking made under this key in the last 24 hours; an older one lets the key go."""
    booking = Booking.objects.filter(idempotency_key=key).first()
    if booking is None:
        return None
    if booking.created_at < timezone.now() - IDEMPOTENCY_RETENTION:
        Booking.objects.filter(pk=booking.pk).update(idempotency_key=None)
        return None
    if booking.recurring_series_id:
        bookings = list(booking.recurring_series.bookings.order_by("start"))
        return CreatedBooking(bookings, "recurring", replayed=True)
    return CreatedBooking([booking], "single", replayed=True)
