import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Trigger(models.TextChoices):
    """What an event reports (Cal.com's names where Cal.com has one)."""

    BOOKING_CREATED = "BOOKING_CREATED", "Booking created"
    BOOKING_REQUESTED = "BOOKING_REQUESTED", "Booking requested"
    BOOKING_RESCHEDULED = "BOOKING_RESCHEDULED", "Booking rescheduled"
    BOOKING_CANCELLED = "BOOKING_CANCELLED", "Booking cancelled"
    BOOKING_REJECTED = "BOOKING_REJECTED", "Booking rejected"
    BOOKING_NO_SHOW_UPDATED = "BOOKING_NO_SHOW_UPDATED", "Attendance updated"
    INSTANT_MEETING = "INSTANT_MEETING", "Instant meeting"
    MEETING_STARTED = "MEETING_STARTED", "Meeting started"
    MEETING_ENDED = "MEETING_ENDED", "Meeting ended"
    # Ours, not Cal.com's:
    BOOKING_CONFIRMED = "BOOKING_CONFIRMED", "Booking confirmed"
    BOOKING_REASSIGNED = "BOOKING_REASSIGNED", "Booking reassigned"
    BOOKING_UPDATED = "BOOKING_UPDATED", "Booking updated"
    PING = "PING", "Ping"


# Triggers Cal.com defines that Rendezvous never fires (no payments, forms, recordings, ...).
# A subscription may still name them, so that a Cal.com client's request is accepted as is.
CALCOM_ONLY_TRIGGERS = (
    "BOOKING_PAYMENT_INITIATED",
    "BOOKING_PAID",
    "FORM_SUBMITTED",
    "RECORDING_READY",
    "RECORDING_TRANSCRIPTION_GENERATED",
    "OOO_CREATED",
    "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
    "AFTER_GUESTS_CAL_VIDEO_NO_SHOW",
    "FORM_SUBMITTED_NO_EVENT",
    "ROUTING_FORM_FALLBACK_HIT",
    "DELEGATION_CREDENTIAL_ERROR",
    "WRONG_ASSIGNMENT_REPORT",
)
SUBSCRIBABLE_TRIGGERS = tuple(t for t in Trigger.values if t != Trigger.PING) + CALCOM_ONLY_TRIGGERS


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
    dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="When one delivery per subscriber was set up"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # The sweep looks for events not dispatched yet, oldest first.
            models.Index(fields=["dispatched_at", "id"]),
        ]

    def __str__(self):
        return f"{self.type} #{self.pk}"

    @property
    def message_id(self) -> str:
        """The `webhook-id` of every delivery of this event: the same on each retry."""
        return f"evt_{self.pk}"


class SubscriptionQuerySet(models.QuerySet):
    def managed_by(self, user):
        """A host manages their own subscriptions and those of the event types they manage;
        a team's owners and admins, the team's."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            Q(user=user)
            | Q(team__in=teams_administered_by(user))
            | Q(event_type__in=event_types_managed_by(user))
        )

    def receiving(self, event: Event):
        """The active subscriptions whose scope covers the event and that existed when it
        happened (their triggers are checked by the caller: a JSON list)."""
        scope = Q(user_id=event.user_id) if event.user_id else Q(pk__in=[])
        if event.team_id:
            scope |= Q(team_id=event.team_id)
        if event.event_type_id:
            scope |= Q(event_type_id=event.event_type_id)
        return self.filter(scope, active=True, created_at__lte=event.created_at)


class Subscription(models.Model):
    """A webhook: where to send which events of a user, a team or one event type."""

    VERSION = "2021-10-20"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        help_text="Events of the bookings this user organizes",
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        help_text="Events of the team's event types",
    )
    event_type = models.ForeignKey(
        "eventtypes.EventType",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        help_text="Events of this event type only",
    )
    subscriber_url = models.CharField("subscriber URL", max_length=2048)
    active = models.BooleanField(default=True)
    triggers = models.JSONField(default=list)
    secret = models.CharField(max_length=255)
    previous_secret = models.CharField(max_length=255, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    payload_template = models.TextField(blank=True)
    version = models.CharField(max_length=20, default=VERSION)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="Since when every attempt has failed"
    )
    last_failure_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="subscription_has_one_owner",
                condition=(
                    Q(user__isnull=False, team__isnull=True, event_type__isnull=True)
                    | Q(user__isnull=True, team__isnull=False, event_type__isnull=True)
                    | Q(user__isnull=True, team__isnull=True, event_type__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "subscriber_url"],
                condition=Q(user__isnull=False),
                name="subscription_unique_user_url",
            ),
            models.UniqueConstraint(
                fields=["team", "subscriber_url"],
                condition=Q(team__isnull=False),
                name="subscription_unique_team_url",
            ),
            models.UniqueConstraint(
                fields=["event_type", "subscriber_url"],
                condition=Q(event_type__isnull=False),
                name="subscription_unique_event_type_url",
            ),
        ]

    def __str__(self):
        return self.subscriber_url

    @property
    def owner_label(self) -> str:
        if self.user_id:
            return f"Bookings of {self.user}"
        if self.team_id:
            return f"Team {self.team}"
        return f"Event type {self.event_type}"

    def receives(self, trigger: str) -> bool:
        return trigger in self.triggers


# The rules of who manages a team or an event type are Team.objects.administered_by and
# EventType.objects.managed_by, reached through the relations, so that this app imports none of
# the apps it serves.


def teams_administered_by(user):
    teams = Subscription.team.field.related_model.objects
    return teams.all() if user.is_superuser else teams.administered_by(user)


def event_types_managed_by(user):
    return Subscription.event_type.field.related_model.objects.managed_by(user)


class Delivery(models.Model):
    """One event on its way to one subscription, over as many attempts as it takes.

    Due when `next_attempt_at` has passed. Whoever sends it first takes a lease (`lease`,
    until `leased_until`): a task holding an older lease finds it gone and does nothing, and a
    lease that runs out (a worker killed mid-delivery) makes the delivery due again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease = models.UUIDField(null=True, blank=True, default=uuid.uuid4)
    leased_until = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    # Attempts since the delivery was (re)started: the retry schedule counts these.
    round_attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"], name="delivery_once_per_subscription"
            ),
        ]
        indexes = [
            # The sweep: pending deliveries that are due.
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self):
        return f"{self.event.type} to {self.subscription}"


class Attempt(models.Model):
    """One HTTP request of a delivery and what came back."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        WILL_RETRY = "will_retry", "Failed, will retry"
        FAILED = "failed", "Failed, no retry"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique"),
        ]

    def __str__(self):
        return f"Attempt {self.number}: {self.http_status or self.error}"
