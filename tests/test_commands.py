"""The management commands: create_api_key (a key printed once and stored as its hash, with an
optional lifetime) and seed_demo (the demo's people, schedules and event types, idempotent, with
logins that work)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiKey, Membership, Team, User, hash_api_key
from bookings.models import Booking
from eventtypes.models import EventType, Host, Schedule, WeeklyAvailability

pytestmark = pytest.mark.django_db

SEEDED_MODELS = [User, Group, Team, Membership, Schedule, WeeklyAvailability, EventType, Host]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def seeded():
    run("seed_demo")


# --- create_api_key ---------------------------------------------------------------------------


def test_create_api_key_prints_a_key_stored_only_as_its_hash(owner):
    out, err = run("create_api_key", "dana", "--name", "CI")

    raw_key = out.strip()
    assert raw_key.startswith("rdv_")
    assert "will not be shown again" in err
    key = ApiKey.objects.get(owner=owner)
    assert key.name == "CI"
    assert key.hashed_key == hash_api_key(raw_key)
    assert raw_key not in {key.prefix, key.hashed_key, key.name}
    assert key.expires_at is None
    assert key.is_usable()


def test_create_api_key_expires_after_the_given_days(owner):
    run("create_api_key", "dana", "--expires-in-days", "7")

    key = ApiKey.objects.get(owner=owner)
    expected = timezone.now() + timedelta(days=7)
    assert abs(key.expires_at - expected) < timedelta(minutes=1)
    assert not key.is_usable(now=expected + timedelta(minutes=1))


def test_create_api_key_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="nobody"):
        run("create_api_key", "nobody")
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("days", ["0", "-3"])
def test_create_api_key_refuses_a_lifetime_below_one_day(owner, days):
    with pytest.raises(CommandError, match="at least 1"):
        run("create_api_key", "dana", "--expires-in-days", days)
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


def test_seed_demo_bookings_gives_the_demo_host_bookings_to_try_once(seeded, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True  # as with DEBUG, in make run
    out, _ = run("seed_demo_bookings")
    assert "Sample bookings of demo: 6." in out
    bookings = Booking.objects.filter(organizer__username="demo")
    now = timezone.now()
    assert bookings.filter(end__lt=now, status="accepted").count() == 2
    assert bookings.filter(status="pending", start__gt=now).count() == 2
    assert bookings.filter(status="cancelled").count() == 1
    assert bookings.filter(status="accepted", start__gt=now).count() == 1

    from webhooks.models import Subscription

    [paused] = Subscription.objects.filter(user__username="demo")
    assert (paused.subscriber_url, paused.active) == ("http://127.0.0.1:8001/", False)

    out, _ = run("seed_demo_bookings")
    assert "none added" in out
    assert Booking.objects.count() == 6


def test_receive_webhooks_prints_each_delivery_and_its_signature(seeded, settings):
    import socket
    import threading
    import time as clock

    from bookings import slots
    from bookings.services import Actor, AttendeeInput, BookingRequest, create_booking
    from webhooks.management.commands.receive_webhooks import receiver, subscribe
    from webhooks.tasks import sweep

    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo = User.objects.get(username="demo")
    subscription = subscribe(demo, f"http://127.0.0.1:{port}/")
    assert subscribe(demo, f"http://127.0.0.1:{port}/") == subscription  # started again
    lines = []
    server = receiver(port, subscription.secret, lines.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        intro = EventType.objects.get(slug="intro")
        now = timezone.now()
        start = slots.find_slots(intro, now, now + timedelta(days=14)).slots[0].start
        attendee = AttendeeInput(name="Wendy Hook", email="wendy@example.com")
        create_booking(intro, BookingRequest(start=start, attendee=attendee), Actor.attendee())
        sweep()
        deadline = clock.monotonic() + 10
        while not lines and clock.monotonic() < deadline:
            clock.sleep(0.05)
    finally:
        server.shutdown()
        server.server_close()
    assert lines and lines[0].startswith("BOOKING_CREATED")
    assert "Wendy Hook" in lines[0] and "signature valid" in lines[0]
