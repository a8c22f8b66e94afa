"""Planning an outbox event's emails once, and sending each once.

An email is claimed by a conditional update (a lease), sent outside any transaction, then marked
sent: two workers or a task run twice never send it twice, and a worker that dies mid-send
leaves it to the sweep once the lease ends. A failed send is retried with growing pauses and
logged; the booking never waits for it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import Booking
from notifications import messages, planning, reminders
from notifications.models import HandledEvent, Notification
from webhooks.models import Event
from webhooks.outbox import unhandled_booking_events

logger = logging.getLogger("notifications")

RETRY_PAUSES = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
]
# Events older than this are not planned any more (an email days late helps nobody).
PLAN_WITHIN = timedelta(days=1)


def handle(event_id: int) -> None:
    """Plan the event's emails (once) and send them."""
    plan(event_id)
    for notification_id in Notification.objects.filter(
        event_id=event_id, sent_at__isnull=True
    ).values_list("pk", flat=True):
        send(notification_id)


def plan(event_id: int) -> None:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return
    try:
        with transaction.atomic():
            HandledEvent.objects.create(event_id=event_id)
            booking = _booking(event.booking_uid)
            if booking is None:
                return
            reminders.replan(booking)
            if booking.rescheduled_from_id and event.type == "BOOKING_RESCHEDULED":
                reminders.replan(booking.rescheduled_from)
            Notification.objects.bulk_create(
                [
                    Notification(
                        event_id=event_id,
                        booking_uid=booking.uid,
                        kind=planned.kind,
                        recipient=planned.recipient,
                        recipient_name=planned.name,
                        time_zone=planned.time_zone,
                        time_format=planned.time_format,
                        is_host=planned.is_host,
                        seat_uid=planned.seat_uid,
                    )
                    for planned in _unique(planning.plan(event, booking))
                ]
            )
    except IntegrityError:
        return  # planned by another worker already


def send(notification_id: int, now=None) -> bool:
    """Send one email if it is due and nobody else holds it; True when it went out."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=notification_id,
        sent_at__isnull=True,
        attempts__lte=len(RETRY_PAUSES),
    ).update(next_attempt_at=now + timedelta(seconds=settings.EMAILS_LEASE_SECONDS))
    if not claimed:
        return False
    notification = Notification.objects.get(pk=notification_id)
    booking = _booking(notification.booking_uid)
    event = Event.objects.filter(pk=notification.event_id).first()
    if booking is None or event is None:
        Notification.objects.filter(pk=notification_id).update(
            attempts=notification.attempts + 1, last_error="The booking or its event is gone."
        )
        return False
    try:
        messages.compose(notification, booking, event).send()
    except Exception as error:  # a mail server's refusal, a timeout, anything: retried later
        attempts = notification.attempts + 1
        pause = RETRY_PAUSES[min(attempts, len(RETRY_PAUSES)) - 1]
        Notification.objects.filter(pk=notification_id).update(
            attempts=attempts, last_error=str(error)[:1000], next_attempt_at=now + pause
        )
        logger.warning(
            "Email %s to %s failed (attempt %s): %s",
            notification.kind,
            notification.recipient,
            attempts,
            error,
        )
        return False
    Notification.objects.filter(pk=notification_id).update(
        sent_at=timezone.now(), attempts=notification.attempts + 1, last_error=""
    )
    return True


def unhandled(grace: timedelta = timedelta(0), now=None) -> list[int]:
    """Recent events whose emails are not planned yet: their task was lost or not queued."""
    return unhandled_booking_events(HandledEvent, within=PLAN_WITHIN, grace=grace, now=now)


def due(now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        Notification.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            sent_at__isnull=True,
            attempts__lte=len(RETRY_PAUSES),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )


def _booking(uid: str) -> Booking | None:
    return (
        Booking.objects.select_related("event_type", "organizer", "rescheduled_from")
        .filter(uid=uid)
        .first()
    )


def _unique(planned: list) -> list:
    """One email per recipient and kind (a host who is also a guest gets the host's)."""
    seen, kept = set(), []
    for item in sorted(planned, key=lambda p: not p.is_host):
        key = (item.recipient.lower(), item.kind)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept
