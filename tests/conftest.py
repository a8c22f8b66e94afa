"""What the tests share: the clock, a factory of people, schedules, event types and bookings
built through the real models and services, the people every access rule is tested with, and
an API client whose every answer is checked against our OpenAPI document.

The people (DESIGN.md): `owner` of a personal event type; a `team` administered by
`team_admin`, with `cohost` (who hosts its event types in the tests that build them) and
`member` (who hosts nothing); `outsider`, who belongs to nothing; and the anonymous caller,
`api_as(None)`.
"""

import os
import threading
from datetime import UTC, datetime, time
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from icalendar import Calendar
from rest_framework.test import APIClient

from accounts.models import ApiKey, Membership, Team, User
from bookings.services import Actor, AttendeeInput, BookingRequest, create_booking
from config.celery import app as celery_app
from eventtypes.models import EventType, Host, Schedule, WeeklyAvailability
from tests.api.contract import assert_matches_our_document
from tests.calendar_server import CalendarServer
from tests.receiver import Receiver

# A Monday. Services take `now`, so the tests never depend on the clock.
NOW = datetime(2049, 1, 4, 6, 0, tzinfo=UTC)
WORKDAYS = range(5)


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip on SQLite, and real-worker tests without PostgreSQL and Redis,
    except in CI's PostgreSQL run where they must run."""
    require = os.environ.get("RENDEZVOUS_REQUIRE_POSTGRES") == "1"
    database_url = os.environ.get("DATABASE_URL", "")
    on_postgres = database_url.startswith(("postgres://", "postgresql://"))
    with_redis = bool(os.environ.get("REDIS_URL"))
    if require and not (on_postgres and with_redis):
        raise pytest.UsageError(
            "RENDEZVOUS_REQUIRE_POSTGRES=1 needs DATABASE_URL (PostgreSQL) and REDIS_URL"
        )
    skip_postgres = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_worker = pytest.mark.skip(reason="needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_postgres)
        if "worker" in item.keywords and not (on_postgres and with_redis):
            item.add_marker(skip_worker)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Factory:
    def __init__(self):
        self.count = 0

    def user(self, username=None, *, time_zone="UTC", hours=((9, 17),), days=WORKDAYS, **extra):
        self.count += 1
        username = username or f"host{self.count}"
        user = User.objects.create_user(
            username=username,
            email=f"{username}@example.com",
            password="secret",
            name=username.title(),
            time_zone=time_zone,
            **extra,
        )
        self.schedule(user, time_zone=time_zone, hours=hours, days=days, is_default=True)
        return user

    def schedule(self, owner, *, time_zone="UTC", hours=((9, 17),), days=WORKDAYS, **extra):
        schedule = Schedule.objects.create(owner=owner, time_zone=time_zone, **extra)
        WeeklyAvailability.objects.bulk_create(
            WeeklyAvailability(
                schedule=schedule,
                weekday=day,
                start_time=_as_time(start),
                end_time=_as_time(end),
            )
            for day in days
            for start, end in hours
        )
        return schedule

    def event_type(self, owner=None, *, slug=None, team=None, hosts=(), **fields):
        self.count += 1
        fields.setdefault("minimum_booking_notice", 0)
        fields.setdefault("title", "Intro call")
        event_type = EventType(owner=owner, team=team, slug=slug or f"event-{self.count}", **fields)
        event_type.full_clean()
        event_type.save()
        for host in hosts:
            if isinstance(host, dict):
                Host.objects.create(event_type=event_type, **host)
            else:
                Host.objects.create(event_type=event_type, user=host)
        return event_type

    def team(self, *members, slug=None, admins=()):
        self.count += 1
        team = Team.objects.create(name=f"Team {self.count}", slug=slug or f"team-{self.count}")
        for member in members:
            role = Membership.Role.ADMIN if member in admins else Membership.Role.MEMBER
            Membership.objects.create(team=team, user=member, role=role)
        return team

    def book(self, event_type, start, *, email=None, now=NOW, actor=None, **fields):
        self.count += 1
        attendee = AttendeeInput(
            name=f"Attendee {self.count}",
            email=email or f"attendee{self.count}@example.com",
            time_zone="Europe/Paris",
        )
        request = BookingRequest(start=start, attendee=attendee, **fields)
        return create_booking(event_type, request, actor or Actor.attendee(attendee.email), now=now)


def _as_time(value):
    if isinstance(value, time):
        return value
    if isinstance(value, tuple):
        return time(*value)
    return time(value % 24) if value != 24 else time(0)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Users get passwords in many tests; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def generous_rate_limits(settings):
    """Tests make many calls from one address in a minute; the rate-limit tests set their own."""
    settings.API_CALLS_PER_MINUTE = settings.API_ANONYMOUS_CALLS_PER_MINUTE = 1_000_000


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache (Redis in the PostgreSQL run): counters such as the
    pages' posts per minute must not carry over from one test to the next."""
    cache.clear()


@pytest.fixture
def factory(db):
    return Factory()


@pytest.fixture(autouse=True)
def tasks_in_process(request, settings):
    """Tasks run in-process in every test, as in the embedded setup, even where REDIS_URL is
    set; the tests marked `worker` run a real Celery worker against Redis instead."""
    if "worker" in request.keywords:
        yield
        return
    eager = celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def receiver(settings):
    """A webhook subscriber on 127.0.0.1 (tests/receiver.py), which subscriptions may reach."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def radicale(tmp_path, settings):
    """A real CalDAV server (Radicale) on a free port, which calendar connections may reach."""
    settings.CALENDAR_ALLOW_PRIVATE_NETWORKS = True
    server = CalendarServer(tmp_path)
    server.start()
    yield server
    server.stop()


# --- The people ----------------------------------------------------------------------------------


@pytest.fixture
def owner(factory):
    return factory.user("dana")


@pytest.fixture
def outsider(factory):
    return factory.user("olga")


@pytest.fixture
def team_admin(factory):
    return factory.user("adam")


@pytest.fixture
def cohost(factory):
    return factory.user("cora")


@pytest.fixture
def member(factory):
    return factory.user("mia")


@pytest.fixture
def team(factory, team_admin, cohost, member):
    return factory.team(team_admin, cohost, member, slug="support", admins=[team_admin])


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


class Api:
    """A JSON client for /v2/, acting as a user through an API key, or anonymously."""

    def __init__(self, user=None):
        self.client = APIClient()
        if user is not None:
            _, raw_key = ApiKey.issue(user, name="tests")
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    def request(self, method, path, body=None, **headers):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        if method in ("get", "delete") and body is not None:
            response = getattr(self.client, method)(path, body, **extra)
        else:
            response = getattr(self.client, method)(path, body, format="json", **extra)
        # Every answer, success or error, is what our OpenAPI document says it is.
        assert_matches_our_document(response)
        return response

    def get(self, path, params=None, **headers):
        return self.request("get", path, params, **headers)

    def post(self, path, body=None, **headers):
        return self.request("post", path, body, **headers)

    def patch(self, path, body=None, **headers):
        return self.request("patch", path, body, **headers)

    def put(self, path, body=None, **headers):
        return self.request("put", path, body, **headers)

    def delete(self, path, params=None, **headers):
        if params:
            path += "?" + urlencode(params)
        return self.request("delete", path, None, **headers)


def speaking(version: str) -> type[Api]:
    """An Api client that names `version` in cal-api-version unless a request names its own
    (without the header, the resources that have it answer in Cal.com's 2024-04-15 shapes)."""

    class VersionedApi(Api):
        def request(self, method, path, body=None, **headers):
            headers.setdefault("cal-api-version", version)
            return super().request(method, path, body, **headers)

    return VersionedApi


@pytest.fixture
def api_as(db):
    """api_as(user) -> a client authenticated with a fresh API key of that user;
    api_as(None) -> anonymous."""
    return Api


# --- Races ----------------------------------------------------------------------------------------


def holding_a_lock_on(user, while_held):
    """Run while_held() while another transaction (another connection) holds the user's row
    lock; returns its outcome, a value or an exception. Needs PostgreSQL and real transactions."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                User.objects.select_for_update().get(pk=user.pk)
                locked.set()
                release.wait(10)
        finally:
            locked.set()
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        return while_held()
    except Exception as error:
        return error
    finally:
        release.set()
        holder.join(15)


# --- Answers -------------------------------------------------------------------------------------


def error_of(response, status: int | None = None, code: str | None = None) -> dict:
    """The `error` of an error envelope, after checking the status and code when given."""
    body = response.json()
    assert body["status"] == "error", body
    if status is not None:
        assert response.status_code == status, body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def error_code(response) -> str:
    return error_of(response)["code"]


# --- Calendar files ------------------------------------------------------------------------------

# Line breaks that must not start a property or a component of their own in a calendar file.
BREAKS = {"cr": "\r", "lf": "\n", "crlf": "\r\n"}


def parse(content: bytes):
    calendar = Calendar.from_ical(content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1, content
    return calendar, events[0]


def unfolded_lines(content: bytes) -> list[str]:
    return content.decode().replace("\r\n ", "").split("\r\n")[:-1]


def attendee_emails(event) -> list[str]:
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    return [str(a).removeprefix("mailto:") for a in attendees]
