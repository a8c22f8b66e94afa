import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team
from accounts.timezones import validate_time_zone
from eventtypes import rules

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class Schedule(models.Model):
    """A named weekly availability in its own time zone, with date overrides."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="schedules"
    )
    name = models.CharField(max_length=100, default="Working hours")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_default=True), name="one_default_schedule_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.time_zone})"


class WeeklyAvailability(models.Model):
    """One interval of local wall-clock time on a weekday. An end of 00:00 means midnight."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="weekly")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]
        verbose_name_plural = "weekly availability"

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self):
        rules.validate_local_interval(self.start_time, self.end_time)


class DateOverride(models.Model):
    """Replaces the weekly hours on one date. A row without times: unavailable all day."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start_time"]

    def __str__(self):
        if self.start_time is None:
            return f"{self.date}: unavailable"
        return f"{self.date}: {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self):
        if (self.start_time is None) != (self.end_time is None):
            raise ValidationError("Give both a start and an end time, or neither (day off).")
        if self.start_time is not None:
            rules.validate_local_interval(self.start_time, self.end_time)


class EventTypeQuerySet(models.QuerySet):
    """Who sees what: a personal event type is its owner's; a team's event types are read by
    every member and managed (changed, and their bookings handled) by its owners and admins.
    A superuser manages everything; someone signed out, nothing."""

    def managed_by(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(Q(owner=user) | Q(team__in=Team.objects.administered_by(user)))

    def readable_by(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(Q(owner=user) | Q(team__in=Team.objects.with_member(user)))


class EventType(models.Model):
    """What can be booked: owned by a user, or by a team (then with hosts)."""

    class SchedulingType(models.TextChoices):
        ROUND_ROBIN = "roundRobin", "Round robin"
        COLLECTIVE = "collective", "Collective"

    class BookingWindow(models.TextChoices):
        UNLIMITED = "unlimited", "No limit"
        CALENDAR_DAYS = "calendarDays", "Rolling calendar days"
        BUSINESS_DAYS = "businessDays", "Rolling business days"
        RANGE = "range", "Fixed date range"

    class RecurrenceFrequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        YEARLY = "yearly", "Yearly"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="event_types",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="event_types"
    )
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    hidden = models.BooleanField(
        default=False, help_text="Not listed on the profile page; still bookable by its link."
    )

    length_minutes = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    length_options = models.JSONField(
        default=list, blank=True, help_text="Lengths the attendee may pick, e.g. [15, 30, 60]."
    )
    slot_interval = models.PositiveIntegerField(
        null=True, blank=True, help_text="Minutes between slot starts; empty: the length."
    )
    locations = models.JSONField(
        default=list, blank=True, help_text='Typed locations, e.g. [{"type": "link", "link": …}]'
    )
    schedule = models.ForeignKey(
        Schedule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_types",
        help_text="Empty: the owner's default schedule.",
    )

    minimum_booking_notice = models.PositiveIntegerField(default=120, help_text="Minutes")
    before_event_buffer = models.PositiveIntegerField(default=0, help_text="Minutes")
    after_event_buffer = models.PositiveIntegerField(default=0, help_text="Minutes")

    booking_window_type = models.CharField(
        max_length=20, choices=BookingWindow.choices, default=BookingWindow.UNLIMITED
    )
    booking_window_days = models.PositiveIntegerField(null=True, blank=True)
    booking_window_start = models.DateField(null=True, blank=True)
    booking_window_end = models.DateField(null=True, blank=True)

    booking_limits_count = models.JSONField(
        default=dict, blank=True, help_text='Most bookings per period, e.g. {"day": 3, "week": 10}'
    )
    booking_limits_duration = models.JSONField(
        default=dict, blank=True, help_text='Most booked minutes per period, e.g. {"day": 120}'
    )

    requires_confirmation = models.BooleanField(default=False)
    confirmation_threshold_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Only require confirmation when booked less than this many minutes ahead.",
    )
    requires_attendee_opt_in = models.BooleanField(
        default=False, help_text="The attendee confirms the booking from an email (double opt-in)."
    )

    seats_per_time_slot = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    seats_show_attendees = models.BooleanField(default=False)
    seats_show_availability_count = models.BooleanField(default=True)

    recurrence_frequency = models.CharField(
        max_length=10, choices=RecurrenceFrequency.choices, blank=True
    )
    recurrence_interval = models.PositiveIntegerField(default=1)
    recurrence_max_occurrences = models.PositiveIntegerField(null=True, blank=True)

    booking_fields = models.JSONField(default=list, blank=True)

    cancellation_cutoff_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Attendees cannot cancel later than this before the start."
    )
    reschedule_cutoff_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Attendees cannot reschedule later than this before the start.",
    )
    disable_cancelling = models.BooleanField(default=False)
    disable_rescheduling = models.BooleanField(default=False)

    success_redirect_url = models.URLField(blank=True)
    success_redirect_forward_params = models.BooleanField(
        default=False,
        help_text="Add the booking's details (uid, times, names) to the success redirect URL.",
    )
    allow_double_booking = models.BooleanField(
        default=False, help_text="Bookings of this type neither block nor are blocked."
    )
    instant_meetings_allowed = models.BooleanField(default=False)
    custom_title = models.CharField(
        max_length=255,
        blank=True,
        help_text="Title template: {Event type title}, {Organiser}, {Scheduler}, {Location}",
    )
    reminder_offsets = models.JSONField(
        default=list, blank=True, help_text="Minutes before the start to send reminders."
    )
    disable_guests = models.BooleanField(default=False)
    emails_to_attendees = models.BooleanField(
        default=True, help_text="Email attendees and guests about their bookings and reminders."
    )
    emails_to_hosts = models.BooleanField(
        default=True, help_text="Email the hosts about new, moved and cancelled bookings."
    )

    scheduling_type = models.CharField(
        max_length=20, choices=SchedulingType.choices, blank=True, help_text="Team event types."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventTypeQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner__isnull=False) & Q(team__isnull=True))
                | (Q(owner__isnull=True) & Q(team__isnull=False)),
                name="event_type_owned_by_user_or_team",
            ),
            models.UniqueConstraint(
                fields=["owner", "slug"],
                condition=Q(owner__isnull=False),
                name="event_type_slug_unique_per_user",
            ),
            models.UniqueConstraint(
                fields=["team", "slug"],
                condition=Q(team__isnull=False),
                name="event_type_slug_unique_per_team",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if (self.owner_id is None) == (self.team_id is None):
            raise ValidationError("An event type belongs to a user or to a team, not both.")
        if self.team_id and not self.scheduling_type:
            raise ValidationError({"scheduling_type": "Team event types need a scheduling type."})
        if self.owner_id and self.scheduling_type:
            raise ValidationError({"scheduling_type": "Only team event types have one."})
        rules.validate_event_type_settings(self)

    @property
    def is_team_event(self) -> bool:
        return self.team_id is not None

    @property
    def is_recurring(self) -> bool:
        return bool(self.recurrence_frequency)

    @property
    def is_seated(self) -> bool:
        return bool(self.seats_per_time_slot)

    @property
    def allowed_lengths(self) -> list[int]:
        return sorted(set(self.length_options or []) | {self.length_minutes})

    def requires_confirmation_for(self, start, now) -> bool:
        if not self.requires_confirmation:
            return False
        if self.confirmation_threshold_minutes is None:
            return True
        return (start - now).total_seconds() < self.confirmation_threshold_minutes * 60


class Host(models.Model):
    """A user who can take bookings of a team event type."""

    class Priority(models.IntegerChoices):
        LOWEST = 0, "Lowest"
        LOW = 1, "Low"
        MEDIUM = 2, "Medium"
        HIGH = 3, "High"
        HIGHEST = 4, "Highest"

    event_type = models.ForeignKey(EventType, on_delete=models.CASCADE, related_name="hosts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hosted_event_types"
    )
    is_fixed = models.BooleanField(
        default=False, help_text="Mandatory: must be free and joins every booking."
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    weight = models.PositiveIntegerField(default=100, validators=[MinValueValidator(1)])
    schedule = models.ForeignKey(
        Schedule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty: the user's default schedule.",
    )

    class Meta:
        ordering = ["-priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event_type", "user"], name="host_unique_per_event"),
        ]

    def __str__(self):
        return f"{self.user} on {self.event_type}"


def new_private_link_hash() -> str:
    return secrets.token_urlsafe(24)


class PrivateLink(models.Model):
    """A secret link to an event type that works until used up or expired."""

    event_type = models.ForeignKey(
        EventType, on_delete=models.CASCADE, related_name="private_links"
    )
    link_hash = models.CharField(max_length=64, unique=True, default=new_private_link_hash)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True, default=1)
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Private link to {self.event_type}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return self.max_uses is None or self.uses < self.max_uses
