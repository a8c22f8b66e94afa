import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.timezones import HOUR_FORMATS
from eventtypes.models import EventType
from webhooks.models import Event


def new_booking_uid() -> str:
    """128 random bits, URL-safe: a booking uid cannot be guessed."""
    return secrets.token_urlsafe(16)


class Channel(models.TextChoices):
    API = "api", "API"
    PAGE = "page", "Booking page"
    ADMIN = "admin", "Admin"
    SYSTEM = "system", "System"


class ActorRole(models.TextChoices):
    HOST = "host", "Host"
    ATTENDEE = "attendee", "Attendee"
    SYSTEM = "system", "System"


class RecurringSeries(models.Model):
    uid = models.CharField(max_length=32, unique=True, default=new_booking_uid)
    event_type = models.ForeignKey(
        "eventtypes.EventType", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.CharField(max_length=200, help_text="RFC 5545 recurrence rule")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "recurring series"

    def __str__(self):
        return f"Series {self.uid} ({self.rule})"


class BookingQuerySet(models.QuerySet):
    def blocking(self):
        return self.filter(status__in=Booking.BLOCKING_STATUSES)

    def managed_by(self, user):
        """The bookings `user` manages: those they host, and those of the event types they
        manage (EventTypeQuerySet.managed_by). Knowing a booking's uid is not managing it."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        hosted = BookingHost.objects.filter(booking=OuterRef("pk"), user=user)
        return self.filter(Q(Exists(hosted)) | Q(event_type__in=EventType.objects.managed_by(user)))

    def outbox_events(self):
        """The outbox events about these bookings."""
        return Event.objects.filter(booking_uid__in=self.values("uid"))


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    class PendingOn(models.TextChoices):
        NOTHING = "", "Nothing"
        HOST = "host", "Host confirmation"
        ATTENDEE = "attendee", "Attendee's email confirmation"

    BLOCKING_STATUSES = (Status.PENDING, Status.ACCEPTED)

    uid = models.CharField(max_length=32, unique=True, default=new_booking_uid, editable=False)
    event_type = models.ForeignKey(
        "eventtypes.EventType", null=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organized_bookings"
    )
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="BookingHost", related_name="hosted_bookings"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    pending_on = models.CharField(
        max_length=10, choices=PendingOn.choices, default=PendingOn.NOTHING, blank=True
    )
    requires_host_confirmation = models.BooleanField(default=False)
    start = models.DateTimeField()
    end = models.DateTimeField()
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=1000, blank=True)
    meeting_url = models.URLField(max_length=1000, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    responses = models.JSONField(default=dict, blank=True, help_text="Booking-field answers")
    guests = models.JSONField(default=list, blank=True, help_text="Guest emails")
    ics_title = models.CharField(max_length=200, blank=True)
    ics_description = models.TextField(max_length=2000, blank=True)
    skip_notifications = models.BooleanField(default=False)
    is_instant = models.BooleanField(default=False)

    cancellation_reason = models.TextField(blank=True)
    cancelled_by_email = models.EmailField(blank=True)
    cancelled_by_role = models.CharField(max_length=10, choices=ActorRole.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    rescheduled_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rescheduled_to",
    )
    rescheduling_reason = models.TextField(blank=True)
    rescheduled_by_email = models.EmailField(blank=True)
    reassign_reason = models.TextField(blank=True)
    reassigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendance_confirmed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    # When MEETING_STARTED and MEETING_ENDED were recorded (services/meetings.py).
    start_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_announced_at = models.DateTimeField(null=True, blank=True, editable=False)

    ics_uid = models.CharField(max_length=255)
    ics_sequence = models.PositiveIntegerField(default=0)
    recurring_series = models.ForeignKey(
        RecurringSeries, null=True, blank=True, on_delete=models.CASCADE, related_name="bookings"
    )
    idempotency_key = models.CharField(max_length=300, null=True, blank=True, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.API)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["event_type", "start"]),
            models.Index(fields=["organizer", "start"]),
            models.Index(fields=["status", "start"]),
            models.Index(fields=["status", "end"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["updated_at"]),
            # The booking behind an event in a host's calendar (calendars/).
            models.Index(fields=["ics_uid"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="booking_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.title} at {self.start:%Y-%m-%d %H:%M} UTC"

    @property
    def is_blocking(self) -> bool:
        return self.status in self.BLOCKING_STATUSES

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def absent_host(self) -> bool:
        return any(host.absent for host in self.booking_hosts.all())

    @property
    def is_seated(self) -> bool:
        return bool(self.event_type and self.event_type.is_seated)

    @property
    def meeting_place(self) -> str:
        """Where people meet: the meeting link when there is one, else the location."""
        return self.meeting_url or self.location

    def host_rows(self) -> list:
        """The booking's hosts (BookingHost rows), the organizer first."""
        rows = list(self.booking_hosts.all())
        rows.sort(key=lambda row: (row.user_id != self.organizer_id, row.id))
        return rows

    @property
    def host_users(self) -> list:
        return [row.user for row in self.host_rows()]

    def is_managed_by(self, user, *, with_series: bool = False) -> bool:
        """with_series: and, for an occurrence of a series, every occurrence of it (an action
        that may reach several occurrences acts as a host only then)."""
        if not (with_series and self.recurring_series_id):
            return Booking.objects.managed_by(user).filter(pk=self.pk).exists()
        occurrences = Booking.objects.filter(recurring_series_id=self.recurring_series_id)
        return occurrences.managed_by(user).count() == occurrences.count()

    def lifecycle_label(self, now=None) -> str:
        """The SDK's lifecycle name, derived from status and attendance."""
        now = now or timezone.now()
        if self.status == self.Status.PENDING:
            return "PENDING"
        if self.status in (self.Status.CANCELLED, self.Status.REJECTED):
            return self.status.upper()
        attendees = list(self.attendees.all())
        if any(a.absent for a in attendees):
            return "NO_SHOW"
        if self.end <= now and not self.absent_host:
            return "COMPLETED"
        return "CONFIRMED"


class BookingHost(models.Model):
    """A host taking part in a booking.

    Carries its own copy of the time the booking blocks (start and end widened by the event
    type's buffers) and whether it blocks at all, so that PostgreSQL can forbid two blocking
    rows of one host overlapping with an exclusion constraint (migration 0002).
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="booking_hosts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="booking_host_rows"
    )
    absent = models.BooleanField(default=False)
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    is_blocking = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "user"], name="booking_host_unique"),
        ]
        indexes = [
            # Serves the busy-time query of the slot engine on every database.
            models.Index(fields=["user", "is_blocking", "blocked_start"]),
        ]

    def __str__(self):
        return f"{self.user} on {self.booking_id}"


class Attendee(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    time_zone = models.CharField(max_length=64, default="UTC")
    phone_number = models.CharField(max_length=30, blank=True)
    language = models.CharField(max_length=10, default="en")
    time_format = models.CharField(
        max_length=3, choices=HOUR_FORMATS, default="24h", help_text="12 h or 24 h, as they booked"
    )
    absent = models.BooleanField(default=False)
    seat_uid = models.UUIDField(null=True, blank=True, unique=True)
    responses = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["email"])]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class BookingNote(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    content = models.TextField(max_length=10000)
    is_private = models.BooleanField(default=True, help_text="Only hosts can read private notes.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.content[:60]


class SlotReservationQuerySet(models.QuerySet):
    def active(self, now=None):
        return self.filter(expires_at__gt=now or timezone.now())

    def managed_by(self, user):
        """The holds on `user`'s time, and on the event types they manage."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(Q(host=user) | Q(event_type__in=EventType.objects.managed_by(user)))


class SlotReservation(models.Model):
    """A short hold on a slot; until it expires only its holder (who knows the uid) can book it."""

    DEFAULT_MINUTES = 5

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    event_type = models.ForeignKey(
        "eventtypes.EventType", on_delete=models.CASCADE, related_name="reservations"
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    expires_at = models.DateTimeField()
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    holder = models.CharField(
        max_length=100, blank=True, help_text="Who holds it (a user or a client address)"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SlotReservationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["event_type", "start"]),
            models.Index(fields=["host", "expires_at"]),
            models.Index(fields=["holder", "expires_at"]),
        ]

    def __str__(self):
        return f"Hold on {self.start:%Y-%m-%d %H:%M} until {self.expires_at:%H:%M:%S}"

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start) / timedelta(minutes=1))


class BookingHistory(models.Model):
    """One row per change of a booking: what happened, who did it, through which channel."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        SEAT_ADDED = "seat_added", "Seat added"
        CONFIRMED = "confirmed", "Confirmed by the host"
        DECLINED = "declined", "Declined"
        ATTENDEE_CONFIRMED = "attendee_confirmed", "Confirmed by the attendee"
        CANCELLED = "cancelled", "Cancelled"
        SEAT_CANCELLED = "seat_cancelled", "Seat given up"
        RESCHEDULED = "rescheduled", "Rescheduled here"
        RESCHEDULED_AWAY = "rescheduled_away", "Rescheduled away"
        SEATS_MERGED = "seats_merged", "Seats joined from another booking"
        SEAT_MOVED_IN = "seat_moved_in", "Seat moved in"
        SEAT_MOVED_AWAY = "seat_moved_away", "Seat moved away"
        ATTENDEE_ADDED = "attendee_added", "Attendee added"
        ATTENDEE_REMOVED = "attendee_removed", "Attendee removed"
        GUESTS_ADDED = "guests_added", "Guests added"
        REASSIGNED = "reassigned", "Reassigned"
        LOCATION_UPDATED = "location_updated", "Location changed"
        METADATA_UPDATED = "metadata_updated", "Metadata changed"
        NOTE_ADDED = "note_added", "Note added"
        ATTENDANCE_MARKED = "attendance_marked", "Attendance recorded"
        ATTENDED = "attended", "Everyone attended"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(max_length=40, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    actor_role = models.CharField(max_length=10, choices=ActorRole.choices, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "booking history"

    def __str__(self):
        return f"{self.action} by {self.actor_email or self.actor_role or 'system'}"
