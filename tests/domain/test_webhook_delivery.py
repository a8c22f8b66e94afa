"""Webhook deliveries against a real HTTP receiver on 127.0.0.1 (tests/receiver.py): what is
sent, signed and recorded, which answers are retried and when, and what no task can do twice.

The functions under test are those the Celery tasks call (webhooks/delivery.py); the tasks and
a real worker are tested in tests/tasks/.
"""

import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from bookings.services import Actor, cancel_booking, confirm_booking
from tests.conftest import NOW, utc
from tests.receiver import Answer
from webhooks import delivery, retries
from webhooks.errors import DeliveryInProgress
from webhooks.models import Attempt, Delivery, Event, Subscription, Trigger
from webhooks.subscriptions import create_subscription, rotate_secret, update_subscription

pytestmark = pytest.mark.django_db

START = utc(2049, 1, 4, 10, 0)
LATER = utc(2049, 1, 5, 10, 0)
EVERYTHING = [t for t in Trigger.values if t != Trigger.PING]


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(owner)


def subscribe(receiver, *, path="/hook", triggers=EVERYTHING, **owner_and_values):
    return create_subscription(
        subscriber_url=receiver.url(path), triggers=triggers, **owner_and_values
    )


def dispatch_all(now=None) -> list[delivery.Lease]:
    leases = []
    for event_id in delivery.undispatched(grace=timedelta(0)):
        leases.extend(delivery.dispatch(event_id, now=now))
    return leases


def send_all(now=None) -> list[delivery.Outcome]:
    """Dispatch what is new and attempt it, and every other delivery that is due (as the
    dispatch task and the sweep would)."""
    leases = dispatch_all(now) + delivery.claim_due(now=now or timezone.now())
    return [delivery.attempt(lease.delivery_id, lease.token, now=now) for lease in leases]


def verify(request, secret):
    return Webhook(secret).verify(request.body, request.headers)


# --- What is sent --------------------------------------------------------------------------


def test_a_booking_reaches_its_organizers_subscriber_signed_both_ways(
    factory, event_type, owner, receiver
):
    subscription = subscribe(receiver, user=owner)

    booking = factory.book(event_type, START).booking
    [outcome] = send_all()

    [request] = receiver.wait_for(1)
    event = Event.objects.get(booking_uid=booking.uid)
    body = json.loads(request.body)
    assert body == {
        "triggerEvent": "BOOKING_CREATED",
        "createdAt": delivery.iso(event.created_at),
        "payload": event.payload,
    }
    assert body["payload"]["uid"] == booking.uid
    assert body["payload"]["status"] == "ACCEPTED"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-cal-webhook-version"] == "2021-10-20"
    expected = hmac.new(subscription.secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-cal-signature-256"] == expected
    assert request.headers["webhook-id"] == f"evt_{event.pk}"
    assert verify(request, subscription.secret) == body
    assert outcome.attempt.outcome == Attempt.Outcome.SUCCEEDED
    assert outcome.attempt.http_status == 200
    assert outcome.delivery.status == Delivery.Status.SUCCEEDED


def test_a_signature_fails_for_a_changed_body_a_wrong_secret_an_old_timestamp(
    factory, event_type, owner, receiver
):
    subscription = subscribe(receiver, user=owner)
    factory.book(event_type, START)
    send_all()
    [request] = receiver.wait_for(1)
    assert verify(request, subscription.secret)

    flipped = bytes([request.body[0] ^ 1]) + request.body[1:]
    with pytest.raises(WebhookVerificationError):
        Webhook(subscription.secret).verify(flipped, request.headers)
    with pytest.raises(WebhookVerificationError):
        verify(request, "whsec_" + "A" * 32)
    stale = {
        **request.headers,
        "webhook-timestamp": str(int(request.headers["webhook-timestamp"]) - 301),
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(subscription.secret).verify(request.body, stale)
    missing = {k: v for k, v in request.headers.items() if k != "webhook-signature"}
    with pytest.raises(WebhookVerificationError):
        Webhook(subscription.secret).verify(request.body, missing)


def test_a_chosen_secret_signs_with_its_own_bytes(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner, secret="my shared secret")
    factory.book(event_type, START)
    send_all()

    [request] = receiver.wait_for(1)
    assert Webhook(b"my shared secret").verify(request.body, request.headers)
    expected = hmac.new(b"my shared secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-cal-signature-256"] == expected


def test_each_lifecycle_trigger_reaches_the_subscriber_in_order(factory, owner, receiver):
    subscribe(receiver, user=owner)
    pending = factory.book(factory.event_type(owner, requires_confirmation=True), START).booking
    confirm_booking(pending, Actor.host(owner), now=NOW)
    cancel_booking(pending, Actor.host(owner), reason="Ill", now=NOW)
    send_all()

    requests = receiver.wait_for(4)
    bodies = [json.loads(r.body) for r in sorted(requests, key=lambda r: r.headers["webhook-id"])]
    assert [b["triggerEvent"] for b in bodies] == [
        "BOOKING_REQUESTED",
        "BOOKING_CREATED",
        "BOOKING_CONFIRMED",
        "BOOKING_CANCELLED",
    ]
    assert [b["payload"]["status"] for b in bodies] == [
        "PENDING",
        "ACCEPTED",
        "ACCEPTED",
        "CANCELLED",
    ]
    assert bodies[-1]["payload"]["cancellationReason"] == "Ill"


def test_a_json_payload_template_replaces_the_envelope(factory, event_type, owner, receiver):
    template = json.dumps(
        {
            "text": "New: {{title}} with {{attendees.0.name}}",
            "when": "{{startTime}}",
            "trigger": "{{triggerEvent}}",
            "none": "{{no.such.path}}",
        }
    )
    subscribe(receiver, user=owner, payload_template=template)
    booking = factory.book(event_type, START).booking
    send_all()

    [request] = receiver.wait_for(1)
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {
        "text": f"New: {booking.title} with {booking.attendees.get().name}",
        "when": "2049-01-04T10:00:00.000Z",
        "trigger": "BOOKING_CREATED",
        "none": "",
    }


def test_a_text_payload_template_is_sent_form_encoded(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner, payload_template="uid={{uid}}&title={{title}}")
    booking = factory.book(event_type, START).booking
    send_all()

    [request] = receiver.wait_for(1)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode()) == {"uid": [booking.uid], "title": [booking.title]}


# --- Who receives what ---------------------------------------------------------------------


def test_scopes_and_triggers_decide_who_receives_an_event(factory, receiver):
    first, second = factory.user(), factory.user()
    team = factory.team(first, second)
    team_type = factory.event_type(team=team, scheduling_type="collective", hosts=[first, second])
    personal = factory.event_type(second)
    wanted = {
        "organizer": subscribe(receiver, path="/organizer", user=first),
        "team": subscribe(receiver, path="/team", team=team),
        "event-type": subscribe(receiver, path="/event-type", event_type=team_type),
    }
    unwanted = [
        subscribe(receiver, path="/other-user", user=second),
        subscribe(receiver, path="/other-type", event_type=personal),
        subscribe(receiver, path="/cancel-only", team=team, triggers=["BOOKING_CANCELLED"]),
        subscribe(receiver, path="/paused", team=team, active=False),
    ]

    factory.book(team_type, START)
    send_all()

    paths = sorted(r.path for r in receiver.wait_for(3))
    assert paths == ["/event-type", "/organizer", "/team"]
    assert Delivery.objects.filter(subscription__in=unwanted).count() == 0
    assert Delivery.objects.filter(subscription__in=wanted.values()).count() == 3


def test_a_subscription_made_after_an_event_does_not_receive_it(
    factory, event_type, owner, receiver
):
    factory.book(event_type, START)
    subscribe(receiver, user=owner)

    assert dispatch_all() == []
    assert Event.objects.get().dispatched_at is not None


def test_an_event_is_dispatched_once(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner)
    factory.book(event_type, START)
    event = Event.objects.get()

    first = delivery.dispatch(event.pk)
    again = delivery.dispatch(event.pk)

    assert len(first) == 1
    assert again == []
    assert Delivery.objects.count() == 1


# --- Answers and retries -------------------------------------------------------------------


def test_a_500_then_a_200_is_two_attempts_and_one_success(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner)
    receiver.answer(Answer(500, body=b"boom"), Answer(200))
    factory.book(event_type, START)
    now = timezone.now()

    [first] = send_all(now)
    wait = first.delivery.next_attempt_at - now
    assert first.attempt.outcome == Attempt.Outcome.WILL_RETRY
    assert first.attempt.response_excerpt == "boom"
    assert timedelta(seconds=4.5) <= wait <= timedelta(seconds=5.5)
    assert send_all(now + timedelta(seconds=4)) == []  # not due yet

    [second] = send_all(now + timedelta(seconds=6))

    assert second.attempt.outcome == Attempt.Outcome.SUCCEEDED
    assert [a.http_status for a in second.delivery.attempts.all()] == [500, 200]
    assert second.delivery.status == Delivery.Status.SUCCEEDED
    assert len(receiver.wait_for(2)) == 2
    headers = [r.headers for r in receiver.requests]
    assert headers[0]["webhook-id"] == headers[1]["webhook-id"]


def test_410_disables_the_subscription(factory, event_type, owner, receiver):
    subscription = subscribe(receiver, user=owner)
    receiver.answer(Answer(410))
    factory.book(event_type, START)

    [outcome] = send_all()

    subscription.refresh_from_db()
    assert outcome.delivery.status == Delivery.Status.FAILED
    assert outcome.attempt.outcome == Attempt.Outcome.FAILED
    assert not subscription.active
    assert "410 Gone" in subscription.disabled_reason
    factory.book(event_type, LATER)
    assert dispatch_all() == []


@pytest.mark.parametrize(
    ("status", "retried"),
    [
        (400, False),
        (401, False),
        (404, False),
        (422, False),
        (408, True),
        (409, True),
        (425, True),
        (429, True),
        (500, True),
        (503, True),
        (302, True),
    ],
)
def test_which_answers_are_retried(factory, event_type, owner, receiver, status, retried):
    subscribe(receiver, user=owner)
    receiver.answer(Answer(status, headers={"Location": receiver.url("/elsewhere")}))
    factory.book(event_type, START)

    [outcome] = send_all()

    expected = Attempt.Outcome.WILL_RETRY if retried else Attempt.Outcome.FAILED
    assert outcome.attempt.outcome == expected
    assert outcome.attempt.http_status == status
    assert [r.path for r in receiver.requests] == ["/hook"]  # a redirect is not followed


def test_retry_after_is_honoured(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner)
    receiver.answer(Answer(429, headers={"Retry-After": "120"}))
    factory.book(event_type, START)
    now = timezone.now()

    [outcome] = send_all(now)

    assert outcome.delivery.next_attempt_at - now == timedelta(seconds=120)


def test_an_always_failing_subscriber_is_tried_on_the_schedule_then_given_up(
    factory, event_type, owner, receiver
):
    subscribe(receiver, user=owner)
    receiver.default = Answer(503)
    factory.book(event_type, START)
    now = timezone.now()
    times = []

    for _ in range(retries.MAX_ATTEMPTS):
        [outcome] = send_all(now)
        times.append(now)
        if outcome.delivery.next_attempt_at:
            now = outcome.delivery.next_attempt_at

    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    for gap, planned in zip(gaps, retries.WAITS, strict=True):
        assert planned * 0.9 <= gap <= planned * 1.1
    assert outcome.delivery.status == Delivery.Status.FAILED
    assert "10 attempts" in outcome.delivery.failure_reason
    assert Attempt.objects.count() == 10
    assert send_all(now + timedelta(days=2)) == []


def test_five_days_of_failures_disable_the_subscription(factory, event_type, owner, receiver):
    subscription = subscribe(receiver, user=owner)
    receiver.default = Answer(500)
    factory.book(event_type, START)
    first_failure = now = timezone.now()

    while True:
        send_all(now)
        if not Subscription.objects.get(pk=subscription.pk).active:
            break
        pending = Delivery.objects.filter(status="pending").order_by("next_attempt_at")
        if pending.exists():
            now = pending.first().next_attempt_at
        else:  # the first delivery failed for good (~3 days): a new event keeps failing
            assert Delivery.objects.count() == 1
            factory.book(event_type, LATER)

    subscription.refresh_from_db()
    assert timedelta(days=5) <= now - first_failure <= timedelta(days=5, hours=27)
    assert subscription.failing_since == first_failure
    assert "every delivery failed since" in subscription.disabled_reason
    # Its pending retries wait, leased to nobody, until it is active again.
    assert delivery.claim_due(now=now + timedelta(days=2)) == []


def test_failures_days_apart_are_not_five_days_of_failures(factory, event_type, owner, receiver):
    subscription = subscribe(receiver, user=owner)
    receiver.answer(Answer(400), Answer(400))
    factory.book(event_type, START)
    now = timezone.now()
    send_all(now)

    factory.book(event_type, LATER)
    send_all(now + timedelta(days=6))

    subscription.refresh_from_db()
    assert subscription.active
    assert subscription.failing_since == now + timedelta(days=6)


def test_a_success_ends_a_failure_streak(factory, event_type, owner, receiver):
    subscription = subscribe(receiver, user=owner)
    receiver.answer(Answer(500))
    factory.book(event_type, START)
    now = timezone.now()
    send_all(now)
    send_all(now + timedelta(seconds=6))

    subscription.refresh_from_db()
    assert subscription.failing_since is None


def test_a_private_address_is_refused_when_not_allowed(
    factory, event_type, owner, receiver, settings
):
    subscribe(receiver, user=owner)
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    factory.book(event_type, START)

    [outcome] = send_all()

    assert receiver.requests == []
    assert outcome.attempt.error == "Refused: 127.0.0.1 has no public address."
    assert outcome.delivery.status == Delivery.Status.FAILED


def test_no_answer_before_the_deadline_is_retried(factory, event_type, owner, receiver, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    subscribe(receiver, user=owner)
    receiver.answer(Answer(200, delay=2))
    factory.book(event_type, START)

    [outcome] = send_all()

    assert outcome.attempt.error == "No answer before the deadline."
    assert outcome.attempt.http_status is None
    assert outcome.attempt.outcome == Attempt.Outcome.WILL_RETRY


def test_an_unreachable_subscriber_is_retried(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner)
    receiver.stop()
    factory.book(event_type, START)

    [outcome] = send_all()

    assert outcome.attempt.error == "Connection refused."
    assert outcome.attempt.outcome == Attempt.Outcome.WILL_RETRY


def test_only_the_first_kilobyte_of_an_answer_is_kept(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner)
    receiver.answer(Answer(200, body=b"x" * 5000))
    factory.book(event_type, START)

    [outcome] = send_all()

    assert outcome.attempt.response_excerpt == "x" * 1024


# --- Leases: nothing is sent twice by a late or repeated task -------------------------------


def test_a_task_with_a_stale_lease_sends_nothing(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner)
    factory.book(event_type, START)
    [lease] = dispatch_all()

    assert delivery.attempt(lease.delivery_id, lease.token)
    assert delivery.attempt(lease.delivery_id, lease.token) is None  # done
    assert delivery.attempt(lease.delivery_id, "00000000-0000-0000-0000-000000000000") is None
    assert len(receiver.requests) == 1


def test_a_leased_delivery_is_claimed_again_only_when_its_lease_runs_out(
    factory, event_type, owner, receiver, settings
):
    subscribe(receiver, user=owner)
    factory.book(event_type, START)
    now = timezone.now()
    [lease] = dispatch_all(now)  # the worker that took it then died

    assert delivery.claim_due(now=now + timedelta(seconds=1)) == []
    later = now + timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS + 1)
    [again] = delivery.claim_due(now=later)

    assert again.delivery_id == lease.delivery_id and again.token != lease.token
    assert delivery.attempt(lease.delivery_id, lease.token) is None
    assert delivery.attempt(again.delivery_id, again.token, now=later).delivery.status == (
        Delivery.Status.SUCCEEDED
    )


def test_events_nobody_dispatched_are_found_after_the_grace(factory, event_type, owner):
    factory.book(event_type, START)
    event = Event.objects.get()

    assert delivery.undispatched(grace=timedelta(minutes=1)) == []
    assert delivery.undispatched(grace=timedelta(0)) == [event.pk]


# --- By hand: redeliver, ping, rotate -------------------------------------------------------


def test_redelivering_a_failed_delivery_starts_the_schedule_over(
    factory, event_type, owner, receiver
):
    subscribe(receiver, user=owner)
    receiver.answer(Answer(400))
    factory.book(event_type, START)
    [failed] = send_all()
    assert failed.delivery.status == Delivery.Status.FAILED

    lease = delivery.redeliver(failed.delivery)
    outcome = delivery.attempt(lease.delivery_id, lease.token)

    assert outcome.delivery.status == Delivery.Status.SUCCEEDED
    assert [a.number for a in outcome.delivery.attempts.all()] == [1, 2]
    ids = {r.headers["webhook-id"] for r in receiver.wait_for(2)}
    assert ids == {f"evt_{failed.delivery.event_id}"}


def test_a_ping_is_sent_at_once_even_to_a_paused_subscription(owner, receiver):
    subscription = subscribe(receiver, user=owner, active=False)

    outcome = delivery.ping(subscription)

    [request] = receiver.wait_for(1)
    body = json.loads(request.body)
    assert body["triggerEvent"] == "PING"
    assert body["payload"]["webhookId"] == subscription.pk
    assert verify(request, subscription.secret) == body
    assert outcome.attempt.http_status == 200
    assert outcome.delivery.event.type == Trigger.PING


def test_a_failed_ping_is_not_retried_and_leaves_the_subscription_alone(owner, receiver):
    subscription = subscribe(receiver, user=owner)
    receiver.answer(Answer(410))

    outcome = delivery.ping(subscription)

    subscription.refresh_from_db()
    assert outcome.attempt.outcome == Attempt.Outcome.FAILED
    assert subscription.active and subscription.failing_since is None


def test_during_a_rotation_both_secrets_verify_and_afterwards_only_the_new(
    factory, event_type, owner, receiver
):
    subscription = subscribe(receiver, user=owner)
    old = subscription.secret
    new = rotate_secret(subscription).secret
    assert new != old and new.startswith("whsec_")

    factory.book(event_type, START)
    send_all()
    [during] = receiver.wait_for(1)
    assert verify(during, old) and verify(during, new)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert (
        during.headers["x-cal-signature-256"]
        == hmac.new(new.encode(), during.body, hashlib.sha256).hexdigest()
    )
    assert (
        during.headers["x-cal-signature-256-previous"]
        == hmac.new(old.encode(), during.body, hashlib.sha256).hexdigest()
    )

    Subscription.objects.filter(pk=subscription.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    factory.book(event_type, LATER)
    send_all()
    after = receiver.wait_for(2)[1]
    assert verify(after, new)
    with pytest.raises(WebhookVerificationError):
        verify(after, old)
    assert "x-cal-signature-256-previous" not in after.headers


def test_reactivating_a_disabled_subscription_clears_why(factory, event_type, owner, receiver):
    subscription = subscribe(receiver, user=owner)
    receiver.answer(Answer(410))
    factory.book(event_type, START)
    send_all()
    subscription.refresh_from_db()

    resumed = update_subscription(subscription, active=True)

    assert resumed.active and resumed.disabled_reason == ""
    assert Subscription.objects.get(pk=subscription.pk).disabled_reason == ""


# --- Whatever a subscriber answers, and however we fail, nothing is stuck ------------------


def test_a_paused_subscriptions_deliveries_wait_and_go_when_it_resumes(
    factory, event_type, owner, receiver
):
    subscription = subscribe(receiver, user=owner)
    receiver.answer(Answer(503))
    factory.book(event_type, START)
    now = timezone.now()
    send_all(now)
    update_subscription(subscription, active=False)

    assert send_all(now + timedelta(minutes=1)) == []
    factory.book(event_type, LATER)  # while paused: not for this subscription
    assert dispatch_all(now) == []

    update_subscription(subscription, active=True)
    [outcome] = send_all(now + timedelta(minutes=2))

    assert outcome.delivery.status == Delivery.Status.SUCCEEDED
    assert [a.http_status for a in outcome.delivery.attempts.all()] == [503, 200]
    assert Delivery.objects.count() == 1


def test_a_delivery_being_sent_cannot_be_redelivered(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner)
    factory.book(event_type, START)
    [lease] = dispatch_all()  # taken by a worker, not sent yet

    with pytest.raises(DeliveryInProgress):
        delivery.redeliver(Delivery.objects.select_related("subscription").get())

    assert delivery.attempt(lease.delivery_id, lease.token).delivery.status == "succeeded"


def test_an_error_of_ours_while_sending_costs_one_attempt(
    factory, event_type, owner, receiver, monkeypatch
):
    subscribe(receiver, user=owner)
    factory.book(event_type, START)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(delivery.transport, "post", broken)
    [outcome] = send_all()

    assert outcome.attempt.outcome == Attempt.Outcome.WILL_RETRY
    assert outcome.attempt.error == "Not sent: RuntimeError (an error of ours)"
    assert outcome.delivery.next_attempt_at is not None


def test_a_binary_answer_is_kept_as_text(factory, event_type, owner, receiver):
    subscribe(receiver, user=owner)
    receiver.answer(Answer(200, body=b"ok\x00\xff\xfebinary"))
    factory.book(event_type, START)

    [outcome] = send_all()

    assert outcome.attempt.response_excerpt == "ok\ufffd\ufffdbinary"


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("99999999999999999999", timedelta(days=1)),
        ("Mon, 99 Foo 9999 99:99:99 GMT", None),
        ("soon", None),
    ],
)
def test_a_strange_retry_after_is_survived(factory, event_type, owner, receiver, header, wait):
    subscribe(receiver, user=owner)
    receiver.answer(Answer(503, headers={"Retry-After": header}))
    factory.book(event_type, START)
    now = timezone.now()

    [outcome] = send_all(now)

    assert outcome.attempt.outcome == Attempt.Outcome.WILL_RETRY
    gap = outcome.delivery.next_attempt_at - now
    assert gap == wait if wait else timedelta(seconds=4.5) <= gap <= timedelta(seconds=5.5)
