"""Several statements in one round trip (database/pipelining.py): new rows of several models with
the same rows, ids and errors as bulk_create; values_list() querysets read as the ORM reads them;
one exchange with PostgreSQL however many statements."""

import pytest
from django.db import IntegrityError, connection, transaction

from bench.roundtrips import counting_round_trips
from bookings.models import Attendee, BookingHost
from database.pipelining import insert_together, read_together
from tests.conftest import utc
from webhooks.models import Event

pytestmark = pytest.mark.django_db(transaction=True)

START = utc(2049, 1, 4, 10)
END = utc(2049, 1, 4, 11)


def new_rows(booking, *users):
    hosts = [
        BookingHost(booking=booking, user=user, blocked_start=START, blocked_end=END)
        for user in users
    ]
    attendee = Attendee(booking=booking, name="Ada", email="ada@example.com", time_zone="UTC")
    event = Event(type="BOOKING_CREATED", payload={"n": 1}, booking_uid=booking.uid)
    return [*hosts, attendee, event]


def test_rows_of_several_models_are_written_with_their_ids(factory):
    host, other, third = factory.user(), factory.user(), factory.user()
    booking = factory.book(factory.event_type(host), START).booking
    rows = new_rows(booking, other, third)

    with transaction.atomic():
        insert_together(rows)

    assert all(row.pk and not row._state.adding for row in rows)
    first, second, attendee, event = rows
    assert BookingHost.objects.get(pk=first.pk).user_id == other.id
    assert BookingHost.objects.get(pk=second.pk).user_id == third.id
    assert Attendee.objects.get(pk=attendee.pk).booking_id == booking.id
    stored = Event.objects.get(pk=event.pk)
    assert (stored.payload, stored.created_at) == ({"n": 1}, event.created_at)


@pytest.mark.usefixtures("postgres_only")
def test_on_postgresql_they_cost_one_round_trip(factory):
    host, other, third = factory.user(), factory.user(), factory.user()
    booking = factory.book(factory.event_type(host), START).booking

    with transaction.atomic():
        Event.objects.exists()  # the transaction begun
        with counting_round_trips() as trips:
            insert_together(new_rows(booking, other, third))

    assert trips.count == 1


@pytest.mark.usefixtures("postgres_only")
def test_a_refused_row_raises_the_database_error_and_writes_nothing(factory):
    host, other = factory.user(), factory.user()
    factory.book(factory.event_type(host), START)
    theirs = factory.book(factory.event_type(other), START).booking
    events_before = Event.objects.count()
    # The host's own booking already blocks these times: the exclusion constraint refuses.
    rows = new_rows(theirs, host)

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        insert_together(rows)

    assert refused.value.__cause__.diag.constraint_name == "booking_host_no_overlap"
    assert Event.objects.count() == events_before
    assert Attendee.objects.filter(booking=theirs).count() == 1
    assert connection.in_atomic_block is False


def test_values_list_querysets_are_read_in_order_flat_or_not(factory):
    host = factory.user()
    booking = factory.book(factory.event_type(host), START).booking
    hosts = BookingHost.objects.filter(booking=booking)

    flat, pairs, empty = read_together(
        hosts.values_list("user_id", flat=True),
        hosts.values_list("user_id", "blocked_start"),
        Event.objects.filter(booking_uid="none").values_list("id", flat=True),
    )

    assert flat == [host.id]
    assert pairs == [(host.id, START)]  # converted as the ORM converts them: an aware datetime
    assert empty == []
    with pytest.raises(TypeError):
        read_together(hosts)


@pytest.mark.usefixtures("postgres_only")
def test_on_postgresql_a_lock_and_a_read_under_it_cost_one_round_trip(factory):
    host = factory.user()
    users = type(host).objects.select_for_update().filter(pk=host.pk)

    with transaction.atomic():
        Event.objects.exists()  # the transaction begun
        with counting_round_trips() as trips:
            locked, read = read_together(
                users.values_list("id", flat=True), Event.objects.values_list("id", flat=True)
            )

    assert (locked, trips.count) == ([host.id], 1)


def test_a_queryset_empty_by_construction_reads_as_empty(factory):
    host = factory.user()
    users = type(host).objects.values_list("id", flat=True)

    with transaction.atomic():
        assert read_together(users.filter(id__in=[]), users.filter(pk=host.pk), users.none()) == [
            [],
            [host.id],
            [],
        ]
