"""Reminders through real workers: two Celery workers, each with its own beat, against Redis
and PostgreSQL, sending through a real SMTP server. A due reminder arrives once; the rows follow
a reschedule and go with a cancel."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import slots
from bookings.services import (
    Actor,
    AttendeeInput,
    BookingRequest,
    cancel_booking,
    create_booking,
    reschedule_booking,
)
from notifications.models import Reminder
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.worker


def wait_for(check, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def book(event_type, start, email):
    attendee = AttendeeInput(name="Rita Remind", email=email)
    request = BookingRequest(start=start, attendee=attendee)
    return create_booking(event_type, request, Actor.attendee(email)).booking


def test_two_beats_send_a_due_reminder_once_and_rows_follow_the_booking(start_worker, factory):
    with SmtpSink() as smtp:
        for _ in range(2):
            start_worker(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", REMINDERS_EVERY_SECONDS=1)
        host = factory.user("hana", hours=((0, 0),), days=range(7))
        event_type = factory.event_type(host, slug="remind", reminder_offsets=[60])
        now = timezone.now()
        free = [s.start for s in slots.find_slots(event_type, now, now + timedelta(days=3)).slots]
        # The first time at least 10 minutes away is at most 40 away: its reminder is overdue.
        soon = next(s for s in free if s > now + timedelta(minutes=10))
        assert soon - timedelta(minutes=60) < now

        book(event_type, soon, "soon@example.com")

        def reminders_to(address):
            return [m for m in smtp.to(address) if m["Subject"].strip().startswith("Reminder:")]

        assert wait_for(lambda: reminders_to("soon@example.com"))
        time.sleep(4)  # both beats ran several times since
        assert len(reminders_to("soon@example.com")) == 1

        later = book(event_type, free[-10], "later@example.com")
        assert wait_for(lambda: Reminder.objects.filter(booking=later).exists())
        moved = reschedule_booking(later, free[-1], Actor.host(host)).booking
        assert wait_for(
            lambda: (
                not Reminder.objects.filter(booking=later).exists()
                and Reminder.objects.filter(
                    booking=moved, due_at=free[-1] - timedelta(minutes=60)
                ).exists()
            )
        )
        cancel_booking(moved, Actor.host(host))
        assert wait_for(lambda: not Reminder.objects.filter(booking=moved).exists())
        assert reminders_to("later@example.com") == []
