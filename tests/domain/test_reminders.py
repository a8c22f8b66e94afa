"""Reminders: planned while a booking stands, moved with it, dropped when it ends; each sent
once, however many workers run the task; a missed one is sent only before the meeting."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from bookings.models import Booking
from bookings.services import (
    Actor,
    cancel_booking,
    confirm_booking,
    decline_booking,
    reschedule_booking,
)
from notifications import reminders
from notifications.models import Reminder
from notifications.tasks import send_reminders, sweep
from tests.conftest import NOW, utc

START = utc(2049, 1, 5, 10)


@pytest.fixture
def host(factory):
    return factory.user("hana")


@pytest.fixture
def event_type(factory, host):
    return factory.event_type(host, slug="remind", reminder_offsets=[1440, 60])


def planned(booking):
    return sorted(
        Reminder.objects.filter(booking=booking, sent_at__isnull=True, skipped=False).values_list(
            "minutes_before", "due_at"
        )
    )


def test_a_standing_booking_gets_one_reminder_per_offset(factory, event_type):
    booking = factory.book(event_type, START).booking
    sweep()
    assert planned(booking) == [
        (60, START - timedelta(minutes=60)),
        (1440, START - timedelta(days=1)),
    ]


def test_reminders_follow_a_reschedule_and_go_with_a_cancel(factory, event_type, host):
    booking = factory.book(event_type, START).booking
    sweep()
    moved = reschedule_booking(booking, START + timedelta(hours=3), Actor.host(host), now=NOW)
    sweep()
    assert planned(booking) == []
    assert [minutes for minutes, _ in planned(moved.booking)] == [60, 1440]
    assert planned(moved.booking)[0][1] == START + timedelta(hours=2)

    cancel_booking(Booking.objects.get(pk=moved.booking.pk), Actor.host(host), now=NOW)
    sweep()
    assert planned(moved.booking) == []


def test_a_request_is_reminded_only_once_confirmed(factory, host):
    asked = factory.event_type(host, slug="ask", requires_confirmation=True, reminder_offsets=[60])
    confirmed = factory.book(asked, START).booking
    declined = factory.book(asked, START + timedelta(hours=2)).booking
    sweep()
    assert planned(confirmed) == [] and planned(declined) == []
    confirm_booking(confirmed, Actor.host(host), now=NOW)
    decline_booking(declined, Actor.host(host), now=NOW)
    sweep()
    assert [m for m, _ in planned(confirmed)] == [60]
    assert planned(declined) == []


def test_a_due_reminder_is_sent_once_to_the_attendee_and_guests(factory, event_type):
    booking = factory.book(
        event_type, START, email="ada@example.com", guests=["bob@example.com"]
    ).booking
    sweep()
    mail.outbox.clear()
    Reminder.objects.filter(booking=booking).update(due_at=timezone.now() - timedelta(seconds=1))
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() + timedelta(minutes=30), end=timezone.now() + timedelta(minutes=60)
    )
    send_reminders()
    send_reminders()
    assert sorted(m.to[0].split("<")[-1].rstrip(">") for m in mail.outbox) == [
        "ada@example.com",
        "ada@example.com",
        "bob@example.com",
        "bob@example.com",
    ]  # two offsets, each once, to both
    assert all(m.subject.startswith("Reminder:") for m in mail.outbox)
    assert Reminder.objects.filter(booking=booking, sent_at__isnull=False).count() == 2


def test_a_reminder_missed_until_the_meeting_began_is_skipped(factory, event_type):
    booking = factory.book(event_type, START).booking
    sweep()
    mail.outbox.clear()
    past = timezone.now() - timedelta(minutes=5)
    Booking.objects.filter(pk=booking.pk).update(start=past, end=past + timedelta(minutes=30))
    Reminder.objects.filter(booking=booking).update(due_at=past - timedelta(hours=1))
    send_reminders()
    assert mail.outbox == []
    assert Reminder.objects.filter(booking=booking, skipped=True).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once(factory, event_type):
    booking = factory.book(event_type, START, email="ada@example.com").booking
    sweep()
    Reminder.objects.filter(booking=booking).update(due_at=timezone.now() - timedelta(seconds=1))
    soon = timezone.now() + timedelta(minutes=30)
    Booking.objects.filter(pk=booking.pk).update(start=soon, end=soon + timedelta(minutes=30))
    mail.outbox.clear()
    ids = reminders.due()
    barrier = threading.Barrier(4)
    sent = []

    def worker():
        barrier.wait()
        try:
            sent.extend(reminder_id for reminder_id in ids if reminders.send(reminder_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == sorted(ids)
    assert len(mail.outbox) == 2
