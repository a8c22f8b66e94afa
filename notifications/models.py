from django.db import models


class Notification(models.Model):
    """One email an outbox event calls for: planned once per (event, recipient, kind), sent
    once. A send that fails is tried again by the sweep, with growing pauses."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Booked (to the attendee)"
        REQUEST_RECEIVED = "request_received", "Request received (to the attendee)"
        CONFIRM_EMAIL = "confirm_email", "Confirm your email (to the attendee)"
        CONFIRMED = "confirmed", "Confirmed (to the attendee)"
        DECLINED = "declined", "Declined (to the attendee)"
        CANCELLED = "cancelled", "Cancelled"
        RESCHEDULED = "rescheduled", "Rescheduled"
        NEW_BOOKING = "new_booking", "New booking (to the host)"
        CONFIRM_REQUEST = "confirm_request", "Request to confirm (to the host)"
        REMINDER = "reminder", "Reminder (to the attendee)"
        NO_SHOW = "no_show", "No-show recorded (to the other hosts)"
        SEAT_CANCELLED = "seat_cancelled", "Seat given up (to its attendee)"

    event_id = models.BigIntegerField(help_text="The outbox event (webhooks.Event)")
    booking_uid = models.CharField(max_length=32, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.EmailField()
    recipient_name = models.CharField(max_length=200, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    time_format = models.CharField(max_length=3, default="24h")
    is_host = models.BooleanField(default=False)
    seat_uid = models.CharField(max_length=36, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "recipient", "kind"], name="one_email_per_event_recipient_kind"
            )
        ]
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"


class Reminder(models.Model):
    """A reminder email a standing booking is due, at an offset before its start. Planned when
    the booking stands, dropped when it is cancelled, declined or moved; sent once."""

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="reminders"
    )
    minutes_before = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped = models.BooleanField(default=False, help_text="Its time passed with the meeting.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "minutes_before"], name="one_reminder_per_booking_offset"
            )
        ]
        indexes = [models.Index(fields=["sent_at", "skipped", "due_at"])]

    def __str__(self):
        return f"{self.minutes_before} min before {self.booking_id}"


class HandledEvent(models.Model):
    """An outbox event whose emails are planned; the sweep plans those without one."""

    event_id = models.BigIntegerField(primary_key=True)
    handled_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Event {self.event_id}"
