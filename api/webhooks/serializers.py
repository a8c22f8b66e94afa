"""Webhooks (Cal.com's CreateWebhookInputDto and webhook outputs) and their deliveries (ours).
Inputs check shapes; the rules live in webhooks/subscriptions.py."""

from rest_framework import serializers

from api.fields import BoundedIntegerField, StrictBooleanField, TextField
from api.pagination import MAX_TAKE
from api.serializers import PatchableSerializer
from bookings.representation import Instant, OneOf, Output
from webhooks.models import SUBSCRIBABLE_TRIGGERS, Attempt, Delivery, Subscription


class WebhookInput(PatchableSerializer):
    """Cal.com's CreateWebhookInputDto (PATCH: UpdateWebhookInputDto, any subset)."""

    subscriberUrl = TextField(
        source="subscriber_url",
        max_length=2048,
        help_text="The http(s) URL that receives the POST requests",
    )
    active = StrictBooleanField()
    triggers = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_TRIGGERS),
        max_length=len(SUBSCRIBABLE_TRIGGERS),
        help_text="The events to receive. Rendezvous fires BOOKING_CREATED, BOOKING_REQUESTED, "
        "BOOKING_RESCHEDULED, BOOKING_CANCELLED, BOOKING_REJECTED, BOOKING_NO_SHOW_UPDATED, "
        "INSTANT_MEETING, MEETING_STARTED and MEETING_ENDED as Cal.com does, and "
        "BOOKING_CONFIRMED, BOOKING_REASSIGNED and BOOKING_UPDATED of its own; Cal.com's other "
        "triggers are accepted and never fire.",
    )
    secret = TextField(
        required=False,
        max_length=255,
        trim_whitespace=False,
        help_text="Signs every request. Left out: a whsec_ secret is generated and returned once",
    )
    payloadTemplate = TextField(
        source="payload_template",
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        max_length=65536,
        help_text="A body of your own with {{variables}} (e.g. {{organizer.name}}, "
        "{{attendees.0.email}}) in place of the default envelope",
    )
    version = serializers.ChoiceField(choices=[Subscription.VERSION], required=False)

    def changes(self) -> dict:
        """The settings given, by model field (a null template is no template)."""
        changes = dict(self.validated_data)
        if "payload_template" in changes:
            changes["payload_template"] = changes["payload_template"] or ""
        return changes


class WebhookListQuery(serializers.Serializer):
    take = serializers.IntegerField(required=False, min_value=1, max_value=MAX_TAKE, default=250)
    skip = BoundedIntegerField(required=False, min_value=0, default=0)


class ShownOnce(serializers.CharField):
    """The secret, only where the context says it is to be shown (creation and rotation)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def get_attribute(self, instance):
        return instance.secret if self.context.get("show_secret") else None


class WebhookFields(Output):
    """What every webhook shows, whoever owns it."""

    id = serializers.IntegerField()
    subscriberUrl = serializers.CharField(source="subscriber_url")
    active = serializers.BooleanField()
    triggers = serializers.ListField(child=serializers.CharField())
    payloadTemplate = serializers.CharField(source="payload_template", allow_blank=True)
    secret = ShownOnce(help_text="Only in the answer that creates or rotates it")
    version = serializers.CharField()
    createdAt = Instant(source="created_at")
    updatedAt = Instant(source="updated_at")
    disabledReason = serializers.CharField(
        source="disabled_reason",
        required=False,
        help_text="Why Rendezvous stopped sending (410 Gone, or five days of failures)",
    )
    previousSecretExpiresAt = Instant(
        source="previous_secret_expires_at",
        required=False,
        help_text="After a rotation: until then requests are signed with the old secret too",
    )


class UserWebhookOutput(WebhookFields):
    userId = serializers.IntegerField(source="user_id")

    def applies_to(self, subscription) -> bool:
        return subscription.user_id is not None


class EventTypeWebhookOutput(WebhookFields):
    eventTypeId = serializers.IntegerField(source="event_type_id")

    def applies_to(self, subscription) -> bool:
        return subscription.event_type_id is not None


class TeamWebhookOutput(WebhookFields):
    teamId = serializers.IntegerField(source="team_id")

    def applies_to(self, subscription) -> bool:
        return subscription.team_id is not None


class AnyWebhookOutput(OneOf):
    """A webhook of a user, an event type or a team."""

    variants = (UserWebhookOutput, EventTypeWebhookOutput, TeamWebhookOutput)


class AttemptOutput(Output):
    number = serializers.IntegerField()
    startedAt = Instant(source="started_at")
    durationMs = serializers.IntegerField(source="duration_ms")
    httpStatus = serializers.IntegerField(source="http_status", required=False)
    responseExcerpt = serializers.CharField(
        source="response_excerpt", required=False, help_text="The answer's first kilobyte"
    )
    error = serializers.CharField(required=False, help_text="Why there was no answer")
    outcome = serializers.ChoiceField(choices=Attempt.Outcome.choices)


class DeliveryOutput(Output):
    id = serializers.IntegerField()
    webhookId = serializers.IntegerField(source="subscription_id")
    eventId = serializers.IntegerField(source="event_id")
    messageId = serializers.CharField(
        source="event.message_id", help_text="The webhook-id header: the same on every retry"
    )
    triggerEvent = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=Delivery.Status.choices)
    attemptCount = serializers.IntegerField(source="attempt_count")
    nextAttemptAt = Instant(source="next_attempt_at", required=False)
    finishedAt = Instant(source="finished_at", required=False)
    failureReason = serializers.CharField(source="failure_reason", required=False)
    createdAt = Instant(source="created_at")
    attempts = AttemptOutput(many=True, source="attempts.all")
