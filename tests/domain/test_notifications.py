"""Emails: who is told what about a booking's life, once, with a calendar invite that calendars
can follow (same UID, rising SEQUENCE, REQUEST then CANCEL). Sent by the sweep here, as in the
embedded setup; tests/tasks/ sends them through a real SMTP server."""

import email
import email.utils
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from bookings.models import Booking
from bookings.services import (
    Actor,
    AttendeeInput,
    BookingRequest,
    CancelScope,
    attendee_opt_in_token,
    cancel_booking,
    confirm_booking,
    create_booking,
    decline_booking,
    mark_absent,
    reschedule_booking,
)
from bookings.services.confirmation import DECISION_SALT
from notifications import sending
from notifications.models import Notification
from notifications.tasks import sweep
from tests.conftest import NOW, utc
from webhooks.models import Event

START = utc(2049, 1, 5, 10)


def sent(to=None):
    """The emails sent so far (to one address)."""
    return [m for m in mail.outbox if to is None or any(to in r for r in m.to)]


def invite_of(message) -> Calendar:
    raw = email.message_from_string(message.message().as_string())
    parts = [p for p in raw.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    method = parts[0].get_param("method")
    calendar = Calendar.from_ical(parts[0].get_payload(decode=True))
    assert str(calendar["METHOD"]) == method
    return calendar


def event_of(calendar):
    return next(c for c in calendar.walk() if c.name == "VEVENT")


@pytest.fixture
def host(factory):
    return factory.user("hana", time_zone="Europe/Berlin")


@pytest.fixture
def event_type(factory, host):
    return factory.event_type(host, slug="chat", title="Chat")


def test_a_booking_tells_the_attendee_the_guests_and_the_host(factory, event_type, host):
    booking = factory.book(
        event_type, START, email="ada@example.com", guests=["bob@example.com"]
    ).booking
    sweep()

    to_ada, to_bob, to_host = sent("ada@"), sent("bob@"), sent("hana@")
    when = "Tuesday 5 January 2049, 11:00–11:30 (Europe/Paris)"  # the attendee's zone
    assert [m.subject for m in to_ada] == [f"Booked: {booking.title}, {when}"]
    assert len(to_bob) == 1 and to_bob[0].subject.startswith("Booked:")
    assert len(to_host) == 1 and to_host[0].subject.startswith("New booking:")
    message = to_ada[0]
    assert message.reply_to == ["hana@example.com"]
    assert message.alternatives[0][1] == "text/html"
    assert f"/booking/{booking.uid}/reschedule" in message.body
    assert f"/booking/{booking.uid}/cancel" in message.body
    invite = event_of(invite_of(message))
    assert str(invite["UID"]) == booking.ics_uid
    assert "/admin/bookings/booking/" in to_host[0].body


def test_each_email_goes_once_however_often_the_work_runs(factory, event_type):
    factory.book(event_type, START)
    sweep()
    sweep()
    for event in Event.objects.all():
        sending.handle(event.pk)
        sending.plan(event.pk)
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(sent_at__isnull=False).count() == 2


def test_a_request_is_confirmed_by_the_host_and_told_once(factory, host):
    event_type = factory.event_type(host, slug="ask", requires_confirmation=True)
    booking = factory.book(event_type, START, email="ada@example.com").booking
    sweep()
    assert [m.subject.split(":")[0] for m in sent("ada@")] == ["Request received"]
    assert [m.subject.split(":")[0] for m in sent("hana@")] == ["Please confirm"]
    mail.outbox.clear()

    confirm_booking(booking, Actor.host(host), now=NOW)
    sweep()
    assert [m.subject.split(":")[0] for m in sent("ada@")] == ["Confirmed"]
    assert sent("hana@") == []  # the host confirmed it
    assert event_of(invite_of(sent("ada@")[0]))["UID"] == booking.ics_uid


def test_a_declined_request_says_why_and_withdraws_the_event(factory, host):
    event_type = factory.event_type(host, slug="ask", requires_confirmation=True)
    booking = factory.book(event_type, START, email="ada@example.com").booking
    decline_booking(booking, Actor.host(host), reason="Fully booked that week", now=NOW)
    mail.outbox.clear()
    sweep()
    declined = [m for m in sent("ada@") if m.subject.startswith("Declined")]
    assert len(declined) == 1
    assert "Fully booked that week" in declined[0].body
    assert str(invite_of(declined[0])["METHOD"]) == "CANCEL"


def test_reschedule_then_cancel_keep_one_event_in_the_calendar(factory, event_type, host):
    booking = factory.book(event_type, START, email="ada@example.com").booking
    sweep()
    booked = event_of(invite_of(sent("ada@")[0]))
    mail.outbox.clear()

    moved = reschedule_booking(
        booking, START + timedelta(hours=2), Actor.attendee("ada@example.com"), now=NOW
    ).booking
    sweep()
    [to_ada] = sent("ada@")
    assert to_ada.subject.startswith("Moved:")
    assert "Before: Tuesday 5 January 2049, 11:00" in to_ada.body
    moved_event = event_of(invite_of(to_ada))
    assert moved_event["UID"] == booked["UID"]
    assert moved_event["SEQUENCE"] > booked["SEQUENCE"]
    assert sent("hana@")[0].subject.startswith("Moved:")
    mail.outbox.clear()

    cancel_booking(Booking.objects.get(pk=moved.pk), Actor.host(host), reason="Ill", now=NOW)
    sweep()
    [to_ada] = sent("ada@")
    calendar = invite_of(to_ada)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert event_of(calendar)["UID"] == booked["UID"]
    assert event_of(calendar)["SEQUENCE"] >= moved_event["SEQUENCE"]
    assert "Reason: Ill" in to_ada.body and "Cancelled by: hana@example.com" in to_ada.body


def test_skip_notifications_sends_nothing(factory, event_type):
    factory.book(event_type, START, skip_notifications=True)
    sweep()
    assert mail.outbox == []


def test_a_seat_holder_is_told_without_learning_who_else_comes(factory, host):
    workshop = factory.event_type(host, slug="workshop", seats_per_time_slot=5)
    factory.book(workshop, START, email="first@example.com")
    sweep()
    mail.outbox.clear()
    second = factory.book(workshop, START, email="second@example.com")
    sweep()
    [to_second] = sent("second@")
    assert sent("first@") == []
    assert "Attendee" in to_second.body
    first_name = Booking.objects.get(pk=second.booking.pk).attendees.order_by("id")[0].name
    assert first_name not in to_second.body
    assert "first@example.com" not in invite_of(to_second).to_ical().decode()
    assert f"seatUid={second.seat_uid}" in to_second.body
    mail.outbox.clear()
    cancel_booking(
        Booking.objects.get(pk=second.booking.pk),
        Actor.attendee("second@example.com"),
        scope=CancelScope.THIS,
        seat_uid=str(second.seat_uid),
        now=NOW,
    )
    sweep()
    [seat_gone] = sent("second@")
    assert seat_gone.subject.startswith("Cancelled: your seat")
    calendar = invite_of(seat_gone)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert event_of(calendar)["UID"] == Booking.objects.get(pk=second.booking.pk).ics_uid
    assert sent("first@") == []


def test_double_opt_in_asks_the_attendee_then_tells_the_host(factory, host, client):
    event_type = factory.event_type(host, slug="optin", requires_attendee_opt_in=True)
    booking = factory.book(event_type, START, email="ada@example.com").booking
    sweep()
    [ask] = sent("ada@")
    assert ask.subject.startswith("Confirm your email")
    assert sent("hana@") == []
    link = next(line for line in ask.body.splitlines() if "confirm-email?token=" in line)
    path = link.split("http://127.0.0.1:8000")[-1].strip()
    assert client.get(path).status_code == 200  # a GET changes nothing
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.PENDING
    token = attendee_opt_in_token(booking)
    response = client.post(f"/booking/{booking.uid}/confirm-email", {"token": token})
    assert response.status_code == 303
    mail.outbox.clear()
    sweep()
    assert [m.subject.split(":")[0] for m in sent("ada@")] == ["Confirmed"]
    assert [m.subject.split(":")[0] for m in sent("hana@")] == ["New booking"]
    tampered = Client().post(f"/booking/{booking.uid}/confirm-email", {"token": token + "x"})
    assert tampered.status_code == 400


def test_a_failed_send_is_retried_later_and_the_booking_stands(factory, event_type, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    booking = factory.book(event_type, START).booking
    sweep()
    failed = Notification.objects.filter(booking_uid=booking.uid)
    assert failed.count() == 2
    assert all(n.sent_at is None and n.attempts == 1 and n.last_error for n in failed)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sweep()
    assert mail.outbox == []  # not before its pause
    failed.update(next_attempt_at=timezone.now())
    sweep()
    assert len(mail.outbox) == 2


def test_names_with_line_breaks_inject_no_header(factory, event_type, host):
    host.name = "Hana\r\nBcc: spy@example.com"
    host.save()
    factory.book(event_type, START, email="ada@example.com")
    sweep()
    for message in mail.outbox:
        parsed = email.message_from_string(message.message().as_string())
        addresses = [address for _, address in email.utils.getaddresses(message.recipients())]
        assert "Bcc" not in parsed and "spy@example.com" not in addresses
        assert "Hana Bcc: spy@example.com" in message.body  # one line, as text
        for part in parsed.walk():
            if part.get_content_type() == "text/calendar":
                calendar = Calendar.from_ical(part.get_payload(decode=True))
                assert len([c for c in calendar.walk() if c.name == "VEVENT"]) == 1


def test_the_hosts_one_click_links_confirm_or_decline_once(factory, host, client):
    event_type = factory.event_type(host, slug="ask", requires_confirmation=True)
    first = factory.book(event_type, START, email="ada@example.com").booking
    second = factory.book(event_type, START + timedelta(hours=2), email="bob@example.com").booking
    sweep()
    links = {}
    for message in sent("hana@"):
        link = next(line for line in message.body.splitlines() if "/decide?token=" in line)
        path = link.split("http://127.0.0.1:8000")[-1].strip()
        links[path.split("/")[2]] = path
    confirm_path, decline_path = links[first.uid], links[second.uid]

    host.time_format = "12h"
    host.save()
    page = client.get(confirm_path)
    assert page.status_code == 200 and "Confirm" in page.content.decode()
    assert "11:00am" in page.content.decode()  # on the host's clock, in the host's zone
    assert Booking.objects.get(pk=first.pk).status == Booking.Status.PENDING  # GET changes nothing
    token = confirm_path.split("token=")[1]
    done = client.post(f"/booking/{first.uid}/decide", {"token": token, "decision": "confirm"})
    assert done.status_code == 200 and "You confirmed" in done.content.decode()
    assert Booking.objects.get(pk=first.pk).status == Booking.Status.ACCEPTED
    again = client.post(f"/booking/{first.uid}/decide", {"token": token, "decision": "confirm"})
    assert again.status_code == 400
    assert Booking.objects.get(pk=first.pk).history.filter(action="confirmed").count() == 1

    token = decline_path.split("token=")[1]
    client.post(
        f"/booking/{second.uid}/decide",
        {"token": token, "decision": "decline", "reason": "Away"},
    )
    declined = Booking.objects.get(pk=second.pk)
    assert (declined.status, declined.rejection_reason) == (Booking.Status.REJECTED, "Away")

    for bad in (token + "x", confirm_path.split("token=")[1]):  # tampered; another booking's
        response = client.get(f"/booking/{second.uid}/decide?token={bad}")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()


def test_an_expired_decision_link_is_refused_plainly(factory, host, client):
    class EightDaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 8 * 24 * 3600)

    event_type = factory.event_type(host, slug="ask", requires_confirmation=True)
    booking = factory.book(event_type, START).booking
    token = EightDaysAgo(salt=DECISION_SALT).sign_object({"uid": booking.uid, "host": host.pk})
    response = client.get(f"/booking/{booking.uid}/decide?token={token}")
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_a_no_show_is_told_to_the_other_hosts(factory):
    first, second = factory.user("first"), factory.user("second")
    team = factory.team(first, second)
    together = factory.event_type(
        team=team,
        slug="together",
        scheduling_type="collective",
        hosts=[{"user": first, "is_fixed": True}, {"user": second, "is_fixed": True}],
    )
    booking = factory.book(together, START, email="ada@example.com").booking
    sweep()
    mail.outbox.clear()
    mark_absent(
        booking,
        Actor.host(first),
        attendees=[("ada@example.com", True)],
        now=START + timedelta(hours=1),
    )
    sweep()
    assert [m.subject.split(":")[0] for m in sent("second@")] == ["No-show"]
    assert "Did not come: " in sent("second@")[0].body
    assert sent("first@") == [] and sent("ada@") == []


@pytest.mark.parametrize(
    ("switch", "told", "untold"),
    [("emails_to_attendees", "hana@", "ada@"), ("emails_to_hosts", "ada@", "hana@")],
)
def test_an_event_type_can_turn_off_emails_to_attendees_or_hosts(
    factory, host, switch, told, untold
):
    event_type = factory.event_type(host, slug="quiet", **{switch: False})
    factory.book(event_type, START, email="ada@example.com")
    sweep()
    assert len(sent(told)) == 1 and sent(untold) == []


def test_times_read_on_each_recipients_own_clock(factory, host):
    host.time_format = "24h"
    host.save()
    event_type = factory.event_type(host, slug="clock")
    attendee = AttendeeInput(
        name="Ada", email="ada@example.com", time_zone="America/New_York", time_format="12h"
    )
    create_booking(event_type, BookingRequest(start=START, attendee=attendee), Actor.attendee())
    sweep()
    assert "Tuesday 5 January 2049, 5:00am–5:30am (America/New_York)" in sent("ada@")[0].subject
    assert "Tuesday 5 January 2049, 11:00–11:30 (Europe/Berlin)" in sent("hana@")[0].subject
