"""Management commands (create_api_key, seed_demo) and the admin pages of accounts, event types
and webhooks."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiKey, Membership, Team, User, hash_api_key
from eventtypes.admin.event_types import EventTypeAdmin
from eventtypes.models import EventType, Host, Schedule, WeeklyAvailability
from webhooks.models import Event

pytestmark = pytest.mark.django_db

SEEDED_MODELS = [User, Group, Team, Membership, Schedule, WeeklyAvailability, EventType, Host]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def host():
    return User.objects.create_user("hana", "hana@example.com", "secret", time_zone="Asia/Tokyo")


@pytest.fixture
def seeded():
    run("seed_demo")


# --- create_api_key ---------------------------------------------------------------------------


def test_create_api_key_prints_a_key_stored_only_as_its_hash(host):
    out, err = run("create_api_key", "hana", "--name", "CI")

    raw_key = out.strip()
    assert raw_key.startswith("rdv_")
    assert "will not be shown again" in err
    key = ApiKey.objects.get(owner=host)
    assert key.name == "CI"
    assert key.hashed_key == hash_api_key(raw_key)
    assert raw_key not in {key.prefix, key.hashed_key, key.name}
    assert key.expires_at is None
    assert key.is_usable()


def test_create_api_key_expires_after_the_given_days(host):
    run("create_api_key", "hana", "--expires-in-days", "7")

    key = ApiKey.objects.get(owner=host)
    expected = timezone.now() + timedelta(days=7)
    assert abs(key.expires_at - expected) < timedelta(minutes=1)
    assert not key.is_usable(now=expected + timedelta(minutes=1))


def test_create_api_key_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="nobody"):
        run("create_api_key", "nobody")
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("days", ["0", "-3"])
def test_create_api_key_refuses_a_lifetime_below_one_day(host, days):
    with pytest.raises(CommandError, match="at least 1"):
        run("create_api_key", "hana", "--expires-in-days", days)
    assert not ApiKey.objects.exists()


# --- seed_demo --------------------------------------------------------------------------------


def test_seed_demo_prints_the_admin_login_and_booking_urls():
    out, _ = run("seed_demo")

    assert "Admin: http://127.0.0.1:8000/admin/ user admin password admin" in out
    assert "http://127.0.0.1:8000/demo/intro/" in out
    assert "http://127.0.0.1:8000/team/demo-team/support/" in out


def test_seed_demo_twice_changes_nothing():
    run("seed_demo")
    counts = {model: model.objects.count() for model in SEEDED_MODELS}
    event_types = {et.pk: et.updated_at for et in EventType.objects.all()}

    out, _ = run("seed_demo")

    assert {model: model.objects.count() for model in SEEDED_MODELS} == counts
    assert {et.pk: et.updated_at for et in EventType.objects.all()} == event_types
    assert "nothing changed" in out


def test_seed_demo_keeps_a_changed_password(client):
    run("seed_demo")
    admin_user = User.objects.get(username="admin")
    admin_user.set_password("changed")
    admin_user.save()

    run("seed_demo")

    assert client.login(username="admin", password="changed")
    assert not client.login(username="admin", password="admin")


def test_seeded_admin_and_host_can_log_in(seeded, client):
    assert client.login(username="admin", password="admin")
    assert client.get("/admin/").status_code == 200
    client.logout()
    assert client.login(username="demo", password="demo")
    assert client.get(reverse("admin:eventtypes_eventtype_changelist")).status_code == 200


def test_seeded_data_describes_the_demo(seeded):
    demo = User.objects.get(username="demo")
    assert (demo.name, demo.email, demo.time_zone) == (
        "Dana Demo",
        "demo@example.com",
        "Europe/Berlin",
    )
    schedule = Schedule.objects.get(owner=demo, is_default=True)
    assert schedule.time_zone == "Europe/Berlin"
    monday = [
        (w.start_time.isoformat("minutes"), w.end_time.isoformat("minutes"))
        for w in schedule.weekly.filter(weekday=0)
    ]
    assert monday == [("09:00", "12:30"), ("13:30", "17:00")]
    assert not schedule.weekly.filter(weekday__in=[5, 6]).exists()
    assert Schedule.objects.get(owner__username="nora").time_zone == "America/New_York"

    mine = set(EventType.objects.filter(owner=demo).values_list("slug", flat=True))
    assert mine == {
        "intro",
        "consultation",
        "discovery",
        "weekly-coaching",
        "workshop",
        "interview",
    }
    assert EventType.objects.get(owner=demo, slug="consultation").allowed_lengths == [15, 30, 60]
    assert EventType.objects.get(owner=demo, slug="workshop").seats_per_time_slot == 5
    support = EventType.objects.get(team__slug="demo-team", slug="support")
    assert support.scheduling_type == "roundRobin"
    assert [(h.user.username, h.priority) for h in support.hosts.all()] == [
        ("demo", 3),
        ("nora", 2),
    ]
    sync = EventType.objects.get(team__slug="demo-team", slug="team-sync")
    assert all(h.is_fixed for h in sync.hosts.all())
    for event_type in EventType.objects.all():
        event_type.full_clean()


# --- admin pages ------------------------------------------------------------------------------

ADMIN_PAGES = [
    "accounts_user",
    "accounts_organization",
    "accounts_team",
    "accounts_apikey",
    "eventtypes_schedule",
    "eventtypes_eventtype",
]


@pytest.mark.parametrize("name", ADMIN_PAGES + ["webhooks_event"])
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


def test_outbox_is_read_only_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:webhooks_event_add")).status_code == 403


def test_event_type_admin_shows_every_setting():
    fieldsets = admin.site._registry[EventType].get_fieldsets(request=None)
    shown = set()
    for _, options in fieldsets:
        for entry in options["fields"]:
            shown.update(entry if isinstance(entry, tuple) else [entry])
    editable = {f.name for f in EventType._meta.concrete_fields if f.editable and not f.primary_key}
    editable -= {"created_at", "updated_at"}
    assert editable <= shown, editable - shown
    assert isinstance(admin.site._registry[EventType], EventTypeAdmin)


def test_adding_an_api_key_in_the_admin_shows_it_once(admin_client, host):
    response = admin_client.post(
        reverse("admin:accounts_apikey_add"),
        {"owner": host.pk, "name": "Zapier", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )

    assert response.status_code == 200
    key = ApiKey.objects.get(owner=host)
    shown = re.search(r"rdv_[A-Za-z0-9_-]+", response.content.decode())
    assert shown, "the raw key is displayed after adding"
    assert key.name == "Zapier"
    assert key.hashed_key == hash_api_key(shown.group())
    # Shown once: the key page does not repeat it.
    page = admin_client.get(reverse("admin:accounts_apikey_change", args=[key.pk]))
    assert shown.group() not in page.content.decode()


def test_revoking_keys_in_the_admin(admin_client, host):
    kept, _ = ApiKey.issue(host, name="kept")
    revoked, _ = ApiKey.issue(host, name="revoked")

    response = admin_client.post(
        reverse("admin:accounts_apikey_changelist"),
        {"action": "revoke", "_selected_action": [revoked.pk]},
        follow=True,
    )

    assert response.status_code == 200
    revoked.refresh_from_db()
    kept.refresh_from_db()
    assert revoked.revoked_at is not None and not revoked.is_usable()
    assert kept.is_usable()


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


def event_type_form(owner, **changes):
    """What the admin's add form posts when only the required boxes are filled in."""
    data = {
        "title": "Pairing session",
        "slug": "pairing",
        "owner": owner.pk,
        "description": "",
        "locations": '[{"type": "link", "link": "https://meet.example.com/pairing"}]',
        "custom_title": "",
        "success_redirect_url": "",
        "length_minutes": "30",
        "length_options": "",
        "slot_interval": "",
        "schedule": "",
        "minimum_booking_notice": "60",
        "before_event_buffer": "0",
        "after_event_buffer": "0",
        "booking_window_type": "unlimited",
        "booking_window_days": "",
        "booking_window_start": "",
        "booking_window_end": "",
        "booking_limits_count": '{"day": 2}',
        "booking_limits_duration": "",
        "confirmation_threshold_minutes": "",
        "seats_per_time_slot": "",
        "seats_show_availability_count": "on",
        "recurrence_frequency": "",
        "recurrence_interval": "1",
        "recurrence_max_occurrences": "",
        "booking_fields": "[]",
        "cancellation_cutoff_minutes": "",
        "reschedule_cutoff_minutes": "",
        "reminder_offsets": "",
        "team": "",
        "scheduling_type": "",
        "hosts-TOTAL_FORMS": "0",
        "hosts-INITIAL_FORMS": "0",
        "private_links-TOTAL_FORMS": "0",
        "private_links-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_admin_creates_an_event_type_with_empty_json_boxes(admin_client, host):
    response = admin_client.post(reverse("admin:eventtypes_eventtype_add"), event_type_form(host))

    assert response.status_code == 302, response.context["adminform"].form.errors
    event_type = EventType.objects.get(owner=host, slug="pairing")
    assert event_type.length_options == [] and event_type.reminder_offsets == []
    assert event_type.booking_limits_count == {"day": 2}
    assert event_type.booking_limits_duration == {}


def test_admin_refuses_an_event_type_that_breaks_the_rules(admin_client, host):
    form = event_type_form(
        host, seats_per_time_slot="5", recurrence_frequency="weekly", recurrence_max_occurrences="4"
    )

    response = admin_client.post(reverse("admin:eventtypes_eventtype_add"), form)

    assert response.status_code == 200
    assert "cannot be both recurring and seated" in response.content.decode()
    assert not EventType.objects.filter(slug="pairing").exists()


def test_admin_creates_a_schedule_with_weekly_hours(admin_client, host):
    form = {
        "owner": host.pk,
        "name": "Mornings",
        "time_zone": "Asia/Tokyo",
        "weekly-TOTAL_FORMS": "1",
        "weekly-INITIAL_FORMS": "0",
        "weekly-0-weekday": "2",
        "weekly-0-start_time": "08:00",
        "weekly-0-end_time": "11:00",
        "overrides-TOTAL_FORMS": "1",
        "overrides-INITIAL_FORMS": "0",
        "overrides-0-date": "2027-03-03",
        "overrides-0-start_time": "",
        "overrides-0-end_time": "",
    }

    response = admin_client.post(reverse("admin:eventtypes_schedule_add"), form)

    assert response.status_code == 302
    schedule = Schedule.objects.get(owner=host, name="Mornings")
    assert [str(w) for w in schedule.weekly.all()] == ["Wednesday 08:00–11:00"]
    assert [str(o) for o in schedule.overrides.all()] == ["2027-03-03: unavailable"]

    form["name"], form["weekly-0-end_time"] = "Backwards", "07:00"
    response = admin_client.post(reverse("admin:eventtypes_schedule_add"), form)
    assert response.status_code == 200
    assert "The end time must be after the start time." in response.content.decode()
