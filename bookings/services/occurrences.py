"""The occurrences of a recurring series, named by their date in the attendee's time zone.

A uid names a series either directly (the series' uid) or through any of its occurrences. A
booking outside any series is its own only occurrence, so that a client can treat every uid
alike. An occurrence moved by a reschedule is stood for by the booking it moved to; the booking
left behind is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils import timezone

from accounts.timezones import is_valid_time_zone
from bookings import lookup
from bookings.errors import BookingNotFound, InvalidInput, InvalidTransition, OccurrenceNotFound
from bookings.models import Attendee, Booking, RecurringSeries
from bookings.services.actors import Actor
from bookings.services.cancellation import CancelScope, cancel_booking, cancel_bookings


@dataclass(frozen=True)
class Occurrence:
    date: date
    booking: Booking


@dataclass(frozen=True)
class Occurrences:
    """What a uid names: the series (None for a booking outside any) and its occurrences
    (never none)."""

    series: RecurringSeries | None
    items: list[Occurrence]

    @property
    def time_zone(self) -> str:
        return attendee_time_zone(self.items[0].booking)

    @property
    def first_booking(self) -> Booking:
        return self.items[0].booking


def attendee_time_zone(booking: Booking) -> str:
    """The zone the attendee booked in (the first attendee's); the organizer's without one."""
    attendees = list(booking.attendees.all())
    zone = attendees[0].time_zone if attendees else booking.organizer.time_zone
    return zone if zone and is_valid_time_zone(zone) else "UTC"


def local_date(booking: Booking) -> date:
    return booking.start.astimezone(ZoneInfo(attendee_time_zone(booking))).date()


def _bookings():
    return Booking.objects.select_related("event_type", "organizer").prefetch_related(
        Prefetch("attendees", queryset=Attendee.objects.order_by("id"))
    )


def find_occurrences(uid: str) -> Occurrences:
    """The occurrences of the series `uid` names, in start order. Unknown uid: BookingNotFound."""
    series = lookup.find_series(uid)
    if series is None:
        booking = lookup.find_booking(uid)
        if booking.recurring_series_id is None:
            [single] = _bookings().filter(pk=booking.pk)
            return Occurrences(None, [Occurrence(local_date(single), single)])
        series = booking.recurring_series
    bookings = (
        _bookings()
        .filter(recurring_series=series, rescheduled_to__isnull=True)
        .order_by("start", "id")
    )
    items = [Occurrence(local_date(b), b) for b in bookings]
    if not items:
        raise BookingNotFound(f"Booking with uid {uid} not found.")
    return Occurrences(series, items)


def _describe(found: Occurrences) -> str:
    return f"series {found.series.uid}" if found.series else "this booking"


def occurrence_on(found: Occurrences, day: date) -> Booking:
    """The occurrence still pending or accepted on `day` (in the attendee's time zone).

    No occurrence that day: OccurrenceNotFound. Only a cancelled or declined one: InvalidTransition.
    Two open ones (a reschedule moved one onto another's day): InvalidInput naming their uids.
    """
    on_day = [o.booking for o in found.items if o.date == day]
    if not on_day:
        raise OccurrenceNotFound(
            f"No occurrence of {_describe(found)} on {day.isoformat()} "
            f"(dates are in the attendee's time zone, {found.time_zone}).",
            details={"date": day.isoformat(), "timeZone": found.time_zone},
        )
    open_ = [b for b in on_day if b.is_blocking]
    if not open_:
        closed = on_day[-1]
        raise InvalidTransition(
            f"The occurrence on {day.isoformat()} is already {closed.status}.",
            details={"status": closed.status, "uid": closed.uid},
        )
    if len(open_) > 1:
        raise InvalidInput(
            f"{len(open_)} occurrences fall on {day.isoformat()}; cancel one of them by its uid.",
            details={"uids": [b.uid for b in open_]},
        )
    return open_[0]


def cancel_occurrence_on(
    found: Occurrences, day: date, actor: Actor, *, reason: str = "", now=None
) -> Booking:
    """Cancel the occurrence on `day` (attendee's time zone) under the rules of cancel_booking.

    Outbox: BOOKING_CANCELLED.
    """
    [cancelled] = cancel_booking(occurrence_on(found, day), actor, reason=reason, now=now)
    return cancelled


def occurrences_from(found: Occurrences, from_day: date, now) -> list[Booking]:
    """The future occurrences on or after `from_day`: not started, neither cancelled nor declined.

    No occurrence on or after that day at all: OccurrenceNotFound; none of them still open:
    InvalidTransition.
    """
    later = [o.booking for o in found.items if o.date >= from_day]
    if not later:
        raise OccurrenceNotFound(
            f"No occurrence of {_describe(found)} falls on or after {from_day.isoformat()} "
            f"(dates are in the attendee's time zone, {found.time_zone}).",
            details={"fromDate": from_day.isoformat(), "timeZone": found.time_zone},
        )
    future = [b for b in later if b.is_blocking and b.start > now]
    if not future:
        raise InvalidTransition(
            f"Every occurrence on or after {from_day.isoformat()} has already started, or been "
            "cancelled or declined.",
            details={"fromDate": from_day.isoformat()},
        )
    return future


def cancel_future(
    found: Occurrences, from_day: date, actor: Actor, *, reason: str = "", now=None
) -> list[Booking]:
    """Cancel every future occurrence on or after `from_day` (attendee's time zone), all or none.

    Attendees are held to the cut-off on each of them. Outbox: BOOKING_CANCELLED per occurrence.
    """
    now = now or timezone.now()
    return cancel_bookings(occurrences_from(found, from_day, now), actor, reason=reason, now=now)


def cancel_series(
    found: Occurrences,
    actor: Actor,
    *,
    reason: str = "",
    seat_uid=None,
    subsequent: bool = False,
    now=None,
) -> list[Booking]:
    """Cancel a whole series: every occurrence that has not started (CancelScope.SERIES).

    "This one and the following" and seats are for one occurrence's uid, so `subsequent` and a
    seat uid are refused here, as Cal.com does. The attendee's cut-off is the one of the next
    occurrence. Outbox: BOOKING_CANCELLED per occurrence.
    """
    now = now or timezone.now()
    if subsequent:
        raise InvalidInput(
            "cancelSubsequentBookings needs the uid of one occurrence, not the series' uid: "
            "that occurrence and every later one are cancelled.",
            details={"field": "cancelSubsequentBookings"},
        )
    if seat_uid:
        raise InvalidInput(
            "A seat is cancelled on one occurrence at a time: use that occurrence's uid.",
            details={"field": "seatUid"},
        )
    upcoming = [o.booking for o in found.items if o.booking.is_blocking and o.booking.start > now]
    if not upcoming:
        raise InvalidTransition(
            "No occurrence of this series is still to come; nothing is left to cancel."
        )
    return cancel_booking(upcoming[0], actor, reason=reason, scope=CancelScope.SERIES, now=now)


def single_booking(uid: str, action: str) -> Booking:
    """The booking `uid` names, for a change that applies to one booking at a time.

    A series uid is refused with a hint to use one occurrence's uid.
    """
    if lookup.find_series(uid) is not None:
        raise InvalidInput(
            f"{uid} names a recurring series; {action} one occurrence by its own uid "
            f"(GET /v2/bookings/{uid}/occurrences lists them).",
            details={"recurringBookingUid": uid},
        )
    return lookup.find_booking(uid, Booking.objects.select_related("event_type"))
