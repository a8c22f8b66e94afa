"""Webhooks delivered by a real Celery worker (and its beat) against a Redis of the test's own,
to a real HTTP receiver, from changes committed to the test database: what reaches the
subscriber, signed; retries; Redis stopped while bookings are made; the worker killed in the
middle of 200 deliveries; a secret rotated."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks import Webhook, WebhookVerificationError

from bookings.services import (
    Actor,
    add_guests,
    cancel_booking,
    confirm_booking,
    decline_booking,
    mark_absent,
    reschedule_booking,
)
from bookings.services.meetings import record_meeting_boundaries
from tests.conftest import NOW, utc
from tests.receiver import Answer
from webhooks.delivery import iso
from webhooks.models import Attempt, Delivery, Event, Subscription, Trigger
from webhooks.outbox import record_event
from webhooks.subscriptions import create_subscription, rotate_secret

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

START = utc(2049, 1, 4, 10, 0)
LATER = utc(2049, 1, 5, 10, 0)
EVERYTHING = [t for t in Trigger.values if t != Trigger.PING]


def subscribe(receiver, path="/hook", **owner_and_values):
    values = {"triggers": EVERYTHING, **owner_and_values}
    return create_subscription(subscriber_url=receiver.url(path), **values)


def calcom(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def eventually(check, timeout=30.0, every=0.1):
    """Wait for check() to be truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, f"not true after {timeout} s"
            return value
        time.sleep(every)


def slot(index: int):
    """The index-th half hour of the hosts' working days (09:00-17:00 UTC) from Monday."""
    day, half_hours = divmod(index, 16)
    return utc(2049, 1, 4, 9, 0) + timedelta(days=day, minutes=30 * half_hours)


def statuses() -> list[str]:
    return list(Delivery.objects.order_by("id").values_list("status", flat=True))


def test_every_trigger_of_a_lifecycle_reaches_the_subscriber_signed(
    start_worker, receiver, factory, owner
):
    start_worker()
    subscription = subscribe(receiver, user=owner)
    pending = factory.book(factory.event_type(owner, requires_confirmation=True), START).booking
    confirm_booking(pending, Actor.host(owner), now=NOW)
    moved = reschedule_booking(pending, START + timedelta(hours=2), Actor.host(owner), now=NOW)
    add_guests(moved.booking, ["guest@example.com"], Actor.host(owner))
    mark_absent(
        moved.booking,
        Actor.host(owner),
        attendees=[(moved.booking.attendees.get().email, True)],
        now=START + timedelta(hours=2, minutes=5),
    )
    record_meeting_boundaries(now=START + timedelta(hours=2, minutes=1))
    record_meeting_boundaries(now=START + timedelta(hours=3))
    declined = factory.book(factory.event_type(owner, requires_confirmation=True), LATER).booking
    decline_booking(declined, Actor.host(owner), reason="Away", now=NOW)
    cancel_booking(
        factory.book(factory.event_type(owner), START).booking, Actor.host(owner), now=NOW
    )

    expected = [
        "BOOKING_REQUESTED",
        "BOOKING_CREATED",
        "BOOKING_CONFIRMED",
        "BOOKING_RESCHEDULED",
        "BOOKING_UPDATED",
        "BOOKING_NO_SHOW_UPDATED",
        "MEETING_STARTED",
        "MEETING_ENDED",
        "BOOKING_REQUESTED",
        "BOOKING_REJECTED",
        "BOOKING_CREATED",
        "BOOKING_CANCELLED",
    ]
    requests = receiver.wait_for(len(expected), timeout=30)
    by_id = sorted(requests, key=lambda r: int(r.headers["webhook-id"].removeprefix("evt_")))
    bodies = [json.loads(r.body) for r in by_id]
    assert [body["triggerEvent"] for body in bodies] == expected
    events = Event.objects.order_by("id")
    assert [body["payload"] for body in bodies] == [event.payload for event in events]
    assert [body["createdAt"] for body in bodies] == [iso(event.created_at) for event in events]
    for request in requests:
        Webhook(subscription.secret).verify(request.body, request.headers)
        assert request.headers["x-cal-signature-256"] == calcom(subscription.secret, request.body)
    eventually(lambda: statuses() == ["succeeded"] * len(expected))


def test_scopes_trigger_filters_and_templates_hold_through_the_worker(
    start_worker, receiver, factory
):
    start_worker()
    first, second = factory.user(), factory.user()
    team = factory.team(first, second)
    team_type = factory.event_type(team=team, scheduling_type="collective", hosts=[first, second])
    subscribe(receiver, "/team", team=team, payload_template='{"booked": "{{title}}"}')
    subscribe(receiver, "/cancellations", event_type=team_type, triggers=["BOOKING_CANCELLED"])
    subscribe(receiver, "/someone-else", user=factory.user())

    booking = factory.book(team_type, START).booking
    cancel_booking(booking, Actor.host(first), now=NOW)

    requests = receiver.wait_for(3, timeout=30)
    time.sleep(2)  # nothing more comes
    by_path = {}
    for request in receiver.requests:
        by_path.setdefault(request.path, []).append(request)
    assert sorted(by_path) == ["/cancellations", "/team"]
    assert [json.loads(r.body) for r in by_path["/team"]] == [{"booked": booking.title}] * 2
    assert [json.loads(r.body)["triggerEvent"] for r in by_path["/cancellations"]] == [
        "BOOKING_CANCELLED"
    ]
    assert len(requests) == 3


def test_a_500_then_a_200_is_retried_after_five_seconds(start_worker, receiver, factory, owner):
    start_worker()
    subscribe(receiver, user=owner)
    receiver.answer(Answer(500))

    factory.book(factory.event_type(owner), START)

    first, second = receiver.wait_for(2, timeout=30)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert 4.4 <= second.at - first.at <= 8
    eventually(lambda: statuses() == ["succeeded"])
    attempts = Attempt.objects.order_by("number").values_list("http_status", "outcome")
    assert list(attempts) == [(500, "will_retry"), (200, "succeeded")]


def test_410_disables_400_gives_up_and_a_redirect_is_not_followed(
    start_worker, receiver, factory, owner
):
    start_worker()
    gone = subscribe(receiver, "/gone", user=owner)
    subscribe(receiver, "/bad", user=owner)
    subscribe(receiver, "/moved", user=owner)
    receiver.answer(Answer(410), path="/gone")
    receiver.answer(Answer(400), path="/bad")
    receiver.answer(Answer(302, headers={"Location": receiver.url("/elsewhere")}), path="/moved")

    factory.book(factory.event_type(owner), START)

    eventually(lambda: Attempt.objects.count() == 3)
    eventually(lambda: not Subscription.objects.get(pk=gone.pk).active)
    outcomes = dict(
        Attempt.objects.values_list("delivery__subscription__subscriber_url", "outcome")
    )
    assert outcomes == {
        receiver.url("/gone"): "failed",
        receiver.url("/bad"): "failed",
        receiver.url("/moved"): "will_retry",
    }
    assert "/elsewhere" not in {r.path for r in receiver.requests}


def test_a_private_address_is_refused_when_not_allowed(start_worker, receiver, factory, owner):
    start_worker(WEBHOOKS_ALLOW_PRIVATE_NETWORKS="false")
    subscribe(receiver, user=owner)

    factory.book(factory.event_type(owner), START)

    eventually(lambda: statuses() == ["failed"])
    assert Attempt.objects.get().error == "Refused: 127.0.0.1 has no public address."
    assert receiver.requests == []


def test_bookings_made_while_redis_is_down_are_fast_and_their_events_arrive(
    start_worker, broker, receiver, factory, owner
):
    start_worker()
    event_type = factory.event_type(owner)
    subscribe(receiver, user=owner)
    client = APIClient()
    broker.stop()

    durations = []
    for index in range(20):
        started = time.monotonic()
        response = client.post(
            "/v2/bookings",
            {
                "start": slot(index).isoformat(),
                "eventTypeId": event_type.id,
                "attendee": {
                    "name": "Ana",
                    "email": f"ana{index}@example.com",
                    "timeZone": "Europe/Lisbon",
                },
            },
            format="json",
            HTTP_CAL_API_VERSION="2024-08-13",
        )
        durations.append(time.monotonic() - started)
        assert response.status_code == 201, response.json()
    assert max(durations) < 1.0, durations
    assert receiver.requests == []

    broker.start()

    eventually(lambda: len(receiver.message_ids()) == 20, timeout=60)
    eventually(lambda: statuses() == ["succeeded"] * 20)


def test_bookings_made_while_redis_hangs_are_not_held_up(
    start_worker, broker, receiver, factory, owner
):
    start_worker()
    event_type = factory.event_type(owner)
    subscribe(receiver, user=owner)
    factory.book(event_type, slot(0))
    receiver.wait_for(1)  # the connections to Redis are open and in use
    broker.pause()

    durations = []
    for index in range(1, 11):
        started = time.monotonic()
        factory.book(event_type, slot(index))
        durations.append(time.monotonic() - started)
    assert max(durations) < 1.0, durations

    broker.resume()
    eventually(lambda: len(receiver.message_ids()) == 11, timeout=60)


def test_a_worker_killed_in_the_middle_of_200_deliveries_loses_none(start_worker, receiver, owner):
    worker = start_worker()
    subscribe(receiver, user=owner)
    receiver.default = Answer(200, delay=0.05)

    for index in range(200):
        with transaction.atomic():
            record_event(Trigger.BOOKING_UPDATED, {"n": index}, user_id=owner.id)
    receiver.wait_for(40, timeout=30)
    worker.kill()
    received_before = len(receiver.requests)
    assert received_before < 200
    worker.start()

    eventually(lambda: len(receiver.message_ids()) == 200, timeout=90)
    eventually(lambda: statuses() == ["succeeded"] * 200, timeout=30)
    counted = {json.loads(r.body)["payload"]["n"] for r in receiver.requests}
    assert counted == set(range(200))


def test_during_a_rotation_both_secrets_verify_and_afterwards_only_the_new(
    start_worker, receiver, factory, owner
):
    start_worker()
    subscription = subscribe(receiver, user=owner)
    old = subscription.secret
    new = rotate_secret(subscription).secret
    event_type = factory.event_type(owner)

    factory.book(event_type, START)
    [during] = receiver.wait_for(1)
    Subscription.objects.filter(pk=subscription.pk).update(
        previous_secret_expires_at=timezone.now()
    )
    factory.book(event_type, START + timedelta(hours=1))
    after = receiver.wait_for(2)[1]

    for secret in (old, new):
        Webhook(secret).verify(during.body, during.headers)
    assert during.headers["x-cal-signature-256"] == calcom(new, during.body)
    assert during.headers["x-cal-signature-256-previous"] == calcom(old, during.body)
    Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)
    assert after.headers["x-cal-signature-256"] == calcom(new, after.body)
    assert "x-cal-signature-256-previous" not in after.headers
