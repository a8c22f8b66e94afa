from django.db import models


class Trigger(models.TextChoices):
    """What an event reports (Cal.com's names where Cal.com has one)."""

    BOOKING_CREATED = "BOOKING_CREATED", "Booking created"
    BOOKING_REQUESTED = "BOOKING_REQUESTED", "Booking requested"
    BOOKING_RESCHEDULED = "BOOKING_RESCHEDULED", "Booking rescheduled"
    BOOKING_CANCELLED = "BOOKING_CANCELLED", "Booking cancelled"
    BOOKING_REJECTED = "BOOKING_REJECTED", "Booking rejected"
    BOOKING_NO_SHOW_UPDATED = "BOOKING_NO_SHOW_UPDATED", "Attendance updated"
    BOOKING_REASSIGNED = "BOOKING_REASSIGNED", "Booking reassigned"
    BOOKING_UPDATED = "BOOKING_UPDATED", "Booking updated"
    INSTANT_MEETING = "INSTANT_MEETING", "Instant meeting"


class Event(models.Model):
    """The outbox: one row per domain event, written in the same transaction as the change.

    The scope says whose subscribers receive it. Ids are plain integers so that the outbox
    never depends on the apps that write to it, and survives their rows being deleted. Who may
    see an event follows who manages its booking: its admin page is the bookings'
    (bookings/admin/outbox.py).
    """

    type = models.CharField(max_length=50, choices=Trigger.choices)
    payload = models.JSONField()
    user_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    event_type_id = models.BigIntegerField(null=True, blank=True)
    booking_uid = models.CharField(
        max_length=32, blank=True, db_index=True, help_text="The booking the event is about"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The delivery sweep looks for undelivered events, oldest first.
            models.Index(fields=["delivered_at", "id"]),
        ]

    def __str__(self):
        return f"{self.type} #{self.pk}"
