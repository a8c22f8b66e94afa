"""Webhooks: a user's own (Cal.com's /v2/webhooks), an event type's (Cal.com's
/v2/event-types/{id}/webhooks) and a team's (ours: /v2/teams/{teamId}/webhooks). For any
webhook the caller manages, ours too: its deliveries, a redelivery, a ping and a new secret.

Who manages what is Subscription.objects.managed_by: a host their own webhooks and those of
the event types they manage, a team's owners and admins the team's. Anything else answers 404.
Each action finds what it acts on, calls one service (webhooks/subscriptions.py,
webhooks/delivery.py) and renders the result; the secret is shown only when created or rotated.
"""

from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.decorators import action

from api.operations import operation
from api.views import ApiViewSet
from api.webhooks.serializers import (
    AnyWebhookOutput,
    DeliveryOutput,
    EventTypeWebhookOutput,
    TeamWebhookOutput,
    UserWebhookOutput,
    WebhookInput,
    WebhookListQuery,
)
from eventtypes import permissions
from webhooks import delivery, subscriptions, tasks
from webhooks.errors import DeliveryNotFound, SubscriptionNotFound
from webhooks.models import Attempt, Delivery, Subscription

DELETED_MESSAGE = serializers.CharField(help_text='e.g. "2 webhooks deleted"')


def find_webhook(webhooks, webhook_id: int) -> Subscription:
    subscription = webhooks.filter(pk=webhook_id).first()
    if subscription is None:
        raise SubscriptionNotFound(f"Webhook with id {webhook_id} not found.")
    return subscription


def with_attempts(deliveries):
    return deliveries.select_related("event").prefetch_related(
        Prefetch("attempts", queryset=Attempt.objects.order_by("number"))
    )


class ScopedWebhooks(ApiViewSet):
    """The webhooks of one owner: `owner()` names it, as the keyword arguments of a new one."""

    api_version = None  # Cal.com does not version its webhook endpoints
    tag = "Webhooks"
    lookup_field = "webhook_id"
    lookup_value_converter = "int"
    default_take = 250

    def owner(self) -> dict:
        raise NotImplementedError

    def webhooks(self):
        return Subscription.objects.filter(**self.owner()).order_by("id")

    def list_webhooks(self):
        self.query()
        return self.respond_page(self.webhooks())

    def create_webhook(self):
        created = subscriptions.create_subscription(**self.owner(), **self.body().changes())
        return self.respond(created, show_secret=True)

    def get_webhook(self, webhook_id):
        return self.respond(find_webhook(self.webhooks(), webhook_id))

    def update_webhook(self, webhook_id):
        subscription = find_webhook(self.webhooks(), webhook_id)
        changes = self.body(patch=True).changes()
        return self.respond(subscriptions.update_subscription(subscription, **changes))

    def delete_webhook(self, webhook_id):
        subscription = find_webhook(self.webhooks(), webhook_id)
        shown = Subscription.objects.get(pk=subscription.pk)
        subscriptions.delete_subscription(subscription)
        shown.id = webhook_id
        return self.respond(shown)


class UserWebhookViewSet(ScopedWebhooks):
    def owner(self) -> dict:
        return {"user": self.request.user}

    @operation("listWebhooks", query=WebhookListQuery, output=UserWebhookOutput, paginated=True)
    def list(self, request):
        """List your webhooks

        The webhooks of the bookings you organize (not those of your event types or teams).
        """
        return self.list_webhooks()

    @operation(
        "createWebhook", body=WebhookInput, output=UserWebhookOutput, status=201, errors=(409,)
    )
    def create(self, request):
        """Create a webhook for the bookings you organize

        Without `secret` one is generated; the answer shows it, once. A URL can be subscribed
        once (409 webhook_exists).
        """
        return self.create_webhook()

    @operation("getWebhook", output=UserWebhookOutput)
    def retrieve(self, request, webhook_id):
        """Get one of your webhooks"""
        return self.get_webhook(webhook_id)

    @operation("updateWebhook", body=WebhookInput, output=UserWebhookOutput, errors=(409,))
    def partial_update(self, request, webhook_id):
        """Change one of your webhooks

        Only what is given changes. `active: true` resumes a webhook that was paused or
        disabled.
        """
        return self.update_webhook(webhook_id)

    @operation("deleteWebhook", output=UserWebhookOutput)
    def destroy(self, request, webhook_id):
        """Delete one of your webhooks, with its deliveries"""
        return self.delete_webhook(webhook_id)

    # --- Any webhook the caller manages (ours) --------------------------------------------

    def managed(self, webhook_id) -> Subscription:
        return find_webhook(Subscription.objects.managed_by(self.request.user), webhook_id)

    @action(detail=True, methods=["get"])
    @operation("listWebhookDeliveries", output=DeliveryOutput, paginated=True)
    def deliveries(self, request, webhook_id):
        """List a webhook's deliveries, newest first

        Any webhook you manage (yours, your event types', your teams'). Each delivery is one
        event on its way to the webhook, with every attempt: when, the HTTP status, how long it
        took and the first kilobyte of the answer.
        """
        subscription = self.managed(webhook_id)
        deliveries = Delivery.objects.filter(subscription=subscription).order_by("-id")
        return self.respond_page(with_attempts(deliveries))

    @action(
        detail=True,
        methods=["post"],
        url_path="deliveries/<int:delivery_id>/redeliver",
        url_name="redeliver",
    )
    @operation("redeliverWebhookDelivery", output=DeliveryOutput, errors=(409,))
    def redeliver(self, request, webhook_id, delivery_id):
        """Send a delivery again

        Now, with the same webhook-id; if it fails, the retry schedule starts over. The webhook
        must be active (409 webhook_inactive), and the delivery not being sent at that moment
        (409 delivery_in_progress).
        """
        subscription = self.managed(webhook_id)
        found = Delivery.objects.filter(subscription=subscription, pk=delivery_id).first()
        if found is None:
            raise DeliveryNotFound(f"Delivery {delivery_id} of webhook {webhook_id} not found.")
        found.subscription = subscription
        tasks.redeliver_now(found)
        return self.respond(with_attempts(Delivery.objects.filter(pk=found.pk)).get())

    @action(detail=True, methods=["post"])
    @operation("pingWebhook", output=DeliveryOutput)
    def ping(self, request, webhook_id):
        """Send a PING to a webhook now

        Signed like every delivery, sent at once even while the webhook is paused, never
        retried. The answer is the delivery with its one attempt.
        """
        outcome = delivery.ping(self.managed(webhook_id))
        return self.respond(with_attempts(Delivery.objects.filter(pk=outcome.delivery.pk)).get())

    @action(detail=True, methods=["post"], url_path="rotate-secret")
    @operation("rotateWebhookSecret", output=AnyWebhookOutput)
    def rotate_secret(self, request, webhook_id):
        """Give a webhook a new secret

        The answer shows the new secret, once. For 24 hours (until `previousSecretExpiresAt`)
        requests carry signatures with both secrets, so receivers can switch without losing a
        delivery.
        """
        rotated = subscriptions.rotate_secret(self.managed(webhook_id))
        return self.respond(rotated, show_secret=True)


class EventTypeWebhookViewSet(ScopedWebhooks):
    def owner(self) -> dict:
        event_type_id = self.kwargs["event_type_id"]
        return {"event_type": permissions.own_event_type(self.request.user, event_type_id)}

    @operation(
        "listEventTypeWebhooks",
        query=WebhookListQuery,
        output=EventTypeWebhookOutput,
        paginated=True,
    )
    def list(self, request, event_type_id):
        """List an event type's webhooks"""
        return self.list_webhooks()

    @operation(
        "createEventTypeWebhook",
        body=WebhookInput,
        output=EventTypeWebhookOutput,
        status=201,
        errors=(409,),
    )
    def create(self, request, event_type_id):
        """Create a webhook for an event type's bookings

        For event types you manage (a team's: its owners and admins). Without `secret` one is
        generated; the answer shows it, once.
        """
        return self.create_webhook()

    @operation("deleteAllEventTypeWebhooks", output=DELETED_MESSAGE)
    def destroy_all(self, request, event_type_id):
        """Delete every webhook of an event type"""
        count = subscriptions.delete_subscriptions(self.webhooks())
        return self.respond(f"{count} webhook{'' if count == 1 else 's'} deleted")

    @operation("getEventTypeWebhook", output=EventTypeWebhookOutput)
    def retrieve(self, request, event_type_id, webhook_id):
        """Get a webhook of an event type"""
        return self.get_webhook(webhook_id)

    @operation(
        "updateEventTypeWebhook", body=WebhookInput, output=EventTypeWebhookOutput, errors=(409,)
    )
    def partial_update(self, request, event_type_id, webhook_id):
        """Change a webhook of an event type"""
        return self.update_webhook(webhook_id)

    @operation("deleteEventTypeWebhook", output=EventTypeWebhookOutput)
    def destroy(self, request, event_type_id, webhook_id):
        """Delete a webhook of an event type"""
        return self.delete_webhook(webhook_id)


class TeamWebhookViewSet(ScopedWebhooks):
    def owner(self) -> dict:
        return {"team": permissions.own_team(self.request.user, self.kwargs["team_id"])}

    @operation("listTeamWebhooks", query=WebhookListQuery, output=TeamWebhookOutput, paginated=True)
    def list(self, request, team_id):
        """List a team's webhooks

        For the team's owners and admins. A team's webhook receives the events of every
        booking of the team's event types.
        """
        return self.list_webhooks()

    @operation(
        "createTeamWebhook", body=WebhookInput, output=TeamWebhookOutput, status=201, errors=(409,)
    )
    def create(self, request, team_id):
        """Create a webhook for a team's bookings"""
        return self.create_webhook()

    @operation("getTeamWebhook", output=TeamWebhookOutput)
    def retrieve(self, request, team_id, webhook_id):
        """Get a webhook of a team"""
        return self.get_webhook(webhook_id)

    @operation("updateTeamWebhook", body=WebhookInput, output=TeamWebhookOutput, errors=(409,))
    def partial_update(self, request, team_id, webhook_id):
        """Change a webhook of a team"""
        return self.update_webhook(webhook_id)

    @operation("deleteTeamWebhook", output=TeamWebhookOutput)
    def destroy(self, request, team_id, webhook_id):
        """Delete a webhook of a team"""
        return self.delete_webhook(webhook_id)
