"""Computing slots costs a fixed number of queries, whatever the range or the bookings."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Attendee, Booking, BookingHost
from bookings.slots import find_slots
from tests.conftest import NOW, utc


def add_bookings(event_type, host, count):
    """`count` bookings spread over 30 days, written directly (the check is not under test)."""
    bookings = Booking.objects.bulk_create(
        Booking(
            event_type=event_type,
            organizer=host,
            start=utc(2049, 1, 5, 0) + timedelta(hours=(i * 37) % (30 * 24)),
            end=utc(2049, 1, 5, 0) + timedelta(hours=(i * 37) % (30 * 24), minutes=15),
            title=f"Booking {i}",
            ics_uid=f"bulk-{i}",
            uid=f"bulk-{event_type.pk}-{host.pk}-{i}",
        )
        for i in range(count)
    )
    BookingHost.objects.bulk_create(
        BookingHost(booking=b, user=host, blocked_start=b.start, blocked_end=b.end)
        for b in bookings
    )
    Attendee.objects.bulk_create(
        Attendee(booking=b, name="A", email=f"a{b.pk}@example.com") for b in bookings
    )


def count_queries(event_type, days):
    with CaptureQueriesContext(connection) as queries:
        search = find_slots(
            event_type, utc(2049, 1, 5), utc(2049, 1, 5) + timedelta(days=days), now=NOW
        )
    return len(queries), len(search.slots)


@pytest.mark.parametrize(
    "options, queries",
    [
        ({}, 1),
        (
            {
                "booking_limits_count": {"day": 5, "year": 400},
                "booking_limits_duration": {"week": 600},
            },
            2,
        ),
        ({"seats_per_time_slot": 5}, 2),
    ],
    ids=["plain", "with-limits", "seated"],
)
def test_slot_queries_do_not_grow_with_range_or_bookings(factory, options, queries):
    """One statement reads the calendars, busy times and holds; limits and seats one more."""
    host = factory.user(hours=((0, 24),), days=range(7))
    event_type = factory.event_type(host, length_minutes=15, **options)

    empty_day, _ = count_queries(event_type, 1)
    empty_month, month_slots = count_queries(event_type, 30)
    add_bookings(event_type, host, 500)
    busy_day, _ = count_queries(event_type, 1)
    busy_month, busy_month_slots = count_queries(event_type, 30)

    assert empty_day == empty_month == busy_day == busy_month
    assert empty_day == queries
    assert month_slots == 30 * 24 * 4
    assert busy_month_slots < month_slots or options.get("seats_per_time_slot")


def test_round_robin_slot_queries_do_not_grow_with_hosts(factory):
    team_hosts = [factory.user() for _ in range(3)]
    small = factory.event_type(
        team=factory.team(*team_hosts), hosts=team_hosts[:1], scheduling_type="roundRobin"
    )
    many = [factory.user() for _ in range(20)]
    large = factory.event_type(team=factory.team(*many), hosts=many, scheduling_type="roundRobin")
    assert count_queries(small, 30)[0] == count_queries(large, 30)[0]
