"""MEETING_STARTED and MEETING_ENDED: recorded once per accepted booking when its start and its
end pass (bookings/services/meetings.py, run by a periodic task)."""

from datetime import timedelta

import pytest

from bookings.events import booking_payload
from bookings.models import Booking
from bookings.representation import with_output_relations
from bookings.services import Actor, cancel_booking
from bookings.services.meetings import LOOKBACK, record_meeting_boundaries
from tests.conftest import NOW, utc
from webhooks.models import Event, Trigger

pytestmark = pytest.mark.django_db

START = utc(2049, 1, 4, 10, 0)
MINUTE = timedelta(minutes=1)


def types() -> list[str]:
    return list(Event.objects.filter(type__startswith="MEETING_").values_list("type", flat=True))


def test_a_meeting_is_announced_when_it_starts_and_when_it_ends(factory, owner):
    booking = factory.book(factory.event_type(owner, length_minutes=30), START).booking

    assert record_meeting_boundaries(now=START - MINUTE) == 0
    assert record_meeting_boundaries(now=START + MINUTE) == 1
    assert record_meeting_boundaries(now=START + 2 * MINUTE) == 0
    assert record_meeting_boundaries(now=booking.end + MINUTE) == 1
    assert record_meeting_boundaries(now=booking.end + 2 * MINUTE) == 0

    assert types() == [Trigger.MEETING_STARTED, Trigger.MEETING_ENDED]
    started = Event.objects.get(type=Trigger.MEETING_STARTED)
    fresh = with_output_relations(Booking.objects.filter(pk=booking.pk)).get()
    assert started.payload == booking_payload(fresh)
    assert (started.user_id, started.event_type_id, started.booking_uid) == (
        owner.id,
        booking.event_type_id,
        booking.uid,
    )


def test_only_accepted_bookings_are_announced(factory, owner):
    event_type = factory.event_type(owner)
    factory.book(factory.event_type(owner, requires_confirmation=True), START)
    cancelled = factory.book(event_type, START + timedelta(hours=2)).booking
    cancel_booking(cancelled, Actor.host(owner), now=NOW)

    assert record_meeting_boundaries(now=START + timedelta(hours=5)) == 0
    assert types() == []


def test_a_meeting_long_past_is_not_announced_late(factory, owner):
    factory.book(factory.event_type(owner), START)

    assert record_meeting_boundaries(now=START + LOOKBACK + timedelta(hours=2)) == 0
