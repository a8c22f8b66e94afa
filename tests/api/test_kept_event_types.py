"""Event types kept between requests for GET /v2/slots?eventTypeId=… (bookings/kept_event_types.py):
never stale, whoever changes the event type and however, at no lookup while it is unchanged.

The API reads the real clock, so the dates are in 2050. 2050-09-05 is a Monday.
"""

import psycopg
import pytest
from django.db import connection

from bench.roundtrips import counting_round_trips
from bookings import kept_event_types
from eventtypes.models import EventType
from tests.conftest import Api, error_of

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY = "2050-09-05"


def starts(event_type_id, **params) -> list[str]:
    response = Api().get(
        "/v2/slots",
        {"eventTypeId": event_type_id, "start": MONDAY, "end": MONDAY, "timeZone": "UTC", **params},
        **{"cal-api-version": "2024-09-04"},
    )
    assert response.status_code == 200, response.json()
    return [slot["start"][11:16] for slot in response.json()["data"].get(MONDAY, [])]


@pytest.fixture
def event_type(factory):
    return factory.event_type(factory.user(hours=((9, 11),)), length_minutes=30)


def test_a_change_made_without_save_is_seen_by_the_next_request(event_type):
    assert starts(event_type.id) == ["09:00", "09:30", "10:00", "10:30"]

    EventType.objects.filter(pk=event_type.pk).update(length_minutes=60)

    assert starts(event_type.id) == ["09:00", "10:00"]


@pytest.mark.usefixtures("postgres_only")
def test_a_change_made_by_another_process_is_seen_and_an_unchanged_one_costs_no_lookup(
    event_type,
):
    starts(event_type.id)
    starts(event_type.id)  # kept, and the statement prepared
    with counting_round_trips() as trips:
        assert starts(event_type.id) == ["09:00", "09:30", "10:00", "10:30"]
    assert trips.count == 1

    interval_set_elsewhere(event_type, 60)
    with counting_round_trips() as trips:
        assert starts(event_type.id) == ["09:00", "10:00"]
    # The statement finds another version: the event type is looked up again, the slots read
    # again; the lookup, run a second time on this connection, is prepared (once: one more).
    prepared = connection.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    assert trips.count == 3 + prepared
    with counting_round_trips() as trips:
        starts(event_type.id)
    assert trips.count == 1

    interval_set_elsewhere(event_type, 30)
    with counting_round_trips() as trips:
        assert starts(event_type.id) == ["09:00", "09:30", "10:00", "10:30"]
    assert trips.count == 3


def interval_set_elsewhere(event_type, minutes: int) -> None:
    """The event type's slot interval changed over another connection, as another process
    would."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"],
        autocommit=True,
    ) as elsewhere:
        elsewhere.execute(
            "UPDATE eventtypes_eventtype SET slot_interval = %s WHERE id = %s",
            [minutes, event_type.id],
        )


def test_an_error_the_kept_event_type_would_give_is_checked_against_the_row_as_it_is(event_type):
    """The duration is checked before the statement confirms the kept event type: a length
    offered since is not refused from the kept one."""
    starts(event_type.id)

    EventType.objects.filter(pk=event_type.pk).update(length_minutes=60)

    assert starts(event_type.id, duration=60) == ["09:00", "10:00"]


def test_a_deleted_event_type_is_not_found(event_type):
    starts(event_type.id)

    EventType.objects.filter(pk=event_type.pk).delete()

    response = Api().get(
        "/v2/slots",
        {"eventTypeId": event_type.id, "start": MONDAY, "end": MONDAY},
        **{"cal-api-version": "2024-09-04"},
    )
    assert error_of(response, 404)


def test_what_a_request_does_to_its_event_type_stays_with_that_request(event_type):
    def spoil(kept, row_version):
        kept.booking_fields.append({"name": "spoilt"})
        kept.length_minutes = 1
        return kept

    named = {
        "event_type_id": event_type.id,
        "slug": None,
        "username": None,
        "team_slug": None,
        "organization_slug": None,
    }
    kept_event_types.with_event_type(named, spoil)
    again = kept_event_types.with_event_type(named, lambda kept, version: kept)

    assert again.length_minutes == 30
    assert {"name": "spoilt"} not in again.booking_fields


def test_a_bad_duration_is_refused_from_the_kept_event_type_while_it_is_current(event_type):
    starts(event_type.id)

    response = Api().get(
        "/v2/slots",
        {"eventTypeId": event_type.id, "start": MONDAY, "end": MONDAY, "duration": 45},
        **{"cal-api-version": "2024-09-04"},
    )

    assert error_of(response, 400)
    assert starts(event_type.id) == ["09:00", "09:30", "10:00", "10:30"]
