"""The Celery side of the calendars: thin tasks over syncing.py and writeback.py.

`sync_all` runs with beat every CALENDAR_SYNC_EVERY_SECONDS and queues one `sync_connection`
per connection; `write_back_event` is queued for each outbox event after its change commits
(OUTBOX_CONSUMERS); `sweep` hands the events whose task was lost to write-back and retries
the writes that failed.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from calendars import syncing, writeback
from calendars.models import Connection
from webhooks.outbox import each_on_its_own, sweep_grace

logger = logging.getLogger("calendars")


@shared_task(ignore_result=True)
def sync_all() -> None:
    for connection_id in Connection.objects.order_by("pk").values_list("pk", flat=True):
        sync_connection.delay(connection_id)


@shared_task(ignore_result=True)
def sync_connection(connection_id: int) -> None:
    now = timezone.now()
    recently = now - timedelta(seconds=settings.CALENDAR_SYNC_EVERY_SECONDS / 2)
    if Connection.objects.filter(pk=connection_id, synced_at__gt=recently).exists():
        return  # synced since the last round (by a slots request, or as it was connected)
    if not syncing.claim(connection_id, now, syncing.MINIMUM_GAP):
        return  # being synced (by a slots request or another worker)
    connection = Connection.objects.select_related("user").filter(pk=connection_id).first()
    if connection is not None:
        syncing.sync(connection, now=now)


@shared_task(ignore_result=True)
def write_back_event(event_id: int) -> None:
    writeback.handle(event_id)


@shared_task(ignore_result=True)
def sweep() -> None:
    each_on_its_own(
        writeback.unhandled(grace=sweep_grace()),
        writeback.handle,
        "Writing back event %s failed",
        logger,
    )
    each_on_its_own(writeback.due(), writeback.push, "Writing calendar reference %s failed", logger)
