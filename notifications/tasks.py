"""The Celery side of the emails: thin tasks over notifications/sending.py.

`notify_event` is queued for each outbox event after its change commits (OUTBOX_CONSUMERS);
`sweep` runs with beat (or `manage.py run_background`): it plans the events whose task was
lost and sends what is due again.
"""

import logging

from celery import shared_task

from notifications import reminders, sending
from webhooks.outbox import each_on_its_own, sweep_grace

logger = logging.getLogger("notifications")


@shared_task(ignore_result=True)
def notify_event(event_id: int) -> None:
    sending.handle(event_id)


@shared_task(ignore_result=True)
def sweep() -> None:
    """Each event and each email on its own: one that fails is logged and left to the next
    sweep."""
    each_on_its_own(
        sending.unhandled(grace=sweep_grace()),
        sending.plan,
        "Planning the emails of event %s failed",
        logger,
    )
    each_on_its_own(sending.due(), sending.send, "Sending email %s failed", logger)


@shared_task(ignore_result=True)
def send_reminders() -> None:
    each_on_its_own(reminders.due(), reminders.send, "Sending reminder %s failed", logger)
