"""The Celery side of webhook delivery: thin tasks over webhooks/delivery.py.

After the transaction of a change commits, `dispatch_event` is queued for its outbox event
(webhooks/outbox.py); it creates the deliveries and queues `deliver` for each. `sweep` runs
every WEBHOOKS_SWEEP_SECONDS (beat, or `manage.py run_background` in the embedded setup) and
queues again whatever is due and not in hand: retries that wait longer than a few minutes,
deliveries whose worker died, events whose task was lost because the broker was down.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from webhooks import delivery

logger = logging.getLogger("webhooks")

# How long the sweep leaves a fresh event to its own dispatch task when tasks go through a
# broker (without one, the sweep is the only dispatcher).
DISPATCH_GRACE = timedelta(seconds=5)


def send(lease: delivery.Lease, countdown: float | None = None) -> None:
    deliver.apply_async((lease.delivery_id, lease.token), countdown=countdown)


def queue_quietly(task, *args) -> bool:
    """Queue a task from a request without ever holding it up: one try at the broker; False
    when it is down (the sweep catches up later)."""
    try:
        task.apply_async(args, retry=False)
    except Exception:  # any failure to publish (kombu and redis raise several kinds)
        logger.warning("%s%s not queued (broker unavailable); the sweep will", task.name, args)
        return False
    return True


@shared_task(ignore_result=True)
def dispatch_event(event_id: int) -> None:
    for lease in delivery.dispatch(event_id):
        send(lease)


@shared_task(ignore_result=True)
def deliver(delivery_id: int, token: str) -> None:
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    outcome = delivery.attempt(delivery_id, token, countdown_retries=not eager)
    if outcome and outcome.retry:
        send(outcome.retry, countdown=outcome.retry_in.total_seconds())


@shared_task(ignore_result=True)
def sweep() -> None:
    grace = timedelta(0) if settings.CELERY_TASK_ALWAYS_EAGER else DISPATCH_GRACE
    for event_id in delivery.undispatched(grace=grace):
        for lease in delivery.dispatch(event_id):
            send(lease)
    for lease in delivery.claim_due():
        send(lease)
