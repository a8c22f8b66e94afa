"""Subscriptions: created, changed, paused, deleted and their secrets rotated, with every rule
checked here for the API and the admin alike.

Errors: a setting that breaks a rule raises django's ValidationError keyed by model field;
DuplicateSubscription when the owner already has a subscription for that URL.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from webhooks import delivery, secrets, templates, transport
from webhooks.errors import DuplicateSubscription
from webhooks.models import SUBSCRIBABLE_TRIGGERS, Subscription

# What may be set, by model field.
FIELDS = ("subscriber_url", "active", "triggers", "secret", "payload_template", "version")


def create_subscription(*, user=None, team=None, event_type=None, **values) -> Subscription:
    """A subscription of exactly one owner: a user (the bookings they organize), a team (its
    event types' bookings) or one event type. Without a secret, one is generated."""
    subscription = new_subscription(user=user, team=team, event_type=event_type)
    prepare(subscription, values)
    return save_subscription(subscription)


def update_subscription(subscription: Subscription, **changes) -> Subscription:
    """Change some settings, and only those (a concurrent change of others, e.g. a 410 that
    disables it, is kept). Re-activating clears why it was disabled and its failures."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        changed = prepare(subscription, changes)
        return save_subscription(subscription, changed)


def new_subscription(*, user=None, team=None, event_type=None) -> Subscription:
    if [user, team, event_type].count(None) != 2:
        raise TypeError("A subscription has exactly one owner: a user, a team or an event type.")
    return Subscription(user=user, team=team, event_type=event_type)


def prepare(subscription: Subscription, values: dict) -> list[str]:
    """Check `values` and set them on the (new or existing) subscription, without saving;
    returns the fields it set. Raises ValidationError, or DuplicateSubscription when its owner
    has the URL already."""
    creating = subscription.pk is None
    was_active = subscription.active if not creating else True
    if creating:
        values = {"active": True, "version": Subscription.VERSION, **values}
        if not values.get("secret"):
            values["secret"] = secrets.new_secret()
    _apply(subscription, values, creating=creating)
    changed = list(values)
    if subscription.active and not was_active:
        subscription.disabled_reason = ""
        subscription.failing_since = subscription.last_failure_at = None
        changed += ["disabled_reason", "failing_since", "last_failure_at"]
    if _url_taken(subscription):
        raise DuplicateSubscription(_duplicate_message(subscription))
    return changed


def save_subscription(subscription: Subscription, fields: list[str] | None = None) -> Subscription:
    """Save a subscription `prepare` accepted: a new one whole, an existing one's `fields`."""
    update_fields = [*fields, "updated_at"] if fields is not None and subscription.pk else None
    try:
        with transaction.atomic():
            subscription.save(update_fields=update_fields)
    except IntegrityError:
        # Another request created the same subscription in between.
        raise DuplicateSubscription(_duplicate_message(subscription)) from None
    return subscription


def delete_subscription(subscription: Subscription) -> None:
    """The subscription goes, with its deliveries and their attempts."""
    subscription.delete()


def delete_subscriptions(subscriptions) -> int:
    """Every subscription of a queryset, as delete_subscription does; returns how many."""
    gone = list(subscriptions)
    for subscription in gone:
        delete_subscription(subscription)
    return len(gone)


@transaction.atomic
def rotate_secret(subscription: Subscription, *, now=None) -> Subscription:
    """A new generated secret; for 24 hours requests are signed with the old one as well.
    Locks the subscription, so that two rotations at once keep the secret in between."""
    now = now or timezone.now()
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = now + delivery.SECRET_OVERLAP
    subscription.secret = secrets.new_secret()
    subscription.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return subscription


def _apply(subscription: Subscription, values: dict, *, creating: bool) -> None:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"Unknown subscription settings: {sorted(unknown)}")
    errors = {}
    for field, value in values.items():
        problem = _problem(field, value)
        if problem:
            errors[field] = problem
        else:
            setattr(subscription, field, _clean(field, value))
    if creating and "subscriber_url" not in values:
        errors["subscriber_url"] = "Give the URL that receives the webhooks."
    if creating and "triggers" not in values:
        errors["triggers"] = "Choose the events to receive."
    if errors:
        raise ValidationError(errors)


def _problem(field: str, value) -> str | None:
    if field == "subscriber_url":
        return _url_problem(value)
    if field == "triggers":
        if not value:
            return "Choose at least one event to receive."
        unknown = [t for t in value if t not in SUBSCRIBABLE_TRIGGERS]
        if unknown:
            return f"Unknown triggers: {', '.join(map(str, unknown))}."
    if field == "secret":
        return secrets.secret_problem(value or "")
    if field == "payload_template" and len(value or "") > templates.MAX_LENGTH:
        return f"A payload template has at most {templates.MAX_LENGTH} characters."
    if field == "version" and value != Subscription.VERSION:
        return f"The only webhook version is {Subscription.VERSION}."
    return None


def _url_problem(url: str) -> str | None:
    if not url:
        return "Give the URL that receives the webhooks."
    if len(url) > Subscription._meta.get_field("subscriber_url").max_length:
        return "The URL is too long."
    problem = transport.url_problem(url)
    if problem:
        return problem
    if not settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS and transport.literal_internal_host(url):
        return "Webhooks are sent to public addresses only."
    return None


def _clean(field: str, value):
    if field == "triggers":
        return list(dict.fromkeys(value))
    if field == "payload_template":
        return value or ""
    return value


def _url_taken(subscription: Subscription) -> bool:
    owner = {
        "user": subscription.user_id,
        "team": subscription.team_id,
        "event_type": subscription.event_type_id,
    }
    owner = {field: pk for field, pk in owner.items() if pk}
    return (
        Subscription.objects.filter(**owner, subscriber_url=subscription.subscriber_url)
        .exclude(pk=subscription.pk)
        .exists()
    )


def _duplicate_message(subscription: Subscription) -> str:
    owner = _owner_noun(subscription)
    return f"A webhook for {subscription.subscriber_url} already exists for this {owner}."


def _owner_noun(subscription: Subscription) -> str:
    if subscription.user_id:
        return "user"
    return "team" if subscription.team_id else "event type"
