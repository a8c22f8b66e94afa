"""MEETING_STARTED and MEETING_ENDED: recorded once for every accepted booking when its start,
then its end, has passed. A periodic task calls this (bookings/tasks.py); a booking is claimed
by a conditional update in the transaction that records its event, so two runs at once record
it once."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from bookings.services.recording import record_booking_event, reload
from webhooks.models import Trigger

# A meeting that started (or ended) longer ago than this when first seen, e.g. after the
# service was down for days, is not announced any more.
LOOKBACK = timedelta(days=1)
BOUNDARIES = (
    ("start", "start_announced_at", Trigger.MEETING_STARTED),
    ("end", "end_announced_at", Trigger.MEETING_ENDED),
)


def record_meeting_boundaries(*, now=None, limit: int = 500) -> int:
    """Record the events of the starts and ends that have passed; returns how many."""
    now = now or timezone.now()
    recorded = 0
    for moment, announced, trigger in BOUNDARIES:
        due = Booking.objects.filter(
            status=Booking.Status.ACCEPTED,
            **{f"{moment}__lte": now, f"{moment}__gt": now - LOOKBACK, f"{announced}": None},
        ).order_by(moment)
        for booking_id in due.values_list("pk", flat=True)[:limit]:
            with transaction.atomic():
                claimed = Booking.objects.filter(pk=booking_id, **{announced: None}).update(
                    **{announced: now}
                )
                if claimed:
                    record_booking_event(reload(booking_id), trigger)
                    recorded += 1
    return recorded
