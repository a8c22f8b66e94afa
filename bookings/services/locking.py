"""The transaction of every booking write, and its locks.

Locks are always taken in the same order: users (hosts) by id, then bookings by id. On
PostgreSQL they are SELECT ... FOR NO KEY UPDATE: we never change a key, and a plain FOR UPDATE
would also block the KEY SHARE locks that foreign-key checks take at commit (a history row
naming its actor checks the user row), which turns two orderly writers into a deadlock. A
statement waits at most BOOKING_LOCK_TIMEOUT for a lock, so that a write stuck behind a long
one answers "try again" instead of queueing without end. On SQLite the IMMEDIATE transaction
already serialises writers and these locks have no effect.
"""

from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from bookings.errors import LockTimeout, SlotUnavailable
from bookings.models import Booking
from database.pipelining import read_together

# The exclusion constraint that forbids two blocking rows of one host overlapping (PostgreSQL).
OVERLAP_CONSTRAINT = "booking_host_no_overlap"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for lock_timeout
# Writers that skip the host locks (none of ours do) can wait on each other's conflicting rows;
# PostgreSQL then aborts one: a refusal to try again, like a lock not obtained in time.
DEADLOCK_DETECTED = "40P01"


@contextmanager
def booking_write(*, host_ids=(), booking_ids=()):
    """One booking write: a transaction in which the hosts (users) are locked, then the
    bookings, each in id order. Yields the bookings re-read under their lock, in id order.

    A second blocking booking of a host at an overlapping time, which the database refuses,
    becomes SlotUnavailable (a race lost); a lock not obtained in time, or a deadlock the
    database broke, becomes LockTimeout.
    """
    with _write(host_ids, booking_ids) as (locked, _):
        yield locked


@contextmanager
def new_booking_write(*, host_ids, idempotency_key: str | None = None):
    """The booking write of a new booking: yields the id of the booking already made under
    `idempotency_key`, or None. It is read in the round trip that locks the hosts, so under
    their lock: a concurrent request with that key for these hosts has either committed its
    booking (seen here) or not begun writing it."""
    made_under_key = (
        Booking.objects.filter(idempotency_key=idempotency_key).values_list("id", flat=True)
        if idempotency_key
        else None
    )
    with _write(host_ids, (), made_under_key) as (_, found):
        yield found[0] if found else None


@contextmanager
def _write(host_ids, booking_ids, read_with_lock=None):
    """booking_write's transaction; yields (the bookings locked, the rows of the values_list
    queryset `read_with_lock`, read once the hosts are locked)."""
    within_another = connection.in_atomic_block
    try:
        with transaction.atomic():
            if host_ids and not within_another:
                # One statement sets the timeout and takes the locks (one round trip less).
                previous = None
                read = lock_hosts(host_ids, lock_timeout=_lock_timeout(), along=read_with_lock)
            else:
                previous = _limit_lock_waits()
                read = lock_hosts(host_ids, along=read_with_lock)
            yield (lock_bookings(booking_ids) if booking_ids else []), read
            if within_another and previous is not None:
                # The setting would outlive this write until the enclosing transaction ends.
                _set_lock_timeout(previous)
    except IntegrityError as error:
        if _violated_constraint(error) == OVERLAP_CONSTRAINT:
            raise SlotUnavailable(
                "Another booking took this time a moment ago; choose another slot.",
                details={"reason": "conflict"},
            ) from error
        raise
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED):
            raise LockTimeout(
                "The booking is being changed by another request; try again in a moment.",
                retry_after=1,
            ) from error
        raise


def _lock_timeout() -> str | None:
    if connection.vendor != "postgresql":
        return None
    return f"{settings.BOOKING_LOCK_TIMEOUT_MS}ms"


def _limit_lock_waits() -> str | None:
    """Sets the lock timeout of the transaction (PostgreSQL); returns the one it had."""
    timeout = _lock_timeout()
    if timeout is None:
        return None
    with connection.cursor() as cursor:
        # set_config(..., true) is SET LOCAL: it ends with the transaction.
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [timeout],
        )
        return cursor.fetchone()[0]


def _set_lock_timeout(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [value])


def _violated_constraint(error: IntegrityError) -> str | None:
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


def _require_transaction():
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Locks are taken inside a transaction.")


def lock_hosts(user_ids, *, lock_timeout: str | None = None, along=None) -> list:
    """Lock the users, in id order. lock_timeout (PostgreSQL): set for the transaction by the
    same statement, in its condition, which is evaluated as each row is read and before the row
    is locked (the select list, in contrast, is computed after the lock).

    along: a values_list() queryset read once the users are locked, in the same round trip
    (database/pipelining.py); returns its rows ([] without one)."""
    _require_transaction()
    if not user_ids:
        return list(along) if along is not None else []
    users = get_user_model().objects.select_for_update(no_key=True)
    if lock_timeout is not None:
        users = users.filter(
            RawSQL(
                "set_config('lock_timeout', %s, true) IS NOT NULL",
                [lock_timeout],
                output_field=BooleanField(),
            )
        )
    ids = sorted(set(user_ids))
    users = users.filter(id__in=ids).order_by("id").values_list("id", flat=True)
    locked, read = read_together(users, along) if along is not None else (list(users), [])
    if lock_timeout is not None and not locked:
        _limit_lock_waits()  # no row read, so the statement set nothing
    return read


def lock_booking(booking_id: int) -> Booking:
    """The booking, re-read under a lock so that a check on its state cannot go stale."""
    [booking] = lock_bookings([booking_id])
    return booking


def lock_bookings(booking_ids) -> list[Booking]:
    _require_transaction()
    return list(
        Booking.objects.select_for_update(of=("self",), no_key=True)
        .select_related("event_type", "organizer")
        .filter(pk__in=booking_ids)
        .order_by("id")
    )
