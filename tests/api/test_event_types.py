"""Event types (cal-api-version 2024-06-14) over the API: creating, reading back, listing,
changing and deleting them at /v2/event-types, their private links, and team event types at
/v2/teams/{teamId}/event-types, with the errors each answers and who may do what."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership, Organization
from bookings.models import Booking
from eventtypes.models import EventType, Host, PrivateLink
from tests.api.contract import assert_matches_component, assert_matches_contract
from tests.conftest import error_of, speaking, utc

# --- People and things -------------------------------------------------------------------------

VERSION = {"cal-api-version": "2024-06-14"}


@pytest.fixture
def api_as(db):
    return speaking(VERSION["cal-api-version"])


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(owner, slug="intro", length_minutes=30, title="Intro call")


@pytest.fixture
def team_event_type(factory, team, team_admin, cohost):
    return factory.event_type(
        team=team,
        slug="triage",
        scheduling_type=EventType.SchedulingType.ROUND_ROBIN,
        hosts=[team_admin, cohost],
    )


FULL_BODY = {
    "lengthInMinutes": 30,
    "lengthInMinutesOptions": [15, 30, 60],
    "title": "Discovery call",
    "slug": "discovery",
    "description": "Let us get to know each other.",
    "bookingFields": [
        {
            "type": "select",
            "slug": "budget",
            "label": "Budget",
            "required": True,
            "hidden": False,
            "placeholder": "Pick one",
            "options": ["small", "large"],
        },
        {
            "type": "boolean",
            "slug": "newsletter",
            "label": "Newsletter",
            "required": False,
            "hidden": False,
        },
    ],
    "locations": [
        {"type": "address", "address": "1 Main St, Springfield", "public": True},
        {"type": "link", "link": "https://meet.example.com/dana", "public": False},
        {"type": "integration", "integration": "cal-video"},
        {"type": "attendeePhone"},
    ],
    "disableGuests": True,
    "slotInterval": 15,
    "minimumBookingNotice": 60,
    "beforeEventBuffer": 5,
    "afterEventBuffer": 10,
    "bookingWindow": {"type": "businessDays", "value": 20, "rolling": False},
    "bookingLimitsCount": {"day": 3, "week": 10},
    "bookingLimitsDuration": {"day": 120},
    "confirmationPolicy": {
        "type": "time",
        "noticeThreshold": {"unit": "minutes", "count": 90},
        "blockUnconfirmedBookingsInBooker": True,
    },
    "recurrence": {"frequency": "weekly", "interval": 2, "occurrences": 6},
    "customName": "{Event type title} with {Scheduler}",
    "successRedirectUrl": "https://example.com/thanks",
    "forwardParamsSuccessRedirect": True,
    "hidden": True,
    "disableCancelling": {"disabled": True},
    "disableRescheduling": {"disabled": False, "minutesBefore": 120},
    "allowDoubleBooking": False,
    "requiresAttendeeEmailConfirmation": True,
    "cancellationCutoffMinutes": 240,
    "reminderOffsets": [1440, 60],
}


# --- Create and read back ---------------------------------------------------------------------


def test_a_host_creates_an_event_type_and_reads_it_back_in_the_same_shape(api_as, owner):
    api = api_as(owner)
    created = api.post("/v2/event-types", FULL_BODY, **VERSION)

    assert created.status_code == 201, created.json()
    assert_matches_contract(created)
    data = created.json()["data"]
    read = api.get(f"/v2/event-types/{data['id']}", **VERSION)
    assert read.status_code == 200
    assert_matches_contract(read)
    for body in (data, read.json()["data"]):
        for name, value in FULL_BODY.items():
            if name == "bookingFields":
                for sent, shown in zip(value, body[name], strict=True):
                    assert sent.items() <= shown.items()
                    assert shown["isDefault"] is False
            else:
                assert body[name] == value, name
        assert body["ownerId"] == owner.id
        assert body["users"][0]["username"] == "dana"
        assert body["bookingUrl"].endswith("/dana/discovery/")


def test_the_settings_reach_the_event_type_that_bookings_use(api_as, owner):
    data = api_as(owner).post("/v2/event-types", FULL_BODY).json()["data"]

    event_type = EventType.objects.get(pk=data["id"])
    assert event_type.owner == owner
    assert event_type.length_minutes == 30
    assert event_type.allowed_lengths == [15, 30, 60]
    assert event_type.booking_window_type == "businessDays"
    assert event_type.booking_window_days == 20
    assert event_type.requires_confirmation is True
    assert event_type.confirmation_threshold_minutes == 90
    assert event_type.recurrence_max_occurrences == 6
    assert event_type.reschedule_cutoff_minutes == 120
    assert event_type.disable_cancelling is True
    assert event_type.requires_attendee_opt_in is True
    assert event_type.custom_title == "{Event type title} with {Scheduler}"
    assert event_type.success_redirect_forward_params is True


def test_a_minimal_event_type_gets_the_defaults(api_as, owner):
    response = api_as(owner).post(
        "/v2/event-types", {"lengthInMinutes": 45, "title": "Chat", "slug": "chat"}
    )

    assert response.status_code == 201, response.json()
    assert_matches_contract(response)
    data = response.json()["data"]
    assert data["minimumBookingNotice"] == 120
    assert data["slotInterval"] is None
    assert data["recurrence"] is None
    assert data["scheduleId"] is None
    assert data["successRedirectUrl"] is None
    assert data["forwardParamsSuccessRedirect"] is False
    assert data["locations"] == [] and data["bookingFields"] == []
    for switched_off in ("bookingWindow", "confirmationPolicy", "seats", "bookingLimitsCount"):
        assert switched_off not in data


def test_seats_and_a_date_range_read_back_as_sent(api_as, owner):
    body = {
        "lengthInMinutes": 60,
        "title": "Workshop",
        "slug": "workshop",
        "seats": {"seatsPerTimeSlot": 12, "showAttendeeInfo": True, "showAvailabilityCount": False},
        "bookingWindow": {"type": "range", "value": ["2049-02-01", "2049-03-31"]},
    }
    response = api_as(owner).post("/v2/event-types", body)

    assert response.status_code == 201, response.json()
    assert_matches_contract(response)
    data = response.json()["data"]
    assert data["seats"] == body["seats"]
    assert data["seatsPerTimeSlot"] == 12
    assert data["bookingWindow"] == body["bookingWindow"]


def test_a_notice_threshold_in_hours_reads_back_in_minutes(api_as, owner):
    body = {
        "lengthInMinutes": 30,
        "title": "Call",
        "slug": "call",
        "confirmationPolicy": {"type": "time", "noticeThreshold": {"unit": "hours", "count": 2}},
    }
    data = api_as(owner).post("/v2/event-types", body).json()["data"]

    assert data["confirmationPolicy"] == {
        "type": "time",
        "noticeThreshold": {"unit": "minutes", "count": 120},
        "blockUnconfirmedBookingsInBooker": True,
    }


def test_creating_needs_an_api_key(api_as):
    response = api_as(None).post(
        "/v2/event-types", {"lengthInMinutes": 30, "title": "x", "slug": "x"}
    )
    error_of(response, 401, "unauthorized")
    assert not EventType.objects.exists()


def test_length_title_and_slug_are_required(api_as, owner):
    error = error_of(
        api_as(owner).post("/v2/event-types", {"description": "?"}), 400, "validation_error"
    )
    assert set(error["details"]) == {"lengthInMinutes", "title", "slug"}


def test_a_slug_you_already_use_is_a_conflict(api_as, owner, event_type):
    response = api_as(owner).post(
        "/v2/event-types", {"lengthInMinutes": 30, "title": "Again", "slug": "intro"}
    )
    error = error_of(response, 409, "slug_taken")
    assert "intro" in error["message"]
    assert EventType.objects.filter(owner=owner).count() == 1


def test_someone_elses_slug_is_free_for_you(api_as, outsider, event_type):
    response = api_as(outsider).post(
        "/v2/event-types", {"lengthInMinutes": 30, "title": "Mine", "slug": "intro"}
    )
    assert response.status_code == 201, response.json()


def test_the_default_length_must_be_one_of_the_options(api_as, owner):
    body = {"lengthInMinutes": 45, "lengthInMinutesOptions": [15, 30], "title": "x", "slug": "x"}
    error = error_of(api_as(owner).post("/v2/event-types", body), 400, "validation_error")
    assert "lengthInMinutesOptions" in error["details"]
    assert "include the default length" in error["message"]


def test_an_unknown_question_type_is_refused(api_as, owner):
    body = {
        "lengthInMinutes": 30,
        "title": "x",
        "slug": "x",
        "bookingFields": [{"type": "colour", "slug": "fav", "label": "Favourite colour"}],
    }
    error = error_of(api_as(owner).post("/v2/event-types", body), 400, "validation_error")
    assert "bookingFields" in error["details"]
    assert "unknown type 'colour'" in error["message"]


def test_duration_limits_must_be_multiples_of_15(api_as, owner):
    body = {
        "lengthInMinutes": 30,
        "title": "x",
        "slug": "x",
        "bookingLimitsDuration": {"day": 100},
    }
    error = error_of(api_as(owner).post("/v2/event-types", body), 400, "validation_error")
    assert "bookingLimitsDuration" in error["details"]
    assert "multiple of 15" in error["message"]


def test_someone_elses_schedule_cannot_be_chosen(api_as, owner, outsider):
    schedule = outsider.schedules.get()
    body = {"lengthInMinutes": 30, "title": "x", "slug": "x", "scheduleId": schedule.id}
    error = error_of(api_as(owner).post("/v2/event-types", body), 400, "validation_error")
    assert "scheduleId" in error["details"]


def test_your_own_schedule_can_be_chosen(api_as, owner, factory):
    schedule = factory.schedule(owner, name="Evenings", hours=((18, 21),))
    body = {"lengthInMinutes": 30, "title": "x", "slug": "x", "scheduleId": schedule.id}
    response = api_as(owner).post("/v2/event-types", body)
    assert response.status_code == 201
    assert response.json()["data"]["scheduleId"] == schedule.id


def test_settings_we_do_not_have_are_refused_unless_neutral(api_as, owner):
    base = {"lengthInMinutes": 30, "title": "x", "slug": "x"}
    error = error_of(
        api_as(owner).post("/v2/event-types", {**base, "offsetStart": 10, "color": {"a": 1}}),
        400,
        "validation_error",
    )
    assert set(error["details"]) == {"offsetStart", "color"}

    neutral = {
        **base,
        "offsetStart": 0,
        "lockTimeZoneToggleOnBookingPage": False,
        "bookerActiveBookingsLimit": {"disabled": True},
    }
    assert api_as(owner).post("/v2/event-types", neutral).status_code == 201


BAD_INPUTS = [
    ("lengthInMinutes", {"lengthInMinutes": "30"}),
    ("lengthInMinutes", {"lengthInMinutes": 0}),
    ("lengthInMinutes", {"lengthInMinutes": 30.5}),
    ("slug", {"slug": "not a slug!"}),
    ("title", {"title": ""}),
    ("locations", {"locations": ["Main street"]}),
    ("locations", {"locations": [{"type": "teleport"}]}),
    ("locations", {"locations": [{"type": "address"}]}),
    ("locations", {"locations": [{"type": "integration", "integration": "carrier-pigeon"}]}),
    ("locations", {"locations": [{"type": "link", "link": "not a url"}]}),
    ("locations", {"locations": {"type": "address", "address": "x"}}),
    ("bookingFields", {"bookingFields": [{"type": "text", "label": "No slug"}]}),
    ("bookingFields", {"bookingFields": [{"type": "text", "slug": "notes", "label": "x"}]}),
    ("bookingFields", {"bookingFields": [{"type": "select", "slug": "q", "label": "x"}]}),
    ("bookingFields", {"bookingFields": [{"type": "text", "slug": "q", "label": "x"}] * 2}),
    (
        "bookingFields",
        {"bookingFields": [{"type": "text", "slug": "q", "label": "x", "required": "yes"}]},
    ),
    ("bookingWindow", {"bookingWindow": {"type": "calendarDays", "value": 10, "rolling": True}}),
    ("bookingWindow", {"bookingWindow": {"type": "weeks", "value": 2}}),
    ("bookingWindow", {"bookingWindow": {"type": "range", "value": ["2049-03-01", "2049-02-01"]}}),
    ("bookingWindow", {"bookingWindow": {"type": "range", "value": ["soon", "later"]}}),
    ("bookingWindow", {"bookingWindow": {"disabled": True, "type": "range"}}),
    ("bookingWindow", {"bookingWindow": "30 days"}),
    ("bookingLimitsCount", {"bookingLimitsCount": {"day": 5, "week": 2}}),
    ("bookingLimitsCount", {"bookingLimitsCount": {"day": -1}}),
    ("bookingLimitsCount", {"bookingLimitsCount": [1]}),
    ("confirmationPolicy", {"confirmationPolicy": {"type": "time"}}),
    ("confirmationPolicy", {"confirmationPolicy": {"type": "sometimes"}}),
    (
        "confirmationPolicy",
        {"confirmationPolicy": {"type": "always", "blockUnconfirmedBookingsInBooker": False}},
    ),
    (
        "confirmationPolicy",
        {"confirmationPolicy": {"type": "time", "noticeThreshold": {"unit": "days", "count": 1}}},
    ),
    ("recurrence", {"recurrence": {"frequency": "daily", "interval": 1, "occurrences": 3}}),
    ("recurrence", {"recurrence": {"frequency": "weekly", "interval": 1}}),
    ("seats", {"seats": {"seatsPerTimeSlot": 0}}),
    ("seats", {"seats": {"seatsPerTimeSlot": 1001}}),
    (
        "non_field_errors",
        {
            "seats": {"seatsPerTimeSlot": 5},
            "recurrence": {"frequency": "weekly", "interval": 1, "occurrences": 3},
        },
    ),
    ("disableRescheduling", {"disableRescheduling": {"disabled": True, "minutesBefore": 30}}),
    ("successRedirectUrl", {"successRedirectUrl": "javascript:alert(1)"}),
    ("reminderOffsets", {"reminderOffsets": [0]}),
    ("isInstantEvent", {"isInstantEvent": True}),
    ("scheduleId", {"scheduleId": 999999}),
    ("slotInterval", {"slotInterval": 0}),
    ("minimumBookingNotice", {"minimumBookingNotice": -5}),
]


@pytest.mark.parametrize(("field", "change"), BAD_INPUTS)
def test_bad_input_is_a_400_naming_the_field(api_as, owner, field, change):
    body = {"lengthInMinutes": 30, "title": "Call", "slug": "call", **change}
    error = error_of(api_as(owner).post("/v2/event-types", body), 400, "validation_error")
    assert field in error["details"], error
    assert error["message"].startswith("Invalid input: ")
    assert not EventType.objects.filter(slug="call").exists()


def test_a_body_that_is_not_an_object_is_a_400(api_as, owner):
    error_of(api_as(owner).post("/v2/event-types", [1, 2]), 400, "validation_error")


def test_a_wrong_version_header_is_refused(api_as, owner):
    response = api_as(owner).post(
        "/v2/event-types",
        {"lengthInMinutes": 30, "title": "x", "slug": "x"},
        **{"cal-api-version": "2024-08-13"},
    )
    error_of(response, 400, "unsupported_api_version")


# --- The public listing ------------------------------------------------------------------------


def test_anyone_lists_a_users_visible_event_types(api_as, factory, owner, event_type):
    factory.event_type(owner, slug="secret", hidden=True)
    factory.event_type(factory.user("zed"), slug="other")

    response = api_as(None).get("/v2/event-types", {"username": "dana"}, **VERSION)

    assert response.status_code == 200
    assert_matches_contract(response)
    assert [e["slug"] for e in response.json()["data"]] == ["intro"]


def test_the_owner_also_sees_hidden_ones(api_as, factory, owner, event_type):
    factory.event_type(owner, slug="secret", hidden=True)
    response = api_as(owner).get("/v2/event-types", {"username": "dana"})
    assert [e["slug"] for e in response.json()["data"]] == ["intro", "secret"]


def test_a_key_without_filters_lists_your_own(api_as, factory, owner, outsider, event_type):
    factory.event_type(owner, slug="secret", hidden=True)
    factory.event_type(outsider, slug="olgas")
    response = api_as(owner).get("/v2/event-types")
    assert [e["slug"] for e in response.json()["data"]] == ["intro", "secret"]


def test_listing_without_a_username_or_a_key_is_a_400(api_as, event_type):
    error = error_of(api_as(None).get("/v2/event-types"), 400, "validation_error")
    assert "username" in error["details"]


def test_the_listing_narrows_to_one_slug(api_as, factory, owner, event_type):
    factory.event_type(owner, slug="other")
    response = api_as(None).get("/v2/event-types", {"username": "dana", "eventSlug": "intro"})
    assert [e["id"] for e in response.json()["data"]] == [event_type.id]


def test_the_listing_takes_several_usernames_and_sorts_by_creation(api_as, factory, event_type):
    zed = factory.user("zed")
    later = factory.event_type(zed, slug="later")
    factory.event_type(factory.user("yan"), slug="not-asked")

    response = api_as(None).get(
        "/v2/event-types", {"usernames": "dana,zed", "sortCreatedAt": "desc"}
    )

    assert [e["id"] for e in response.json()["data"]] == [later.id, event_type.id]


def test_the_listing_filters_by_organization(api_as, factory, owner, event_type):
    acme = Organization.objects.create(name="Acme", slug="acme")
    owner.organization = acme
    owner.save()
    listed = api_as(None).get("/v2/event-types", {"username": "dana", "orgSlug": "acme"})
    other = api_as(None).get("/v2/event-types", {"username": "dana", "orgSlug": "globex"})
    by_id = api_as(None).get("/v2/event-types", {"username": "dana", "orgId": acme.id})
    assert len(listed.json()["data"]) == 1 and len(by_id.json()["data"]) == 1
    assert other.json()["data"] == []


def test_an_unknown_username_lists_nothing(api_as, event_type):
    response = api_as(None).get("/v2/event-types", {"username": "nobody"})
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_the_listing_takes_the_same_queries_for_many_event_types(api_as, factory, owner):
    api = api_as(None)
    factory.event_type(owner, slug="one")
    with CaptureQueriesContext(connection) as one:
        api.get("/v2/event-types", {"username": "dana"})
    for n in range(5):
        factory.event_type(owner, slug=f"more-{n}")
    with CaptureQueriesContext(connection) as six:
        response = api.get("/v2/event-types", {"username": "dana"})
    assert len(response.json()["data"]) == 6
    assert len(six.captured_queries) == len(one.captured_queries) <= 2


# --- One event type ----------------------------------------------------------------------------


def test_the_owner_changes_only_what_is_given(api_as, owner, event_type):
    response = api_as(owner).patch(
        f"/v2/event-types/{event_type.id}", {"title": "Quick intro", "hidden": True}, **VERSION
    )

    assert response.status_code == 200, response.json()
    assert_matches_contract(response)
    data = response.json()["data"]
    assert data["title"] == "Quick intro" and data["hidden"] is True
    assert data["lengthInMinutes"] == 30 and data["slug"] == "intro"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("locations", [{}]),
        ("bookingFields", [{"slug": "q"}]),
        ("disableCancelling", {}),
        ("seats", {"showAttendeeInfo": True}),
        ("bookingWindow", {"value": 5}),
    ],
)
def test_a_change_checks_nested_objects_in_full(api_as, owner, event_type, field, value):
    response = api_as(owner).patch(f"/v2/event-types/{event_type.id}", {field: value})
    error = error_of(response, 400, "validation_error")
    assert field in error["details"]


def test_settings_switch_off_with_disabled(api_as, owner):
    api = api_as(owner)
    created = api.post("/v2/event-types", FULL_BODY).json()["data"]
    switched_off = {
        name: {"disabled": True}
        for name in (
            "bookingWindow",
            "bookingLimitsCount",
            "bookingLimitsDuration",
            "confirmationPolicy",
            "recurrence",
            "seats",
        )
    }
    response = api.patch(f"/v2/event-types/{created['id']}", switched_off)

    assert response.status_code == 200, response.json()
    assert_matches_contract(response)
    data = response.json()["data"]
    assert data["recurrence"] is None
    assert not (set(switched_off) - {"recurrence"}) & set(data)
    event_type = EventType.objects.get(pk=created["id"])
    assert event_type.booking_window_type == "unlimited"
    assert event_type.requires_confirmation is False
    assert event_type.booking_limits_count == {}


def test_clearing_the_schedule_and_redirect_with_null(api_as, owner, factory):
    schedule = factory.schedule(owner, name="Evenings")
    event_type = factory.event_type(owner, schedule=schedule, success_redirect_url="https://x.io")
    response = api_as(owner).patch(
        f"/v2/event-types/{event_type.id}", {"scheduleId": None, "successRedirectUrl": None}
    )
    assert response.status_code == 200, response.json()
    event_type.refresh_from_db()
    assert event_type.schedule is None and event_type.success_redirect_url == ""


def test_renaming_to_a_slug_you_use_is_a_conflict(api_as, factory, owner, event_type):
    other = factory.event_type(owner, slug="other")
    response = api_as(owner).patch(f"/v2/event-types/{other.id}", {"slug": "intro"})
    error_of(response, 409, "slug_taken")


def test_an_invalid_change_leaves_the_event_type_as_it_was(api_as, owner, event_type):
    response = api_as(owner).patch(
        f"/v2/event-types/{event_type.id}",
        {"title": "Changed", "lengthInMinutesOptions": [15, 60]},
    )
    error_of(response, 400, "validation_error")
    event_type.refresh_from_db()
    assert event_type.title == "Intro call"


def test_the_owner_deletes_an_event_type_and_its_bookings_stay(api_as, factory, owner, event_type):
    booking = factory.book(event_type, utc(2049, 1, 5, 10)).booking
    response = api_as(owner).delete(f"/v2/event-types/{event_type.id}", **VERSION)

    assert response.status_code == 200
    assert_matches_contract(response)
    assert response.json()["data"] == {
        "id": event_type.id,
        "lengthInMinutes": 30,
        "title": "Intro call",
        "slug": "intro",
    }
    assert not EventType.objects.filter(pk=event_type.pk).exists()
    assert Booking.objects.get(pk=booking.pk).event_type is None


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_outsider_cannot_tell_someone_elses_event_type_exists(
    api_as, outsider, event_type, method
):
    response = getattr(api_as(outsider), method)(f"/v2/event-types/{event_type.id}")
    error = error_of(response, 404, "event_type_not_found")
    assert error["message"] == f"Event type with id {event_type.id} not found."
    assert EventType.objects.get(pk=event_type.pk).title == "Intro call"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_one_event_type_needs_a_key(api_as, event_type, method):
    response = getattr(api_as(None), method)(f"/v2/event-types/{event_type.id}")
    error_of(response, 401, "unauthorized")


def test_an_unknown_event_type_is_a_404(api_as, owner):
    error_of(api_as(owner).get("/v2/event-types/999999"), 404, "event_type_not_found")


# --- Team event types --------------------------------------------------------------------------


TEAM_BODY = {
    "lengthInMinutes": 30,
    "title": "Support call",
    "slug": "help",
    "schedulingType": "roundRobin",
}


def test_a_team_admin_creates_a_round_robin_type_with_hosts(
    api_as, team, team_admin, member, cohost
):
    body = {
        **TEAM_BODY,
        "hosts": [
            {"userId": cohost.id, "mandatory": True, "priority": "high"},
            {"userId": member.id, "priority": "lowest", "weight": 50},
        ],
    }
    response = api_as(team_admin).post(f"/v2/teams/{team.id}/event-types", body, **VERSION)

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert_matches_component(data, "TeamEventTypeOutput_2024_06_14")
    assert data["teamId"] == team.id and data["ownerId"] is None
    assert data["schedulingType"] == "roundRobin"
    assert data["team"]["slug"] == "support"
    hosts = {h["userId"]: h for h in data["hosts"]}
    assert hosts[cohost.id]["mandatory"] is True and hosts[cohost.id]["priority"] == "high"
    assert hosts[member.id]["priority"] == "lowest" and hosts[member.id]["weight"] == 50
    event_type = EventType.objects.get(pk=data["id"])
    assert event_type.team == team and event_type.owner is None
    assert {h.user_id for h in event_type.hosts.all()} == {cohost.id, member.id}


def test_every_member_becomes_a_host_when_asked(api_as, team, team_admin, member, cohost):
    body = {**TEAM_BODY, "schedulingType": "collective", "assignAllTeamMembers": True}
    data = api_as(team_admin).post(f"/v2/teams/{team.id}/event-types", body).json()["data"]
    assert {h["userId"] for h in data["hosts"]} == {team_admin.id, member.id, cohost.id}


def test_hosts_must_be_members_of_the_team(api_as, team, team_admin, outsider):
    body = {**TEAM_BODY, "hosts": [{"userId": outsider.id}]}
    error = error_of(
        api_as(team_admin).post(f"/v2/teams/{team.id}/event-types", body), 400, "validation_error"
    )
    assert "hosts" in error["details"]
    assert str(outsider.id) in error["message"]
    assert not EventType.objects.filter(team=team).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"schedulingType": None},
        {"schedulingType": "managed"},
        {"hosts": [{"userId": 1}], "assignAllTeamMembers": True},
        {"hosts": [{"userId": 1, "priority": "urgent"}]},
        {"scheduleId": 1},
        {"hosts": "everyone"},
    ],
)
def test_bad_team_input_is_a_400(api_as, team, team_admin, change):
    body = {**TEAM_BODY, **change}
    body = {k: v for k, v in body.items() if v is not None}
    error_of(
        api_as(team_admin).post(f"/v2/teams/{team.id}/event-types", body), 400, "validation_error"
    )


def test_a_team_slug_in_use_is_a_conflict(api_as, team, team_admin, team_event_type):
    body = {**TEAM_BODY, "slug": "triage"}
    error_of(api_as(team_admin).post(f"/v2/teams/{team.id}/event-types", body), 409, "slug_taken")


def test_team_members_read_the_teams_event_types(api_as, team, member, team_event_type):
    api = api_as(member)
    listed = api.get(f"/v2/teams/{team.id}/event-types", **VERSION)
    one = api.get(f"/v2/teams/{team.id}/event-types/{team_event_type.id}")
    by_id = api.get(f"/v2/event-types/{team_event_type.id}", **VERSION)

    assert [e["id"] for e in listed.json()["data"]] == [team_event_type.id]
    assert one.status_code == 200
    assert_matches_component(one.json()["data"], "TeamEventTypeOutput_2024_06_14")
    assert by_id.status_code == 200
    assert_matches_contract(by_id)


def test_the_team_listing_filters_and_limits_hosts(api_as, factory, team, member, team_event_type):
    factory.event_type(team=team, slug="other", scheduling_type="collective")
    response = api_as(member).get(
        f"/v2/teams/{team.id}/event-types", {"eventSlug": "triage", "hostsLimit": 1}
    )
    data = response.json()["data"]
    assert [e["slug"] for e in data] == ["triage"]
    assert len(data[0]["hosts"]) == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/v2/teams/{team}/event-types", TEAM_BODY),
        ("patch", "/v2/teams/{team}/event-types/{event}", {"title": "Mine now"}),
        ("delete", "/v2/teams/{team}/event-types/{event}", None),
        ("patch", "/v2/event-types/{event}", {"title": "Mine now"}),
        ("delete", "/v2/event-types/{event}", None),
    ],
)
def test_team_members_who_are_not_admins_cannot_change_event_types(
    api_as, team, member, cohost, team_event_type, method, path, body
):
    path = path.format(team=team.id, event=team_event_type.id)
    for user in (member, cohost):
        response = api_as(user).request(method, path, body)
        error_of(response, 403, "not_team_admin")
    team_event_type.refresh_from_db()
    assert team_event_type.title == "Intro call"
    assert EventType.objects.filter(team=team).count() == 1


def test_the_team_admin_changes_hosts_and_settings(
    api_as, team, team_admin, member, team_event_type
):
    host = team_event_type.hosts.get(user=team_admin)
    schedule = team_admin.schedules.get()
    host.schedule = schedule
    host.save()
    response = api_as(team_admin).patch(
        f"/v2/teams/{team.id}/event-types/{team_event_type.id}",
        {
            "title": "Triage call",
            "schedulingType": "collective",
            "hosts": [{"userId": team_admin.id, "priority": "highest"}, {"userId": member.id}],
        },
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert_matches_component(data, "TeamEventTypeOutput_2024_06_14")
    assert data["title"] == "Triage call" and data["schedulingType"] == "collective"
    assert {h["userId"] for h in data["hosts"]} == {team_admin.id, member.id}
    kept = Host.objects.get(event_type=team_event_type, user=team_admin)
    assert kept.priority == Host.Priority.HIGHEST and kept.schedule == schedule


def test_a_host_change_needs_the_user(api_as, team, team_admin, team_event_type):
    response = api_as(team_admin).patch(
        f"/v2/teams/{team.id}/event-types/{team_event_type.id}", {"hosts": [{"priority": "low"}]}
    )
    error = error_of(response, 400, "validation_error")
    assert "hosts" in error["details"]
    assert team_event_type.hosts.count() == 2


def test_a_team_admin_manages_team_types_through_the_event_type_path_too(
    api_as, team_admin, member, team_event_type
):
    response = api_as(team_admin).patch(
        f"/v2/event-types/{team_event_type.id}",
        {"hidden": True, "hosts": [{"userId": member.id}]},
    )
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert_matches_component(data, "TeamEventTypeOutput_2024_06_14")
    assert data["hidden"] is True
    assert [h["userId"] for h in data["hosts"]] == [member.id]


def test_the_team_owner_role_also_manages(api_as, factory, team, team_event_type):
    boss = factory.user("boss")
    Membership.objects.create(team=team, user=boss, role=Membership.Role.OWNER)
    response = api_as(boss).delete(f"/v2/teams/{team.id}/event-types/{team_event_type.id}")
    assert response.status_code == 200
    assert not EventType.objects.filter(pk=team_event_type.pk).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v2/teams/{team}/event-types"),
        ("post", "/v2/teams/{team}/event-types"),
        ("get", "/v2/teams/{team}/event-types/{event}"),
        ("patch", "/v2/teams/{team}/event-types/{event}"),
        ("delete", "/v2/teams/{team}/event-types/{event}"),
        ("get", "/v2/event-types/{event}"),
    ],
)
def test_outsiders_cannot_tell_a_team_exists(api_as, outsider, team, team_event_type, method, path):
    path = path.format(team=team.id, event=team_event_type.id)
    response = api_as(outsider).request(method, path, TEAM_BODY if method != "get" else None)
    assert response.status_code == 404, response.json()
    assert response.json()["error"]["code"] in ("team_not_found", "event_type_not_found")
    assert api_as(None).request(method, path).status_code == 401


def test_another_teams_event_type_is_not_found_under_this_team(
    api_as, factory, team, team_admin, team_event_type
):
    other_team = factory.team(team_admin, slug="sales", admins=[team_admin])
    response = api_as(team_admin).get(f"/v2/teams/{other_team.id}/event-types/{team_event_type.id}")
    error_of(response, 404, "event_type_not_found")


# --- Private links -----------------------------------------------------------------------------


def links_path(event_type) -> str:
    return f"/v2/event-types/{event_type.id}/private-links"


def test_a_private_link_works_once_by_default(api_as, owner, event_type):
    response = api_as(owner).post(links_path(event_type), {}, **VERSION)

    assert response.status_code == 201, response.json()
    assert_matches_contract(response)
    data = response.json()["data"]
    assert data["eventTypeId"] == event_type.id
    assert data["maxUsageCount"] == 1 and data["usageCount"] == 0
    assert data["isExpired"] is False
    assert data["bookingUrl"].endswith(f"/d/{data['linkId']}/intro/")
    assert "expiresAt" not in data


def test_a_time_based_link_expires_at_its_time(api_as, owner, event_type):
    expires = (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    response = api_as(owner).post(
        links_path(event_type), {"expiresAt": expires.isoformat().replace("+00:00", "Z")}
    )

    assert response.status_code == 201, response.json()
    assert_matches_contract(response)
    data = response.json()["data"]
    assert data["expiresAt"] == expires.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert "maxUsageCount" not in data
    assert PrivateLink.objects.get(link_hash=data["linkId"]).max_uses is None


def test_booking_through_a_link_uses_it_up(api_as, owner, event_type):
    api = api_as(owner)
    link = api.post(links_path(event_type), {"maxUsageCount": 1}).json()["data"]
    booked = api_as(None).post(
        "/v2/bookings",
        {
            "start": "2049-01-05T10:00:00Z",
            "eventTypeId": event_type.id,
            "privateLinkHash": link["linkId"],
            "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "UTC"},
        },
        **{"cal-api-version": "2024-08-13"},
    )
    assert booked.status_code == 201, booked.json()

    listed = api.get(links_path(event_type), **VERSION)
    assert_matches_contract(listed)
    assert listed.json()["data"] == [{**link, "usageCount": 1, "isExpired": True}]


def test_the_owner_changes_and_deletes_a_link(api_as, owner, event_type):
    api = api_as(owner)
    link_id = api.post(links_path(event_type), {}).json()["data"]["linkId"]

    updated = api.patch(f"{links_path(event_type)}/{link_id}", {"maxUsageCount": 5})
    assert updated.status_code == 200, updated.json()
    assert_matches_contract(updated)
    assert updated.json()["data"]["maxUsageCount"] == 5

    deleted = api.delete(f"{links_path(event_type)}/{link_id}")
    assert deleted.status_code == 200
    assert_matches_contract(deleted)
    assert deleted.json()["data"]["linkId"] == link_id
    assert not PrivateLink.objects.exists()
    error_of(api.delete(f"{links_path(event_type)}/{link_id}"), 404, "private_link_not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"expiresAt": "2030-01-01T00:00:00Z", "maxUsageCount": 3},
        {"expiresAt": "2020-01-01T00:00:00Z"},
        {"expiresAt": "next week"},
        {"maxUsageCount": 0},
        {"maxUsageCount": "3"},
    ],
)
def test_bad_private_link_input_is_a_400(api_as, owner, event_type, body):
    error_of(api_as(owner).post(links_path(event_type), body), 400, "validation_error")
    assert not PrivateLink.objects.exists()


def test_a_link_update_needs_a_time_or_a_count(api_as, owner, event_type):
    link = PrivateLink.objects.create(event_type=event_type)
    error_of(
        api_as(owner).patch(f"{links_path(event_type)}/{link.link_hash}", {}),
        400,
        "validation_error",
    )


def test_only_the_owner_and_team_admins_manage_links(
    api_as, outsider, member, team_admin, event_type, team_event_type
):
    error_of(api_as(outsider).post(links_path(event_type), {}), 404, "event_type_not_found")
    error_of(api_as(outsider).get(links_path(event_type)), 404, "event_type_not_found")
    error_of(api_as(None).get(links_path(event_type)), 401, "unauthorized")
    error_of(api_as(member).post(links_path(team_event_type), {}), 403, "not_team_admin")
    assert api_as(team_admin).post(links_path(team_event_type), {}).status_code == 201
    assert PrivateLink.objects.filter(event_type=team_event_type).count() == 1


def test_a_link_of_another_event_type_is_not_found(api_as, factory, owner, event_type):
    other = factory.event_type(owner, slug="other")
    link = PrivateLink.objects.create(event_type=other)
    response = api_as(owner).delete(f"{links_path(event_type)}/{link.link_hash}")
    error_of(response, 404, "private_link_not_found")
    assert PrivateLink.objects.filter(pk=link.pk).exists()


def test_the_public_listing_hides_the_value_of_private_locations(api_as, factory, owner):
    factory.event_type(
        owner,
        slug="home-visit",
        locations=[
            {"type": "address", "address": "12 Private Home Rd", "public": False},
            {"type": "link", "link": "https://meet.example.com/dana", "public": True},
        ],
    )
    anonymous = api_as(None).get("/v2/event-types", {"username": "dana"})
    assert anonymous.status_code == 200
    locations = anonymous.json()["data"][0]["locations"]
    assert locations[0] == {"type": "address", "address": "", "public": False}
    assert locations[1]["link"] == "https://meet.example.com/dana"
    assert_matches_contract(anonymous)
    shown = api_as(owner).get("/v2/event-types", {"username": "dana"}).json()["data"][0]
    assert shown["locations"][0]["address"] == "12 Private Home Rd"
