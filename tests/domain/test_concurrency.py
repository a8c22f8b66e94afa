"""No double booking and no broken booking under concurrency, on PostgreSQL: concurrent
bookings of overlapping times let exactly one through (the service serialises, the database
guarantees), and concurrent changes of one booking end in one winner and a clean refusal, never
a deadlock, an overfilled or inconsistent booking, or a write that waited too long for a lock."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction

from bookings.errors import LockTimeout, SlotUnavailable
from bookings.models import Booking, BookingHost
from bookings.services import (
    Actor,
    AttendeeInput,
    BookingRequest,
    add_attendee,
    cancel_booking,
    create_booking,
    reschedule_booking,
)
from bookings.services.building import attendee_row, insert_booking
from bookings.services.locking import booking_write
from tests.conftest import NOW, holding_a_lock_on, utc

THREADS = 50
# Every test here needs PostgreSQL and real transactions.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# --- Concurrent bookings of overlapping times -----------------------------------------------------


def run_at_once(count, work):
    """Run `work(i)` in `count` threads released together; returns results or exceptions."""
    barrier = threading.Barrier(count)

    def call(i):
        try:
            barrier.wait()
            return work(i)
        except Exception as error:  # collected and asserted on by the test
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def overlapping_starts():
    # 50 different starts, one minute apart: each overlaps every other 60-minute booking.
    return [utc(2049, 1, 5, 10) + timedelta(minutes=i) for i in range(THREADS)]


def test_fifty_concurrent_overlapping_bookings_let_exactly_one_through(factory):
    host = factory.user(hours=((0, 24),))
    event_type = factory.event_type(host, length_minutes=60, slot_interval=1)
    starts = overlapping_starts()

    def book(i):
        attendee = AttendeeInput(name=f"Racer {i}", email=f"racer{i}@example.com")
        request = BookingRequest(start=starts[i], attendee=attendee)
        return create_booking(event_type, request, Actor.attendee(attendee.email), now=NOW)

    results = run_at_once(THREADS, book)

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert len(losers) == THREADS - 1
    assert all(isinstance(e, SlotUnavailable) and e.code == "slot_unavailable" for e in losers), {
        type(e).__name__ for e in losers
    }
    assert Booking.objects.count() == 1
    assert count_overlaps() == 0


def test_without_the_application_check_the_database_still_lets_only_one_through(factory):
    """Control case: write the rows directly, no lock and no availability check."""
    host = factory.user(hours=((0, 24),))
    event_type = factory.event_type(host, length_minutes=60, slot_interval=1)
    starts = overlapping_starts()

    def write_unchecked(i):
        with booking_write():
            booking = Booking(
                event_type=event_type,
                organizer=host,
                start=starts[i],
                end=starts[i] + timedelta(minutes=60),
                title="Unchecked",
                ics_uid=f"unchecked-{i}",
            )
            attendee = attendee_row(AttendeeInput(name="X", email=f"x{i}@example.com"))
            return insert_booking(booking, [host.id], [attendee])

    results = run_at_once(THREADS, write_unchecked)

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(results) - len(errors) == 1
    # Without the host locks, waiting writers may deadlock: PostgreSQL aborts one, a refusal too.
    refusals = (SlotUnavailable, LockTimeout)
    assert all(isinstance(e, refusals) for e in errors), {type(e).__name__ for e in errors}
    assert Booking.objects.count() == 1
    assert count_overlaps() == 0


def test_cancelled_bookings_do_not_hold_the_database_guarantee(factory):
    host = factory.user(hours=((0, 24),))
    event_type = factory.event_type(host, length_minutes=60)
    first = factory.book(event_type, utc(2049, 1, 5, 10)).booking
    BookingHost.objects.filter(booking=first).update(is_blocking=False)
    factory.book(event_type, utc(2049, 1, 5, 10))
    assert Booking.objects.count() == 2


def count_overlaps() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_bookinghost a JOIN bookings_bookinghost b
              ON a.user_id = b.user_id AND a.id < b.id
             AND a.is_blocking AND b.is_blocking
             AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end
            """
        )
        return cursor.fetchone()[0]


# --- Concurrent changes of one booking ------------------------------------------------------------


def _race(first_in_txn, second):
    """Run first_in_txn() inside a transaction that stays open until `second` has started and
    is waiting; then commit. Returns (first outcome, second outcome)."""
    ready, release = threading.Event(), threading.Event()
    out = {}

    def one():
        try:
            with transaction.atomic():
                first_in_txn()
                ready.set()
                release.wait(10)
            out["first"] = "ok"
        except Exception as e:
            out["first"] = e
        finally:
            ready.set()
            connection.close()

    def two():
        try:
            out["second"] = second()
        except Exception as e:
            out["second"] = e
        finally:
            connection.close()

    t1 = threading.Thread(target=one)
    t1.start()
    assert ready.wait(10)
    t2 = threading.Thread(target=two)
    t2.start()
    t2.join(1.5)  # second is now blocked on a row lock held by first
    release.set()
    t1.join(15)
    t2.join(15)
    return out.get("first"), out.get("second")


@pytest.mark.django_db(transaction=True)
def test_no_seat_joins_a_booking_cancelled_meanwhile(factory, postgres_only):
    host = factory.user()
    et = factory.event_type(host, length_minutes=60, seats_per_time_slot=5)
    start = utc(2049, 1, 5, 10, 0)
    seated = factory.book(et, start)
    first_email = seated.booking.attendees.get().email
    attendee = AttendeeInput(name="Late", email="late@example.com", time_zone="UTC")
    first, second = _race(
        lambda: cancel_booking(
            seated.booking, Actor.attendee(first_email), seat_uid=seated.seat_uid, now=NOW
        ),
        lambda: create_booking(
            et,
            BookingRequest(start=start, attendee=attendee),
            Actor.attendee("late@example.com"),
            now=NOW,
        ),
    )
    fresh = Booking.objects.get(pk=seated.booking.pk)
    assert not (
        fresh.status == "cancelled" and fresh.attendees.filter(email="late@example.com").exists()
    )


@pytest.mark.django_db(transaction=True)
def test_a_host_cancel_and_an_attendee_reschedule_do_not_deadlock(factory, postgres_only):
    host = factory.user()
    et = factory.event_type(host, length_minutes=30)
    booking = factory.book(et, utc(2049, 1, 5, 10, 0)).booking
    first, second = _race(
        lambda: cancel_booking(booking, Actor.host(host), now=NOW),
        lambda: reschedule_booking(booking, utc(2049, 1, 5, 11, 0), Actor.attendee(), now=NOW),
    )
    assert not any("deadlock" in str(x) for x in (first, second))


@pytest.mark.django_db(transaction=True)
def test_merging_seats_never_overfills_the_target(factory, postgres_only):
    host = factory.user()
    et = factory.event_type(host, length_minutes=60, seats_per_time_slot=2)
    target = factory.book(et, utc(2049, 1, 5, 10, 0)).booking  # 1 of 2 seats
    moving = factory.book(et, utc(2049, 1, 5, 14, 0)).booking  # 1 attendee
    extra = AttendeeInput(name="Extra", email="extra@example.com")
    first, second = _race(
        lambda: add_attendee(target, extra, Actor.system()),
        lambda: reschedule_booking(moving, utc(2049, 1, 5, 10, 0), Actor.host(host), now=NOW),
    )
    n = Booking.objects.get(pk=target.pk).attendees.count()
    assert n <= 2


@pytest.mark.django_db(transaction=True)
def test_a_write_waiting_too_long_for_a_lock_gives_up_and_writes_nothing(
    factory, postgres_only, settings
):
    settings.BOOKING_LOCK_TIMEOUT_MS = 200
    host = factory.user()
    et = factory.event_type(host, length_minutes=30)
    attendee = AttendeeInput(name="Waiting", email="waiting@example.com")

    outcome = holding_a_lock_on(
        host,
        lambda: create_booking(
            et, BookingRequest(start=utc(2049, 1, 5, 10), attendee=attendee), Actor.attendee()
        ),
    )

    assert isinstance(outcome, LockTimeout), outcome
    assert outcome.code == "lock_timeout" and outcome.retry_after == 1
    assert not Booking.objects.exists()


def test_a_booking_write_inside_a_larger_transaction_gives_back_its_lock_timeout(settings):
    settings.BOOKING_LOCK_TIMEOUT_MS = 1234

    def lock_timeout():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lock_timeout')")
            return cursor.fetchone()[0]

    with transaction.atomic():
        before = lock_timeout()
        with booking_write():
            during = lock_timeout()
        after = lock_timeout()

    assert during == "1234ms"
    assert after == before != during
