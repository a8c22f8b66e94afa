"""Reading a host's calendars into busy times.

Every connection is synced by the beat every CALENDAR_SYNC_EVERY_SECONDS, and before slots are
served when its data is older than CALENDAR_STALE_AFTER_SECONDS (with a short deadline: a slow
or dead server never makes slots slow; the last synced data is used and its age is told).

- CalDAV: the account's calendars are listed again (new ones are added, checking conflicts);
  a calendar whose getctag has not changed since its events were read is not read again, others
  with a time-range REPORT for the next CALENDAR_SYNC_DAYS.
- ICS feeds: a conditional GET (If-None-Match / If-Modified-Since); a 304 costs no parsing.

A calendar's busy times are replaced in one transaction: readers see the old set or the new.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import BookingHost
from calendars import caldav, credentials, events, merging
from calendars.models import BusyTime, Calendar, Connection

logger = logging.getLogger("calendars")

# Calendars read from a day back, so that an event in progress still blocks.
LOOK_BACK = timedelta(days=1)
# A connection is not synced twice within this gap (a beat and a slots request at once).
MINIMUM_GAP = timedelta(seconds=20)
SYNC_ERRORS = (caldav.CalDAVError, events.CalendarDataError, credentials.UnreadableSecret)


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    calendars_read: int = 0  # calendars whose events were read and stored again
    error: str = ""


def client_for(connection: Connection, *, deadline: float | None = None) -> caldav.Client:
    url = connection.url
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    return caldav.Client(
        url,
        connection.username,
        credentials.decrypt(connection.encrypted_password),
        timeout=settings.CALENDAR_TIMEOUT_SECONDS,
        read_limit=settings.CALENDAR_MAX_BYTES,
        allow_internal=settings.CALENDAR_ALLOW_PRIVATE_NETWORKS,
        deadline=deadline,
    )


def sync(connection: Connection, *, now=None, deadline: float | None = None) -> SyncResult:
    """Read the connection's calendars now and record how it went. deadline: a
    time.monotonic() by which every request of the sync must be done."""
    now = now or timezone.now()
    Connection.objects.filter(pk=connection.pk).update(attempted_at=now)
    try:
        client = client_for(connection, deadline=deadline)
        if connection.kind == Connection.Kind.ICS:
            read = _sync_feed(connection, client, now)
        else:
            read = _sync_caldav(connection, client, now)
    except SYNC_ERRORS as error:
        message = str(error)[:1000]
        Connection.objects.filter(pk=connection.pk).update(
            failures=connection.failures + 1, last_error=message
        )
        logger.warning("Calendar connection %s: sync failed: %s", connection.pk, message)
        return SyncResult(False, error=message)
    Connection.objects.filter(pk=connection.pk).update(synced_at=now, failures=0, last_error="")
    return SyncResult(True, read)


def claim(connection_id: int, now: datetime, gap: timedelta) -> bool:
    """Take the connection's next sync unless one started within `gap`."""
    return bool(
        Connection.objects.filter(pk=connection_id)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lte=now - gap))
        .update(attempted_at=now)
    )


def is_stale(synced_at, attempted_at, failures, now) -> bool:
    """Whether slots should refresh the connection before they are served: its data is old,
    and it was not tried (and failed) just now."""
    if synced_at is not None and now - synced_at < timedelta(
        seconds=settings.CALENDAR_STALE_AFTER_SECONDS
    ):
        return False
    pause = settings.CALENDAR_RETRY_PAUSE_SECONDS if failures else MINIMUM_GAP.total_seconds()
    return attempted_at is None or now - attempted_at >= timedelta(seconds=pause)


def refresh_stale(connections, now) -> bool:
    """Refresh those of the connections (slot_loader.ConnectionState) that are stale; whether
    any was. Not for a caller holding locks (a booking write): servers are waited for."""
    stale = [c.id for c in connections if is_stale(c.synced_at, c.attempted_at, c.failures, now)]
    if not stale:
        return False
    refresh(stale, now=now)
    return True


def refresh(connection_ids, *, now=None) -> None:
    """Sync these connections before slots are served, all within the short deadline; a
    failure is recorded and the last synced data stays in use."""
    now = now or timezone.now()
    deadline = time.monotonic() + settings.CALENDAR_REFRESH_TIMEOUT_SECONDS
    for connection in Connection.objects.select_related("user").filter(pk__in=connection_ids):
        if not claim(connection.pk, now, MINIMUM_GAP):
            continue
        try:
            sync(connection, now=now, deadline=deadline)
        except Exception:  # never the slots' failure
            logger.exception("Calendar connection %s: refresh failed", connection.pk)


def _window(now):
    return now - LOOK_BACK, now + timedelta(days=settings.CALENDAR_SYNC_DAYS)


def _sync_feed(connection, client, now) -> int:
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if connection.etag:
        headers["If-None-Match"] = connection.etag
    if connection.last_modified:
        headers["If-Modified-Since"] = connection.last_modified
    calendar = connection.calendars.first()
    if calendar is None:
        return 0
    window = _window(now)
    if calendar.synced_until and calendar.synced_until >= window[1] - timedelta(days=1):
        answer, _ = client.request("GET", client.url, headers=headers, expect=(200, 304))
        if answer.status == 304:
            return 0
    else:  # the window moved on: read it all again
        answer, _ = client.request("GET", client.url, headers={}, expect=(200,))
    store_feed(connection, calendar, answer.body, now, answer.headers)
    return 1


def store_feed(connection, calendar, data: bytes, now, headers=None) -> None:
    """A feed's events as the calendar's busy times, and the validators it came with."""
    window = _window(now)
    intervals = events.busy_intervals(
        [events.parse(data)],
        window,
        _zone(calendar),
        owner_emails=_owner_emails(connection),
        limit=settings.CALENDAR_MAX_EVENTS,
    )
    _store(calendar, intervals, ctag="", synced_until=window[1])
    headers = headers or {}
    Connection.objects.filter(pk=connection.pk).update(
        etag=headers.get("etag", "")[:255], last_modified=headers.get("last-modified", "")[:255]
    )


def _sync_caldav(connection, client, now) -> int:
    found = {c.url: c for c in client.discover() if len(c.url) <= 1000}
    known = {c.url: c for c in connection.calendars.all()}
    for url, calendar in found.items():
        name = calendar.name[:255]
        if url not in known:
            known[url], _ = Calendar.objects.get_or_create(
                connection=connection,
                url=url,
                defaults={
                    "user_id": connection.user_id,
                    "name": name,
                    "time_zone": valid_zone(calendar.time_zone),
                },
            )
        elif known[url].name != name:
            Calendar.objects.filter(pk=known[url].pk).update(name=name)
    # A calendar the server no longer lists blocks nothing, but keeps its settings and the
    # bookings written into it (it may be back at the next sync; disconnecting removes it).
    for url, calendar in known.items():
        if url not in found and calendar.synced_until is not None:
            _store(calendar, [], ctag="", synced_until=None)
    window = _window(now)
    read = 0
    for url, calendar in known.items():
        if url not in found or not calendar.check_conflicts:
            continue
        ctag = found[url].ctag
        current = calendar.synced_until and calendar.synced_until >= window[1] - timedelta(days=1)
        if ctag and ctag == calendar.ctag and current:
            continue
        data = client.events(url, *window)
        intervals = events.busy_intervals(
            [events.parse(item) for item in data],
            window,
            _zone(calendar),
            owner_emails=_owner_emails(connection),
            limit=settings.CALENDAR_MAX_EVENTS,
        )
        _store(calendar, intervals, ctag=ctag, synced_until=window[1])
        read += 1
    return read


def _store(calendar, intervals, *, ctag, synced_until) -> None:
    """Replace the calendar's busy times. The events of the calendar owner's own bookings
    (written there by Rendezvous, or an invite they accepted) are kept as transparent: the
    booking blocks its time, and only while it stands. Two syncs of one calendar store one
    after the other (the user's merged busy times are locked, then rebuilt)."""
    ours = _own_booking_uids(calendar.user_id, {interval.uid for interval in intervals})
    with transaction.atomic():
        merging.lock(calendar.user_id)
        BusyTime.objects.filter(calendar=calendar).delete()
        BusyTime.objects.bulk_create(
            [
                BusyTime(
                    calendar=calendar,
                    user_id=calendar.user_id,
                    uid=interval.uid[:255],
                    start=interval.start,
                    end=interval.end,
                    transparent=interval.transparent or interval.uid in ours,
                )
                for interval in intervals
            ],
            batch_size=1000,
        )
        Calendar.objects.filter(pk=calendar.pk).update(ctag=ctag[:255], synced_until=synced_until)
        merging.rebuild(calendar.user_id)


def _own_booking_uids(user_id: int, uids: set[str]) -> set[str]:
    """Those of the UIDs that are the calendar events of bookings this user hosts."""
    found, uids = set(), sorted(uids)
    for first in range(0, len(uids), 500):
        found.update(
            BookingHost.objects.filter(
                user_id=user_id, booking__ics_uid__in=uids[first : first + 500]
            ).values_list("booking__ics_uid", flat=True)
        )
    return found


def _zone(calendar) -> ZoneInfo:
    return (
        events.zone_named(calendar.time_zone)
        or events.zone_named(calendar.user.time_zone)
        or ZoneInfo("UTC")
    )


def valid_zone(name: str) -> str:
    return name if events.zone_named(name) else ""


def _owner_emails(connection) -> frozenset[str]:
    emails = {connection.user.email.lower()}
    if "@" in connection.username:
        emails.add(connection.username.lower())
    return frozenset(e for e in emails if e)
