"""The admin as seed_demo leaves it: every list and add page renders for a superuser, every
seeded object opens, and the seeded demo host sees only their own keys, schedules and event
types (with those of the team they own)."""

import pytest
from django.urls import reverse

from accounts.models import ApiKey, Team, User
from eventtypes.models import EventType, Schedule
from webhooks.models import Event

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "accounts_user",
    "accounts_organization",
    "accounts_team",
    "accounts_apikey",
    "eventtypes_schedule",
    "eventtypes_eventtype",
]


@pytest.mark.parametrize("name", ADMIN_PAGES + ["webhooks_event", "notifications_notification"])
def test_admin_changelist_renders(admin_client, seeded, name):
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_add_page_renders(admin_client, name):
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_seeded_objects_open_in_the_admin(admin_client, seeded):
    Event.objects.create(type="BOOKING_CREATED", payload={"uid": "abc"}, user_id=1)
    objects = [
        *EventType.objects.all(),
        *Schedule.objects.all(),
        Team.objects.get(),
        User.objects.get(username="demo"),
        Event.objects.get(),
    ]
    for obj in objects:
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200, url


def test_a_host_sees_only_their_own_rows_in_the_admin(seeded, client):
    someone, _ = ApiKey.issue(User.objects.get(username="admin"), name="admin's key")
    own, _ = ApiKey.issue(User.objects.get(username="demo"), name="demo's key")
    Schedule.objects.create(owner=User.objects.get(username="admin"), time_zone="UTC")
    EventType.objects.create(owner=User.objects.get(username="nora"), slug="nora", title="N")
    client.login(username="demo", password="demo")

    keys = client.get(reverse("admin:accounts_apikey_changelist")).context["cl"].result_list
    assert list(keys) == [own]
    schedules = client.get(reverse("admin:eventtypes_schedule_changelist")).context["cl"]
    assert {s.owner.username for s in schedules.result_list} == {"demo"}
    event_types = client.get(reverse("admin:eventtypes_eventtype_changelist")).context["cl"]
    # Demo owns Demo Team, so its team event types are listed too; Nora's own one is not.
    assert event_types.result_count == EventType.objects.count() - 1
    assert "nora" not in {et.slug for et in event_types.result_list}
    url = reverse("admin:accounts_apikey_change", args=[someone.pk])
    assert client.get(url).status_code == 302  # redirected: the key does not exist for demo


def test_a_host_sees_no_emails_of_anyone(seeded, client):
    client.login(username="demo", password="demo")
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code == 403
    assert (
        "Emails"
        not in client.get(reverse("admin:index")).content.decode().split('id="content-main"')[1]
    )
