"""No double booking under concurrency: the service serialises, the database guarantees."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections

from bookings.errors import SlotUnavailable
from bookings.models import Booking, BookingHost
from bookings.services import Actor, AttendeeInput, BookingRequest, create_booking
from bookings.services.building import attendee_row, insert_booking
from bookings.services.locking import booking_write
from tests.conftest import NOW, utc

THREADS = 50
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


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
    return [utc(2027, 1, 5, 10) + timedelta(minutes=i) for i in range(THREADS)]


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
    assert all(isinstance(e, SlotUnavailable) for e in errors), {type(e).__name__ for e in errors}
    assert Booking.objects.count() == 1
    assert count_overlaps() == 0


def test_cancelled_bookings_do_not_hold_the_database_guarantee(factory):
    host = factory.user(hours=((0, 24),))
    event_type = factory.event_type(host, length_minutes=60)
    first = factory.book(event_type, utc(2027, 1, 5, 10)).booking
    BookingHost.objects.filter(booking=first).update(is_blocking=False)
    factory.book(event_type, utc(2027, 1, 5, 10))
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
