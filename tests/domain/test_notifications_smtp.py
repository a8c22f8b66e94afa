"""A booking's whole life told over real SMTP: a local SMTP server receives what the app sends
through Django's SMTP backend (EMAIL_URL in a deployment)."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from bookings.models import Booking
from bookings.services import Actor, cancel_booking, confirm_booking, reschedule_booking
from notifications.tasks import sweep
from tests.conftest import NOW, utc
from tests.smtp_sink import SmtpSink

START = utc(2049, 1, 5, 10)


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield sink


def invite(message):
    """(METHOD, UID, SEQUENCE) of the message's calendar part, checked against its MIME
    method."""
    assert message.is_multipart()
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert str(calendar["METHOD"]) == part.get_param("method")
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    return str(calendar["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])


def kinds(messages):
    return [message["Subject"].strip().split(":")[0] for message in messages]


def test_a_bookings_life_arrives_by_smtp(smtp, factory):
    host = factory.user("hana", time_zone="Europe/Berlin")
    event_type = factory.event_type(host, slug="ask", title="Chat", requires_confirmation=True)
    booking = factory.book(event_type, START, email="ada@example.com").booking
    sweep()
    assert kinds(smtp.to("ada@example.com")) == ["Request received"]
    assert kinds(smtp.to("hana@example.com")) == ["Please confirm"]
    request = smtp.to("ada@example.com")[0]
    assert {p.get_content_type() for p in request.walk()} >= {"text/plain", "text/html"}
    smtp.clear()

    confirm_booking(booking, Actor.host(host), now=NOW)
    sweep()
    [confirmed] = smtp.to("ada@example.com")
    method, uid, first_sequence = invite(confirmed)
    assert (kinds([confirmed])[0], method) == ("Confirmed", "REQUEST")
    assert confirmed["Reply-To"] == "hana@example.com"
    smtp.clear()

    moved = reschedule_booking(
        Booking.objects.get(pk=booking.pk),
        START + timedelta(days=1),
        Actor.host(host),
        now=NOW,
    ).booking
    sweep()
    [to_ada] = smtp.to("ada@example.com")
    assert invite(to_ada) == ("REQUEST", uid, invite(to_ada)[2])
    moved_sequence = invite(to_ada)[2]
    assert moved_sequence > first_sequence
    smtp.clear()

    cancel_booking(Booking.objects.get(pk=moved.pk), Actor.attendee("ada@example.com"), now=NOW)
    sweep()
    for address in ("ada@example.com", "hana@example.com"):
        [cancelled] = smtp.to(address)
        method, cancelled_uid, sequence = invite(cancelled)
        assert (method, cancelled_uid) == ("CANCEL", uid)
        assert sequence >= moved_sequence
