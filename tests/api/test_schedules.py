"""Schedules (cal-api-version 2024-06-11) over the API: creating and reading back /v2/schedules,
the default at /v2/schedules/default, changing and deleting /v2/schedules/{id}, the errors each
answers, and that nobody but the owner can tell a schedule exists."""

from datetime import date, time

import pytest

from eventtypes.models import DateOverride, Schedule, WeeklyAvailability
from tests.api.contract import assert_matches_contract
from tests.conftest import error_of, speaking

VERSION = {"cal-api-version": "2024-06-11"}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


@pytest.fixture
def api_as(db):
    return speaking(VERSION["cal-api-version"])


@pytest.fixture
def owner_without_schedule(owner):
    """The owner before they have any schedule; `owner` has the factory's default schedule
    (weekdays 09:00-17:00)."""
    owner.schedules.all().delete()
    return owner


BODY = {
    "name": "Working hours",
    "timeZone": "Europe/Rome",
    "isDefault": True,
    "availability": [
        {"days": ["Monday", "Tuesday"], "startTime": "09:00", "endTime": "12:00"},
        {"days": ["Wednesday"], "startTime": "13:00", "endTime": "00:00"},
    ],
    "overrides": [
        {"date": "2027-01-11", "startTime": "10:00", "endTime": "11:30"},
        {"date": "2027-01-12", "startTime": "00:00", "endTime": "00:00"},
    ],
}


# --- Create and read back ---------------------------------------------------------------------


def test_a_schedule_reads_back_in_the_shape_it_was_given(api_as, owner_without_schedule):
    api = api_as(owner_without_schedule)
    created = api.post("/v2/schedules", BODY, **VERSION)

    assert created.status_code == 201, created.json()
    assert_matches_contract(created)
    data = created.json()["data"]
    read = api.get(f"/v2/schedules/{data['id']}", **VERSION)
    assert_matches_contract(read)
    for shown in (data, read.json()["data"]):
        assert {**shown, "id": None} == {**BODY, "id": None, "ownerId": owner_without_schedule.id}


def test_the_hours_reach_the_schedule_that_slots_use(api_as, owner_without_schedule):
    schedule_id = api_as(owner_without_schedule).post("/v2/schedules", BODY).json()["data"]["id"]

    schedule = Schedule.objects.get(pk=schedule_id)
    assert schedule.owner == owner_without_schedule and schedule.time_zone == "Europe/Rome"
    assert sorted(schedule.weekly.values_list("weekday", "start_time", "end_time")) == [
        (0, time(9), time(12)),
        (1, time(9), time(12)),
        (2, time(13), time(0)),
    ]
    assert list(schedule.overrides.values_list("date", "start_time", "end_time")) == [
        (date(2027, 1, 11), time(10), time(11, 30)),
        (date(2027, 1, 12), None, None),
    ]


def test_without_hours_a_schedule_offers_weekdays_nine_to_five(api_as, owner_without_schedule):
    body = {"name": "Default", "timeZone": "America/New_York", "isDefault": False}
    response = api_as(owner_without_schedule).post("/v2/schedules", body)

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["availability"] == [{"days": WEEKDAYS, "startTime": "09:00", "endTime": "17:00"}]
    assert data["overrides"] == []
    # The first schedule becomes the default whatever isDefault says.
    assert data["isDefault"] is True


def test_an_empty_list_means_no_weekly_hours(api_as, owner_without_schedule):
    body = {"name": "Only overrides", "timeZone": "UTC", "isDefault": True, "availability": []}
    data = api_as(owner_without_schedule).post("/v2/schedules", body).json()["data"]
    assert data["availability"] == []


def test_a_new_default_replaces_the_old_one(api_as, owner):
    api = api_as(owner)
    old = owner.schedules.get()
    body = {"name": "Summer", "timeZone": "UTC", "isDefault": True}
    new = api.post("/v2/schedules", body).json()["data"]

    default = api.get("/v2/schedules/default", **VERSION)
    assert default.status_code == 200
    assert_matches_contract(default)
    assert default.json()["data"]["id"] == new["id"]
    old.refresh_from_db()
    assert old.is_default is False


def test_a_later_schedule_is_not_the_default_unless_asked(api_as, owner):
    body = {"name": "Evenings", "timeZone": "UTC", "isDefault": False}
    data = api_as(owner).post("/v2/schedules", body).json()["data"]
    assert data["isDefault"] is False
    assert owner.schedules.get(is_default=True).name == "Working hours"


def test_creating_needs_a_key(api_as):
    error_of(api_as(None).post("/v2/schedules", BODY), 401, "unauthorized")
    assert not Schedule.objects.exists()


BAD_INPUTS = [
    ("timeZone", {"timeZone": "Mars/Olympus"}),
    ("timeZone", {"timeZone": 3}),
    ("name", {"name": ""}),
    ("isDefault", {"isDefault": "yes"}),
    (
        "availability",
        {"availability": [{"days": ["Funday"], "startTime": "09:00", "endTime": "10:00"}]},
    ),
    ("availability", {"availability": [{"days": [], "startTime": "09:00", "endTime": "10:00"}]}),
    (
        "availability",
        {"availability": [{"days": ["Monday"], "startTime": "9:00", "endTime": "10:00"}]},
    ),
    (
        "availability",
        {"availability": [{"days": ["Monday"], "startTime": "09:00", "endTime": "24:00"}]},
    ),
    (
        "availability",
        {"availability": [{"days": ["Monday"], "startTime": "17:00", "endTime": "09:00"}]},
    ),
    (
        "availability",
        {"availability": [{"days": ["Monday"], "startTime": "09:00", "endTime": "09:00"}]},
    ),
    ("availability", {"availability": [{"days": ["Monday"], "startTime": "09:00"}]}),
    ("availability", {"availability": {"days": ["Monday"]}}),
    (
        "overrides",
        {"overrides": [{"date": "2027-02-30", "startTime": "09:00", "endTime": "10:00"}]},
    ),
    (
        "overrides",
        {"overrides": [{"date": "2027-02-01", "startTime": "12:00", "endTime": "11:00"}]},
    ),
    ("overrides", {"overrides": [{"date": "2027-02-01"}]}),
]


@pytest.mark.parametrize(("field", "change"), BAD_INPUTS)
def test_bad_input_is_a_400_naming_the_field(api_as, owner_without_schedule, field, change):
    error = error_of(
        api_as(owner_without_schedule).post("/v2/schedules", {**BODY, **change}),
        400,
        "validation_error",
    )
    assert field in error["details"], error
    assert not Schedule.objects.exists()


def test_an_end_before_the_start_says_which_block(api_as, owner_without_schedule):
    body = {
        **BODY,
        "availability": [{"days": ["Friday"], "startTime": "17:00", "endTime": "09:00"}],
    }
    error = error_of(
        api_as(owner_without_schedule).post("/v2/schedules", body), 400, "validation_error"
    )
    assert "Friday 17:00–09:00" in error["message"]
    assert "end time must be after the start time" in error["message"]


def test_name_time_zone_and_is_default_are_required(api_as, owner_without_schedule):
    error = error_of(
        api_as(owner_without_schedule).post("/v2/schedules", {}), 400, "validation_error"
    )
    assert set(error["details"]) == {"name", "timeZone", "isDefault"}


def test_the_event_type_version_is_refused_here(api_as, owner_without_schedule):
    response = api_as(owner_without_schedule).post(
        "/v2/schedules", BODY, **{"cal-api-version": "2024-06-14"}
    )
    error_of(response, 400, "unsupported_api_version")


# --- List, read, change, delete ----------------------------------------------------------------


def test_you_list_your_own_schedules_only(api_as, factory, owner, outsider):
    factory.schedule(owner, name="Evenings", hours=((18, 21),))
    response = api_as(owner).get("/v2/schedules", **VERSION)

    assert response.status_code == 200
    assert_matches_contract(response)
    assert [s["name"] for s in response.json()["data"]] == ["Working hours", "Evenings"]
    assert {s["ownerId"] for s in response.json()["data"]} == {owner.id}


def test_listing_takes_the_same_queries_for_many_schedules(
    api_as, factory, owner, django_assert_num_queries
):
    api = api_as(owner)
    api.get("/v2/me")  # the key's first use records its time; later ones within a minute not
    for n in range(4):
        factory.schedule(owner, name=f"Extra {n}")
    # Key lookup, schedules, weekly hours, overrides.
    with django_assert_num_queries(4):
        response = api.get("/v2/schedules")
    assert len(response.json()["data"]) == 5


def test_without_any_schedule_there_is_no_default(api_as, owner_without_schedule):
    error = error_of(
        api_as(owner_without_schedule).get("/v2/schedules/default"), 404, "schedule_not_found"
    )
    assert error["message"] == "You have no default schedule yet."


def test_the_owner_changes_only_what_is_given(api_as, owner):
    schedule = owner.schedules.get()
    response = api_as(owner).patch(
        f"/v2/schedules/{schedule.id}", {"name": "Office", "timeZone": "Asia/Tokyo"}, **VERSION
    )

    assert response.status_code == 200, response.json()
    assert_matches_contract(response)
    data = response.json()["data"]
    assert data["name"] == "Office" and data["timeZone"] == "Asia/Tokyo"
    assert data["availability"] == [{"days": WEEKDAYS, "startTime": "09:00", "endTime": "17:00"}]


def test_new_hours_and_overrides_replace_the_old_ones(api_as, owner):
    schedule = owner.schedules.get()
    DateOverride.objects.create(schedule=schedule, date=date(2027, 3, 1))
    hours = [{"days": ["Saturday", "Sunday"], "startTime": "10:00", "endTime": "14:00"}]
    overrides = [{"date": "2027-03-02", "startTime": "08:00", "endTime": "09:00"}]
    response = api_as(owner).patch(
        f"/v2/schedules/{schedule.id}", {"availability": hours, "overrides": overrides}
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["availability"] == hours and data["overrides"] == overrides
    assert WeeklyAvailability.objects.filter(schedule=schedule).count() == 2


def test_an_invalid_change_leaves_the_schedule_as_it_was(api_as, owner):
    schedule = owner.schedules.get()
    hours = [{"days": ["Monday"], "startTime": "12:00", "endTime": "11:00"}]
    response = api_as(owner).patch(
        f"/v2/schedules/{schedule.id}", {"name": "Broken", "availability": hours}
    )
    error_of(response, 400, "validation_error")
    schedule.refresh_from_db()
    assert schedule.name == "Working hours"
    assert schedule.weekly.count() == 5


@pytest.mark.parametrize(
    "change",
    [
        {"availability": [{}]},
        {"availability": [{"days": ["Monday"], "startTime": "09:00"}]},
        {"overrides": [{"date": "2027-03-02"}]},
    ],
)
def test_a_change_checks_each_block_in_full(api_as, owner, change):
    schedule = owner.schedules.get()
    error = error_of(
        api_as(owner).patch(f"/v2/schedules/{schedule.id}", change), 400, "validation_error"
    )
    assert set(change) <= set(error["details"])
    assert schedule.weekly.count() == 5


def test_making_another_schedule_the_default(api_as, factory, owner):
    old = owner.schedules.get()
    evenings = factory.schedule(owner, name="Evenings")
    response = api_as(owner).patch(f"/v2/schedules/{evenings.id}", {"isDefault": True})

    assert response.json()["data"]["isDefault"] is True
    old.refresh_from_db()
    assert old.is_default is False


def test_unsetting_the_default_is_refused(api_as, owner):
    schedule = owner.schedules.get()
    response = api_as(owner).patch(f"/v2/schedules/{schedule.id}", {"isDefault": False})
    error = error_of(response, 400, "default_schedule_required")
    assert "make another schedule the default" in error["message"]
    schedule.refresh_from_db()
    assert schedule.is_default is True


def test_deleting_a_schedule_sends_its_event_types_back_to_the_default(api_as, factory, owner):
    evenings = factory.schedule(owner, name="Evenings")
    event_type = factory.event_type(owner, schedule=evenings)
    response = api_as(owner).delete(f"/v2/schedules/{evenings.id}", **VERSION)

    assert response.status_code == 200
    assert_matches_contract(response)
    assert response.json() == {"status": "success"}
    event_type.refresh_from_db()
    assert event_type.schedule is None
    assert not Schedule.objects.filter(pk=evenings.pk).exists()


def test_the_default_cannot_be_deleted_while_there_are_others(api_as, factory, owner):
    default = owner.schedules.get()
    factory.schedule(owner, name="Evenings")
    error = error_of(
        api_as(owner).delete(f"/v2/schedules/{default.id}"), 400, "default_schedule_required"
    )
    assert "before deleting" in error["message"]
    assert Schedule.objects.filter(pk=default.pk).exists()


def test_the_last_schedule_can_be_deleted(api_as, owner):
    schedule = owner.schedules.get()
    assert api_as(owner).delete(f"/v2/schedules/{schedule.id}").status_code == 200
    assert not owner.schedules.exists()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_outsider_cannot_tell_someone_elses_schedule_exists(api_as, owner, outsider, method):
    schedule = owner.schedules.get()
    response = api_as(outsider).request(method, f"/v2/schedules/{schedule.id}", {"name": "Mine"})
    error = error_of(response, 404, "schedule_not_found")
    assert error["message"] == f"Schedule with id {schedule.id} not found."
    schedule.refresh_from_db()
    assert schedule.name == "Working hours"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v2/schedules"),
        ("get", "/v2/schedules/default"),
        ("get", "/v2/schedules/{id}"),
        ("patch", "/v2/schedules/{id}"),
        ("delete", "/v2/schedules/{id}"),
    ],
)
def test_schedules_need_a_key(api_as, owner, method, path):
    path = path.format(id=owner.schedules.get().id)
    error_of(api_as(None).request(method, path), 401, "unauthorized")


def test_an_unknown_schedule_is_a_404(api_as, owner):
    error_of(api_as(owner).get("/v2/schedules/999999"), 404, "schedule_not_found")
