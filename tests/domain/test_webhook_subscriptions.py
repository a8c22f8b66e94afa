"""Subscriptions: the rules every way of creating or changing one goes through
(webhooks/subscriptions.py), and who manages which (Subscription.objects.managed_by)."""

import base64

import pytest
from django.core.exceptions import ValidationError

from webhooks.errors import DuplicateSubscription
from webhooks.models import Subscription
from webhooks.subscriptions import (
    create_subscription,
    delete_subscription,
    delete_subscriptions,
    rotate_secret,
    update_subscription,
)

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/rendezvous"


def make(owner, **values):
    values = {"subscriber_url": URL, "triggers": ["BOOKING_CREATED"], **values}
    return create_subscription(user=owner, **values)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def test_a_subscription_without_a_secret_gets_a_standard_webhooks_secret(owner):
    subscription = make(owner)

    assert subscription.secret.startswith("whsec_")
    assert len(base64.b64decode(subscription.secret.removeprefix("whsec_"))) == 24
    assert subscription.active
    assert subscription.version == "2021-10-20"
    assert make(owner, subscriber_url=URL + "/2").secret != subscription.secret


def test_a_chosen_secret_is_kept(owner):
    assert make(owner, secret="shh").secret == "shh"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"subscriber_url": "ftp://example.com/x"}, "subscriber_url", "Only http and https"),
        ({"subscriber_url": "not a url"}, "subscriber_url", "spaces"),
        ({"subscriber_url": "example.com/hook"}, "subscriber_url", "Only http and https"),
        ({"subscriber_url": "https://example.com/a\nb"}, "subscriber_url", "control characters"),
        ({"subscriber_url": "https://" + "a" * 64 + ".com/"}, "subscriber_url", "host name"),
        ({"subscriber_url": "https://"}, "subscriber_url", "no host"),
        ({"subscriber_url": "https://u:p@example.com/"}, "subscriber_url", "user name"),
        ({"subscriber_url": "https://example.com:99999/"}, "subscriber_url", "Not a valid URL"),
        ({"subscriber_url": "http://127.0.0.1:8000/x"}, "subscriber_url", "public addresses"),
        ({"subscriber_url": "http://localhost/x"}, "subscriber_url", "public addresses"),
        ({"subscriber_url": "http://[::1]/x"}, "subscriber_url", "public addresses"),
        ({"subscriber_url": "http://10.1.2.3/x"}, "subscriber_url", "public addresses"),
        ({"subscriber_url": "http://169.254.169.254/"}, "subscriber_url", "public addresses"),
        ({"subscriber_url": "https://e.com/" + "a" * 2048}, "subscriber_url", "too long"),
        ({"triggers": []}, "triggers", "at least one"),
        ({"triggers": ["BOOKING_CREATED", "NOPE"]}, "triggers", "Unknown triggers: NOPE"),
        ({"triggers": ["PING"]}, "triggers", "Unknown triggers: PING"),
        ({"secret": "whsec_c2hvcnQ="}, "secret", "at least 24 bytes"),
        ({"secret": "whsec_***" + "A" * 40}, "secret", "base64"),
        ({"secret": "x" * 256}, "secret", "at most 255"),
        ({"payload_template": "x" * 70000}, "payload_template", "at most 65536"),
        ({"version": "2024-01-01"}, "version", "2021-10-20"),
    ],
)
def test_a_bad_setting_is_refused_with_its_field(owner, settings, values, field, message):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False

    errors = errors_of(lambda: make(owner, **values))

    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not Subscription.objects.exists()


def test_a_private_address_is_accepted_where_private_networks_are_allowed(owner, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True

    assert make(owner, subscriber_url="http://127.0.0.1:9000/hook").pk


def test_a_url_and_triggers_are_required(owner):
    errors = errors_of(lambda: create_subscription(user=owner))

    assert set(errors) == {"subscriber_url", "triggers"}


def test_triggers_cal_com_defines_but_we_never_fire_are_accepted(owner):
    subscription = make(owner, triggers=["BOOKING_PAID", "BOOKING_CREATED", "BOOKING_CREATED"])

    assert subscription.triggers == ["BOOKING_PAID", "BOOKING_CREATED"]


def test_one_url_once_per_owner(owner, outsider, team, event_type_of):
    make(owner)

    with pytest.raises(DuplicateSubscription, match="already exists for this user"):
        make(owner)
    assert make(outsider).pk
    assert create_subscription(team=team, subscriber_url=URL, triggers=["BOOKING_CREATED"])
    assert create_subscription(
        event_type=event_type_of(owner), subscriber_url=URL, triggers=["BOOKING_CREATED"]
    )
    other = make(owner, subscriber_url=URL + "/other")
    with pytest.raises(DuplicateSubscription):
        update_subscription(other, subscriber_url=URL)
    assert Subscription.objects.get(pk=other.pk).subscriber_url == URL + "/other"


def test_a_subscription_has_exactly_one_owner(owner, team):
    with pytest.raises(TypeError, match="exactly one owner"):
        create_subscription(user=owner, team=team, subscriber_url=URL, triggers=["PING"])
    with pytest.raises(TypeError, match="exactly one owner"):
        create_subscription(subscriber_url=URL, triggers=["BOOKING_CREATED"])


def test_an_update_changes_only_what_it_names(owner):
    subscription = make(owner, payload_template="{}")

    update_subscription(subscription, active=False, triggers=["BOOKING_CANCELLED"])

    fresh = Subscription.objects.get(pk=subscription.pk)
    assert (fresh.active, fresh.triggers, fresh.payload_template, fresh.subscriber_url) == (
        False,
        ["BOOKING_CANCELLED"],
        "{}",
        URL,
    )


def test_a_refused_update_changes_nothing(owner):
    subscription = make(owner)

    errors_of(lambda: update_subscription(subscription, active=False, triggers=["NOPE"]))

    assert Subscription.objects.get(pk=subscription.pk).active


def test_rotating_keeps_the_old_secret_for_a_day(owner):
    subscription = make(owner)
    old = subscription.secret

    rotate_secret(subscription)

    fresh = Subscription.objects.get(pk=subscription.pk)
    assert fresh.previous_secret == old
    assert fresh.secret != old
    hours = (fresh.previous_secret_expires_at - fresh.updated_at).total_seconds() / 3600
    assert 23.9 < hours <= 24


def test_deleting_takes_the_deliveries_along(owner):
    subscription = make(owner)

    delete_subscription(subscription)

    assert not Subscription.objects.exists()


# --- Who manages which -----------------------------------------------------------------------


@pytest.fixture
def event_type_of(factory):
    return lambda owner: factory.event_type(owner)


def test_who_manages_which_subscription(
    factory, owner, outsider, team, team_admin, cohost, member, event_type_of, django_user_model
):
    team_type = factory.event_type(team=team, scheduling_type="collective", hosts=[cohost])
    own = make(owner)
    own_type = create_subscription(
        event_type=event_type_of(owner), subscriber_url=URL, triggers=["BOOKING_CREATED"]
    )
    team_wide = create_subscription(team=team, subscriber_url=URL, triggers=["BOOKING_CREATED"])
    team_typed = create_subscription(
        event_type=team_type, subscriber_url=URL, triggers=["BOOKING_CREATED"]
    )
    cohosts = make(cohost)
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw")

    def managed(user):
        return set(Subscription.objects.managed_by(user))

    assert managed(owner) == {own, own_type}
    assert managed(team_admin) == {team_wide, team_typed}
    assert managed(cohost) == {cohosts}
    assert managed(member) == set()
    assert managed(outsider) == set()
    assert managed(superuser) == {own, own_type, team_wide, team_typed, cohosts}
    assert Subscription.objects.managed_by(None).count() == 0


def test_an_update_keeps_what_changed_meanwhile(owner):
    subscription = make(owner)
    stale = Subscription.objects.get(pk=subscription.pk)
    Subscription.objects.filter(pk=subscription.pk).update(
        active=False, disabled_reason="Disabled: the subscriber answered 410 Gone."
    )

    update_subscription(stale, triggers=["BOOKING_CANCELLED"])

    fresh = Subscription.objects.get(pk=subscription.pk)
    assert fresh.triggers == ["BOOKING_CANCELLED"]
    assert not fresh.active and "410" in fresh.disabled_reason


def test_deleting_many_counts_them(owner):
    make(owner)
    make(owner, subscriber_url=URL + "/2")

    assert delete_subscriptions(Subscription.objects.all()) == 2
    assert not Subscription.objects.exists()
