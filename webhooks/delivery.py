"""Getting events to subscribers: dispatch, attempts, retries, the sweep. Nothing here talks
to the broker; the tasks (webhooks/tasks.py) call these functions and queue what they return.

- `dispatch(event)`: one Delivery per active subscription that wants the event.
- `attempt(delivery, lease)`: one signed POST, recorded as an Attempt, and what comes next
  (done, a retry at `next_attempt_at`, or failed for good).
- `claim_due()` and `undispatched()`: what the periodic sweep hands to the workers again:
  deliveries whose time has come or whose worker vanished, and events nobody dispatched.

A delivery is sent by whoever holds its lease (a random token): each function that sends
renews it first and records only while it still holds it, so a task that runs twice, or
late, does nothing the second time.
"""

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from webhooks import retries, transport
from webhooks.errors import DeliveryInProgress, SubscriptionInactive
from webhooks.models import Attempt, Delivery, Event, Subscription, Trigger
from webhooks.signing import Keys, signed_headers
from webhooks.templates import JSON, render

logger = logging.getLogger("webhooks")

EXCERPT_BYTES = 1024
READ_LIMIT = 65536
SECRET_OVERLAP = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=5)
# Longer than the longest wait between retries (24 h + 10 %): a quieter gap ends a streak.
STREAK_GAP = timedelta(hours=30)
# Waits up to this long are left to a countdown task; longer ones to the sweep.
SHORT_WAIT = timedelta(minutes=5)


@dataclass(frozen=True)
class Lease:
    delivery_id: int
    token: str


@dataclass(frozen=True)
class Outcome:
    attempt: Attempt
    delivery: Delivery
    # A short retry the caller should schedule (countdown), with its lease.
    retry: Lease | None = None
    retry_in: timedelta | None = None


def lease_time() -> timedelta:
    return timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- Dispatch ---------------------------------------------------------------------------------


def dispatch(event_id: int, *, now=None) -> list[Lease]:
    """Create the event's deliveries, once; returns their leases (none if it was done)."""
    now = now or timezone.now()
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, dispatched_at__isnull=True)
            .first()
        )
        if event is None:
            return []
        wanted = [s for s in Subscription.objects.receiving(event) if s.receives(event.type)]
        token = uuid.uuid4()
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                event=event,
                subscription=subscription,
                next_attempt_at=now,
                lease=token,
                leased_until=now + lease_time(),
            )
            for subscription in wanted
        )
        event.dispatched_at = now
        event.save(update_fields=["dispatched_at"])
    return [Lease(delivery.pk, str(token)) for delivery in deliveries]


def undispatched(*, now=None, grace: timedelta, limit: int = 500) -> list[int]:
    """Events older than `grace` that nobody dispatched (their task was lost)."""
    now = now or timezone.now()
    events = Event.objects.filter(dispatched_at__isnull=True, created_at__lte=now - grace)
    return list(events.order_by("id").values_list("pk", flat=True)[:limit])


def claim_due(*, now=None, limit: int = 500) -> list[Lease]:
    """Lease the deliveries that are due and not held by a live lease. Those of a paused or
    disabled subscription wait until it is active again."""
    now = now or timezone.now()
    with transaction.atomic():
        due = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .filter(subscription__active=True)
            .order_by("next_attempt_at")
        )
        ids = list(due.values_list("pk", flat=True)[:limit])
        token = uuid.uuid4()
        Delivery.objects.filter(pk__in=ids).update(lease=token, leased_until=now + lease_time())
    return [Lease(pk, str(token)) for pk in ids]


# --- One attempt ------------------------------------------------------------------------------


def request_body(event: Event, subscription: Subscription) -> tuple[bytes, str]:
    """The exact bytes sent (and signed) and their content type: Cal.com's envelope, or the
    subscription's payload template filled in."""
    if event.type == Trigger.PING or not subscription.payload_template:
        envelope = {
            "triggerEvent": event.type,
            "createdAt": iso(event.created_at),
            "payload": event.payload,
        }
        return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode(), JSON
    variables = {**event.payload, "triggerEvent": event.type, "createdAt": iso(event.created_at)}
    return render(subscription.payload_template, variables)


def keys_of(subscription: Subscription, now) -> Keys:
    expires = subscription.previous_secret_expires_at
    previous = subscription.previous_secret if expires and expires > now else ""
    return Keys(subscription.secret, previous)


@dataclass(frozen=True)
class Sent:
    """One request and its answer (status None: no answer; `error` says why)."""

    status: int | None = None
    excerpt: str = ""
    error: str = ""
    duration_ms: int = 0
    retry_after: timedelta | None = None
    refused: bool = False


def attempt(
    delivery_id: int,
    token: str,
    *,
    now=None,
    countdown_retries: bool = False,
) -> Outcome | None:
    """Send the delivery if the lease `token` still holds it; None when it does not (done,
    or another task has it) or when its subscription is paused (it waits, leased to nobody).
    A PING is sent even to a paused subscription, never retried, and leaves the subscription's
    health alone.

    countdown_retries: a retry due within SHORT_WAIT is leased to the caller, who schedules
    it (Outcome.retry); otherwise every retry is left to the sweep."""
    now = now or timezone.now()
    renewed = Delivery.objects.filter(
        pk=delivery_id, lease=token, status=Delivery.Status.PENDING
    ).update(leased_until=now + lease_time())
    if not renewed:
        return None
    delivery = Delivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    ping = delivery.event.type == Trigger.PING
    if not subscription.active and not ping:
        Delivery.objects.filter(pk=delivery_id, lease=token).update(lease=None, leased_until=None)
        return None
    try:
        sent = send(delivery.event, subscription, now)
    except Exception as error:  # a bug must cost one failed attempt, not a delivery stuck forever
        logger.exception("Sending delivery %s failed unexpectedly", delivery_id)
        sent = Sent(error=f"Not sent: {type(error).__name__} (an error of ours)")
    return _record(
        delivery_id,
        token,
        now,
        sent,
        final=sent.refused or ping,
        health=not ping,
        countdown_retries=countdown_retries,
    )


def send(event: Event, subscription: Subscription, now) -> Sent:
    """POST the event to the subscriber, signed as of `now`."""
    body, content_type = request_body(event, subscription)
    headers = signed_headers(
        keys_of(subscription, now),
        message_id=event.message_id,
        timestamp=now,
        body=body,
        content_type=content_type,
        version=subscription.version,
    )
    started = time.monotonic()
    try:
        answer = transport.post(
            subscription.subscriber_url,
            body,
            headers,
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
            read_limit=READ_LIMIT,
            allow_internal=settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS,
        )
    except transport.RequestRefused as problem:
        return Sent(error=f"Refused: {problem}", refused=True)
    except transport.RequestFailed as problem:
        return Sent(error=str(problem), duration_ms=_since(started))
    return Sent(
        status=answer.status,
        # Text columns take no NUL character (PostgreSQL); a binary answer is shown as text.
        excerpt=answer.body[:EXCERPT_BYTES].decode("utf-8", errors="replace").replace("\0", ""),
        duration_ms=_since(started),
        retry_after=retries.parse_retry_after(answer.headers.get("retry-after"), now),
    )


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _record(
    delivery_id, token, now, sent: Sent, *, final, health, countdown_retries=False
) -> Outcome | None:
    """Write the attempt and what follows from it, if the lease still holds the delivery."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("event", "subscription")
            .filter(pk=delivery_id, lease=token, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            logger.warning(
                "Delivery %s changed hands during its attempt; not recorded", delivery_id
            )
            return None
        subscription = delivery.subscription
        delivery.attempt_count += 1
        delivery.round_attempts += 1
        verdict = retries.verdict(sent.status)
        if final and verdict == retries.Verdict.RETRY:
            verdict = retries.Verdict.GIVE_UP
        retry, wait = None, None
        if verdict == retries.Verdict.DELIVERED:
            outcome = Attempt.Outcome.SUCCEEDED
            _finish(delivery, Delivery.Status.SUCCEEDED, now)
        elif verdict == retries.Verdict.RETRY and (
            wait := retries.wait_after(delivery.round_attempts, retry_after=sent.retry_after)
        ):
            outcome = Attempt.Outcome.WILL_RETRY
            delivery.next_attempt_at = now + wait
            if countdown_retries and wait <= SHORT_WAIT:
                delivery.lease = uuid.uuid4()
                delivery.leased_until = delivery.next_attempt_at + lease_time()
                retry = Lease(delivery.pk, str(delivery.lease))
            else:
                delivery.lease, delivery.leased_until = None, None
        else:
            outcome = Attempt.Outcome.FAILED
            reason = _failure_reason(verdict, sent, delivery)
            delivery.failure_reason = reason[:300]
            _finish(delivery, Delivery.Status.FAILED, now)
        attempt_row = Attempt.objects.create(
            delivery=delivery,
            number=delivery.attempt_count,
            started_at=now,
            duration_ms=sent.duration_ms,
            http_status=sent.status,
            response_excerpt=sent.excerpt,
            error=sent.error[:300],
            outcome=outcome,
        )
        delivery.save()
        if health:
            _update_health(subscription.pk, verdict, now)
    return Outcome(attempt_row, delivery, retry, wait if retry else None)


def _finish(delivery: Delivery, status, now) -> None:
    delivery.status = status
    delivery.finished_at = now
    delivery.next_attempt_at = None
    delivery.lease, delivery.leased_until = None, None


def _failure_reason(verdict, sent: Sent, delivery) -> str:
    if verdict == retries.Verdict.DISABLE:
        return "The subscriber answered 410 Gone: the subscription was disabled."
    if verdict == retries.Verdict.GIVE_UP:
        return sent.error or f"The subscriber answered {sent.status}; it is not retried."
    return f"No success after {delivery.round_attempts} attempts over about three days."


def _update_health(subscription_id: int, verdict, now) -> None:
    """A success ends a failure streak; a 410, or five days of nothing but failures, disables
    the subscription (the admin shows why). A streak ends when a day and more passes without an
    attempt: a subscriber that failed once last week and once today has not been failing for
    five days."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if verdict == retries.Verdict.DELIVERED:
        subscription.failing_since = subscription.last_failure_at = None
    elif verdict == retries.Verdict.DISABLE:
        subscription.active = False
        subscription.disabled_reason = (
            f"Disabled on {now:%Y-%m-%d %H:%M} UTC: the subscriber answered 410 Gone."
        )
    else:
        last = subscription.last_failure_at
        if subscription.failing_since is None or last is None or now - last > STREAK_GAP:
            subscription.failing_since = now
        subscription.last_failure_at = now
        if now - subscription.failing_since >= DISABLE_AFTER and subscription.active:
            subscription.active = False
            subscription.disabled_reason = (
                f"Disabled on {now:%Y-%m-%d %H:%M} UTC: every delivery failed since "
                f"{subscription.failing_since:%Y-%m-%d %H:%M} UTC."
            )
    subscription.save(
        update_fields=["active", "disabled_reason", "failing_since", "last_failure_at"]
    )


# --- Acting on a delivery by hand -----------------------------------------------------------


def redeliver(delivery: Delivery, *, now=None) -> Lease:
    """Send a delivery again now, whatever became of it; if that fails, the retry schedule
    starts over. Refused while the subscription is paused or disabled (SubscriptionInactive) and
    while an attempt is being made (DeliveryInProgress)."""
    now = now or timezone.now()
    if not delivery.subscription.active:
        raise SubscriptionInactive(
            "The webhook is not active; activate it before redelivering.",
            details={"disabledReason": delivery.subscription.disabled_reason},
        )
    token = uuid.uuid4()
    in_flight = Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now, leased_until__gte=now)
    taken = (
        Delivery.objects.filter(pk=delivery.pk)
        .exclude(in_flight)
        .update(
            status=Delivery.Status.PENDING,
            next_attempt_at=now,
            lease=token,
            leased_until=now + lease_time(),
            round_attempts=0,
            failure_reason="",
            finished_at=None,
        )
    )
    if not taken:
        raise DeliveryInProgress(
            "This delivery is being sent right now; look at its attempts in a moment.",
            details={"deliveryId": delivery.pk},
        )
    return Lease(delivery.pk, str(token))


def ping(subscription: Subscription, *, now=None) -> Outcome:
    """A PING event sent to this subscription alone, at once; returns its attempt."""
    created_at = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        event = Event.objects.create(
            type=Trigger.PING,
            payload=ping_payload(subscription, created_at),
            user_id=subscription.user_id,
            team_id=subscription.team_id,
            event_type_id=subscription.event_type_id,
            dispatched_at=created_at,
        )
        delivery = Delivery.objects.create(
            event=event,
            subscription=subscription,
            next_attempt_at=created_at,
            lease=token,
            leased_until=created_at + lease_time(),
        )
    return attempt(delivery.pk, str(token), now=now)


def ping_payload(subscription: Subscription, now) -> dict:
    return {
        "type": "Test",
        "title": "Test trigger event",
        "message": "A ping from Rendezvous: this subscription can receive webhooks.",
        "webhookId": subscription.pk,
        "startTime": iso(now),
        "endTime": iso(now + timedelta(minutes=30)),
        "attendees": [],
    }
