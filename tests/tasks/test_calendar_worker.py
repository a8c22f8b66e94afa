"""The hosts' calendars kept by a real Celery worker (and its beat) against a Redis of the
test's own and a real CalDAV server (Radicale): a booking is written into the host's calendar
by the task its outbox event queues, and a new event in the calendar is synced by the beat."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from calendars import connections, credentials
from calendars.models import BookingReference, BusyTime
from tests.calendar_server import PASSWORD, USER
from tests.conftest import utc

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def eventually(check, timeout=30.0, every=0.2):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not true after {timeout} s"
        time.sleep(every)


def test_a_worker_writes_bookings_back_and_its_beat_syncs_new_events(
    start_worker, factory, owner, radicale, settings
):
    key = credentials.new_key()
    settings.CALENDAR_ENCRYPTION_KEYS = [key]
    start_worker(
        CALENDAR_ENCRYPTION_KEYS=key,
        CALENDAR_ALLOW_PRIVATE_NETWORKS="true",
        CALENDAR_SYNC_EVERY_SECONDS="1",
    )
    work = radicale.make_calendar("work", "Work")
    connections.connect_caldav(owner, radicale.url, USER, PASSWORD)

    booking = factory.book(factory.event_type(owner), utc(2049, 1, 4, 10)).booking
    eventually(lambda: BookingReference.objects.filter(state="written").exists())
    reference = BookingReference.objects.get()
    status, data = radicale.get(reference.href)
    assert status == 200 and booking.ics_uid.encode() in data

    tomorrow = (timezone.now() + timedelta(days=1)).strftime("%Y%m%d")
    radicale.put_event(
        work,
        "dentist",
        "BEGIN:VEVENT\r\nUID:dentist\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{tomorrow}T100000Z\r\nDTEND:{tomorrow}T110000Z\r\nEND:VEVENT",
    )
    eventually(lambda: BusyTime.objects.filter(uid="dentist").exists())


def test_bookings_made_while_redis_is_down_or_the_worker_dies_are_still_written_back(
    start_worker, broker, factory, owner, radicale, settings
):
    """Redis stopped while bookings are made: the sweep writes them once it is back. The worker
    killed (SIGKILL) right after more bookings: a new worker writes them all, once each."""
    key = credentials.new_key()
    settings.CALENDAR_ENCRYPTION_KEYS = [key]
    environment = {
        "CALENDAR_ENCRYPTION_KEYS": key,
        "CALENDAR_ALLOW_PRIVATE_NETWORKS": "true",
        "CALENDAR_TIMEOUT_SECONDS": "1",  # the lease of a push a dead worker held: 12 s
    }
    worker = start_worker(**environment)
    radicale.make_calendar("work", "Work")
    connections.connect_caldav(owner, radicale.url, USER, PASSWORD)
    event_type = factory.event_type(owner)

    broker.stop()
    for hour in (9, 10, 11):
        factory.book(event_type, utc(2049, 1, 4, hour))
    broker.start()
    eventually(lambda: BookingReference.objects.filter(state="written").count() == 3, 60)

    for hour in (12, 13, 14):
        factory.book(event_type, utc(2049, 1, 4, hour))
    worker.kill()
    start_worker(**environment)
    eventually(lambda: BookingReference.objects.filter(state="written").count() == 6, 90)
    assert BookingReference.objects.count() == 6
    for reference in BookingReference.objects.all():
        status, data = radicale.get(reference.href)
        assert status == 200 and reference.ics_uid.encode() in data
