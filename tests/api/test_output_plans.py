"""Outputs render by a plan made once per class (bookings/output_fields.py): what they give must
be what DRF's own way of rendering a serializer gives, for every kind of object."""

from datetime import timedelta

import pytest
from rest_framework import serializers

from api.eventtypes.serializers import EventTypeOutput, TeamEventTypeOutput
from api.slots.serializers import ReservationOutput
from bookings.events import BookingPayload
from bookings.models import Attendee, Booking
from bookings.representation import (
    BookingOutput,
    Output,
    SeatedBookingOutput,
    with_output_relations,
)
from bookings.services import (
    Actor,
    add_guests,
    cancel_booking,
    reschedule_booking,
    reserve_slot,
)
from eventtypes.models import EventType
from tests.conftest import NOW, utc

pytestmark = pytest.mark.django_db

MONDAY = utc(2050, 9, 5, 9)


def as_drf_renders(serializer: Output, instance) -> dict:
    """DRF's Serializer.to_representation over the serializer's bound fields, and Output's
    rule for empty optional fields."""
    data = serializers.Serializer.to_representation(serializer, instance)
    for name, field in serializer.fields.items():
        if field.required or field.read_only or name not in data:
            continue
        if serializer.is_empty(data[name]):
            del data[name]
    return data


@pytest.fixture
def assert_rendered_alike(monkeypatch):
    """Renders the instance with the output class, by plan and (with every output, nested ones
    too, rendered the DRF way) as DRF renders it: the same data, in the same order."""

    def check(output_class, instance, **context):
        planned = output_class(instance, context=context).data
        with monkeypatch.context() as patched:
            patched.setattr(Output, "to_representation", as_drf_renders)
            by_drf = output_class(instance, context=context).data
        assert planned == by_drf
        assert list(planned) == list(by_drf)

    return check


def reloaded(booking) -> Booking:
    return with_output_relations(Booking.objects.filter(pk=booking.pk)).get()


def test_bookings_of_every_kind_render_as_drf_renders_them(
    assert_rendered_alike, factory, owner, team, cohost
):
    intro = factory.event_type(owner, slug="intro")
    kept = factory.book(intro, MONDAY).booking
    cancelled = factory.book(intro, MONDAY + timedelta(hours=1)).booking
    cancel_booking(cancelled, Actor.host(owner), reason="Ill", now=NOW)
    moved = factory.book(intro, MONDAY + timedelta(hours=2)).booking
    reschedule_booking(moved, MONDAY + timedelta(hours=3), Actor.host(owner), now=NOW)
    guests = factory.book(intro, MONDAY + timedelta(hours=4)).booking
    add_guests(guests, ["guest@example.com"], Actor.host(owner))
    collective = factory.event_type(
        team=team,
        slug="together",
        scheduling_type=EventType.SchedulingType.COLLECTIVE,
        hosts=[cohost],
    )
    together = factory.book(collective, MONDAY + timedelta(days=1)).booking

    for booking in Booking.objects.all():
        booking = reloaded(booking)
        assert_rendered_alike(BookingOutput, booking)
        assert_rendered_alike(BookingPayload, booking, seat_uid=None, change=None)
    assert reloaded(together).event_type.team_id == team.id
    assert reloaded(kept).attendees.count() == 1


def test_seated_bookings_render_as_drf_renders_them(
    assert_rendered_alike, factory, owner, outsider
):
    workshop = factory.event_type(owner, slug="workshop", seats_per_time_slot=5)
    first = factory.book(workshop, MONDAY)
    factory.book(workshop, MONDAY)
    booking = reloaded(first.booking)
    seat = str(Attendee.objects.filter(booking=booking).first().seat_uid)
    for viewer in (None, owner, outsider):
        assert_rendered_alike(SeatedBookingOutput, booking, viewer=viewer, seat_uid=seat)
    assert_rendered_alike(BookingPayload, booking, seat_uid=seat, change="attendee_added")


def test_event_types_and_reservations_render_as_drf_renders_them(
    assert_rendered_alike, factory, owner, team, cohost
):
    personal = factory.event_type(owner, slug="intro", description="Hello", slot_interval=15)
    round_robin = factory.event_type(
        team=team, slug="rr", scheduling_type=EventType.SchedulingType.ROUND_ROBIN, hosts=[cohost]
    )
    assert_rendered_alike(EventTypeOutput, personal)
    assert_rendered_alike(TeamEventTypeOutput, round_robin)
    reservation = reserve_slot(personal, MONDAY, holder="ip:127.0.0.1", now=NOW)
    assert_rendered_alike(ReservationOutput, reservation, now=NOW)
