"""Races on PostgreSQL: concurrent changes of one booking end in one winner and a clean
refusal, never a deadlock or an inconsistent booking."""

import threading

import pytest
from django.db import connection, transaction

from accounts.models import User
from bookings.errors import LockTimeout
from bookings.models import Booking
from bookings.services import (
    Actor,
    AttendeeInput,
    BookingRequest,
    add_attendee,
    cancel_booking,
    create_booking,
    reschedule_booking,
)
from tests.conftest import NOW, utc


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
    start = utc(2027, 1, 5, 10, 0)
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
    booking = factory.book(et, utc(2027, 1, 5, 10, 0)).booking
    first, second = _race(
        lambda: cancel_booking(booking, Actor.host(host), now=NOW),
        lambda: reschedule_booking(booking, utc(2027, 1, 5, 11, 0), Actor.attendee(), now=NOW),
    )
    assert not any("deadlock" in str(x) for x in (first, second))


@pytest.mark.django_db(transaction=True)
def test_merging_seats_never_overfills_the_target(factory, postgres_only):
    host = factory.user()
    et = factory.event_type(host, length_minutes=60, seats_per_time_slot=2)
    target = factory.book(et, utc(2027, 1, 5, 10, 0)).booking  # 1 of 2 seats
    moving = factory.book(et, utc(2027, 1, 5, 14, 0)).booking  # 1 attendee
    extra = AttendeeInput(name="Extra", email="extra@example.com")
    first, second = _race(
        lambda: add_attendee(target, extra, Actor.system()),
        lambda: reschedule_booking(moving, utc(2027, 1, 5, 10, 0), Actor.host(host), now=NOW),
    )
    n = Booking.objects.get(pk=target.pk).attendees.count()
    assert n <= 2


def _holding_the_host(host, while_held):
    """Run while_held() while another transaction holds the host's row lock; returns its
    outcome (value or exception)."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                User.objects.select_for_update().get(pk=host.pk)
                locked.set()
                release.wait(10)
        finally:
            locked.set()
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        return while_held()
    except Exception as error:
        return error
    finally:
        release.set()
        holder.join(15)


@pytest.mark.django_db(transaction=True)
def test_a_write_waiting_too_long_for_a_lock_gives_up_and_writes_nothing(
    factory, postgres_only, settings
):
    settings.BOOKING_LOCK_TIMEOUT_MS = 200
    host = factory.user()
    et = factory.event_type(host, length_minutes=30)
    attendee = AttendeeInput(name="Waiting", email="waiting@example.com")

    outcome = _holding_the_host(
        host,
        lambda: create_booking(
            et, BookingRequest(start=utc(2027, 1, 5, 10), attendee=attendee), Actor.attendee()
        ),
    )

    assert isinstance(outcome, LockTimeout), outcome
    assert outcome.code == "lock_timeout" and outcome.retry_after == 1
    assert not Booking.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_is_a_409_with_retry_after(factory, postgres_only, settings, api_as):
    settings.BOOKING_LOCK_TIMEOUT_MS = 200
    host = factory.user()
    et = factory.event_type(host, length_minutes=30)
    body = {
        "eventTypeId": et.pk,
        "start": "2027-01-05T10:00:00Z",
        "attendee": {"name": "Waiting", "email": "waiting@example.com", "timeZone": "UTC"},
    }

    response = _holding_the_host(host, lambda: api_as(None).post("/v2/bookings", body))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "lock_timeout"
    assert response["Retry-After"] == "1"
    assert not Booking.objects.exists()
