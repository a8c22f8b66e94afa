"""Bookings written into the hosts' calendars: an accepted booking becomes an event, with the
invite's UID, in the calendar each of its hosts chose ("add bookings to"); a reschedule
replaces it (same UID, higher SEQUENCE); a cancellation, a rejection or a host leaving the
booking removes it.

Each outbox event about a booking reconciles the references of its calendar UID with what the
booking now is (`plan`, in the database), then each reference waiting for a write is pushed to
its server outside any transaction (`push`). A push is claimed with a lease, as emails are; a
failure is recorded on the reference, shown in the admin and retried with growing pauses by the
sweep. The booking itself never waits for a calendar server.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bookings import ics
from bookings.calendar import calendar_event
from bookings.models import Booking
from bookings.representation import with_output_relations
from calendars import caldav, syncing
from calendars.models import BookingReference, Calendar, Connection, HandledEvent
from webhooks.models import Event
from webhooks.outbox import unhandled_booking_events

logger = logging.getLogger("calendars")

RETRY_PAUSES = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]
# Events older than this are not handled any more by the sweep.
HANDLE_WITHIN = timedelta(days=1)
PENDING = (BookingReference.State.TO_WRITE, BookingReference.State.TO_REMOVE)


def handle(event_id: int) -> None:
    """Reconcile the calendars of the event's booking (once per event) and push the changes."""
    if nothing_to_write_back():
        return
    event = Event.objects.filter(pk=event_id).only("booking_uid").first()
    if event is None:
        return
    try:
        with transaction.atomic():
            HandledEvent.objects.create(event_id=event_id)
            booking = Booking.objects.filter(uid=event.booking_uid).first()
            pending = plan(booking) if booking is not None else []
    except IntegrityError:
        return  # handled by another worker already
    for reference_id in pending:
        push(reference_id)


def plan(booking: Booking) -> list[int]:
    """Set the references of the booking's calendar UID to what it now is; the ids of those
    waiting to be pushed."""
    uid = booking.ics_uid or f"{booking.uid}@rendezvous"
    current = Booking.objects.filter(ics_uid=uid).order_by("-id").first() or booking
    wanted = Calendar.objects.none()
    if current.status == Booking.Status.ACCEPTED:
        wanted = Calendar.objects.filter(
            add_bookings=True,
            connection__kind=Connection.Kind.CALDAV,
            user__in=current.booking_hosts.values("user"),
        )
    existing = {
        r.calendar_id: r for r in BookingReference.objects.filter(ics_uid=uid).select_for_update()
    }
    pending = []
    for calendar in wanted:
        reference = existing.pop(calendar.pk, None)
        if reference is None:
            reference = BookingReference.objects.create(
                booking=current,
                calendar=calendar,
                ics_uid=uid,
                sequence=current.ics_sequence,
                href=caldav.event_url(calendar.url, uid),
            )
        elif (
            reference.state != BookingReference.State.WRITTEN
            or reference.sequence != current.ics_sequence
            or reference.booking_id != current.pk
        ):
            _set(
                reference,
                booking=current,
                sequence=current.ics_sequence,
                state=BookingReference.State.TO_WRITE,
            )
        else:
            continue
        pending.append(reference.pk)
    for reference in existing.values():
        if reference.state == BookingReference.State.REMOVED:
            continue
        if reference.href:
            _set(reference, booking=current, state=BookingReference.State.TO_REMOVE)
            pending.append(reference.pk)
        else:  # never written: nothing to remove
            _set(reference, booking=current, state=BookingReference.State.REMOVED)
    return pending


def _set(reference, **values) -> None:
    """A new target for the reference, due at once. A push in flight keeps its lease: it
    sees the change when it finishes and pushes again, so two pushes never race."""
    values.update(attempts=0, next_attempt_at=None, last_error="")
    BookingReference.objects.filter(pk=reference.pk).update(**values, updated_at=timezone.now())


def push(reference_id: int, now=None) -> bool:
    """Write or remove one reference's event if it is due and nobody else holds it; True when
    the server took it."""
    now = now or timezone.now()
    lease = timedelta(seconds=2 * settings.CALENDAR_TIMEOUT_SECONDS + 10)
    claimed = BookingReference.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(pushing_until__isnull=True) | Q(pushing_until__lte=now),
        pk=reference_id,
        state__in=PENDING,
        attempts__lte=len(RETRY_PAUSES),
    ).update(pushing_until=now + lease)
    if not claimed:
        return False
    reference = BookingReference.objects.select_related(
        "calendar__connection__user", "calendar__user"
    ).get(pk=reference_id)
    # The outcome is recorded only if nobody planned something else meanwhile; otherwise the
    # new plan is pushed at once.
    unchanged = BookingReference.objects.filter(
        pk=reference.pk,
        state=reference.state,
        sequence=reference.sequence,
        booking_id=reference.booking_id,
        attempts=reference.attempts,
    )
    try:
        pushed = _push(reference, now)
    except syncing.SYNC_ERRORS as error:
        attempts = reference.attempts + 1
        pause = RETRY_PAUSES[min(attempts, len(RETRY_PAUSES)) - 1]
        recorded = unchanged.update(
            attempts=attempts,
            last_error=str(error)[:1000],
            next_attempt_at=now + pause,
            pushing_until=None,
            updated_at=timezone.now(),
        )
        logger.warning(
            "Calendar event %s in calendar %s: %s failed (attempt %s): %s",
            reference.ics_uid,
            reference.calendar_id,
            reference.get_state_display().lower(),
            attempts,
            error,
        )
        pushed = False
    else:
        recorded = unchanged.update(**pushed, pushing_until=None, updated_at=timezone.now())
        pushed = True
    if not recorded:  # planned again while this push was in flight
        BookingReference.objects.filter(pk=reference.pk).update(pushing_until=None)
        return push(reference_id)
    return pushed


def _push(reference, now) -> dict:
    """Write or remove the event on the server; the reference's fields that follow."""
    client = syncing.client_for(reference.calendar.connection)
    if reference.state == BookingReference.State.TO_WRITE:
        booking = with_output_relations(Booking.objects.filter(pk=reference.booking_id)).get()
        data = ics.calendar_resource(calendar_event(booking), now)
        href, etag = client.put_event(
            reference.calendar.url, reference.ics_uid, data, href=reference.href
        )
        return {
            "state": BookingReference.State.WRITTEN,
            "href": href,
            "etag": etag[:255],
            "next_attempt_at": None,
            "last_error": "",
        }
    client.delete_event(reference.href)
    return {"state": BookingReference.State.REMOVED, "next_attempt_at": None, "last_error": ""}


def references_of(booking: Booking, integration: str | None = None) -> list[BookingReference]:
    """The booking's events in the hosts' calendars (not those removed), in the order they were
    planned; with `integration`, those in calendars of that kind only."""
    references = (
        BookingReference.objects.filter(ics_uid=booking.ics_uid)
        .exclude(state=BookingReference.State.REMOVED)
        .select_related("calendar__connection")
        .order_by("id")
    )
    return [
        reference
        for reference in references
        if integration is None or reference.calendar.connection.integration == integration
    ]


def nothing_to_write_back() -> bool:
    """No host writes bookings into a calendar, and no event written before stands: booking
    events need no write-back (the common case of a deployment without calendars)."""
    return not (
        Calendar.objects.filter(add_bookings=True).exists()
        or BookingReference.objects.exclude(state=BookingReference.State.REMOVED).exists()
    )


def unhandled(grace: timedelta = timedelta(0), now=None) -> list[int]:
    """Recent booking events whose write-back is not done: their task was lost or not queued.
    None while there is nothing to write back."""
    if nothing_to_write_back():
        return []
    return unhandled_booking_events(HandledEvent, within=HANDLE_WITHIN, grace=grace, now=now)


def due(now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        BookingReference.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            Q(pushing_until__isnull=True) | Q(pushing_until__lte=now),
            state__in=PENDING,
            attempts__lte=len(RETRY_PAUSES),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
