"""Webhooks over the API: Cal.com's /v2/webhooks and /v2/event-types/{id}/webhooks (validated
against Cal.com's document), ours for teams, and the deliveries, redelivery, ping and secret
rotation of any webhook the caller manages. Who may see what is tested per persona; the rules
themselves are tested in tests/domain/test_webhook_subscriptions.py and
tests/domain/test_webhook_delivery.py."""

import json
from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from tests.api.contract import assert_matches_contract
from tests.conftest import error_of, utc
from tests.receiver import Answer
from webhooks import delivery
from webhooks.models import Delivery, Subscription

URL = "https://hooks.example.com/rendezvous"
BODY = {
    "subscriberUrl": URL,
    "active": True,
    "triggers": ["BOOKING_CREATED", "BOOKING_CANCELLED"],
    "payloadTemplate": '{"title": "{{title}}"}',
}
START = utc(2049, 1, 4, 10, 0)


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(owner)


@pytest.fixture
def team_type(factory, team, cohost):
    return factory.event_type(team=team, scheduling_type="collective", hosts=[cohost])


def data_of(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()["data"]


# --- A user's own: Cal.com's /v2/webhooks ------------------------------------------------------


def test_a_created_webhook_shows_its_secret_once(api_as, owner):
    api = api_as(owner)

    created = api.post("/v2/webhooks", BODY)

    assert_matches_contract(created)
    data = data_of(created, 201)
    assert data["secret"].startswith("whsec_")
    assert {k: data[k] for k in BODY} == BODY
    assert data["userId"] == owner.id
    assert data["version"] == "2021-10-20"
    read = api.get(f"/v2/webhooks/{data['id']}")
    assert_matches_contract(read)
    assert "secret" not in data_of(read)
    assert data_of(read) == {k: v for k, v in data.items() if k != "secret"}
    assert Subscription.objects.get(pk=data["id"]).secret == data["secret"]


def test_a_webhook_with_its_own_secret(api_as, owner):
    data = data_of(api_as(owner).post("/v2/webhooks", {**BODY, "secret": "s3cret"}), 201)

    assert data["secret"] == "s3cret"


def test_a_webhook_without_a_template_shows_an_empty_one(api_as, owner):
    body = {k: v for k, v in BODY.items() if k != "payloadTemplate"}

    created = api_as(owner).post("/v2/webhooks", body)

    assert_matches_contract(created)
    assert data_of(created, 201)["payloadTemplate"] == ""


def test_listing_shows_only_your_own_webhooks(api_as, owner, outsider, event_type):
    mine = data_of(api_as(owner).post("/v2/webhooks", BODY), 201)
    api_as(owner).post(f"/v2/event-types/{event_type.id}/webhooks", BODY)
    api_as(outsider).post("/v2/webhooks", BODY)

    listed = api_as(owner).get("/v2/webhooks")

    assert_matches_contract(listed)
    assert [w["id"] for w in data_of(listed)] == [mine["id"]]
    assert listed.json()["pagination"]["itemsPerPage"] == 250


def test_listing_takes_and_skips(api_as, owner):
    api = api_as(owner)
    ids = [
        data_of(api.post("/v2/webhooks", {**BODY, "subscriberUrl": f"{URL}/{n}"}), 201)["id"]
        for n in range(3)
    ]

    page = api.get("/v2/webhooks", {"take": 2, "skip": 1})

    assert [w["id"] for w in data_of(page)] == ids[1:]
    assert page.json()["pagination"]["totalItems"] == 3


def test_updating_changes_what_is_given(api_as, owner):
    api = api_as(owner)
    webhook = data_of(api.post("/v2/webhooks", BODY), 201)

    updated = api.patch(f"/v2/webhooks/{webhook['id']}", {"active": False, "payloadTemplate": None})

    assert_matches_contract(updated)
    data = data_of(updated)
    assert data["active"] is False
    assert data["payloadTemplate"] == ""
    assert data["triggers"] == BODY["triggers"]
    assert "secret" not in data


def test_deleting_answers_with_the_deleted_webhook(api_as, owner):
    api = api_as(owner)
    webhook = data_of(api.post("/v2/webhooks", BODY), 201)

    deleted = api.delete(f"/v2/webhooks/{webhook['id']}")

    assert_matches_contract(deleted)
    assert data_of(deleted)["id"] == webhook["id"]
    assert not Subscription.objects.exists()
    error_of(api.get(f"/v2/webhooks/{webhook['id']}"), 404, "webhook_not_found")


def test_a_url_subscribed_twice_is_a_conflict(api_as, owner):
    api = api_as(owner)
    api.post("/v2/webhooks", BODY)

    error = error_of(api.post("/v2/webhooks", BODY), 409, "webhook_exists")

    assert URL in error["message"]
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"active": True, "triggers": ["BOOKING_CREATED"]}, "subscriberUrl"),
        ({"subscriberUrl": URL, "triggers": ["BOOKING_CREATED"]}, "active"),
        ({"subscriberUrl": URL, "active": True}, "triggers"),
        ({**BODY, "subscriberUrl": "ftp://example.com/"}, "subscriberUrl"),
        ({**BODY, "subscriberUrl": "http://127.0.0.1:8000/hook"}, "subscriberUrl"),
        ({**BODY, "active": "yes"}, "active"),
        ({**BODY, "triggers": ["BOOKING_DANCED"]}, "triggers"),
        ({**BODY, "triggers": []}, "triggers"),
        ({**BODY, "triggers": "BOOKING_CREATED"}, "triggers"),
        ({**BODY, "secret": ""}, "secret"),
        ({**BODY, "secret": "whsec_c2hvcnQ="}, "secret"),
        ({**BODY, "version": "2099-01-01"}, "version"),
        ({**BODY, "payloadTemplate": 42}, "payloadTemplate"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, owner, settings, body, field):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False

    error = error_of(api_as(owner).post("/v2/webhooks", body), 400, "validation_error")

    assert list(error["details"]) == [field]
    assert not Subscription.objects.exists()


def test_a_bad_update_changes_nothing(api_as, owner):
    api = api_as(owner)
    webhook = data_of(api.post("/v2/webhooks", BODY), 201)

    response = api.patch(f"/v2/webhooks/{webhook['id']}", {"active": False, "subscriberUrl": "x"})

    assert list(error_of(response, 400, "validation_error")["details"]) == ["subscriberUrl"]
    assert Subscription.objects.get().active


def test_webhooks_need_an_api_key(api_as):
    error_of(api_as(None).get("/v2/webhooks"), 401, "unauthorized")
    error_of(api_as(None).post("/v2/webhooks", BODY), 401, "unauthorized")


def test_someone_elses_webhook_does_not_exist(api_as, owner, outsider, team_admin):
    webhook = data_of(api_as(owner).post("/v2/webhooks", BODY), 201)
    path = f"/v2/webhooks/{webhook['id']}"

    for stranger in (outsider, team_admin):
        api = api_as(stranger)
        error_of(api.get(path), 404, "webhook_not_found")
        error_of(api.patch(path, {"active": False}), 404, "webhook_not_found")
        error_of(api.delete(path), 404, "webhook_not_found")
        error_of(api.get(f"{path}/deliveries"), 404, "webhook_not_found")
        error_of(api.post(f"{path}/deliveries/1/redeliver"), 404, "webhook_not_found")
        error_of(api.post(f"{path}/ping"), 404, "webhook_not_found")
        error_of(api.post(f"{path}/rotate-secret"), 404, "webhook_not_found")
    assert Subscription.objects.get().active


# --- An event type's: Cal.com's /v2/event-types/{id}/webhooks --------------------------------


def test_an_event_types_webhooks_follow_cal_coms_shapes(api_as, owner, event_type):
    api = api_as(owner)
    base = f"/v2/event-types/{event_type.id}/webhooks"

    created = api.post(base, BODY)
    assert_matches_contract(created)
    webhook = data_of(created, 201)
    assert webhook["eventTypeId"] == event_type.id and webhook["secret"]
    listed = api.get(base)
    assert_matches_contract(listed)
    assert [w["id"] for w in data_of(listed)] == [webhook["id"]]
    read = api.get(f"{base}/{webhook['id']}")
    assert_matches_contract(read)
    updated = api.patch(f"{base}/{webhook['id']}", {"triggers": ["BOOKING_RESCHEDULED"]})
    assert_matches_contract(updated)
    assert data_of(updated)["triggers"] == ["BOOKING_RESCHEDULED"]
    deleted = api.delete(f"{base}/{webhook['id']}")
    assert_matches_contract(deleted)
    assert not Subscription.objects.exists()


def test_deleting_every_webhook_of_an_event_type(api_as, owner, event_type):
    api = api_as(owner)
    base = f"/v2/event-types/{event_type.id}/webhooks"
    api.post(base, BODY)
    api.post(base, {**BODY, "subscriberUrl": URL + "/2"})
    own = data_of(api.post("/v2/webhooks", BODY), 201)

    response = api.delete(base)

    assert_matches_contract(response)
    assert data_of(response) == "2 webhooks deleted"
    assert list(Subscription.objects.values_list("pk", flat=True)) == [own["id"]]


def test_a_team_event_types_webhooks_are_its_admins(
    api_as, team_type, team_admin, cohost, member, outsider, owner
):
    base = f"/v2/event-types/{team_type.id}/webhooks"

    webhook = data_of(api_as(team_admin).post(base, BODY), 201)

    for stranger in (cohost, member, outsider, owner):
        api = api_as(stranger)
        error_of(api.get(base), 404, "event_type_not_found")
        error_of(api.post(base, BODY), 404, "event_type_not_found")
        error_of(api.get(f"{base}/{webhook['id']}"), 404, "event_type_not_found")
        error_of(api.get(f"/v2/webhooks/{webhook['id']}/deliveries"), 404, "webhook_not_found")
    assert Subscription.objects.count() == 1


def test_another_event_types_webhook_is_not_found_under_this_one(api_as, owner, factory):
    first, second = factory.event_type(owner), factory.event_type(owner)
    webhook = data_of(api_as(owner).post(f"/v2/event-types/{first.id}/webhooks", BODY), 201)

    response = api_as(owner).get(f"/v2/event-types/{second.id}/webhooks/{webhook['id']}")

    error_of(response, 404, "webhook_not_found")


# --- A team's (ours) ---------------------------------------------------------------------------


def test_a_teams_webhooks_are_for_its_owners_and_admins(
    api_as, team, team_admin, cohost, member, outsider
):
    base = f"/v2/teams/{team.id}/webhooks"

    created = api_as(team_admin).post(base, BODY)

    webhook = data_of(created, 201)
    assert webhook["teamId"] == team.id
    assert [w["id"] for w in data_of(api_as(team_admin).get(base))] == [webhook["id"]]
    assert (
        data_of(api_as(team_admin).patch(f"{base}/{webhook['id']}", {"active": False}))["active"]
        is False
    )
    for stranger in (cohost, member, outsider):
        api = api_as(stranger)
        error_of(api.get(base), 404, "team_not_found")
        error_of(api.post(base, BODY), 404, "team_not_found")
        own = f"/v2/webhooks/{webhook['id']}"
        error_of(api.get(f"{own}/deliveries"), 404, "webhook_not_found")
        error_of(api.post(f"{own}/ping"), 404, "webhook_not_found")
        error_of(api.post(f"{own}/rotate-secret"), 404, "webhook_not_found")
    data_of(api_as(team_admin).delete(f"{base}/{webhook['id']}"))
    assert not Subscription.objects.exists()


# --- Deliveries, redelivery, ping, rotation (ours) ----------------------------------------


def deliver_everything():
    for event_id in delivery.undispatched(grace=timedelta(0)):
        for lease in delivery.dispatch(event_id):
            delivery.attempt(lease.delivery_id, lease.token)


def test_deliveries_list_every_attempt(api_as, owner, factory, event_type, receiver):
    api = api_as(owner)
    webhook = data_of(api.post("/v2/webhooks", {**BODY, "subscriberUrl": receiver.url()}), 201)
    receiver.answer(Answer(503, body=b"busy"))
    booking = factory.book(event_type, START).booking
    deliver_everything()

    listed = api.get(f"/v2/webhooks/{webhook['id']}/deliveries")

    [shown] = data_of(listed)
    assert shown["webhookId"] == webhook["id"]
    assert shown["triggerEvent"] == "BOOKING_CREATED"
    assert shown["status"] == "pending"
    assert shown["messageId"] == receiver.requests[0].headers["webhook-id"]
    [attempt] = shown["attempts"]
    assert attempt["httpStatus"] == 503
    assert attempt["responseExcerpt"] == "busy"
    assert attempt["outcome"] == "will_retry"
    assert "nextAttemptAt" in shown
    assert json.loads(receiver.requests[0].body) == {"title": booking.title}


def test_a_team_admin_sees_the_deliveries_of_the_teams_webhooks(
    api_as, team, team_admin, team_type, receiver, factory
):
    webhook = data_of(
        api_as(team_admin).post(
            f"/v2/teams/{team.id}/webhooks", {**BODY, "subscriberUrl": receiver.url()}
        ),
        201,
    )
    factory.book(team_type, START)
    deliver_everything()

    [shown] = data_of(api_as(team_admin).get(f"/v2/webhooks/{webhook['id']}/deliveries"))

    assert shown["status"] == "succeeded"


def test_redelivering_sends_again_with_the_same_webhook_id(
    api_as, owner, factory, event_type, receiver
):
    api = api_as(owner)
    webhook = data_of(api.post("/v2/webhooks", {**BODY, "subscriberUrl": receiver.url()}), 201)
    receiver.answer(Answer(400))
    factory.book(event_type, START)
    deliver_everything()
    failed = Delivery.objects.get()
    assert failed.status == "failed"

    response = api.post(f"/v2/webhooks/{webhook['id']}/deliveries/{failed.id}/redeliver")

    shown = data_of(response)
    assert shown["id"] == failed.id
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert Delivery.objects.get().status in ("pending", "succeeded")


def test_a_delivery_being_sent_is_not_redelivered(api_as, owner, factory, event_type, receiver):
    api = api_as(owner)
    webhook = data_of(api.post("/v2/webhooks", {**BODY, "subscriberUrl": receiver.url()}), 201)
    factory.book(event_type, START)
    [lease] = [
        lease for e in delivery.undispatched(grace=timedelta(0)) for lease in delivery.dispatch(e)
    ]

    response = api.post(f"/v2/webhooks/{webhook['id']}/deliveries/{lease.delivery_id}/redeliver")

    error_of(response, 409, "delivery_in_progress")


def test_redelivering_needs_an_active_webhook_and_a_known_delivery(
    api_as, owner, factory, event_type, receiver
):
    api = api_as(owner)
    webhook = data_of(api.post("/v2/webhooks", {**BODY, "subscriberUrl": receiver.url()}), 201)
    factory.book(event_type, START)
    deliver_everything()
    sent = Delivery.objects.get()
    base = f"/v2/webhooks/{webhook['id']}/deliveries"

    error_of(api.post(f"{base}/{sent.id + 1}/redeliver"), 404, "delivery_not_found")
    api.patch(f"/v2/webhooks/{webhook['id']}", {"active": False})
    error_of(api.post(f"{base}/{sent.id}/redeliver"), 409, "webhook_inactive")


def test_a_ping_answers_with_its_attempt(api_as, owner, receiver):
    api = api_as(owner)
    webhook = data_of(api.post("/v2/webhooks", {**BODY, "subscriberUrl": receiver.url()}), 201)

    response = api.post(f"/v2/webhooks/{webhook['id']}/ping")

    shown = data_of(response)
    assert shown["triggerEvent"] == "PING"
    assert shown["status"] == "succeeded"
    assert shown["attempts"][0]["httpStatus"] == 200
    [request] = receiver.wait_for(1)
    assert Webhook(webhook["secret"]).verify(request.body, request.headers)["triggerEvent"] == (
        "PING"
    )


def test_rotating_shows_the_new_secret_once_and_signs_with_both(api_as, owner, receiver):
    api = api_as(owner)
    webhook = data_of(api.post("/v2/webhooks", {**BODY, "subscriberUrl": receiver.url()}), 201)

    rotated = data_of(api.post(f"/v2/webhooks/{webhook['id']}/rotate-secret"))

    assert rotated["secret"] != webhook["secret"]
    assert rotated["previousSecretExpiresAt"]
    assert "secret" not in data_of(api.get(f"/v2/webhooks/{webhook['id']}"))
    api.post(f"/v2/webhooks/{webhook['id']}/ping")
    [request] = receiver.wait_for(1)
    for secret in (webhook["secret"], rotated["secret"]):
        assert Webhook(secret).verify(request.body, request.headers)
