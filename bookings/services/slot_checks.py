"""The one check every write runs: is this start bookable right now, and if not, why."""

from datetime import datetime, timedelta

from django.db.models import Q

from accounts.timezones import iso_utc
from bookings import slots
from bookings.errors import (
    BeforeMinimumNotice,
    BookingLimitReached,
    EventTypeNotBookable,
    OutsideAvailability,
    OutsideBookingWindow,
    ReservationHeld,
    SeatsFull,
    SlotUnavailable,
    StartInPast,
)
from bookings.models import SlotReservation
from eventtypes import availability

_ERRORS = {
    availability.MINIMUM_NOTICE: (
        BeforeMinimumNotice,
        "{start} is within the minimum booking notice of {notice} minutes.",
    ),
    availability.BOOKING_WINDOW: (
        OutsideBookingWindow,
        "{start} is outside the period in which this event type can be booked.",
    ),
    availability.DATE_OVERRIDE: (
        OutsideAvailability,
        "{start} is outside the host's availability (a date override applies that day).",
    ),
    availability.OUTSIDE_HOURS: (
        OutsideAvailability,
        "{start} is outside the host's working hours.",
    ),
    availability.OFF_GRID: (
        OutsideAvailability,
        "{start} is not one of the slot starts of this event type; get them from GET /v2/slots.",
    ),
    availability.SEATS_FULL: (SeatsFull, "All seats at {start} are taken."),
    availability.BUSY: (
        SlotUnavailable,
        "The host already has a booking at {start} or is not available.",
    ),
    availability.CALENDAR_BUSY: (
        SlotUnavailable,
        "The host is not available at {start} (their own calendar has an event then).",
    ),
    availability.BUFFER_CONFLICT: (
        SlotUnavailable,
        "{start} is too close to another booking of the host (buffer time).",
    ),
    availability.LIMIT_REACHED: (
        BookingLimitReached,
        "The booking limit of this event type is reached for the period of {start}.",
    ),
}


def require_slot(
    event_type,
    start: datetime,
    *,
    now: datetime,
    length: int,
    exclude_booking_uid: str | None = None,
    own_reservation_uid=None,
) -> tuple[availability.Slot, slots.SlotSearch]:
    """The slot at `start`, with every free host; raises the domain error that explains a miss."""
    if start < now:
        raise StartInPast(f"{iso_utc(start)} is in the past.", details={"start": iso_utc(start)})
    search = slots.find_slots(
        event_type,
        start,
        start + timedelta(seconds=1),
        now=now,
        length=length,
        exclude_booking_uid=exclude_booking_uid,
        own_reservation_uid=own_reservation_uid,
        all_hosts=True,
        separate_calendars=True,  # a refusal names the host's own calendar
    )
    slot = search.slot_at(start)
    if slot is not None:
        return slot, search
    if not search.hosts:
        raise EventTypeNotBookable("This event type has no hosts to book.")
    explanation = search.explain(start)
    raise unavailable_error(event_type, explanation, now, length, own_reservation_uid)


def unavailable_error(event_type, explanation, now, length, own_reservation_uid=None):
    # The start may look bookable to the explanation yet not be a slot (a start off the
    # range searched): then it is refused as taken, as a lost race would be.
    reason = explanation.refusal_reason or availability.BUSY
    start = explanation.start
    details = {"start": iso_utc(start), "reason": reason, "hosts": explanation.reasons}
    if reason == availability.RESERVED:
        # The holds in the way: on this event type or on its hosts, near enough that their
        # buffers and ours may meet (an hour's margin); the slot frees when the last expires.
        margin = timedelta(hours=1)
        reach_before = timedelta(minutes=event_type.before_event_buffer) + margin
        reach_after = timedelta(minutes=length + event_type.after_event_buffer) + margin
        held = SlotReservation.objects.active(now).filter(
            Q(event_type=event_type) | Q(host_id__in=list(explanation.reasons)),
            start__lt=start + reach_after,
            end__gt=start - reach_before,
        )
        if own_reservation_uid:
            held = held.exclude(uid=own_reservation_uid)
        first = held.order_by("expires_at").last()
        seconds = max(1, int((first.expires_at - now).total_seconds())) if first else 60
        return ReservationHeld(
            "Someone else reserved this time slot before you. It will be released in "
            f"{seconds} seconds.",
            retry_after=seconds,
            details=details,
        )
    error_class, template = _ERRORS[reason]
    message = template.format(start=iso_utc(start), notice=event_type.minimum_booking_notice)
    return error_class(message, details=details)
