"""Writing domain events to the outbox, and handing them to the delivery tasks after commit."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from webhooks.models import Event
from webhooks.publishing import publisher


def record_event(
    type: str,
    payload: dict,
    *,
    user_id=None,
    team_id=None,
    event_type_id=None,
    booking_uid: str = "",
):
    """Add an event to the outbox; must run inside the transaction of the change it reports.
    Once that commits, the event is queued for dispatch."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Outbox events are written inside the transaction of their change.")
    event = Event.objects.create(
        type=type,
        payload=payload,
        user_id=user_id,
        team_id=team_id,
        event_type_id=event_type_id,
        booking_uid=booking_uid,
    )
    transaction.on_commit(partial(announce, event.pk))
    return event


def announce(event_id: int) -> None:
    """Queue the event for each of its consumers (OUTBOX_CONSUMERS: the webhooks' dispatch,
    the emails), never holding up the request that made the change (webhooks/publishing.py).
    Without a broker (tasks run in-process) the consumers' sweeps in `manage.py
    run_background` pick it up, so that no request waits for a subscriber or a mail server."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        for consumer in consumers():
            publisher.submit(consumer, event_id)


def consumers() -> list:
    return [import_string(path) for path in settings.OUTBOX_CONSUMERS]
