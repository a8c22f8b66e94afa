"""Anonymous callers' Idempotency-Keys belong to their own address: one cannot claim another's
key (a 422 for the other) nor be replayed another's response."""

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking

pytestmark = pytest.mark.django_db


def body_for(event_type, start, email):
    return {
        "start": start,
        "eventTypeId": event_type.id,
        "attendee": {"name": "Ada", "email": email, "timeZone": "Europe/London"},
    }


def post_from(address, body, key):
    client = APIClient(REMOTE_ADDR=address)
    return client.post(
        "/v2/bookings",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_CAL_API_VERSION="2024-08-13",
    )


def test_two_anonymous_clients_may_use_the_same_key(factory, owner):
    event_type = factory.event_type(owner, length_minutes=30)
    first = post_from("198.51.100.1", body_for(event_type, "2049-01-05T10:00:00Z", "a@x.org"), "k")
    other = post_from("198.51.100.2", body_for(event_type, "2049-01-05T11:00:00Z", "b@x.org"), "k")
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json()["data"]["uid"] != other.json()["data"]["uid"]

    # The same body from a third address is not a replay of the first's response: it runs.
    third = post_from("198.51.100.3", body_for(event_type, "2049-01-05T10:00:00Z", "a@x.org"), "k")
    assert third.status_code == 409  # the time is taken, as for any new request
    assert Booking.objects.count() == 2

    replay = post_from("198.51.100.1", body_for(event_type, "2049-01-05T10:00:00Z", "a@x.org"), "k")
    assert replay.status_code == 201 and replay.json() == first.json()
