"""Periodic work on bookings (scheduled in config/settings.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from bookings.services.meetings import record_meeting_boundaries


@shared_task(ignore_result=True)
def announce_meetings() -> None:
    """MEETING_STARTED and MEETING_ENDED for the bookings whose start or end has passed."""
    record_meeting_boundaries()
