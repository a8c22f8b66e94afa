"""Database round trips of the hot paths, whatever the range, the bookings or the hosts:
A. GET /v2/slots of one host; B. of a 20-host round robin; C. POST /v2/bookings.

On PostgreSQL the round trips are counted by bench/roundtrips.py, from libpq's own trace of the
protocol (BEGIN and COMMIT included); on SQLite from the statements Django sends. The slot
engine's statement is prepared the second time a connection runs it (one round trip more, once:
config/settings.py), so each case makes its request twice before counting.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.roundtrips import counting_round_trips
from tests.conftest import Api, utc
from tests.domain.test_slot_queries import add_bookings

pytestmark = pytest.mark.django_db(transaction=True)

SLOTS = "2024-09-04"
BOOKINGS = "2024-08-13"
# Round trips of each request: on SQLite the statements Django sends (BEGIN and COMMIT among
# them); on PostgreSQL counted from the protocol (psycopg sends BEGIN and COMMIT itself).


def slot_trips() -> int:
    """The hosts' calendars, busy times and holds, with the event type's row version on
    PostgreSQL (the event type is kept between requests: bookings/kept_event_types.py); on
    SQLite the event type, then the rest."""
    return 1 if connection.vendor == "postgresql" else 2


def create_trips() -> int:
    """The event type; BEGIN; lock (and lock timeout); the check; the booking; its host rows and
    attendee; its history and outbox rows; COMMIT. On PostgreSQL the host rows and attendee
    are sent together, and so are the history and outbox rows (database/pipelining.py): 8 round
    trips; on SQLite each of the four is a statement: 10."""
    return 8 if connection.vendor == "postgresql" else 10


# Round robin also reads the team's hosts (to lock them), their recent bookings (to choose
# one) and the users chosen (for the answer).
TEAM_EXTRA_TRIPS = 3


@pytest.fixture
def api():
    return Api()


@contextmanager
def counted():
    """Yields a dict filled on exit with the round trips ("trips") meanwhile."""
    figures = {}
    if connection.vendor == "postgresql":
        with counting_round_trips() as trips:
            yield figures
        figures["trips"] = trips.count
    else:
        with CaptureQueriesContext(connection) as statements:
            yield figures
        figures["trips"] = len(statements)


def slots_of(api, event_type, days):
    query = {
        "eventTypeId": event_type.id,
        "start": "2049-01-05",
        "end": (utc(2049, 1, 5) + timedelta(days=days - 1)).strftime("%Y-%m-%d"),
        "timeZone": "Europe/Berlin",
    }
    response = api.get("/v2/slots", query, **{"cal-api-version": SLOTS})
    assert response.status_code == 200, response.json()
    return response


def count_slots(api, event_type, days):
    for _ in range(2):  # the first loads the URL patterns and keeps the event type; the second
        # prepares the statement
        slots_of(api, event_type, days)
    with counted() as figures:
        slots_of(api, event_type, days)
    return figures


def expect(figures, trips):
    assert figures["trips"] == trips, figures


@pytest.mark.parametrize("days", [1, 30])
def test_a_slots_of_one_host_cost_the_same_with_0_or_500_bookings(factory, api, days):
    host = factory.user(hours=((0, 24),), days=range(7))
    event_type = factory.event_type(host, length_minutes=15)

    expect(count_slots(api, event_type, days), slot_trips())
    add_bookings(event_type, host, 500)
    expect(count_slots(api, event_type, days), slot_trips())


def test_b_slots_of_a_round_robin_cost_the_same_for_1_or_20_hosts_and_500_bookings(factory, api):
    one = [factory.user()]
    small = factory.event_type(team=factory.team(*one), hosts=one, scheduling_type="roundRobin")
    many = [factory.user(hours=((0, 24),), days=range(7)) for _ in range(20)]
    large = factory.event_type(
        team=factory.team(*many), hosts=many, scheduling_type="roundRobin", length_minutes=15
    )

    expect(count_slots(api, small, 30), slot_trips())
    expect(count_slots(api, large, 30), slot_trips())
    for host in many:
        add_bookings(large, host, 25)
    expect(count_slots(api, large, 30), slot_trips())


def book(api, event_type, start, **headers):
    body = {
        "eventTypeId": event_type.id,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "Europe/London"},
    }
    response = api.post("/v2/bookings", body, **{"cal-api-version": BOOKINGS}, **headers)
    assert response.status_code == 201, response.json()


def count_create(api, event_type, start, **headers):
    with counted() as figures:
        book(api, event_type, start, **headers)
    return figures


def test_c_a_create_costs_the_same_with_0_or_500_bookings(factory, api):
    host = factory.user(hours=((0, 24),), days=range(7))
    event_type = factory.event_type(host, length_minutes=15)
    for hour in (8, 9):  # warm
        book(api, event_type, utc(2049, 3, 1, hour))

    expect(count_create(api, event_type, utc(2049, 3, 1, 10)), create_trips())
    add_bookings(event_type, host, 500)
    expect(count_create(api, event_type, utc(2049, 3, 2, 10)), create_trips())


def test_c_a_round_robin_create_costs_the_same_for_1_or_20_hosts(factory, api):
    one = [factory.user()]
    small = factory.event_type(team=factory.team(*one), hosts=one, scheduling_type="roundRobin")
    many = [factory.user() for _ in range(20)]
    large = factory.event_type(team=factory.team(*many), hosts=many, scheduling_type="roundRobin")
    for event_type, hour in ((small, 11), (small, 12), (large, 11), (large, 12)):  # warm
        book(api, event_type, utc(2049, 1, 5, hour))

    for event_type in (small, large):
        figures = count_create(api, event_type, utc(2049, 1, 5, 10))
        expect(figures, create_trips() + TEAM_EXTRA_TRIPS)


def test_c_a_create_with_an_idempotency_key_costs_two_more_on_postgresql(factory, api):
    """The key claimed (one insert) and the answer stored (one update); the lookup of a
    booking already made under it goes with the hosts' lock (on SQLite, a statement more)."""
    host = factory.user(hours=((0, 24),), days=range(7))
    event_type = factory.event_type(host, length_minutes=15)
    for hour in (8, 9):  # warm
        book(api, event_type, utc(2049, 3, 1, hour), **{"Idempotency-Key": f"warm{hour}"})

    figures = count_create(api, event_type, utc(2049, 3, 1, 10), **{"Idempotency-Key": "k1"})
    expect(figures, create_trips() + (2 if connection.vendor == "postgresql" else 3))
