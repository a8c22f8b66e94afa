"""Cancelling a booking, part of a series, or one seat."""

from django.db import models
from django.utils import timezone

from bookings.errors import InvalidInput
from bookings.models import Booking
from bookings.services import seats
from bookings.services.actors import Actor
from bookings.services.closing import cancel_locked
from bookings.services.locking import booking_write
from bookings.services.states import (
    check_attendee_cutoff,
    require_seat_for_attendee,
    require_status,
)


class CancelScope(models.TextChoices):
    """What cancelling an occurrence of a recurring series reaches."""

    THIS = "this", "This occurrence"
    FOLLOWING = "following", "This occurrence and all following"
    SERIES = "series", "Every occurrence not yet started"


def cancel_booking(
    booking: Booking,
    actor: Actor,
    *,
    reason: str = "",
    scope: str = CancelScope.THIS,
    seat_uid: str | None = None,
    now=None,
) -> list[Booking]:
    """Cancel a booking, a part of its series, or one seat of it.

    scope (recurring series): THIS occurrence, THIS and all FOLLOWING, or the whole SERIES
    (every occurrence not yet started). Attendees are held to the cancellation cut-off and to
    `disable_cancelling`; hosts are not. Locks the bookings in id order.
    Outbox: BOOKING_CANCELLED per cancelled booking; BOOKING_UPDATED when one seat leaves.
    """
    now = now or timezone.now()
    targets = _series_targets(booking, scope, now)
    with booking_write(booking_ids={booking.pk, *(b.pk for b in targets)}) as locked:
        others = [b for b in locked if b.pk != booking.pk]
        booking = next(b for b in locked if b.pk == booking.pk)
        require_status(booking, Booking.BLOCKING_STATUSES, "cancelled")
        require_seat_for_attendee(booking, actor, seat_uid, "cancel")
        check_attendee_cutoff(booking, actor, now, "cancel")
        if seat_uid:
            return [seats.cancel_seat(booking, seat_uid, actor, reason, now)]
        targets = [booking, *(b for b in others if b.status in Booking.BLOCKING_STATUSES)]
        if scope != CancelScope.THIS and booking.start < now:
            targets = targets[1:] or targets  # a series is cancelled from now on
        targets.sort(key=lambda b: (b.start, b.pk))
        return [cancel_locked(b, actor, reason, now) for b in targets]


def cancel_bookings(bookings, actor: Actor, *, reason: str = "", now=None) -> list[Booking]:
    """Cancel several bookings together (e.g. the occurrences of a series from a date on):
    all of them, or none when one may not be cancelled.

    Each is held to the rules of cancel_booking: it must be pending or accepted, and attendees
    to the cancellation cut-off and `disable_cancelling`. Locks the bookings in id order.
    Outbox: BOOKING_CANCELLED per booking. Returns them in start order.
    """
    now = now or timezone.now()
    with booking_write(booking_ids=[b.pk for b in bookings]) as locked:
        locked.sort(key=lambda b: (b.start, b.pk))
        for booking in locked:
            require_status(booking, Booking.BLOCKING_STATUSES, "cancelled")
            require_seat_for_attendee(booking, actor, None, "cancel")
            check_attendee_cutoff(booking, actor, now, "cancel")
        return [cancel_locked(b, actor, reason, now) for b in locked]


def _series_targets(booking: Booking, scope: str, now) -> list[Booking]:
    if scope not in CancelScope.values:
        raise InvalidInput(f"Unknown cancel scope '{scope}'.")
    if scope == CancelScope.THIS or not booking.recurring_series_id:
        return [booking]
    occurrences = Booking.objects.filter(
        recurring_series_id=booking.recurring_series_id,
        status__in=Booking.BLOCKING_STATUSES,
    )
    if scope == CancelScope.FOLLOWING:
        occurrences = occurrences.filter(start__gte=max(now, booking.start))
    else:
        occurrences = occurrences.filter(start__gte=now)
    return list(occurrences.order_by("start")) or [booking]
