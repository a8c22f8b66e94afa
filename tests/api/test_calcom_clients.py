"""What published Cal.com clients send, replayed as they send it (paths, headers and bodies of
Cal.com's npm SDK and of an MCP server for Cal.com), answered in the shapes they expect: most of
them send no `cal-api-version`, which Cal.com answers with its oldest version, 2024-04-15."""

import uuid

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking, SlotReservation
from tests.conftest import Api

pytestmark = pytest.mark.django_db

DAY = "2049-01-05"  # a Tuesday; the owner works 09:00-17:00 UTC on weekdays


@pytest.fixture
def intro(factory, owner):
    return factory.event_type(owner, slug="intro", length_minutes=30)


# --- Slots: the SDK's getAvailableSlots, reserveSlot and removing the selected slot -----------


def test_get_available_slots_as_the_sdk_asks_for_them(intro):
    response = Api().get(
        "/v2/slots/available",
        {
            "eventTypeId": intro.id,
            "startTime": f"{DAY}T00:00:00.000Z",
            "endTime": f"{DAY}T23:59:59.999Z",
        },
    )
    assert response.status_code == 200, response.json()
    days = response.json()["data"]["slots"]
    assert list(days) == [DAY]
    assert days[DAY][0] == {"time": f"{DAY}T09:00:00.000Z"}
    assert days[DAY][-1] == {"time": f"{DAY}T16:30:00.000Z"}


def test_available_slots_in_a_zone_as_ranges_and_by_slug_and_username(intro):
    in_rome = (
        Api()
        .get(
            "/v2/slots/available",
            {"eventTypeId": intro.id, "startTime": DAY, "endTime": DAY, "timeZone": "Europe/Rome"},
        )
        .json()["data"]["slots"]
    )
    assert in_rome[DAY][0] == {"time": f"{DAY}T10:00:00.000+01:00"}

    ranges = (
        Api()
        .get(
            "/v2/slots/available?eventTypeSlug=intro&usernameList[]=dana"
            f"&startTime={DAY}&endTime={DAY}&slotFormat=range"
        )
        .json()["data"]["slots"]
    )
    assert ranges[DAY][0] == {
        "startTime": f"{DAY}T09:00:00.000Z",
        "endTime": f"{DAY}T09:30:00.000Z",
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ({"startTime": DAY, "endTime": DAY}, "non_field_errors"),
        ({"eventTypeId": 1, "startTime": "soon", "endTime": DAY}, "startTime"),
        ({"eventTypeId": 1, "startTime": DAY, "endTime": "2048-01-01"}, "endTime"),
        ({"eventTypeSlug": "intro", "startTime": DAY, "endTime": DAY}, "usernameList"),
        ({"eventTypeId": 1, "startTime": DAY, "endTime": DAY, "slotFormat": "x"}, "slotFormat"),
        ({"eventTypeId": 1, "startTime": DAY, "endTime": DAY, "timeZone": "Mars/Base"}, "timeZone"),
    ],
)
def test_available_slots_refuse_bad_queries_plainly(intro, query, field):
    response = Api().get("/v2/slots/available", query)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_an_unknown_event_type_is_a_404(intro):
    response = Api().get(
        "/v2/slots/available", {"eventTypeId": 999_999, "startTime": DAY, "endTime": DAY}
    )
    assert response.status_code == 404


def test_reserve_a_slot_then_release_it_as_the_sdk_does(intro):
    attendee = APIClient(REMOTE_ADDR="198.51.100.7")
    start, end = f"{DAY}T09:00:00.000Z", f"{DAY}T09:30:00.000Z"
    held = attendee.post(
        "/v2/slots/reserve",
        {"eventTypeId": intro.id, "slotUtcStartDate": start, "slotUtcEndDate": end},
        format="json",
    )
    assert held.status_code == 201, held.json()
    uid = held.json()["data"]
    assert uuid.UUID(uid) and held.cookies["uid"].value == uid
    assert SlotReservation.objects.filter(uid=uid).exists()

    def first_free():
        slots = Api().get(
            "/v2/slots/available", {"eventTypeId": intro.id, "startTime": DAY, "endTime": DAY}
        )
        return slots.json()["data"]["slots"][DAY][0]["time"]

    assert first_free() == f"{DAY}T09:30:00.000Z"  # held for the attendee, hidden from others

    released = attendee.delete(f"/v2/slots/selected-slot?uid={uid}")
    assert released.status_code == 200 and released.json() == {"status": "success"}
    assert not SlotReservation.objects.filter(uid=uid).exists()
    assert first_free() == start
    again = APIClient().delete(f"/v2/slots/selected-slot?uid={uuid.uuid4()}")
    assert again.status_code == 200  # an unknown uid is not an error


def test_a_reservation_of_a_length_the_event_type_does_not_offer_is_refused(intro):
    response = Api().post(
        "/v2/slots/reserve",
        {
            "eventTypeId": intro.id,
            "slotUtcStartDate": f"{DAY}T09:00:00.000Z",
            "slotUtcEndDate": f"{DAY}T09:07:00.000Z",
        },
    )
    assert response.status_code == 400
    assert "slotUtcEndDate" in response.json()["error"]["details"]


# --- Bookings: a plain string location (the MCP server's create_booking) ----------------------


@pytest.mark.parametrize(
    "location, meeting_url",
    [
        ("https://meet.example.com/ada", "https://meet.example.com/ada"),
        ("Café Central, Herrengasse 14, Vienna", ""),
    ],
)
def test_a_plain_string_location_is_kept_as_given(intro, location, meeting_url):
    response = Api().post(
        "/v2/bookings",
        {
            "start": f"{DAY}T10:00:00.000Z",
            "eventTypeId": intro.id,
            "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "Europe/Vienna"},
            "location": location,
        },
        **{"cal-api-version": "2024-08-13"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["data"]["location"] == location
    booking = Booking.objects.get(uid=response.json()["data"]["uid"])
    assert (booking.location, booking.meeting_url) == (location, meeting_url)


@pytest.mark.parametrize("location", ["", "   ", "two\nlines", "x" * 1001])
def test_a_blank_multiline_or_huge_string_location_is_refused(intro, location):
    response = Api().post(
        "/v2/bookings",
        {
            "start": f"{DAY}T10:00:00.000Z",
            "eventTypeId": intro.id,
            "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "Europe/Vienna"},
            "location": location,
        },
        **{"cal-api-version": "2024-08-13"},
    )
    assert response.status_code == 400
    assert "location" in response.json()["error"]["details"]
    assert not Booking.objects.exists()


# --- Time zones: GET /v2/timezones, and the SDK's getSupportedTimezones ------------------------


@pytest.mark.parametrize("path", ["/v2/timezones", "/v2/schedules/time-zones"])
def test_the_time_zones_to_offer_with_their_cities(path, owner):
    for client, headers in ((Api(), {}), (Api(owner), {"cal-api-version": "2024-06-11"})):
        response = client.get(path, **headers)
        assert response.status_code == 200
        zones = response.json()["data"]
        assert {"city": "Berlin", "timezone": "Europe/Berlin", "pop": None} in zones
        assert {
            "city": "Buenos Aires",
            "timezone": "America/Argentina/Buenos_Aires",
            "pop": None,
        } in zones
        names = [zone["timezone"] for zone in zones]
        assert "UTC" in names and "US/Eastern" not in names and "Etc/GMT+5" not in names
        assert len(names) == len(set(names)) > 300


# --- Event types without the version header: Cal.com's 2024-04-15 shapes ----------------------


def test_create_an_event_type_as_the_sdk_does(owner):
    created = Api(owner).post(
        "/v2/event-types", {"title": "Coffee", "slug": "coffee", "length": 15}
    )
    assert created.status_code == 201, created.json()
    data = created.json()["data"]
    assert (data["title"], data["slug"], data["length"], data["userId"]) == (
        "Coffee",
        "coffee",
        15,
        owner.id,
    )
    assert data["hidden"] is False and data["teamId"] is None
    assert data["periodType"] == "UNLIMITED" and data["schedulingType"] is None


def test_list_event_types_as_the_mcp_server_does(owner, factory):
    factory.event_type(owner, slug="intro")
    team = factory.team(owner, admins=[owner])
    factory.event_type(
        team=team,
        slug="together",
        scheduling_type="collective",
        hosts=[{"user": owner, "is_fixed": True}],
    )
    response = Api(owner).get("/v2/event-types")
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    own, theirs = data["eventTypeGroups"]
    assert own["profile"]["slug"] == owner.username and own["teamId"] is None
    assert [e["slug"] for e in own["eventTypes"]] == ["intro"]
    assert theirs["teamId"] == team.id and theirs["membershipRole"] == "ADMIN"
    assert [e["slug"] for e in theirs["eventTypes"]] == ["together"]
    assert [p["name"] for p in data["profiles"]] == [owner.name or owner.username, team.name]
    assert data["allUsersAcrossAllEventTypes"] == {}


def test_get_change_and_delete_an_event_type_in_the_oldest_shapes(owner, factory):
    event_type = factory.event_type(owner, slug="intro")
    api = Api(owner)
    read = api.get(f"/v2/event-types/{event_type.id}").json()["data"]
    assert read["eventType"]["id"] == event_type.id and read["eventType"]["userId"] == owner.id
    assert read["team"] is None and read["isUserOrganizationAdmin"] is False

    changed = api.patch(
        f"/v2/event-types/{event_type.id}",
        {
            "length": 45,
            "locations": [
                {"type": "inPerson", "address": "1 Main St", "displayLocationPublicly": True},
                {"type": "integrations:daily"},
            ],
            "bookingFields": [
                {"name": "name", "type": "name", "editable": "system"},
                {
                    "name": "company",
                    "type": "select",
                    "label": "Company size",
                    "required": True,
                    "options": [{"value": "small", "label": "Small"}, {"value": "large"}],
                },
            ],
        },
    )
    assert changed.status_code == 200, changed.json()
    data = changed.json()["data"]
    assert data["length"] == 45
    assert data["locations"] == [
        {"type": "inPerson", "address": "1 Main St", "displayLocationPublicly": True},
        {"type": "integrations:daily"},
    ]
    assert [field["name"] for field in data["bookingFields"]] == ["company"]
    event_type.refresh_from_db()
    assert event_type.locations == [
        {"type": "address", "address": "1 Main St", "public": True},
        {"type": "integration", "integration": "cal-video"},
    ]
    assert event_type.booking_fields[0]["options"] == ["small", "large"]

    gone = api.delete(f"/v2/event-types/{event_type.id}")
    assert gone.status_code == 200
    assert gone.json()["data"] == {
        "id": event_type.id,
        "length": 45,
        "slug": "intro",
        "title": "Intro call",
    }


def test_the_version_header_still_chooses_the_current_shapes(owner, factory):
    factory.event_type(owner, slug="intro")
    current = Api(owner).get("/v2/event-types", **{"cal-api-version": "2024-06-14"})
    assert isinstance(current.json()["data"], list)
    unknown = Api(owner).get("/v2/event-types", **{"cal-api-version": "2023-01-01"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "unsupported_api_version"


def test_the_oldest_shapes_keep_the_same_access_rules(owner, outsider, factory):
    event_type = factory.event_type(owner, slug="intro")
    assert Api().get("/v2/event-types").status_code == 401
    assert Api(outsider).get(f"/v2/event-types/{event_type.id}").status_code == 404
    assert Api(outsider).patch(f"/v2/event-types/{event_type.id}", {"length": 5}).status_code == 404
    assert Api(outsider).delete(f"/v2/event-types/{event_type.id}").status_code == 404
    assert (
        Api(owner).post("/v2/event-types", {"title": "No length", "slug": "x"}).status_code == 400
    )
    taken = Api(owner).post("/v2/event-types", {"title": "Again", "slug": "intro", "length": 5})
    assert taken.status_code == 409


# --- Schedules without the version header: Cal.com's 2024-04-15 shapes -----------------------


def hours(schedule):
    return sorted(
        (row.weekday, f"{row.start_time:%H:%M}", f"{row.end_time:%H:%M}")
        for row in schedule.weekly.all()
    )


def test_schedules_as_the_sdk_creates_reads_changes_and_deletes_them(owner):
    api = Api(owner)
    created = api.post(
        "/v2/schedules",
        {
            "name": "Mornings",
            "timeZone": "Europe/Rome",
            "isDefault": False,
            "availabilities": [
                {
                    "days": [1, 3, 5],
                    "startTime": "1970-01-01T08:00:00.000Z",
                    "endTime": "1970-01-01T12:00:00.000Z",
                }
            ],
        },
    )
    assert created.status_code == 201, created.json()
    data = created.json()["data"]
    assert (data["name"], data["timeZone"], data["isDefault"]) == ("Mornings", "Europe/Rome", False)
    assert data["workingHours"] == [
        {"days": [1, 3, 5], "startTime": 480, "endTime": 720, "userId": owner.id}
    ]
    assert {row["startTime"] for row in data["schedule"]} == {"1970-01-01T08:00:00.000Z"}
    assert len(data["availability"]) == 7 and data["availability"][0] == []  # Sunday
    schedule = owner.schedules.get(pk=data["id"])
    assert hours(schedule) == [(0, "08:00", "12:00"), (2, "08:00", "12:00"), (4, "08:00", "12:00")]

    listed = api.get("/v2/schedules").json()["data"]
    assert [s["id"] for s in listed] == sorted(s.id for s in owner.schedules.all())
    default = api.get("/v2/schedules/default").json()["data"]
    assert default["isDefault"] is True and default["id"] != data["id"]
    assert api.get(f"/v2/schedules/{data['id']}").json()["data"]["name"] == "Mornings"

    week = [[] for _ in range(7)]
    week[2] = [{"start": "2049-01-05T13:00:00.000Z", "end": "2049-01-05T18:00:00.000Z"}]  # Tuesday
    changed = api.patch(
        f"/v2/schedules/{data['id']}",
        {
            "name": "Afternoons",
            "isDefault": True,
            "schedule": week,
            "dateOverrides": [
                {"start": "2049-01-07T10:00:00.000Z", "end": "2049-01-07T11:00:00.000Z"}
            ],
        },
    )
    assert changed.status_code == 200, changed.json()
    changed = changed.json()["data"]
    assert changed["schedule"]["name"] == "Afternoons" and changed["isDefault"] is True
    assert changed["prevDefaultId"] == default["id"] and changed["currentDefaultId"] == data["id"]
    assert changed["schedule"]["availability"][0]["days"] == [2]
    schedule.refresh_from_db()
    assert hours(schedule) == [(1, "13:00", "18:00")] and schedule.is_default
    read = api.get(f"/v2/schedules/{data['id']}").json()["data"]
    assert read["dateOverrides"] == [
        {"ranges": [{"start": "2049-01-07T10:00:00.000Z", "end": "2049-01-07T11:00:00.000Z"}]}
    ]

    gone = api.delete(f"/v2/schedules/{default['id']}")
    assert gone.status_code == 200 and gone.json() == {"status": "success"}


def test_without_a_default_schedule_the_default_is_null(owner, outsider):
    owner.schedules.all().delete()
    response = Api(owner).get("/v2/schedules/default")
    assert response.status_code == 200 and response.json() == {"status": "success", "data": None}
    theirs = outsider.schedules.first()
    assert Api(owner).get(f"/v2/schedules/{theirs.id}").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"timeZone": "UTC", "isDefault": True}, "name"),
        ({"name": "x", "timeZone": "Nowhere/City", "isDefault": True}, "timeZone"),
        (
            {
                "name": "x",
                "timeZone": "UTC",
                "isDefault": True,
                "availabilities": [{"days": [7], "startTime": "x", "endTime": "y"}],
            },
            "availabilities",
        ),
    ],
)
def test_bad_schedules_are_refused_naming_the_field(owner, body, field):
    response = Api(owner).post("/v2/schedules", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_a_string_location_is_only_taken_where_the_attendee_may_name_the_place(factory, owner):
    office = factory.event_type(
        owner, slug="office", locations=[{"type": "address", "address": "1 Main St"}]
    )

    def book(location, hour):
        return Api().post(
            "/v2/bookings",
            {
                "start": f"{DAY}T{hour}:00:00.000Z",
                "eventTypeId": office.id,
                "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "UTC"},
                "location": location,
            },
            **{"cal-api-version": "2024-08-13"},
        )

    refused = book("https://evil.example/join", 10)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_input"
    assert book("1 Main St", 10).status_code == 201  # the place it offers, named as text
    assert book("1 Main St\u2028Bcc: x@example.com", 11).status_code == 400


def test_naming_2024_04_15_gets_the_oldest_shapes_and_their_unknown_fields_are_refused(
    owner, factory
):
    event_type = factory.event_type(owner, slug="intro", length_minutes=30)
    named = Api(owner).get("/v2/event-types", **{"cal-api-version": "2024-04-15"})
    assert "eventTypeGroups" in named.json()["data"]

    current_body = Api(owner).patch(f"/v2/event-types/{event_type.id}", {"lengthInMinutes": 45})
    assert current_body.status_code == 400
    assert "lengthInMinutes" in current_body.json()["error"]["details"]
    event_type.refresh_from_db()
    assert event_type.length_minutes == 30  # nothing silently ignored, nothing changed

    schedule = Api(owner).post(
        "/v2/schedules",
        {"name": "x", "timeZone": "UTC", "isDefault": False, "availability": []},
    )
    assert schedule.status_code == 400 and "availability" in schedule.json()["error"]["details"]


def test_date_overrides_are_read_on_the_schedules_wall_clock(owner):
    schedule = owner.schedules.get()
    api = Api(owner)
    changed = api.patch(
        f"/v2/schedules/{schedule.id}",
        {
            "dateOverrides": [
                {"start": "2049-01-07T09:00:00-05:00", "end": "2049-01-07T12:00:00-05:00"},
                {"start": "2049-01-08T20:00:00.000Z", "end": "2049-01-09T00:00:00.000Z"},
            ]
        },
    )
    assert changed.status_code == 200, changed.json()
    read = api.get(f"/v2/schedules/{schedule.id}").json()["data"]["dateOverrides"]
    assert read == [
        {"ranges": [{"start": "2049-01-07T09:00:00.000Z", "end": "2049-01-07T12:00:00.000Z"}]},
        {"ranges": [{"start": "2049-01-08T20:00:00.000Z", "end": "2049-01-09T00:00:00.000Z"}]},
    ]
    across = api.patch(
        f"/v2/schedules/{schedule.id}",
        {"dateOverrides": [{"start": "2049-01-07T09:00:00Z", "end": "2049-01-08T09:00:00Z"}]},
    )
    assert across.status_code == 400
