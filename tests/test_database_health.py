"""The per-request health check of PostgreSQL connections (config/postgresql/base.py): no round
trip while the connection is sound, and a connection the server has ended is replaced before
the request uses it, so that a database restart costs no failed request."""

import time

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def start_request():
    """What Django does when a request starts (and ends): request_started's handler."""
    close_old_connections()


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def persistent(settings):
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    connection.settings_dict["CONN_MAX_AGE"] = 600
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    connection.close()
    yield
    connection.close()


def test_a_sound_connection_is_not_asked_select_1(persistent, monkeypatch):
    pid = backend_pid()
    asked = []
    original = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: asked.append(1) or original())
    for _ in range(3):
        start_request()
        assert backend_pid() == pid
    assert asked == []


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(persistent):
    pid = backend_pid()
    with psycopg.connect(_server_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the server's notice reaches the socket

    start_request()

    assert backend_pid() != pid


def _server_url():
    database = settings.DATABASES["default"]
    return f"postgresql://{database['USER']}@{database['HOST']}:{database['PORT']}/postgres"


def test_a_connection_quiet_for_a_while_is_asked_again(persistent, monkeypatch):
    """A connection dropped on the way (no notice on its socket) is most likely after a quiet
    spell: then the full check runs."""
    backend_pid()
    asked = []
    original = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: asked.append(1) or original())
    connection.checked_at -= 31

    start_request()
    backend_pid()

    assert asked == [1]


def test_the_slot_engines_statement_is_health_checked_like_any_other(persistent, factory):
    """With its event type kept, the statement is a slots request's first: it goes through the
    same check, not straight to a connection the server has ended."""
    from datetime import timedelta

    from bookings.slots import find_slots
    from tests.conftest import utc

    event_type = factory.event_type(factory.user())
    start = utc(2049, 1, 4)
    expected = find_slots(event_type, start, start + timedelta(days=1)).slots
    pid = backend_pid()
    with psycopg.connect(_server_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)

    start_request()

    assert find_slots(event_type, start, start + timedelta(days=1)).slots == expected
    assert backend_pid() != pid


def test_batches_stay_within_the_parameters_a_statement_bound_on_the_server_takes():
    """bulk_create and the rows a delete collects come in batches Django asks the backend for;
    PostgreSQL takes at most 65,535 parameters in a statement bound on the server."""
    rows = range(100_000)
    bound_on_server = connection.settings_dict["OPTIONS"].get("server_side_binding")
    size = connection.ops.bulk_batch_size(["start", "end"], rows)
    assert size == (32_767 if bound_on_server else 100_000)
    assert connection.ops.bulk_batch_size([], rows) == (65_535 if bound_on_server else 100_000)
