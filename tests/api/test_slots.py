"""Free slots over the API: GET /v2/slots and GET /v2/slots/explain (cal-api-version
2024-09-04): finding the event type (by id, slug and username or team), slots in the caller's
time zone, the query options, group queries by usernames, bad queries, query counts, and why a
start is or is not bookable.

The API reads the real clock, so the dates are in 2050 (always ahead, as in Cal.com's examples).
2050-09-05 is a Monday.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openapi_schema_validator import OAS30Validator

from accounts.models import Organization
from api.slots.serializers import SlotOutput, SlotsByDateOutput
from bookings.models import Booking
from bookings.services import reserve_slot
from eventtypes.availability import Slot
from eventtypes.models import DateOverride
from tests.api.contract import SPEC_URI, _escape, _registry
from tests.conftest import error_of, utc

MONDAY = "2050-09-05"
DAY_OF_UTC_SLOTS = [f"{MONDAY}T{h:02d}:{m:02d}:00.000Z" for h in range(9, 17) for m in (0, 30)]


def assert_slots_match_contract(response):
    """Cal.com's schema for GET /v2/slots describes the `data` map alone (its own example
    carries the envelope) and types the default format's items as strings although its example
    and its service return objects; its range branch describes what Cal.com sends for both
    formats, so `data` is validated against that branch."""
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    pointer = (
        f"{SPEC_URI}#/paths/{_escape('/v2/slots')}/get/responses/200"
        "/content/application~1json/schema/oneOf/1"
    )
    OAS30Validator({"$ref": pointer}, registry=_registry()).validate(body["data"])


def slots(client, event_type=None, **params):
    if event_type is not None:
        params.setdefault("eventTypeId", event_type.id)
    params.setdefault("start", MONDAY)
    params.setdefault("end", MONDAY)
    return client.get("/v2/slots", params, **{"cal-api-version": "2024-09-04"})


def starts(response, day=MONDAY):
    return [item["start"] for item in response.json()["data"].get(day, [])]


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(owner, slug="intro", length_minutes=30)


@pytest.fixture
def anonymous(api_as):
    return api_as(None)


# --- Finding the event type ---------------------------------------------------------------------


def test_anyone_gets_a_days_slots_keyed_by_date(anonymous, event_type):
    response = slots(anonymous, event_type)

    assert response.status_code == 200
    assert response.json()["data"] == {MONDAY: [{"start": s} for s in DAY_OF_UTC_SLOTS]}
    assert_slots_match_contract(response)


def test_slots_by_slug_and_username(anonymous, event_type):
    response = slots(anonymous, eventTypeSlug="intro", username="dana")
    assert starts(response) == DAY_OF_UTC_SLOTS


def test_slots_of_a_team_event_type_by_team_slug(anonymous, factory):
    first, second = factory.user(), factory.user(hours=((13, 17),))
    team = factory.team(first, second, slug="sales")
    factory.event_type(team=team, slug="demo", hosts=[first, second], scheduling_type="collective")

    response = slots(anonymous, eventTypeSlug="demo", teamSlug="sales")

    assert response.status_code == 200
    assert starts(response)[0] == f"{MONDAY}T13:00:00.000Z"  # collective: both must be free
    assert len(starts(response)) == 8


def test_round_robin_slots_need_one_free_host(anonymous, factory):
    first, second = factory.user(), factory.user(hours=((13, 17),))
    team = factory.team(first, second)
    round_robin = factory.event_type(team=team, hosts=[first, second], scheduling_type="roundRobin")
    assert starts(slots(anonymous, round_robin)) == DAY_OF_UTC_SLOTS


def test_a_team_within_an_organization_is_found_with_the_organization_slug(anonymous, factory):
    acme = Organization.objects.create(name="Acme", slug="acme")
    member = factory.user()
    team = factory.team(member, slug="sales")
    team.organization = acme
    team.save()
    factory.event_type(team=team, slug="demo", hosts=[member], scheduling_type="collective")

    found = slots(anonymous, eventTypeSlug="demo", teamSlug="sales", organizationSlug="acme")
    assert starts(found) == DAY_OF_UTC_SLOTS
    outside = slots(anonymous, eventTypeSlug="demo", teamSlug="sales")
    assert outside.status_code == 404
    assert error_of(outside)["code"] == "event_type_not_found"


def test_a_hidden_event_type_is_still_queryable_by_id(anonymous, factory, owner):
    hidden = factory.event_type(owner, hidden=True)
    assert starts(slots(anonymous, hidden)) == DAY_OF_UTC_SLOTS


@pytest.mark.parametrize(
    "params, message",
    [
        ({"eventTypeId": 999999}, "Event type with id 999999 not found."),
        (
            {"eventTypeSlug": "nope", "username": "dana"},
            "Event type with slug nope belonging to user dana not found.",
        ),
        (
            {"eventTypeSlug": "intro", "teamSlug": "ghosts"},
            "Event type with slug intro belonging to team ghosts not found.",
        ),
    ],
    ids=["id", "slug-and-username", "slug-and-team"],
)
def test_an_unknown_event_type_is_a_404(anonymous, event_type, params, message):
    response = slots(anonymous, **params)
    assert response.status_code == 404
    error = error_of(response)
    assert (error["code"], error["message"]) == ("event_type_not_found", message)


# --- Output in the caller's time zone ------------------------------------------------------------


def test_slots_come_in_the_time_zone_asked_for(anonymous, event_type):
    response = slots(anonymous, event_type, timeZone="Europe/Berlin")
    assert starts(response)[:2] == [
        f"{MONDAY}T11:00:00.000+02:00",
        f"{MONDAY}T11:30:00.000+02:00",
    ]


def test_a_slot_after_local_midnight_is_listed_under_the_next_local_date(anonymous, factory):
    late = factory.event_type(factory.user(hours=((22, 24),)))

    response = slots(anonymous, late, timeZone="Europe/Berlin")

    assert response.json()["data"] == {
        "2050-09-06": [
            {"start": "2050-09-06T00:00:00.000+02:00"},
            {"start": "2050-09-06T00:30:00.000+02:00"},
            {"start": "2050-09-06T01:00:00.000+02:00"},
            {"start": "2050-09-06T01:30:00.000+02:00"},
        ]
    }


def test_berlin_hours_keep_their_local_time_across_the_spring_change(anonymous, factory):
    berlin = factory.user(time_zone="Europe/Berlin", hours=((9, 10),), days=range(7))
    event_type = factory.event_type(berlin, length_minutes=60)

    # Clocks in Berlin go forward on Sunday 2050-03-27.
    response = slots(
        anonymous, event_type, start="2050-03-26", end="2050-03-28", timeZone="Europe/Berlin"
    )

    assert response.json()["data"] == {
        "2050-03-26": [{"start": "2050-03-26T09:00:00.000+01:00"}],
        "2050-03-27": [{"start": "2050-03-27T09:00:00.000+02:00"}],
        "2050-03-28": [{"start": "2050-03-28T09:00:00.000+02:00"}],
    }
    assert_slots_match_contract(response)


def test_new_york_hours_keep_their_local_time_across_the_autumn_change(anonymous, factory):
    new_york = factory.user(time_zone="America/New_York", hours=((9, 10),), days=range(7))
    event_type = factory.event_type(new_york, length_minutes=60)

    # Clocks in New York go back on Sunday 2050-11-06.
    response = slots(
        anonymous,
        event_type,
        start="2050-11-05T12:00:00Z",
        end="2050-11-08T00:00:00Z",
        timeZone="America/New_York",
        format="range",
    )

    assert response.json()["data"] == {
        "2050-11-05": [
            {"start": "2050-11-05T09:00:00.000-04:00", "end": "2050-11-05T10:00:00.000-04:00"}
        ],
        "2050-11-06": [
            {"start": "2050-11-06T09:00:00.000-05:00", "end": "2050-11-06T10:00:00.000-05:00"}
        ],
        "2050-11-07": [
            {"start": "2050-11-07T09:00:00.000-05:00", "end": "2050-11-07T10:00:00.000-05:00"}
        ],
    }


def test_the_same_new_york_slots_seen_from_berlin_move_by_the_changing_gap(anonymous, factory):
    new_york = factory.user(time_zone="America/New_York", hours=((9, 10),), days=range(7))
    event_type = factory.event_type(new_york, length_minutes=60)

    # New York changes on 2050-03-13, Berlin only on 2050-03-27: the gap is 5 hours, then 6.
    response = slots(
        anonymous, event_type, start="2050-03-12", end="2050-03-13", timeZone="Europe/Berlin"
    )

    assert starts(response, "2050-03-12") == ["2050-03-12T15:00:00.000+01:00"]
    assert starts(response, "2050-03-13") == ["2050-03-13T14:00:00.000+01:00"]


# --- Options -------------------------------------------------------------------------------------


def test_range_format_gives_each_slot_its_end(anonymous, event_type):
    response = slots(anonymous, event_type, format="range", end=f"{MONDAY}T10:00:00Z")

    assert response.json()["data"] == {
        MONDAY: [
            {"start": f"{MONDAY}T09:00:00.000Z", "end": f"{MONDAY}T09:30:00.000Z"},
            {"start": f"{MONDAY}T09:30:00.000Z", "end": f"{MONDAY}T10:00:00.000Z"},
        ]
    }
    assert_slots_match_contract(response)


def test_a_bare_end_date_covers_that_whole_day_and_a_time_stops_earlier(anonymous, event_type):
    assert starts(slots(anonymous, event_type, end=MONDAY))[-1] == f"{MONDAY}T16:30:00.000Z"
    assert starts(slots(anonymous, event_type, end=f"{MONDAY}T12:00:00Z"))[-1] == (
        f"{MONDAY}T11:30:00.000Z"
    )
    assert starts(slots(anonymous, event_type, start=f"{MONDAY}T15:00:00Z")) == [
        f"{MONDAY}T15:00:00.000Z",
        f"{MONDAY}T15:30:00.000Z",
        f"{MONDAY}T16:00:00.000Z",
        f"{MONDAY}T16:30:00.000Z",
    ]


def test_a_range_of_several_days_lists_each_working_day(anonymous, event_type):
    response = slots(anonymous, event_type, start="2050-09-09", end="2050-09-12")
    assert sorted(response.json()["data"]) == ["2050-09-09", "2050-09-12"]  # not the weekend


def test_no_availability_is_an_empty_object(anonymous, event_type):
    response = slots(anonymous, event_type, start="2050-09-10", end="2050-09-11")  # weekend
    assert response.json() == {"status": "success", "data": {}}
    assert_slots_match_contract(response)


def test_duration_picks_one_of_the_event_types_lengths(anonymous, factory, owner):
    flexible = factory.event_type(owner, length_minutes=30, length_options=[30, 60])

    response = slots(anonymous, flexible, duration=60, format="range")

    data = response.json()["data"][MONDAY]
    assert [item["start"][11:16] for item in data] == [f"{h:02d}:00" for h in range(9, 17)]
    assert data[-1]["end"] == f"{MONDAY}T17:00:00.000Z"


def test_a_duration_the_event_type_does_not_offer_is_refused(anonymous, event_type):
    response = slots(anonymous, event_type, duration=45)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert "duration" in error["details"]
    assert "30" in error["message"]


def test_a_booked_time_is_not_offered(anonymous, event_type, factory):
    factory.book(event_type, utc(2050, 9, 5, 10))
    assert f"{MONDAY}T10:00:00.000Z" not in starts(slots(anonymous, event_type))


def test_rescheduling_frees_the_bookings_own_time(anonymous, event_type, factory):
    booking = factory.book(event_type, utc(2050, 9, 5, 10)).booking
    factory.book(event_type, utc(2050, 9, 5, 11))

    offered = starts(slots(anonymous, event_type, bookingUidToReschedule=booking.uid))

    assert f"{MONDAY}T10:00:00.000Z" in offered
    assert f"{MONDAY}T11:00:00.000Z" not in offered


def test_someone_elses_reservation_hides_the_slot(anonymous, event_type):
    reserve_slot(event_type, utc(2050, 9, 5, 10))
    assert f"{MONDAY}T10:00:00.000Z" not in starts(slots(anonymous, event_type))


def test_seated_slots_tell_how_many_attendees_and_which_booking_to_join(anonymous, factory, owner):
    seated = factory.event_type(owner, seats_per_time_slot=3)
    booking = factory.book(seated, utc(2050, 9, 5, 10)).booking
    factory.book(seated, utc(2050, 9, 5, 10))

    response = slots(anonymous, seated, end=f"{MONDAY}T11:00:00Z", format="range")

    assert response.json()["data"][MONDAY] == [
        {
            "start": f"{MONDAY}T09:00:00.000Z",
            "end": f"{MONDAY}T09:30:00.000Z",
            "attendeesCount": 0,
        },
        {
            "start": f"{MONDAY}T09:30:00.000Z",
            "end": f"{MONDAY}T10:00:00.000Z",
            "attendeesCount": 0,
        },
        {
            "start": f"{MONDAY}T10:00:00.000Z",
            "end": f"{MONDAY}T10:30:00.000Z",
            "attendeesCount": 2,
            "bookingUid": booking.uid,
        },
        {
            "start": f"{MONDAY}T10:30:00.000Z",
            "end": f"{MONDAY}T11:00:00.000Z",
            "attendeesCount": 0,
        },
    ]
    assert_slots_match_contract(response)


def test_a_full_seated_slot_disappears(anonymous, factory, owner):
    seated = factory.event_type(owner, seats_per_time_slot=1)
    factory.book(seated, utc(2050, 9, 5, 10))
    assert f"{MONDAY}T10:00:00.000Z" not in starts(slots(anonymous, seated))


def test_a_slot_from_the_api_can_be_booked_and_then_disappears(anonymous, event_type):
    first = starts(slots(anonymous, event_type))[0]
    start_utc = first.replace(".000Z", "Z")

    booked = anonymous.post(
        "/v2/bookings",
        {
            "start": start_utc,
            "eventTypeId": event_type.id,
            "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "Europe/Paris"},
        },
    )

    assert booked.status_code == 201, booked.json()
    assert first not in starts(slots(anonymous, event_type))


def test_a_slot_shown_in_another_zone_books_the_same_instant(anonymous, event_type):
    shown = starts(slots(anonymous, event_type, timeZone="America/New_York"))[0]
    assert shown == f"{MONDAY}T05:00:00.000-04:00"

    booked = anonymous.post(
        "/v2/bookings",
        {
            "start": f"{MONDAY}T09:00:00Z",
            "eventTypeId": event_type.id,
            "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "UTC"},
        },
    )

    assert booked.json()["data"]["start"] == f"{MONDAY}T09:00:00.000Z"
    assert shown not in starts(slots(anonymous, event_type, timeZone="America/New_York"))


# --- A group of people (no event type) -----------------------------------------------------------


@pytest.fixture
def alice_and_bob(factory):
    return factory.user("alice"), factory.user("bob", hours=((13, 21),))


def test_usernames_give_the_times_when_all_of_them_are_free(anonymous, alice_and_bob, factory):
    _, bob = alice_and_bob
    event_type = factory.event_type(bob)
    factory.book(event_type, utc(2050, 9, 5, 14))

    response = slots(anonymous, usernames="alice,bob")

    assert starts(response) == [
        f"{MONDAY}T13:00:00.000Z",
        f"{MONDAY}T13:30:00.000Z",
        f"{MONDAY}T14:30:00.000Z",
        f"{MONDAY}T15:00:00.000Z",
        f"{MONDAY}T15:30:00.000Z",
        f"{MONDAY}T16:00:00.000Z",
        f"{MONDAY}T16:30:00.000Z",
    ]
    assert_slots_match_contract(response)


def test_a_group_meeting_can_last_an_hour(anonymous, alice_and_bob):
    response = slots(anonymous, usernames="alice,bob", duration=60, format="range")
    assert [(i["start"][11:16], i["end"][11:16]) for i in response.json()["data"][MONDAY]] == [
        ("13:00", "14:00"),
        ("14:00", "15:00"),
        ("15:00", "16:00"),
        ("16:00", "17:00"),
    ]


def test_a_hold_on_a_members_event_type_hides_the_group_slot(anonymous, alice_and_bob, factory):
    _, bob = alice_and_bob
    reserve_slot(factory.event_type(bob), utc(2050, 9, 5, 13))
    assert f"{MONDAY}T13:00:00.000Z" not in starts(slots(anonymous, usernames="alice,bob"))


def test_group_query_count_does_not_grow_with_the_range(anonymous, alice_and_bob):
    def queries(end):
        with CaptureQueriesContext(connection) as captured:
            response = slots(anonymous, usernames="alice,bob", end=end)
        assert response.status_code == 200
        return len(captured)

    assert queries(MONDAY) == queries("2050-10-04")


@pytest.mark.parametrize(
    "params, status, code",
    [
        ({"usernames": "alice"}, 400, "validation_error"),
        ({"usernames": "alice,alice"}, 400, "validation_error"),
        ({"usernames": "alice,bob", "duration": 20}, 400, "validation_error"),
        ({"usernames": "alice,bob", "eventTypeSlug": "intro"}, 400, "validation_error"),
        ({"usernames": "alice,nobody"}, 404, "not_found"),
    ],
    ids=["one-name", "same-name-twice", "odd-duration", "with-a-slug", "unknown-user"],
)
def test_bad_groups_are_refused(anonymous, alice_and_bob, params, status, code):
    response = slots(anonymous, **params)
    assert response.status_code == status
    assert error_of(response)["code"] == code


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start": None}, "start"),
        ({"end": None}, "end"),
        ({"start": "2050-09-06", "end": "2050-09-05"}, "end"),
        ({"start": "2050-09-05T10:00:00Z", "end": "2050-09-05T10:00:00Z"}, "end"),
        ({"start": "2050-13-45"}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"start": "2050-09-05T10:00:00"}, "start"),
        ({"end": "9999-12-31"}, "end"),
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"format": "list"}, "format"),
        ({"duration": "long"}, "duration"),
        ({"eventTypeId": "abc"}, "eventTypeId"),
        ({"eventTypeId": "0"}, "eventTypeId"),
    ],
    ids=[
        "missing-start",
        "missing-end",
        "end-before-start",
        "empty-range",
        "impossible-date",
        "words",
        "no-offset",
        "too-far",
        "unknown-zone",
        "unknown-format",
        "duration-not-a-number",
        "id-not-a-number",
        "id-zero",
    ],
)
def test_bad_queries_are_a_400_naming_the_field(anonymous, event_type, params, field):
    params = {"eventTypeId": event_type.id, "start": MONDAY, "end": MONDAY, **params}
    params = {k: v for k, v in params.items() if v is not None}

    response = anonymous.get("/v2/slots", params)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["details"]
    assert response.json()["path"].startswith("/v2/slots?")


def test_a_range_longer_than_three_months_is_refused_with_the_reason(anonymous, event_type):
    response = slots(anonymous, event_type, start="2050-09-05", end="2050-12-06")
    assert response.status_code == 400
    assert "at most 3 months" in error_of(response)["message"]
    assert slots(anonymous, event_type, start="2050-09-05", end="2050-12-04").status_code == 200


def test_a_query_naming_no_event_type_says_how_to_name_one(anonymous, event_type):
    response = anonymous.get("/v2/slots", {"start": MONDAY, "end": MONDAY})
    assert response.status_code == 400
    assert "eventTypeId" in error_of(response)["message"]
    assert "usernames" in error_of(response)["message"]


def test_a_slug_without_its_owner_is_refused(anonymous, event_type):
    response = slots(anonymous, eventTypeSlug="intro")
    assert response.status_code == 400
    assert "username or teamSlug" in error_of(response)["message"]


def test_another_api_version_is_refused(anonymous, event_type):
    response = anonymous.get(
        "/v2/slots",
        {"eventTypeId": event_type.id, "start": MONDAY, "end": MONDAY},
        **{"cal-api-version": "2024-08-13"},
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "unsupported_api_version"


def test_the_query_count_does_not_grow_with_the_range(anonymous, factory, owner):
    event_type = factory.event_type(owner, length_minutes=15)
    for day in range(5, 30):
        if utc(2050, 9, day).weekday() < 5:
            factory.book(event_type, utc(2050, 9, day, 10))
    assert Booking.objects.count() == 19

    def queries(end):
        with CaptureQueriesContext(connection) as captured:
            response = slots(anonymous, event_type, end=end)
        assert response.status_code == 200
        return len(captured), len(response.json()["data"])

    queries(MONDAY)  # the event type is then kept (bookings/kept_event_types.py)
    one_day, days_in_one = queries(MONDAY)
    thirty_days, days_in_thirty = queries("2050-10-04")
    assert (days_in_one, days_in_thirty) == (1, 22)
    assert one_day == thirty_days


# --- Why a start is or is not bookable -----------------------------------------------------------


def explain(client, event_type, start, **params):
    return client.get(
        "/v2/slots/explain",
        {"eventTypeId": event_type.id, "start": start, **params},
        **{"cal-api-version": "2024-09-04"},
    )


def test_a_free_start_is_explained_as_bookable(anonymous, event_type, owner):
    response = explain(anonymous, event_type, "2050-09-05T10:00:00Z")

    assert response.status_code == 200
    assert response.json()["data"] == {
        "start": "2050-09-05T10:00:00.000Z",
        "bookable": True,
        "reasons": [{"hostId": owner.id, "codes": [], "calendars": []}],
        "firstReason": None,
    }


def codes_at(client, event_type, start, **params):
    data = explain(client, event_type, start, **params).json()["data"]
    assert data["bookable"] is False
    return data["firstReason"], data["reasons"][0]["codes"]


def test_starts_outside_the_hours_or_off_the_grid_are_explained(anonymous, event_type):
    assert codes_at(anonymous, event_type, "2050-09-05T07:00:00Z") == (
        "outside_hours",
        ["outside_hours"],
    )
    assert codes_at(anonymous, event_type, "2050-09-05T10:10:00Z")[0] == "off_grid"


def test_a_day_off_is_explained_as_a_date_override(anonymous, event_type, owner):
    DateOverride.objects.create(schedule=owner.schedules.get(), date="2050-09-05")
    assert codes_at(anonymous, event_type, "2050-09-05T10:00:00Z")[0] == "date_override"


def test_a_past_start_is_within_the_minimum_notice(anonymous, event_type):
    assert codes_at(anonymous, event_type, "2020-01-06T10:00:00Z")[0] == "minimum_notice"


def test_a_start_after_the_booking_window_is_explained(anonymous, factory, owner):
    windowed = factory.event_type(
        owner,
        booking_window_type="range",
        booking_window_start="2050-01-01",
        booking_window_end="2050-06-30",
    )
    assert codes_at(anonymous, windowed, "2050-09-05T10:00:00Z")[0] == "booking_window"


def test_busy_buffer_and_reserved_starts_are_explained_without_their_bookings(
    anonymous, factory, owner
):
    event_type = factory.event_type(owner, after_event_buffer=30)
    booking = factory.book(event_type, utc(2050, 9, 5, 10)).booking
    reservation = reserve_slot(event_type, utc(2050, 9, 5, 14))

    busy = explain(anonymous, event_type, "2050-09-05T10:00:00Z")
    assert busy.json()["data"]["firstReason"] == "busy"
    assert codes_at(anonymous, event_type, "2050-09-05T09:30:00Z")[0] == "buffer_conflict"
    reserved = explain(anonymous, event_type, "2050-09-05T14:00:00Z")
    assert reserved.json()["data"]["firstReason"] == "reserved"
    for response in (busy, reserved):
        text = response.content.decode()
        assert booking.uid not in text
        assert str(reservation.uid) not in text
        assert "@example.com" not in text


def test_limits_and_full_seats_are_explained(anonymous, factory, owner):
    limited = factory.event_type(owner, booking_limits_count={"day": 1})
    factory.book(limited, utc(2050, 9, 5, 10))
    assert codes_at(anonymous, limited, "2050-09-05T12:00:00Z")[0] == "limit_reached"

    seated = factory.event_type(factory.user(), seats_per_time_slot=1)
    factory.book(seated, utc(2050, 9, 5, 10))
    assert codes_at(anonymous, seated, "2050-09-05T10:00:00Z")[0] == "seats_full"


def test_the_explanation_gives_every_hosts_reasons(anonymous, factory):
    free, busy = factory.user(), factory.user()
    team = factory.team(free, busy)
    round_robin = factory.event_type(team=team, hosts=[free, busy], scheduling_type="roundRobin")
    factory.book(factory.event_type(busy), utc(2050, 9, 5, 10))

    data = explain(anonymous, round_robin, "2050-09-05T10:00:00Z").json()["data"]

    assert data["bookable"] is True
    assert data["reasons"] == [
        {"hostId": free.id, "codes": [], "calendars": []},
        {"hostId": busy.id, "codes": ["busy"], "calendars": []},
    ]


def test_the_explanation_matches_the_refusal_of_a_booking(anonymous, event_type, factory):
    factory.book(event_type, utc(2050, 9, 5, 10))
    reason = explain(anonymous, event_type, "2050-09-05T10:00:00Z").json()["data"]

    refused = anonymous.post(
        "/v2/bookings",
        {
            "start": "2050-09-05T10:00:00Z",
            "eventTypeId": event_type.id,
            "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "UTC"},
        },
    )

    assert refused.json()["error"]["details"]["reason"] == reason["firstReason"] == "busy"


def test_a_rescheduled_bookings_own_time_is_explained_as_bookable(anonymous, event_type, factory):
    booking = factory.book(event_type, utc(2050, 9, 5, 10)).booking
    response = explain(
        anonymous, event_type, "2050-09-05T10:00:00Z", bookingUidToReschedule=booking.uid
    )
    assert response.json()["data"]["bookable"] is True


@pytest.mark.parametrize(
    "params, status, field",
    [
        ({"start": None}, 400, "start"),
        ({"start": "2050-09-05"}, 400, "start"),
        ({"start": "2050-09-05T12:00:00+02:00"}, 400, "start"),
        ({"duration": 45}, 400, "duration"),
        ({"eventTypeId": None}, 400, "non_field_errors"),
        ({"eventTypeId": 999999}, 404, None),
    ],
    ids=["missing-start", "a-date", "not-utc", "odd-duration", "no-event-type", "unknown"],
)
def test_bad_explain_queries(anonymous, event_type, params, status, field):
    query = {"eventTypeId": event_type.id, "start": "2050-09-05T10:00:00Z", **params}
    response = anonymous.get("/v2/slots/explain", {k: v for k, v in query.items() if v})
    assert response.status_code == status
    if field:
        assert field in error_of(response)["details"]
    else:
        assert error_of(response)["code"] == "event_type_not_found"


def test_slots_start_at_the_schedules_own_minutes(anonymous, factory):
    odd = factory.event_type(factory.user(hours=((time(9, 7), time(10, 0)),)), length_minutes=20)
    assert starts(slots(anonymous, odd)) == [
        f"{MONDAY}T09:07:00.000Z",
        f"{MONDAY}T09:27:00.000Z",
    ]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Asia/Kathmandu"])
@pytest.mark.parametrize("slot_format", ["time", "range"])
def test_slots_are_written_as_their_documented_shape_says(zone, slot_format):
    """SlotsByDateOutput writes each slot directly; SlotOutput is the shape the document shows."""
    start = utc(2049, 3, 30, 22, 30)
    slots = [
        Slot(start, start + timedelta(minutes=30), (1,)),
        Slot(start + timedelta(hours=1), start + timedelta(hours=2), (1, 2), 3, 2, "abc"),
        Slot(start + timedelta(days=1), start + timedelta(days=1, minutes=45), (2,), 5, 0),
    ]
    context = {"zone": ZoneInfo(zone), "format": slot_format}

    written = SlotsByDateOutput(slots, context=context).data

    documented = [SlotOutput(slot, context=context).data for slot in slots]
    assert [item for day in written.values() for item in day] == documented
    assert list(written) == sorted(
        {slot.start.astimezone(ZoneInfo(zone)).date().isoformat() for slot in slots}
    )


def test_local_texts_are_kept_per_instant_and_zone_and_stay_right_across_a_dst_change(
    monkeypatch,
):
    from api.slots import serializers

    monkeypatch.setattr(serializers._LocalTexts, "limit", 3)
    monkeypatch.setattr(serializers, "LOCAL_TEXTS", serializers._LocalTexts())
    berlin, utc_zone = ZoneInfo("Europe/Berlin"), ZoneInfo("UTC")
    before, after = utc(2050, 3, 27, 0, 45), utc(2050, 3, 27, 1, 0)  # clocks go 02:00 → 03:00
    for _ in range(2):  # written, then kept (and made afresh once the limit is reached)
        assert serializers.iso_local(before, berlin) == "2050-03-27T01:45:00.000+01:00"
        assert serializers.iso_local(after, berlin) == "2050-03-27T03:00:00.000+02:00"
        assert serializers.iso_local(after, utc_zone) == "2050-03-27T01:00:00.000Z"
        assert serializers.iso_local(after.astimezone(berlin), utc_zone) == (
            "2050-03-27T01:00:00.000Z"
        )
        assert len(serializers.LOCAL_TEXTS) <= 3
    # 01:30 happens twice in New York on 2050-11-06: a local datetime is told by its fold.
    new_york = ZoneInfo("America/New_York")
    first, second = (datetime(2050, 11, 6, 1, 30, fold=fold, tzinfo=new_york) for fold in (0, 1))
    for _ in range(2):
        assert serializers.iso_local(first, new_york) == "2050-11-06T01:30:00.000-04:00"
        assert serializers.iso_local(second, new_york) == "2050-11-06T01:30:00.000-05:00"
