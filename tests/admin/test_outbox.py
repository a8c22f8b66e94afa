"""The outbox admin (webhooks.Event): read-only, and showing each user the events about the
bookings they manage, so that for every person (an owner, a co-host, a team admin, a team member
who hosts nothing, an outsider, a superuser) the outbox and the booking list show the same
bookings."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Membership
from bookings.services import Actor, cancel_booking
from tests.admin.conftest import START, signed_in
from tests.conftest import NOW
from webhooks.models import Event

pytestmark = pytest.mark.django_db

BOOKINGS = reverse("admin:bookings_booking_changelist")
OUTBOX = reverse("admin:webhooks_event_changelist")


def test_outbox_is_read_only_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:webhooks_event_add")).status_code == 403


@pytest.fixture
def two_bookings(factory, owner, team, cohost):
    """{"personal": the owner's booking (cancelled), "team": a collective booking of the team
    hosted by the co-host and another member}, with their outbox events."""
    teammate = factory.user("tess")
    Membership.objects.create(team=team, user=teammate, role=Membership.Role.MEMBER)
    personal = factory.book(factory.event_type(owner), START, now=NOW).booking
    [personal] = cancel_booking(personal, Actor.host(owner), now=NOW)
    collective = factory.event_type(
        team=team, scheduling_type="collective", hosts=[cohost, teammate]
    )
    team_booking = factory.book(collective, START + timedelta(hours=1), now=NOW).booking
    assert {h.user for h in team_booking.booking_hosts.all()} == {cohost, teammate}
    assert Event.objects.filter(booking_uid=personal.uid).count() >= 2  # created, cancelled
    assert Event.objects.filter(booking_uid=team_booking.uid).exists()
    return {"personal": personal, "team": team_booking}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("owner", {"personal"}),
        ("cohost", {"team"}),
        ("team_admin", {"team"}),
        ("member", set()),
        ("outsider", set()),
        ("superuser", {"personal", "team"}),
    ],
)
def test_the_outbox_and_the_booking_list_show_the_same_bookings(
    request, make_staff, admin_user, two_bookings, persona, sees
):
    if persona == "superuser":
        user = admin_user
    else:
        user = make_staff(request.getfixturevalue(persona))
    client = signed_in(user)

    bookings = client.get(BOOKINGS)
    outbox = client.get(OUTBOX)

    assert bookings.status_code == 200
    assert outbox.status_code == 200, f"{persona} cannot open the outbox"
    listed = {booking.uid for booking in bookings.context["cl"].result_list}
    in_outbox = {event.booking_uid for event in outbox.context["cl"].result_list}
    assert listed == in_outbox
    assert listed == {two_bookings[name].uid for name in sees}
