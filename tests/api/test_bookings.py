"""POST /v2/bookings, GET /v2/bookings, GET and PATCH /v2/bookings/{uid}: booking by id or by
slug and username, conflicts, versions, who lists what (personal and team bookings), list filters
and their query count, metadata, and what a seated booking shows and lets each attendee change."""

import json

import pytest

from accounts.models import Membership
from bookings.models import Booking
from tests.api.contract import assert_matches_contract
from tests.conftest import holding_a_lock_on, utc

START = "2049-01-05T10:00:00Z"


def booking_body(event_type, start=START, **extra):
    return {
        "start": start,
        "eventTypeId": event_type.id,
        "attendee": {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "timeZone": "Europe/London",
            "language": "en",
        },
        **extra,
    }


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(owner, slug="intro", length_minutes=30)


def test_anyone_books_a_free_slot_and_gets_a_calcom_booking(api_as, event_type):
    response = api_as(None).post("/v2/bookings", booking_body(event_type))

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert response.json()["status"] == "success"
    assert data["status"] == "accepted"
    assert data["start"] == "2049-01-05T10:00:00.000Z"
    assert data["duration"] == 30
    assert data["hosts"][0]["username"] == "dana"
    assert data["attendees"][0]["email"] == "ada@example.com"
    assert_matches_contract(response)


def test_a_booking_by_slug_and_username(api_as, event_type):
    body = booking_body(event_type)
    del body["eventTypeId"]
    body.update(eventTypeSlug="intro", username="dana")
    response = api_as(None).post("/v2/bookings", body)
    assert response.status_code == 201, response.json()


def test_an_unknown_event_type_is_a_404_naming_the_lookup(api_as, event_type):
    body = booking_body(event_type)
    del body["eventTypeId"]
    body.update(eventTypeSlug="nope", username="dana")
    response = api_as(None).post("/v2/bookings", body)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "event_type_not_found"
    assert error["message"] == "Event type with slug nope belonging to user dana not found."


def test_a_taken_slot_is_a_conflict_with_a_code(api_as, event_type):
    api_as(None).post("/v2/bookings", booking_body(event_type))
    response = api_as(None).post("/v2/bookings", booking_body(event_type))
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "error"
    assert body["path"] == "/v2/bookings"
    assert body["error"]["code"] == "slot_unavailable"


def test_the_booking_reads_back_by_uid_and_validates(api_as, event_type):
    uid = api_as(None).post("/v2/bookings", booking_body(event_type)).json()["data"]["uid"]
    response = api_as(None).get(f"/v2/bookings/{uid}")
    assert response.status_code == 200
    assert response.json()["data"]["uid"] == uid
    assert_matches_contract(response)


@pytest.mark.parametrize("team", [None, "roundRobin", "collective"])
def test_the_answer_to_a_create_is_the_booking_as_it_reads_back(api_as, factory, owner, team):
    """The answer is built from what was just written, not read back: it must be the same."""
    if team:
        hosts = [owner, factory.user("tom")]
        team_row = factory.team(*hosts)
        event_type = factory.event_type(
            team=team_row, slug="team", scheduling_type=team, hosts=hosts, length_minutes=30
        )
    else:
        event_type = factory.event_type(owner, slug="solo", length_minutes=30)
    body = booking_body(
        event_type,
        start="2049-01-05T10:00:00+00:00",
        guests=["grace@example.com"],
        metadata={"source": "test"},
        bookingFieldsResponses={"notes": "Hello"},
    )
    created = api_as(None).post("/v2/bookings", body)
    assert created.status_code == 201, created.json()
    uid = created.json()["data"]["uid"]
    read_back = api_as(owner).get(f"/v2/bookings/{uid}")
    assert created.json()["data"] == read_back.json()["data"]


def test_the_host_lists_bookings_with_pagination(api_as, event_type, owner, factory):
    factory.book(event_type, utc(2049, 1, 5, 9))
    factory.book(event_type, utc(2049, 1, 5, 11))
    response = api_as(owner).get("/v2/bookings", {"take": 1})
    assert response.status_code == 200
    body = response.json()
    assert len(body["data"]) == 1
    assert body["pagination"]["totalItems"] == 2
    assert body["pagination"]["hasNextPage"] is True
    assert_matches_contract(response)


def test_an_outsider_lists_nothing(api_as, event_type, factory, outsider):
    factory.book(event_type, utc(2049, 1, 5, 9))
    assert api_as(outsider).get("/v2/bookings").json()["data"] == []


def test_listing_needs_a_key(api_as):
    response = api_as(None).get("/v2/bookings")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_an_unknown_version_is_refused(api_as, event_type):
    response = api_as(None).post(
        "/v2/bookings", booking_body(event_type), **{"cal-api-version": "2023-01-01"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_api_version"
    assert not Booking.objects.exists()


def test_on_a_seated_booking_an_attendee_changes_only_their_own_seat(api_as, factory, owner):
    workshop = factory.event_type(owner, slug="workshop", seats_per_time_slot=5)
    first = factory.book(workshop, utc(2049, 1, 5, 10))
    factory.book(workshop, utc(2049, 1, 5, 10))
    uid = first.booking.uid

    whole = api_as(None).post(f"/v2/bookings/{uid}/cancel", {"cancellationReason": "x"})
    assert whole.status_code == 400
    assert whole.json()["error"]["details"] == {"field": "seatUid"}
    moved = api_as(None).post(f"/v2/bookings/{uid}/reschedule", {"start": "2049-01-05T11:00:00Z"})
    assert moved.status_code == 400

    own = api_as(None).post(f"/v2/bookings/{uid}/cancel", {"seatUid": first.seat_uid})
    assert own.status_code == 200, own.json()
    assert Booking.objects.get(uid=uid).status == "accepted"
    assert Booking.objects.get(uid=uid).attendees.count() == 1


def test_the_host_merges_metadata_and_others_cannot(api_as, event_type, owner, outsider, factory):
    booking = factory.book(event_type, utc(2049, 1, 5, 9), metadata={"a": "1", "b": "2"}).booking
    response = api_as(owner).patch(f"/v2/bookings/{booking.uid}", {"metadata": {"b": None, "c": 3}})
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["metadata"] == {"a": "1", "c": 3}
    refused = api_as(outsider).patch(f"/v2/bookings/{booking.uid}", {"metadata": {"x": "y"}})
    assert refused.status_code == 404
    assert api_as(None).patch(f"/v2/bookings/{booking.uid}", {"metadata": {}}).status_code == 401
    too_many = api_as(owner).patch(
        f"/v2/bookings/{booking.uid}", {"metadata": {f"k{i}": "v" for i in range(60)}}
    )
    assert too_many.status_code == 400
    assert too_many.json()["error"]["code"] == "invalid_metadata"


def bulk_bookings(event_type, host, count, first_hour=0):
    """`count` accepted bookings an hour apart with an attendee each, written directly."""
    from datetime import timedelta

    from bookings.models import Attendee, BookingHost

    bookings = Booking.objects.bulk_create(
        Booking(
            event_type=event_type,
            organizer=host,
            start=utc(2049, 2, 1, 9) + timedelta(hours=first_hour + i),
            end=utc(2049, 2, 1, 9, 30) + timedelta(hours=first_hour + i),
            title=f"Booking {i}",
            ics_uid=f"bulk-{i}",
            uid=f"bulk-{event_type.pk}-{i}",
        )
        for i in range(count)
    )
    BookingHost.objects.bulk_create(
        BookingHost(booking=b, user=host, blocked_start=b.start, blocked_end=b.end)
        for b in bookings
    )
    Attendee.objects.bulk_create(
        Attendee(booking=b, name="A", email=f"a{b.pk}@example.com") for b in bookings
    )


def test_listing_costs_the_same_queries_for_1_and_100_bookings(api_as, event_type, owner, factory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as(owner)
    client.get("/v2/me")  # the key's first use records itself; measure the calls after it
    bulk_bookings(event_type, owner, 1)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/v2/bookings", {"take": 100}).json()["data"]) == 1
    bulk_bookings(factory.event_type(owner, slug="second"), owner, 99, first_hour=1)
    with CaptureQueriesContext(connection) as hundred:
        assert len(client.get("/v2/bookings", {"take": 100}).json()["data"]) == 100
    assert len(one) == len(hundred)
    assert len(one) <= 8


@pytest.fixture
def team_world(factory, team, team_admin, cohost, member):
    """The shared team, plus "tom": a second admin who hosts, and owns, its booking."""
    tom = factory.user("tom")
    Membership.objects.create(team=team, user=tom, role=Membership.Role.ADMIN)
    support = factory.event_type(
        team=team, slug="support", scheduling_type="roundRobin", hosts=[tom, cohost]
    )
    booking = factory.book(support, utc(2049, 1, 5, 10), host_ids=[tom.id]).booking
    return {
        "owner": tom,
        "cohost": cohost,
        "admin": team_admin,
        "member": member,
        "booking": booking,
    }


@pytest.mark.parametrize(
    "persona, sees",
    [("owner", True), ("cohost", False), ("admin", True), ("member", False)],
)
def test_who_lists_a_team_booking(api_as, team_world, persona, sees):
    data = api_as(team_world[persona]).get("/v2/bookings").json()["data"]
    assert [b["uid"] for b in data] == ([team_world["booking"].uid] if sees else [])


@pytest.mark.parametrize(
    "status, expected",
    [
        ("upcoming", 1),
        ("past", 0),
        ("cancelled", 0),
        ("unconfirmed", 0),
        ("accepted", 1),
        ("CONFIRMED", 1),
        ("pending", 0),
        ("no_show", 0),
    ],
)
def test_status_filters(api_as, event_type, owner, factory, status, expected):
    factory.book(event_type, utc(2049, 1, 5, 9))
    data = api_as(owner).get("/v2/bookings", {"status": status}).json()["data"]
    assert len(data) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"status": "sideways"},
        {"take": 0},
        {"take": 251},
        {"skip": -1},
        {"sortStart": "up"},
        {"afterStart": "yesterday"},
        {"eventTypeIds": "1,x"},
        {"attendeeEmail": "nope"},
    ],
)
def test_bad_list_filters_are_a_400(api_as, owner, params):
    response = api_as(owner).get("/v2/bookings", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_list_filters_by_attendee_event_type_and_range(api_as, event_type, owner, factory):
    factory.book(event_type, utc(2049, 1, 5, 9), email="ada@example.com")
    factory.book(event_type, utc(2049, 1, 6, 9), email="bob@example.com")
    client = api_as(owner)
    assert len(client.get("/v2/bookings", {"attendeeEmail": "ADA@example.com"}).json()["data"]) == 1
    assert len(client.get("/v2/bookings", {"eventTypeIds": str(event_type.id)}).json()["data"]) == 2
    later = client.get("/v2/bookings", {"afterStart": "2049-01-06T00:00:00Z"}).json()["data"]
    assert [b["attendees"][0]["email"] for b in later] == ["bob@example.com"]
    newest_first = client.get("/v2/bookings", {"sortStart": "desc"}).json()["data"]
    assert newest_first[0]["start"] > newest_first[1]["start"]


def test_a_seated_booking_shares_nothing_one_attendee_wrote(api_as, factory, owner):
    workshop = factory.event_type(
        owner,
        slug="workshop-private",
        seats_per_time_slot=5,
        locations=[{"type": "link", "link": "https://meet.example.com/workshop"}],
    )
    body = {
        "start": "2049-01-05T10:00:00Z",
        "eventTypeId": workshop.id,
        "attendee": {"name": "Carol Secret", "email": "carol@example.com", "timeZone": "UTC"},
        "notes": "my private notes",
        "metadata": {"crm": "carol-42"},
        "meetingUrl": "https://evil.example/phish",
    }
    first = api_as(None).post("/v2/bookings", body)
    assert first.status_code == 201, first.json()
    second = api_as(None).post(
        "/v2/bookings",
        {
            **body,
            "attendee": {"name": "Dave", "email": "dave@example.com", "timeZone": "UTC"},
            "notes": "",
            "metadata": {},
            "meetingUrl": "https://meet.example.com/other",
        },
    )
    assert second.status_code == 201, second.json()
    shared = api_as(None).get(f"/v2/bookings/{first.json()['data']['uid']}").json()["data"]
    text = json.dumps(shared)
    assert "Carol" not in text and "carol" not in text
    assert "my private notes" not in text and "carol-42" not in text
    assert shared["location"] == "https://meet.example.com/workshop"
    seat = Booking.objects.get(uid=shared["uid"]).attendees.get(email="carol@example.com")
    assert seat.responses["notes"] == "my private notes"
    assert seat.metadata == {"crm": "carol-42"}


def test_an_attendee_cannot_cancel_a_whole_seated_booking_by_date(api_as, factory, owner):
    workshop = factory.event_type(owner, slug="workshop-dates", seats_per_time_slot=5)
    first = factory.book(workshop, utc(2049, 1, 6, 10))
    factory.book(workshop, utc(2049, 1, 6, 10))
    response = api_as(None).post(
        f"/v2/bookings/{first.booking.uid}/cancel-future", {"fromDate": "2049-01-01"}
    )
    assert response.status_code == 400
    assert Booking.objects.get(pk=first.booking.pk).status == "accepted"


def test_a_host_of_one_occurrence_is_an_attendee_for_the_rest_of_the_series(api_as, factory):
    alice, bob = factory.user("alice"), factory.user("bob")
    weekly = factory.event_type(
        team=factory.team(alice, bob),
        slug="rr-weekly",
        scheduling_type="roundRobin",
        hosts=[alice, bob],
        recurrence_frequency="weekly",
        recurrence_max_occurrences=4,
        disable_cancelling=True,
    )
    occurrences = factory.book(weekly, utc(2049, 1, 5, 10), recurrence_count=3).bookings
    first_host = occurrences[0].organizer
    other = bob if first_host == alice else alice
    moved = api_as(first_host).post(f"/v2/bookings/{occurrences[2].uid}/reassign/{other.id}", {})
    assert moved.status_code == 200, moved.json()

    response = api_as(first_host).post(
        f"/v2/bookings/{occurrences[0].uid}/cancel", {"cancelSubsequentBookings": True}
    )

    assert response.status_code == 403  # as an attendee: cancelling is disabled
    assert Booking.objects.get(pk=occurrences[2].pk).status == "accepted"


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_is_a_409_with_retry_after(factory, postgres_only, settings, api_as):
    settings.BOOKING_LOCK_TIMEOUT_MS = 200
    host = factory.user()
    et = factory.event_type(host, length_minutes=30)
    body = {
        "eventTypeId": et.pk,
        "start": "2049-01-05T10:00:00Z",
        "attendee": {"name": "Waiting", "email": "waiting@example.com", "timeZone": "UTC"},
    }

    response = holding_a_lock_on(host, lambda: api_as(None).post("/v2/bookings", body))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "lock_timeout"
    assert response["Retry-After"] == "1"
    assert not Booking.objects.exists()
