"""Row locks, always taken in the same order: users (hosts) by id, then bookings by id.

On PostgreSQL these are SELECT ... FOR NO KEY UPDATE: we never change a key, and a plain FOR
UPDATE would also block the KEY SHARE locks that foreign-key checks take at commit (a history
row naming its actor checks the user row), which turns two orderly writers into a deadlock.
On SQLite the IMMEDIATE transaction already serialises writers and these locks have no effect.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from bookings.models import Booking


def _require_transaction():
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Locks are taken inside a transaction.")


def lock_hosts(user_ids) -> None:
    _require_transaction()
    list(
        get_user_model()
        .objects.select_for_update(no_key=True)
        .filter(id__in=sorted(set(user_ids)))
        .order_by("id")
        .values_list("id", flat=True)
    )


def lock_booking(booking_id: int) -> Booking:
    """The booking, re-read under a lock so that a check on its state cannot go stale."""
    _require_transaction()
    return (
        Booking.objects.select_for_update(of=("self",), no_key=True)
        .select_related("event_type", "organizer")
        .get(pk=booking_id)
    )


def lock_bookings(booking_ids) -> list[Booking]:
    _require_transaction()
    return list(
        Booking.objects.select_for_update(of=("self",), no_key=True)
        .select_related("event_type", "organizer")
        .filter(pk__in=booking_ids)
        .order_by("id")
    )
