"""Reminders: planned per booking and offset (the event type's `reminder_offsets`) while the
booking stands, sent once by a periodic task.

Each due reminder is claimed by a conditional update (a lease), so that two beat processes or a
task run twice never send it twice. A reminder whose time passed while nothing ran is sent if
the meeting has not started yet, and skipped otherwise.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from bookings.models import Booking
from notifications import messages
from notifications.models import Notification, Reminder

logger = logging.getLogger("notifications")

RETRY_AFTER = timedelta(minutes=5)


def replan(booking: Booking, now=None) -> None:
    """Make the booking's unsent reminders match what it is now: one per offset while it stands
    and is to come; none once it is cancelled, declined or moved."""
    now = now or timezone.now()
    unsent = Reminder.objects.filter(booking=booking, sent_at__isnull=True, skipped=False)
    offsets = set()
    if booking.status == Booking.Status.ACCEPTED and booking.event_type and booking.start > now:
        offsets = {int(m) for m in booking.event_type.reminder_offsets or [] if int(m) > 0}
    unsent.exclude(minutes_before__in=offsets).delete()
    for minutes in offsets:
        Reminder.objects.update_or_create(
            booking=booking,
            minutes_before=minutes,
            defaults={"due_at": booking.start - timedelta(minutes=minutes)},
        )


def due(now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        Reminder.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
            sent_at__isnull=True,
            skipped=False,
            due_at__lte=now,
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:500]
    )


def send(reminder_id: int, now=None) -> bool:
    """Send one reminder if it is due and nobody else holds it; True when it went out."""
    now = now or timezone.now()
    claimed = Reminder.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        pk=reminder_id,
        sent_at__isnull=True,
        skipped=False,
        due_at__lte=now,
    ).update(claimed_until=now + timedelta(seconds=settings.EMAILS_LEASE_SECONDS))
    if not claimed:
        return False
    reminder = Reminder.objects.select_related("booking__event_type", "booking__organizer").get(
        pk=reminder_id
    )
    booking = reminder.booking
    if booking.status != Booking.Status.ACCEPTED or booking.start <= now:
        Reminder.objects.filter(pk=reminder_id).update(skipped=True)
        return False
    try:
        for email in reminder_emails(booking):
            email.send()
    except Exception as error:  # retried until the meeting starts
        Reminder.objects.filter(pk=reminder_id).update(
            claimed_until=now + RETRY_AFTER,
            attempts=reminder.attempts + 1,
            last_error=str(error)[:1000],
        )
        logger.warning("Reminder %s of booking %s failed: %s", reminder_id, booking.uid, error)
        return False
    Reminder.objects.filter(pk=reminder_id).update(
        sent_at=timezone.now(), attempts=reminder.attempts + 1, last_error=""
    )
    return True


def reminder_emails(booking: Booking):
    event_type = booking.event_type
    if booking.skip_notifications or (event_type and not event_type.emails_to_attendees):
        return []
    attendees = list(booking.attendees.order_by("id"))
    zone = attendees[0].time_zone if attendees else booking.organizer.time_zone
    clock = attendees[0].time_format if attendees else "24h"
    people = [
        (a.email, a.name, a.time_zone, str(a.seat_uid or ""), a.time_format) for a in attendees
    ]
    people += [(email, "", zone, "", clock) for email in booking.guests or []]
    return [
        messages.compose(
            Notification(
                booking_uid=booking.uid,
                kind=Notification.Kind.REMINDER,
                recipient=email,
                recipient_name=name,
                time_zone=time_zone,
                seat_uid=seat_uid,
                time_format=time_format,
            ),
            booking,
            None,
        )
        for email, name, time_zone, seat_uid, time_format in people
    ]
