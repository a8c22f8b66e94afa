"""The Celery side of the emails: thin tasks over notifications/sending.py.

`notify_event` is queued for each outbox event after its change commits (OUTBOX_CONSUMERS);
`sweep` runs with beat (or `manage.py run_background`): it plans the events whose task was
lost and sends what is due again.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from notifications import reminders, sending

logger = logging.getLogger("notifications")

# How long the sweep leaves a fresh event to its own task when tasks go through a broker.
HANDLE_GRACE = timedelta(seconds=5)


@shared_task(ignore_result=True)
def notify_event(event_id: int) -> None:
    sending.handle(event_id)


@shared_task(ignore_result=True)
def sweep() -> None:
    """Each event and each email on its own: one that fails is logged and left to the next
    sweep."""
    grace = timedelta(0) if settings.CELERY_TASK_ALWAYS_EAGER else HANDLE_GRACE
    for event_id in sending.unhandled(grace=grace):
        try:
            sending.plan(event_id)
        except Exception:
            logger.exception("Planning the emails of event %s failed", event_id)
    for notification_id in sending.due():
        try:
            sending.send(notification_id)
        except Exception:
            logger.exception("Sending email %s failed", notification_id)


@shared_task(ignore_result=True)
def send_reminders() -> None:
    for reminder_id in reminders.due():
        try:
            reminders.send(reminder_id)
        except Exception:
            logger.exception("Sending reminder %s failed", reminder_id)
