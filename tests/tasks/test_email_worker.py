"""Emails sent by a real Celery worker (and its beat) against a Redis of the test's own, through
a real SMTP server, for bookings committed to the test database: bookings made while Redis is
down get their emails once it is back, and a worker killed in the middle of sending loses none."""

import time
from collections import Counter
from datetime import timedelta

import pytest

from notifications.models import Notification
from tests.conftest import utc
from tests.smtp_sink import SmtpSink

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def slot(index: int):
    """The index-th half hour of the host's working days (09:00-17:00 UTC) from Monday."""
    day, half_hours = divmod(index, 16)
    return utc(2049, 1, 4, 9, 0) + timedelta(days=day, minutes=30 * half_hours)


def eventually(check, timeout=30.0, every=0.2):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not true after {timeout} s"
        time.sleep(every)


def subjects_to(smtp: SmtpSink, address: str) -> list[str]:
    return [message["Subject"].strip() for message in smtp.to(address)]


def unsent() -> int:
    return Notification.objects.filter(sent_at__isnull=True).count()


def test_bookings_made_while_redis_is_down_get_their_emails_once_it_is_back(
    start_worker, broker, factory, owner
):
    with SmtpSink() as smtp:
        start_worker(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}")
        event_type = factory.event_type(owner)
        broker.stop()

        for index in range(10):
            factory.book(event_type, slot(index), email=f"ana{index}@example.com")

        broker.start()
        eventually(lambda: len(smtp.received) == 20 and unsent() == 0, timeout=60)
        time.sleep(3)  # the sweep ran several times since

        assert len(smtp.received) == 20
        for index in range(10):
            [subject] = subjects_to(smtp, f"ana{index}@example.com")
            assert subject.startswith("Booked: ")
        host_subjects = subjects_to(smtp, owner.email)
        assert len(set(host_subjects)) == 10
        assert all(subject.startswith("New booking: ") for subject in host_subjects)


def test_a_worker_killed_in_the_middle_of_sending_loses_no_email(start_worker, factory, owner):
    with SmtpSink(delay=0.2) as smtp:
        event_type = factory.event_type(owner)
        for index in range(30):  # their tasks wait in Redis for the worker
            factory.book(event_type, slot(index), email=f"ana{index}@example.com")
        worker = start_worker(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", EMAILS_LEASE_SECONDS=3)

        eventually(lambda: len(smtp.received) >= 10, every=0.02)
        worker.kill()
        assert len(smtp.received) < 60
        worker.start()

        eventually(lambda: unsent() == 0, timeout=90)
        for index in range(30):
            subjects = subjects_to(smtp, f"ana{index}@example.com")
            assert subjects and all(subject.startswith("Booked: ") for subject in subjects)
        assert len(set(subjects_to(smtp, owner.email))) == 30
        # Sent twice at most: what the killed worker's threads had on the wire when it died.
        copies = Counter(
            (tuple(recipients), message["Subject"]) for _, recipients, message in smtp.received
        )
        assert sum(count - 1 for count in copies.values()) <= 8
