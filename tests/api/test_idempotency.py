"""The Idempotency-Key header on POST /v2/bookings: the same key and body replay the first
response (errors too), another body is a 422, keys belong to their client, a key in flight is a
409, a day-old key is new again, conflicts are not kept, oversized keys are refused, and
concurrent requests with one key book once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.utils import timezone

from api.models import IdempotentRequest
from bookings.models import Booking
from tests.conftest import Api

START = "2049-01-05T10:00:00Z"


def body_for(event_type, start=START, email="ada@example.com"):
    return {
        "start": start,
        "eventTypeId": event_type.id,
        "attendee": {"name": "Ada", "email": email, "timeZone": "Europe/London"},
    }


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(owner, length_minutes=30)


def test_the_same_key_and_body_replays_the_first_response(api_as, event_type):
    client = api_as(None)
    first = client.post("/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k-1"})
    again = client.post("/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1


def test_a_replayed_error_is_the_same_error(api_as, event_type):
    client = api_as(None)
    body = body_for(event_type, start="2049-01-09T10:00:00Z")  # a Saturday
    first = client.post("/v2/bookings", body, **{"Idempotency-Key": "k-sat"})
    again = client.post("/v2/bookings", body, **{"Idempotency-Key": "k-sat"})
    assert first.status_code == again.status_code == 400
    assert again.json()["error"] == first.json()["error"]


def test_the_same_key_with_another_body_is_a_422(api_as, event_type):
    client = api_as(None)
    client.post("/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k-2"})
    other = client.post(
        "/v2/bookings",
        body_for(event_type, start="2049-01-05T11:00:00Z"),
        **{"Idempotency-Key": "k-2"},
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Booking.objects.count() == 1


def test_keys_belong_to_their_client(api_as, event_type, factory):
    first = api_as(factory.user()).post(
        "/v2/bookings", body_for(event_type), **{"Idempotency-Key": "shared"}
    )
    second = api_as(factory.user()).post(
        "/v2/bookings",
        body_for(event_type, start="2049-01-05T11:00:00Z"),
        **{"Idempotency-Key": "shared"},
    )
    assert first.status_code == second.status_code == 201
    assert Booking.objects.count() == 2


def test_a_key_still_in_flight_is_a_409(api_as, event_type):
    client = api_as(None)
    client.post("/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k-3"})
    # As if the first request were still running.
    IdempotentRequest.objects.filter(key="k-3").update(state=IdempotentRequest.State.IN_PROGRESS)

    response = client.post("/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k-3"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert response["Retry-After"] == "1"
    assert Booking.objects.count() == 1


def test_a_key_older_than_a_day_is_new_again(api_as, event_type):
    client = api_as(None)
    client.post("/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k-4"})
    a_day_ago = timezone.now() - timedelta(hours=25)
    IdempotentRequest.objects.update(created_at=a_day_ago)
    Booking.objects.update(created_at=a_day_ago)
    again = client.post("/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k-4"})
    assert again.status_code == 409  # acted again: the slot is taken now
    assert again.json()["error"]["code"] == "slot_unavailable"


def test_a_conflict_is_not_kept_so_the_client_may_retry(api_as, event_type, factory):
    factory.book(event_type, datetime(2049, 1, 5, 10, tzinfo=UTC))
    client = api_as(None)
    lost = client.post("/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k-5"})
    assert lost.status_code == 409
    assert not IdempotentRequest.objects.filter(key="k-5").exists()


def test_an_oversized_key_is_refused(api_as, event_type):
    response = api_as(None).post(
        "/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_requests_with_one_key_book_once(event_type):
    barrier = threading.Barrier(8)

    def post(_):
        try:
            barrier.wait()
            return (
                Api(None)
                .post("/v2/bookings", body_for(event_type), **{"Idempotency-Key": "k-race"})
                .status_code
            )
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, range(8)))

    assert Booking.objects.count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
