"""Webhooks in the admin: a host creates, pauses, resumes, pings and rotates the webhooks they
manage, through the same services as the API, and sees each delivery with its attempts and can
send it again. Each person sees the webhooks Subscription.objects.managed_by gives them."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.admin.conftest import START, form_data, messages_of, signed_in
from tests.receiver import Answer
from webhooks import delivery
from webhooks.models import Delivery, Subscription
from webhooks.subscriptions import create_subscription

pytestmark = pytest.mark.django_db

ADD = reverse("admin:webhooks_subscription_add")
LIST = reverse("admin:webhooks_subscription_changelist")
DELIVERIES = reverse("admin:webhooks_delivery_changelist")
URL = "https://hooks.example.com/in"


def subscribe(url=URL, **owner):
    return create_subscription(subscriber_url=url, triggers=["BOOKING_CREATED"], **owner)


def add_form(client, **fields) -> dict:
    data = form_data(client.get(ADD))
    data.update({"subscriber_url": URL, "triggers": ["BOOKING_CREATED", "BOOKING_CANCELLED"]})
    data["active"] = "on"
    data.update(fields)
    return data


def deliver_everything():
    for event_id in delivery.undispatched(grace=timedelta(0)):
        for lease in delivery.dispatch(event_id):
            delivery.attempt(lease.delivery_id, lease.token)


def test_a_host_adds_a_webhook_and_sees_its_secret_once(make_staff, owner):
    client = signed_in(make_staff(owner))

    response = client.post(ADD, add_form(client, owner=f"user:{owner.pk}"), follow=True)

    subscription = Subscription.objects.get()
    assert subscription.user == owner
    assert subscription.triggers == ["BOOKING_CREATED", "BOOKING_CANCELLED"]
    assert subscription.secret.startswith("whsec_")
    assert any(subscription.secret in message for message in messages_of(response))
    page = client.get(reverse("admin:webhooks_subscription_change", args=[subscription.pk]))
    assert subscription.secret not in page.content.decode()


def test_a_team_admin_may_pick_the_team_and_a_member_may_not(make_staff, team, team_admin, member):
    admin_page = signed_in(make_staff(team_admin)).get(ADD).content.decode()
    member_client = signed_in(make_staff(member))

    assert f"team:{team.pk}" in admin_page
    assert f"team:{team.pk}" not in member_client.get(ADD).content.decode()
    forged = member_client.post(ADD, add_form(member_client, owner=f"team:{team.pk}"))
    assert "owner" in forged.context["adminform"].form.errors
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"subscriber_url": "ftp://example.com/x"}, "subscriber_url", "Only http and https"),
        ({"secret": "whsec_c2hvcnQ="}, "secret", "at least 24 bytes"),
        ({"triggers": []}, "triggers", "This field is required."),
    ],
)
def test_what_the_services_refuse_shows_in_the_form(make_staff, owner, fields, field, message):
    client = signed_in(make_staff(owner))

    response = client.post(ADD, add_form(client, owner=f"user:{owner.pk}", **fields))

    errors = response.context["adminform"].form.errors
    assert message in errors[field][0]
    assert not Subscription.objects.exists()


def test_a_url_twice_for_the_same_owner_is_a_form_error(make_staff, owner):
    subscribe(user=owner)
    client = signed_in(make_staff(owner))

    response = client.post(ADD, add_form(client, owner=f"user:{owner.pk}"))

    assert "already exists" in response.context["adminform"].form.errors["subscriber_url"][0]
    assert Subscription.objects.count() == 1


def test_each_person_lists_the_webhooks_they_manage(
    make_staff, owner, team, team_admin, member, outsider, factory
):
    own = subscribe(URL + "/own", user=owner)
    of_team = subscribe(URL + "/team", team=team)
    of_type = subscribe(URL + "/type", event_type=factory.event_type(owner))

    def listed(user):
        response = signed_in(make_staff(user)).get(LIST)
        return set(response.context["cl"].queryset)

    assert listed(owner) == {own, of_type}
    assert listed(team_admin) == {of_team}
    assert listed(member) == set()
    assert listed(outsider) == set()


def test_changing_a_webhook_goes_through_the_services(make_staff, owner):
    subscription = subscribe(user=owner)
    client = signed_in(make_staff(owner))
    url = reverse("admin:webhooks_subscription_change", args=[subscription.pk])
    data = form_data(client.get(url))

    refused = client.post(url, {**data, "subscriber_url": "http://"})
    saved = client.post(url, {**data, "subscriber_url": URL + "/new"})

    assert "no host" in refused.context["adminform"].form.errors["subscriber_url"][0]
    assert saved.status_code == 302
    assert Subscription.objects.get().subscriber_url == URL + "/new"


def test_pause_resume_and_ping_by_action(make_staff, owner, receiver):
    subscription = subscribe(receiver.url(), user=owner)
    client = signed_in(make_staff(owner))

    def act(action):
        return client.post(
            LIST, {"action": action, "_selected_action": [subscription.pk]}, follow=True
        )

    act("pause")
    assert not Subscription.objects.get().active
    pinged = act("send_ping")
    assert any("answered 200" in m for m in messages_of(pinged))
    assert len(receiver.wait_for(1)) == 1
    act("resume")
    assert Subscription.objects.get().active
    rotated = act("rotate")
    assert any(Subscription.objects.get().secret in m for m in messages_of(rotated))


def test_the_list_shows_the_last_delivery_and_why_a_webhook_stopped(
    make_staff, owner, factory, receiver
):
    subscribe(receiver.url(), user=owner)
    receiver.answer(Answer(410))
    factory.book(factory.event_type(owner), START)
    deliver_everything()

    page = signed_in(make_staff(owner)).get(LIST).content.decode()

    assert "Failed, " in page
    assert "410 Gone" in page


def test_deliveries_show_their_attempts_and_can_be_sent_again(
    make_staff, owner, outsider, factory, receiver
):
    subscribe(receiver.url(), user=owner)
    receiver.answer(Answer(500, body=b"oops"))
    factory.book(factory.event_type(owner), START)
    deliver_everything()
    sent = Delivery.objects.get()
    client = signed_in(make_staff(owner))

    page = client.get(reverse("admin:webhooks_delivery_change", args=[sent.pk]))
    assert "oops" in page.content.decode()
    assert set(client.get(DELIVERIES).context["cl"].queryset) == {sent}
    assert set(signed_in(make_staff(outsider)).get(DELIVERIES).context["cl"].queryset) == set()

    response = client.post(
        DELIVERIES, {"action": "redeliver", "_selected_action": [sent.pk]}, follow=True
    )

    assert any("sent again" in m for m in messages_of(response))
    assert len(receiver.wait_for(2)) == 2
    assert Delivery.objects.get().status == "succeeded"
