"""The Celery side of webhook delivery: thin tasks over webhooks/delivery.py.

After the transaction of a change commits, `dispatch_event` is queued for its outbox event
(webhooks/outbox.py); it creates the deliveries and queues `deliver` for each. `sweep` runs
every WEBHOOKS_SWEEP_SECONDS (beat, or `manage.py run_background` in the embedded setup) and
queues again whatever is due and not in hand: retries that wait longer than a few minutes,
deliveries whose worker died, events whose task was lost because the broker was down.
"""

import logging

from celery import shared_task
from django.conf import settings

from webhooks import delivery
from webhooks.outbox import sweep_grace
from webhooks.publishing import publisher

logger = logging.getLogger("webhooks")


def send(lease: delivery.Lease, countdown: float | None = None) -> None:
    deliver.apply_async((lease.delivery_id, lease.token), countdown=countdown)


def redeliver_now(found: delivery.Delivery) -> None:
    """Send a delivery again (webhooks/delivery.py redeliver): queued for a worker, or, without
    a broker, sent here and now, as a ping is, so that the answer can show the attempt."""
    lease = delivery.redeliver(found)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        deliver(lease.delivery_id, lease.token)
    else:
        publisher.submit(deliver, lease.delivery_id, lease.token)


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
    """Each event and each delivery on its own: one that fails is logged and tried at the next
    sweep, and does not hold up the others."""
    for event_id in delivery.undispatched(grace=sweep_grace()):
        try:
            leases = delivery.dispatch(event_id)
        except Exception:  # logged; the event stays undispatched for the next sweep
            logger.exception("Dispatching event %s failed", event_id)
            continue
        for lease in leases:
            _send_isolated(lease)
    for lease in delivery.claim_due():
        _send_isolated(lease)


def _send_isolated(lease: delivery.Lease) -> None:
    try:
        send(lease)
    except Exception:  # logged; the lease runs out and the next sweep claims it again
        logger.exception("Sending delivery %s failed", lease.delivery_id)
