"""Writing domain events to the outbox, and handing them to the delivery tasks after commit."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.module_loading import import_string

from database.pipelining import insert_together
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
    event = outbox_event(
        type,
        payload,
        user_id=user_id,
        team_id=team_id,
        event_type_id=event_type_id,
        booking_uid=booking_uid,
    )
    record_events([event])
    return event


def outbox_event(type: str, payload: dict, **about) -> Event:
    """An event not written yet (record_events writes it): `about` are its user_id, team_id,
    event_type_id and booking_uid."""
    return Event(type=type, payload=payload, **about)


def record_events(events: list[Event], *, along_with=()) -> None:
    """Write events to the outbox inside the transaction of the change they report, with
    `along_with` (other new rows of that change) in the same round trip. Once the transaction
    commits, each event is queued for dispatch."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Outbox events are written inside the transaction of their change.")
    insert_together([*along_with, *events])
    for event in events:
        transaction.on_commit(partial(announce, event.pk))


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


# How long a consumer's sweep leaves a fresh event to the task queued for it at commit, when
# tasks go through a broker; without one, the sweeps are the only consumers.
TASK_GRACE = timedelta(seconds=5)


def sweep_grace() -> timedelta:
    """How old an event must be before a consumer's sweep takes it over from its own task."""
    return timedelta(0) if settings.CELERY_TASK_ALWAYS_EAGER else TASK_GRACE


def each_on_its_own(ids, handle, failure: str, logger) -> None:
    """handle(id) for each id, for the consumers' sweeps: one that fails is logged (`failure`
    names it with %s) and left to the next sweep, and does not hold up the others."""
    for each in ids:
        try:
            handle(each)
        except Exception:
            logger.exception(failure, each)


def unhandled_booking_events(handled, *, within: timedelta, grace: timedelta, now=None) -> list:
    """Ids of booking events of the last `within` (older than `grace`) that a consumer has not
    handled: `handled` is its model of handled events, with an `event_id`. For the consumers'
    sweeps, which pick up what a lost task left behind; at most 500 at a time."""
    now = now or timezone.now()
    done = handled.objects.filter(event_id=OuterRef("pk"))
    return list(
        Event.objects.filter(created_at__gte=now - within, created_at__lte=now - grace)
        .exclude(booking_uid="")
        .filter(~Exists(done))
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
