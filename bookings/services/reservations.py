"""Short holds on a slot, so that an attendee can fill in the form without losing it."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from bookings.errors import InvalidInput, ReservationNotFound
from bookings.models import SlotReservation
from bookings.services import inputs
from bookings.services.creation import choose_hosts, host_user_ids
from bookings.services.locking import lock_hosts
from bookings.services.slot_checks import require_slot

MAX_RESERVATION_MINUTES = 60


def _check_minutes(minutes) -> int:
    minutes = SlotReservation.DEFAULT_MINUTES if minutes is None else minutes
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_RESERVATION_MINUTES:
        raise InvalidInput(
            f"A reservation lasts 1 to {MAX_RESERVATION_MINUTES} minutes.",
            details={"field": "reservationDuration"},
        )
    return minutes


def _hold(event_type, start, length, now, own_uid=None):
    """The host a hold takes: the round-robin choice, the owner, or None (all: collective)."""
    lock_hosts(host_user_ids(event_type))
    slot, search = require_slot(
        event_type, start, now=now, length=length, own_reservation_uid=own_uid
    )
    if event_type.is_team_event and event_type.scheduling_type == "collective":
        return None
    organizer_id, _ = choose_hosts(event_type, slot, search)
    return organizer_id


def reserve_slot(event_type, start, *, length=None, minutes=None, reserved_by=None, now=None):
    """Hold a bookable slot for `minutes` (default 5). Raises the slot errors when it is not
    bookable, ReservationHeld when someone else holds it."""
    now = now or timezone.now()
    length = inputs.check_length(event_type, length)
    minutes = _check_minutes(minutes)
    with transaction.atomic():
        host_id = _hold(event_type, start, length, now)
        return SlotReservation.objects.create(
            event_type=event_type,
            host_id=host_id,
            start=start,
            end=start + timedelta(minutes=length),
            expires_at=now + timedelta(minutes=minutes),
            reserved_by=reserved_by,
        )


def update_reservation(reservation_uid, *, start, length=None, minutes=None, now=None):
    """Move or extend one's own hold (same event type)."""
    now = now or timezone.now()
    minutes = _check_minutes(minutes)
    with transaction.atomic():
        reservation = (
            SlotReservation.objects.select_for_update()
            .select_related("event_type")
            .filter(uid=reservation_uid, expires_at__gt=now)
            .first()
        )
        if reservation is None:
            raise ReservationNotFound("No active reservation with that uid.")
        event_type = reservation.event_type
        length = inputs.check_length(event_type, length)
        reservation.host_id = _hold(event_type, start, length, now, own_uid=reservation.uid)
        reservation.start = start
        reservation.end = start + timedelta(minutes=length)
        reservation.expires_at = now + timedelta(minutes=minutes)
        reservation.save()
        return reservation


def release_reservation(reservation_uid) -> None:
    deleted, _ = SlotReservation.objects.filter(uid=reservation_uid).delete()
    if not deleted:
        raise ReservationNotFound("No reservation with that uid.")
