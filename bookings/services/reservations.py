"""Short holds on a slot, so that an attendee can fill in the form without losing it.

Whoever knows a reservation's uid (a random UUID) may read, move or release it, as in Cal.com.
"""

import uuid
from datetime import timedelta

from django.utils import timezone

from accounts.models import Membership
from bookings.errors import InvalidInput, ReservationNotFound, TooManyReservations
from bookings.models import SlotReservation
from bookings.services import inputs
from bookings.services.hosts import choose_hosts, host_user_ids
from bookings.services.locking import booking_write
from bookings.services.slot_checks import require_slot

MAX_RESERVATION_MINUTES = 60
# Against hoarding: the holds one holder may have at once, and how long a hold may be renewed.
MAX_ACTIVE_HOLDS = 10
MAX_HOLD_LIFETIME = timedelta(minutes=MAX_RESERVATION_MINUTES)


def _check_minutes(minutes) -> int:
    minutes = SlotReservation.DEFAULT_MINUTES if minutes is None else minutes
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_RESERVATION_MINUTES:
        raise InvalidInput(
            f"A reservation lasts 1 to {MAX_RESERVATION_MINUTES} minutes.",
            details={"field": "reservationDuration"},
        )
    return minutes


def _check_length(event_type, length) -> int:
    # The same check as for a booking; the reservation body calls the length slotDuration.
    try:
        return inputs.check_length(event_type, length)
    except InvalidInput as error:
        raise InvalidInput(
            error.message, details={**error.details, "field": "slotDuration"}
        ) from None


def can_choose_reservation_minutes(user, event_type) -> bool:
    """Who may hold a slot for longer or shorter than the default: people of the event type's
    circle (its owner, its team, their organization), as Cal.com allows. Anyone else, the
    public included, gets the default five minutes."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if event_type.team_id is not None:
        team = event_type.team
        if team.organization_id is not None and team.organization_id == user.organization_id:
            return True
        return Membership.objects.filter(user=user, team_id=event_type.team_id).exists()
    owner = event_type.owner
    if owner.id == user.id:
        return True
    if owner.organization_id is not None and owner.organization_id == user.organization_id:
        return True
    shared_teams = Membership.objects.filter(user=owner).values("team_id")
    return Membership.objects.filter(user=user, team_id__in=shared_teams).exists()


def _hold(event_type, start, length, now, own_uid=None):
    """The host a hold takes: the round-robin choice, the owner, or None (all: collective).
    The event type's hosts are locked by the caller."""
    slot, search = require_slot(
        event_type, start, now=now, length=length, own_reservation_uid=own_uid
    )
    if event_type.is_team_event and event_type.scheduling_type == "collective":
        return None
    organizer_id, _ = choose_hosts(event_type, slot, search)
    return organizer_id


def find_reservation(reservation_uid) -> SlotReservation:
    """The reservation with that uid, expired or not; ReservationNotFound for anything else
    (including a uid that is not a UUID)."""
    reservation = None
    parsed = _parse_uid(reservation_uid)
    if parsed is not None:
        reservation = SlotReservation.objects.filter(uid=parsed).first()
    if reservation is None:
        raise ReservationNotFound(f"No reservation with uid {reservation_uid}.")
    return reservation


def reserve_slot(
    event_type, start, *, length=None, minutes=None, reserved_by=None, holder="", now=None
):
    """Hold a bookable slot for `minutes` (default 5). Raises the slot errors when it is not
    bookable, ReservationHeld when someone else holds it, TooManyReservations when `holder`
    (a user or a client address) already has MAX_ACTIVE_HOLDS. Locks the event type's hosts."""
    now = now or timezone.now()
    length = _check_length(event_type, length)
    minutes = _check_minutes(minutes)
    with booking_write(host_ids=host_user_ids(event_type)):
        host_id = _hold(event_type, start, length, now)
        if holder and SlotReservation.objects.active(now).filter(holder=holder).count() >= (
            MAX_ACTIVE_HOLDS
        ):
            raise TooManyReservations(
                f"At most {MAX_ACTIVE_HOLDS} slots can be held at once; book or release one."
            )
        return SlotReservation.objects.create(
            event_type=event_type,
            host_id=host_id,
            start=start,
            end=start + timedelta(minutes=length),
            expires_at=now + timedelta(minutes=minutes),
            reserved_by=reserved_by,
            holder=holder,
            created_at=now,
        )


def update_reservation(
    reservation_uid, *, start, length=None, minutes=None, event_type=None, now=None
):
    """Move or extend one's own active hold, optionally onto another event type; the hold
    restarts for `minutes` (default 5). The new slot is checked as for a new reservation, with
    the hold itself not in the way. Expired or unknown: ReservationNotFound."""
    now = now or timezone.now()
    minutes = _check_minutes(minutes)
    parsed = _parse_uid(reservation_uid)
    active = SlotReservation.objects.active(now).select_related("event_type")
    found = active.filter(uid=parsed).first() if parsed is not None else None
    if found is None:
        raise ReservationNotFound("No active reservation with that uid.")
    event_type = event_type or found.event_type
    length = _check_length(event_type, length)
    # The fixed order: the hosts (of both event types) first, then the reservation.
    with booking_write(host_ids=[*host_user_ids(found.event_type), *host_user_ids(event_type)]):
        reservation = (
            active.select_for_update(no_key=True, of=("self",)).filter(pk=found.pk).first()
        )
        if reservation is None:
            raise ReservationNotFound("No active reservation with that uid.")
        reservation.host_id = _hold(event_type, start, length, now, own_uid=reservation.uid)
        reservation.event_type = event_type
        reservation.start = start
        reservation.end = start + timedelta(minutes=length)
        # Renewing cannot keep a slot forever: a hold lives at most an hour from its creation.
        reservation.expires_at = min(
            now + timedelta(minutes=minutes), reservation.created_at + MAX_HOLD_LIFETIME
        )
        reservation.save()
        return reservation


def claim_reservation(event_type, reservation_uid, start, now):
    """The caller's own active reservation for this slot, used up by the booking being written
    (its uid, or None). An expired or unknown reservation does not stop the booking: the slot
    is checked anyway."""
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
    reservation.delete()
    return None if reservation.expires_at <= now else reservation.uid


def release_reservation(reservation_uid) -> None:
    parsed = _parse_uid(reservation_uid)
    deleted = 0
    if parsed is not None:
        deleted, _ = SlotReservation.objects.filter(uid=parsed).delete()
    if not deleted:
        raise ReservationNotFound("No reservation with that uid.")


def _parse_uid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
