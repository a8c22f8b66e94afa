"""Creating bookings: regular, recurring, seated, instant, from a reservation or a private link."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.timezones import iso_utc
from bookings.errors import (
    BookingError,
    EventTypeNotBookable,
    InvalidInput,
    NoHostAvailable,
    PrivateLinkInvalid,
    ReservationNotFound,
    SeatsFull,
    SlotUnavailable,
)
from bookings.models import Attendee, Booking, BookingHost, RecurringSeries, SlotReservation
from bookings.services import inputs
from bookings.services.actors import Actor
from bookings.services.locking import lock_booking, lock_hosts
from bookings.services.recording import record_change
from bookings.services.slot_checks import require_slot
from eventtypes import availability
from eventtypes.models import EventType, PrivateLink
from webhooks import triggers

OVERLAP_CONSTRAINT = "booking_host_no_overlap"
IDEMPOTENCY_RETENTION = timedelta(hours=24)
FREQUENCIES = {"weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY, "yearly": rrule.YEARLY}


@dataclass
class BookingRequest:
    """What a caller asks for; the event type decides whether it becomes one booking, a
    series, a seat or an instant meeting."""

    start: datetime | None
    attendee: inputs.AttendeeInput
    length: int | None = None
    guests: list[str] = field(default_factory=list)
    location: dict | None = None
    meeting_url: str = ""
    metadata: dict | None = None
    responses: dict | None = None
    notes: str = ""
    host_ids: list[int] | None = None
    reservation_uid: uuid.UUID | str | None = None
    private_link_hash: str | None = None
    instant: bool = False
    recurrence_count: int | None = None
    skip_notifications: bool = False
    ics_title: str = ""
    ics_description: str = ""
    idempotency_key: str | None = None


@dataclass
class CreatedBooking:
    """The result: `bookings` has one element except for a series; `seat_uid` for a seat."""

    bookings: list[Booking]
    kind: str  # "single", "recurring", "seated" or "instant"
    seat_uid: str | None = None
    replayed: bool = False

    @property
    def booking(self) -> Booking:
        return self.bookings[0]


def create_booking(
    event_type: EventType, request: BookingRequest, actor: Actor, *, now=None
) -> CreatedBooking:
    """Book an event type.

    Preconditions are checked before anything is written (attendee, answers, metadata, length,
    location, guests). Then, in one transaction: the private link is used up, the reservation
    claimed, the hosts locked (by id), the start re-checked with the slot engine, and the
    booking, its hosts, attendees, history and outbox rows written. A booking with the same
    idempotency key is returned instead of a new one.
    Raises a BookingError; a race lost to a concurrent booking raises SlotUnavailable.
    """
    now = now or timezone.now()
    if request.idempotency_key:
        existing = _existing_for_key(request.idempotency_key)
        if existing:
            return existing
    prepared = _prepare(event_type, request, now)
    if not (request.instant or event_type.is_recurring):
        # Refuse a start that is plainly taken before queueing for the hosts' lock: under
        # contention most requests fail here, and only likely winners wait for the lock.
        require_slot(
            event_type,
            request.start,
            now=now,
            length=prepared.length,
            own_reservation_uid=request.reservation_uid,
        )
    try:
        with transaction.atomic():
            if request.private_link_hash:
                consume_private_link(event_type, request.private_link_hash, now)
            if request.instant:
                return _create_instant(event_type, request, prepared, actor, now)
            reservation_uid = claim_reservation(
                event_type, request.reservation_uid, request.start, now
            )
            if event_type.is_recurring:
                return _create_series(event_type, request, prepared, actor, now)
            return _create_one(event_type, request, prepared, actor, now, reservation_uid)
    except IntegrityError as error:
        if request.idempotency_key and (existing := _existing_for_key(request.idempotency_key)):
            return existing
        raise_if_overlap(error)
        raise


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


def raise_if_overlap(error: IntegrityError) -> None:
    """Turn the database's no-overlap guarantee into the domain error of a lost race."""
    cause = error.__cause__
    constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
    if constraint == OVERLAP_CONSTRAINT:
        raise SlotUnavailable(
            "Another booking took this time a moment ago; choose another slot.",
            details={"reason": "conflict"},
        ) from error


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


@dataclass
class _Prepared:
    uid: str
    length: int
    metadata: dict
    responses: dict
    guests: list[str]
    location: str
    meeting_url: str


def _prepare(event_type: EventType, request: BookingRequest, now) -> _Prepared:
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
    uid = Booking._meta.get_field("uid").default()
    location, meeting_url = inputs.resolve_location(event_type, request.location, uid)
    if request.meeting_url:
        meeting_url = request.meeting_url
    return _Prepared(uid, length, metadata, responses, guests, location, meeting_url)


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


def claim_reservation(event_type, reservation_uid, start, now):
    """The caller's own active reservation for this slot (used up by the booking), or None.

    An expired or unknown reservation does not stop the booking: the slot is re-checked anyway.
    """
    if not reservation_uid:
        return None
    try:
        reservation = SlotReservation.objects.filter(uid=uuid.UUID(str(reservation_uid))).first()
    except ValueError:
        raise InvalidInput(
            f"'{reservation_uid}' is not a reservation uid.", details={"field": "reservedSlotUid"}
        ) from None
    if reservation is None:
        return None
    if reservation.event_type_id != event_type.id or reservation.start != start:
        raise InvalidInput(
            "The reservation is for another event type or start time.",
            details={"field": "reservedSlotUid"},
        )
    if reservation.expires_at <= now:
        reservation.delete()
        return None
    reservation.delete()
    return reservation.uid


# --- One booking or a seat ----------------------------------------------------------------------


def host_user_ids(event_type: EventType) -> list[int]:
    if event_type.is_team_event:
        return list(event_type.hosts.values_list("user_id", flat=True))
    return [event_type.owner_id]


def choose_hosts(event_type, slot, search, host_ids=None) -> tuple[int, list[int]]:
    """(organizer, all hosts) for a new booking of `slot`, or of the seated booking it joins."""
    if not event_type.is_team_event:
        return event_type.owner_id, [event_type.owner_id]
    free = [search.hosts[host_id] for host_id in slot.host_ids if host_id in search.hosts]
    if slot.booking_uid or not free:
        # Joining a seated booking: its hosts, even one who has left the event type since.
        return slot.host_ids[0], list(slot.host_ids)
    if event_type.scheduling_type == EventType.SchedulingType.COLLECTIVE:
        ordered = sorted(free, key=lambda h: (-h.priority, h.host_id))
        return ordered[0].host_id, [h.host_id for h in ordered]
    fixed = [h.host_id for h in free if h.is_fixed]
    candidates = [h for h in free if not h.is_fixed]
    if host_ids is not None:
        chosen_rotating = [h for h in candidates if h.host_id in host_ids]
        named_rotating = set(host_ids) - set(fixed)
        if chosen_rotating:
            candidates = chosen_rotating
        elif named_rotating or not any(h in host_ids for h in fixed):
            raise NoHostAvailable("None of the chosen hosts is free at that time.")
        # Only fixed hosts named: they join as always, and a rotating host is still chosen.
    if not candidates:
        return fixed[0], fixed
    chosen = availability.choose_round_robin_host(candidates).host_id
    return chosen, [chosen, *fixed]


def _new_booking(event_type, request, prepared, organizer, start, status_fields, actor):
    if event_type.is_seated:
        # A seated booking is shared by strangers: what one of them wrote (name, notes,
        # metadata, answers, a meeting link of their own) stays on their seat.
        title = event_type.title
        description, metadata, responses = "", {}, {}
        location, meeting_url = inputs.resolve_location(event_type, None, prepared.uid)
    else:
        title = inputs.booking_title(
            event_type, organizer, request.attendee.name, prepared.location
        )
        description, metadata, responses = (
            request.notes or "",
            prepared.metadata,
            prepared.responses,
        )
        location, meeting_url = prepared.location, prepared.meeting_url
    return Booking(
        uid=prepared.uid,
        event_type=event_type,
        organizer=organizer,
        start=start,
        end=start + timedelta(minutes=prepared.length),
        title=title,
        description=description,
        location=location,
        meeting_url=meeting_url,
        metadata=metadata,
        responses=responses,
        guests=prepared.guests,
        ics_title=request.ics_title,
        ics_description=request.ics_description,
        skip_notifications=request.skip_notifications,
        ics_uid=f"{prepared.uid}@rendezvous",
        idempotency_key=request.idempotency_key,
        channel=actor.channel,
        **status_fields,
    )


def status_fields_for(event_type: EventType, start, now, *, confirmed_by_host=False) -> dict:
    """Pending on the attendee's opt-in first, then on the host's confirmation, else accepted."""
    needs_host = event_type.requires_confirmation_for(start, now) and not confirmed_by_host
    if event_type.requires_attendee_opt_in:
        pending_on = Booking.PendingOn.ATTENDEE
    elif needs_host:
        pending_on = Booking.PendingOn.HOST
    else:
        pending_on = Booking.PendingOn.NOTHING
    return {
        "status": Booking.Status.PENDING if pending_on else Booking.Status.ACCEPTED,
        "pending_on": pending_on,
        "requires_host_confirmation": needs_host,
    }


def insert_booking(booking: Booking, host_ids: list[int], attendees: list[Attendee]) -> Booking:
    """Write a booking with its host rows and attendees. No availability check: callers check
    first; the exclusion constraint (PostgreSQL) refuses an overlap whatever the caller did."""
    booking.save()
    event_type = booking.event_type
    before = timedelta(minutes=event_type.before_event_buffer if event_type else 0)
    after = timedelta(minutes=event_type.after_event_buffer if event_type else 0)
    blocking = booking.is_blocking and not (event_type and event_type.allow_double_booking)
    BookingHost.objects.bulk_create(
        BookingHost(
            booking=booking,
            user_id=user_id,
            blocked_start=booking.start - before,
            blocked_end=booking.end + after,
            is_blocking=blocking,
        )
        for user_id in dict.fromkeys(host_ids)
    )
    for attendee in attendees:
        attendee.booking = booking
    Attendee.objects.bulk_create(attendees)
    return booking


def attendee_row(attendee: inputs.AttendeeInput, *, seated=False, responses=None, metadata=None):
    return Attendee(
        name=attendee.name.strip(),
        email=attendee.email.lower(),
        time_zone=attendee.time_zone,
        phone_number=attendee.phone_number or "",
        language=attendee.language or "en",
        seat_uid=uuid.uuid4() if seated else None,
        responses=(responses or {}) if seated else {},
        metadata=(metadata or {}) if seated else {},
    )


def _created_trigger(booking: Booking) -> str:
    return (
        triggers.BOOKING_CREATED
        if booking.is_blocking and not booking.pending_on
        else (triggers.BOOKING_REQUESTED)
    )


def _create_one(event_type, request, prepared, actor, now, reservation_uid) -> CreatedBooking:
    lock_hosts(host_user_ids(event_type))
    slot, search = require_slot(
        event_type,
        request.start,
        now=now,
        length=prepared.length,
        own_reservation_uid=reservation_uid,
    )
    if slot.booking_uid:
        return _add_seat(slot.booking_uid, event_type, request, prepared, actor)
    organizer_id, host_ids = choose_hosts(event_type, slot, search, request.host_ids)
    organizer = event_type.owner if organizer_id == event_type.owner_id else None
    organizer = organizer or _user(organizer_id)
    status = status_fields_for(event_type, request.start, now)
    booking = _new_booking(event_type, request, prepared, organizer, request.start, status, actor)
    seated = event_type.is_seated
    row = attendee_row(
        request.attendee,
        seated=seated,
        responses=_seat_responses(prepared, request),
        metadata=prepared.metadata,
    )
    insert_booking(booking, host_ids, [row])
    seat_uid = str(row.seat_uid) if seated else None
    fresh = record_change(
        booking, "created", actor, trigger=_created_trigger(booking), seat_uid=seat_uid
    )
    return CreatedBooking([fresh], "seated" if seated else "single", seat_uid=seat_uid)


def lock_open_seated(booking_uid) -> Booking:
    """The seated booking to join, locked; it may have been cancelled since the slot check."""
    booking = lock_booking(Booking.objects.get(uid=booking_uid).pk)
    if not booking.is_blocking:
        raise SlotUnavailable(
            "The booking at that time was cancelled a moment ago; choose the slot again.",
            details={"reason": "conflict"},
        )
    return booking


def _add_seat(booking_uid, event_type, request, prepared, actor) -> CreatedBooking:
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
        responses=_seat_responses(prepared, request),
        metadata=prepared.metadata,
    )
    row.booking = booking
    row.save()
    seat_uid = str(row.seat_uid)
    fresh = record_change(
        booking,
        "seat_added",
        actor,
        after={"seatUid": seat_uid, "email": row.email},
        trigger=triggers.BOOKING_CREATED,
        seat_uid=seat_uid,
    )
    return CreatedBooking([fresh], "seated", seat_uid=seat_uid)


def _seat_responses(prepared, request) -> dict:
    """A seat's own answers, with the attendee's notes among them."""
    if request.notes:
        return {**prepared.responses, "notes": request.notes}
    return prepared.responses


def _user(user_id):
    return get_user_model().objects.get(pk=user_id)


# --- Recurring series ---------------------------------------------------------------------------


def occurrence_starts(event_type: EventType, start: datetime, count: int, zone: str):
    """Occurrences at the same local wall-clock time in the host's zone, across DST changes."""
    tz = ZoneInfo(zone)
    local = start.astimezone(tz).replace(tzinfo=None)
    rule = rrule.rrule(
        FREQUENCIES[event_type.recurrence_frequency],
        interval=event_type.recurrence_interval,
        count=count,
        dtstart=local,
    )
    return [wall.replace(tzinfo=tz).astimezone(start.tzinfo) for wall in rule]


def recurrence_rule(event_type: EventType, count: int) -> str:
    freq = event_type.recurrence_frequency.upper()
    return f"FREQ={freq};INTERVAL={event_type.recurrence_interval};COUNT={count}"


def _create_series(event_type, request, prepared, actor, now) -> CreatedBooking:
    """All occurrences or none; an error names the first occurrence that cannot be booked."""
    count = request.recurrence_count or event_type.recurrence_max_occurrences
    lock_hosts(host_user_ids(event_type))
    shown_zone = request.attendee.time_zone
    first_slot, first_search = _require_occurrence(
        event_type, request.start, prepared, now, shown_zone
    )
    organizer_id, host_ids, starts = _plan_series(
        event_type, request, prepared, now, count, first_slot, first_search
    )
    organizer = _user(organizer_id)

    series = RecurringSeries.objects.create(
        event_type=event_type, rule=recurrence_rule(event_type, count)
    )
    created = []
    for index, start in enumerate(starts):
        # Checked again one by one: the occurrences written so far count towards the limits.
        slot, _ = _require_occurrence(event_type, start, prepared, now, shown_zone)
        if not set(host_ids) <= set(slot.host_ids):
            raise _occurrence_error(
                SlotUnavailable(f"The host is not free at {iso_utc(start)}."), start, shown_zone
            )
        uid = prepared.uid if index == 0 else Booking._meta.get_field("uid").default()
        # One answer for the whole series: a notice threshold is judged on its first occurrence.
        status = status_fields_for(event_type, starts[0], now)
        booking = _new_booking(event_type, request, prepared, organizer, start, status, actor)
        booking.uid = uid
        booking.ics_uid = f"{uid}@rendezvous"
        booking.recurring_series = series
        if index:
            booking.idempotency_key = None
        insert_booking(booking, host_ids, [attendee_row(request.attendee)])
        created.append(record_change(booking, "created", actor, trigger=_created_trigger(booking)))
    return CreatedBooking(created, "recurring")


def _plan_series(event_type, request, prepared, now, count, first_slot, first_search):
    """(organizer, hosts, starts) for a series kept by one organizer, whose occurrences fall at
    the same wall-clock time in the organizer's own zone.

    Round robin tries the free hosts in the order they would be chosen, keeping the first who,
    with the fixed hosts, is free at every occurrence; otherwise the error names the first
    occurrence that cannot be booked.
    """
    shown_zone = request.attendee.time_zone
    ranked = [choose_hosts(event_type, first_slot, first_search, request.host_ids)]
    if event_type.scheduling_type == EventType.SchedulingType.ROUND_ROBIN:
        rotating = [
            first_search.hosts[h]
            for h in first_slot.host_ids
            if not first_search.hosts[h].is_fixed
            and (request.host_ids is None or h in request.host_ids)
        ]
        fixed = [h for h in first_slot.host_ids if first_search.hosts[h].is_fixed]
        rotating.sort(key=availability.round_robin_rank)
        ranked += [(h.host_id, [h.host_id, *fixed]) for h in rotating[1:]]
    first_error = None
    for organizer_id, host_ids in ranked:
        zone = first_search.hosts[organizer_id].time_zone
        starts = occurrence_starts(event_type, request.start, count, zone)
        try:
            for start in starts[1:]:
                slot, _ = _require_occurrence(event_type, start, prepared, now, shown_zone)
                if not set(host_ids) <= set(slot.host_ids):
                    raise _occurrence_error(
                        SlotUnavailable(f"The host is not free at {iso_utc(start)}."),
                        start,
                        shown_zone,
                    )
        except BookingError as error:
            first_error = first_error or error
            continue
        return organizer_id, host_ids, starts
    raise first_error


def _require_occurrence(event_type, start, prepared, now, shown_zone):
    try:
        return require_slot(event_type, start, now=now, length=prepared.length)
    except BookingError as error:
        raise _occurrence_error(error, start, shown_zone) from None


def _occurrence_error(error, start, shown_zone):
    """Name the occurrence by its date in the attendee's zone."""
    local = start.astimezone(ZoneInfo(shown_zone))
    error.message = (
        f"The occurrence on {local.date().isoformat()} cannot be booked: {error.message}"
    )
    error.args = (error.message,)
    error.details = {**error.details, "date": local.date().isoformat(), "start": iso_utc(start)}
    return error


# --- Instant meetings ---------------------------------------------------------------------------


def _create_instant(event_type, request, prepared, actor, now) -> CreatedBooking:
    """A team meeting starting now with a host who is neither in another booking (buffers
    included) nor held by someone's reservation; working hours do not apply."""
    start = now.replace(second=0, microsecond=0)
    end = start + timedelta(minutes=prepared.length)
    blocked_start = start - timedelta(minutes=event_type.before_event_buffer)
    blocked_end = end + timedelta(minutes=event_type.after_event_buffer)
    hosts = list(event_type.hosts.all())
    user_ids = [h.user_id for h in hosts]
    lock_hosts(user_ids)
    busy = set(
        BookingHost.objects.filter(
            user_id__in=user_ids,
            is_blocking=True,
            blocked_start__lt=blocked_end,
            blocked_end__gt=blocked_start,
        ).values_list("user_id", flat=True)
    )
    held = SlotReservation.objects.active(now).filter(start__lt=end, end__gt=start)
    busy |= set(held.filter(host_id__in=user_ids).values_list("host_id", flat=True))
    if held.filter(event_type=event_type, host__isnull=True).exists():
        busy |= set(user_ids)
    candidates = [
        availability.HostAvailability(
            host_id=h.user_id, time_zone="UTC", weekly={}, priority=h.priority, weight=h.weight
        )
        for h in hosts
        if h.user_id not in busy and (request.host_ids is None or h.user_id in request.host_ids)
    ]
    if not candidates:
        raise NoHostAvailable("No host is free for an instant meeting right now.")
    organizer = _user(availability.choose_round_robin_host(candidates).host_id)
    status = {
        "status": Booking.Status.ACCEPTED,
        "pending_on": "",
        "requires_host_confirmation": False,
    }
    booking = _new_booking(event_type, request, prepared, organizer, start, status, actor)
    booking.is_instant = True
    insert_booking(booking, [organizer.id], [attendee_row(request.attendee)])
    fresh = record_change(booking, "created", actor, trigger=triggers.INSTANT_MEETING)
    return CreatedBooking([fresh], "instant")
