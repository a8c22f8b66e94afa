"""Sub-resources of a booking over the API: attendees, guests, location, calendar links,
references, notes and history, for each persona, and the versions they accept.

Managers: the owner of a personal event type, a co-host of a collective team booking, a team
admin. Not managers: a team member who is not a host, an outsider with a key (both get 404),
and an anonymous caller (401).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator

from accounts.models import Membership
from bookings.models import Attendee, Booking, BookingNote
from bookings.services import Actor, add_note, cancel_booking
from eventtypes.models import EventType
from tests.api.contract import SPEC_URI, _registry, assert_matches_contract
from tests.conftest import NOW, error_of, utc

START = utc(2049, 1, 5, 10)
LOCATIONS = [
    {"type": "address", "address": "1 Main Street"},
    {"type": "link", "link": "https://meet.example.com/dana"},
    {"type": "attendeeDefined"},
    {"type": "attendeePhone"},
]
NEW_ATTENDEE = {"name": "Bo Bell", "email": "bo@example.com", "timeZone": "America/New_York"}


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(owner, slug="intro", length_minutes=30, locations=LOCATIONS)


@pytest.fixture
def booking(factory, event_type):
    return factory.book(event_type, START, email="ana@example.com").booking


@pytest.fixture
def team_booking(factory, team, cohost):
    """A collective booking of the shared team, hosted by its co-host and "hugo", a member."""
    hugo = factory.user("hugo")
    Membership.objects.create(team=team, user=hugo, role=Membership.Role.MEMBER)
    event_type = factory.event_type(
        team=team,
        scheduling_type=EventType.SchedulingType.COLLECTIVE,
        hosts=[hugo, cohost],
        locations=LOCATIONS,
    )
    return factory.book(event_type, START, email="tim@example.com").booking


@pytest.fixture
def managers(owner, cohost, team_admin, booking, team_booking):
    """(persona, user, booking they manage)"""
    return {
        "owner": (owner, booking),
        "co-host": (cohost, team_booking),
        "team admin": (team_admin, team_booking),
    }


@pytest.fixture
def strangers(member, outsider, booking, team_booking):
    """(persona, user, booking they do not manage)"""
    return {
        "team member": (member, team_booking),
        "outsider on a personal booking": (outsider, booking),
        "outsider on a team booking": (outsider, team_booking),
    }


MANAGERS = ["owner", "co-host", "team admin"]
STRANGERS = ["team member", "outsider on a personal booking", "outsider on a team booking"]


def assert_data_matches(response, schema: str):
    """Cal.com's document types `status` as an object in the calendar-links and references
    outputs (a mistake of the document: it is the string "success"), so only `data` is
    checked against the schema there."""
    pointer = f"{SPEC_URI}#/components/schemas/{schema}/properties/data"
    try:
        OAS30Validator({"$ref": pointer}, registry=_registry()).validate(response.json()["data"])
    except ValidationError as error:
        raise AssertionError(f"{schema}: {error.message}") from None
    assert response.json()["status"] == "success"


def attendee_count(booking) -> int:
    # Not booking.attendees.count(): a booking from the services carries its attendees
    # prefetched, and the count would come from that cache.
    return Attendee.objects.filter(booking_id=booking.pk).count()


def assert_not_found(response):
    error_of(response, 404, "booking_not_found")


# --- Attendees ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_list_the_attendees_with_their_ids(api_as, managers, persona):
    user, booking = managers[persona]
    response = api_as(user).get(f"/v2/bookings/{booking.uid}/attendees")

    assert response.status_code == 200, response.json()
    attendee = booking.attendees.get()
    assert response.json()["data"] == [
        {
            "id": attendee.id,
            "bookingId": booking.id,
            "name": attendee.name,
            "email": attendee.email,
            "displayEmail": attendee.email,
            "timeZone": "Europe/Paris",
            "language": "en",
            "absent": False,
        }
    ]
    assert_matches_contract(response)


@pytest.mark.parametrize("persona", STRANGERS)
def test_someone_who_does_not_manage_the_booking_cannot_see_its_attendees(
    api_as, strangers, persona
):
    user, booking = strangers[persona]
    assert_not_found(api_as(user).get(f"/v2/bookings/{booking.uid}/attendees"))


def test_attendees_need_a_key(api_as, booking):
    response = api_as(None).get(f"/v2/bookings/{booking.uid}/attendees")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_an_unknown_booking_has_no_attendees(api_as, owner):
    assert_not_found(api_as(owner).get("/v2/bookings/nope/attendees"))


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_add_an_attendee_who_joins_the_booking(api_as, managers, persona):
    user, booking = managers[persona]
    body = {**NEW_ATTENDEE, "phoneNumber": "+14155550123", "language": "fr"}
    response = api_as(user).post(f"/v2/bookings/{booking.uid}/attendees", body)

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["bookingId"] == booking.id
    assert (data["email"], data["language"], data["phoneNumber"]) == (
        "bo@example.com",
        "fr",
        "+14155550123",
    )
    assert booking.attendees.filter(pk=data["id"], name="Bo Bell").exists()
    assert_matches_contract(response)


@pytest.mark.parametrize("persona", STRANGERS)
def test_someone_who_does_not_manage_the_booking_cannot_add_an_attendee(api_as, strangers, persona):
    user, booking = strangers[persona]
    assert_not_found(api_as(user).post(f"/v2/bookings/{booking.uid}/attendees", NEW_ATTENDEE))
    assert attendee_count(booking) == 1


def test_adding_an_attendee_anonymously_is_refused(api_as, booking):
    response = api_as(None).post(f"/v2/bookings/{booking.uid}/attendees", NEW_ATTENDEE)
    assert response.status_code == 401
    assert attendee_count(booking) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timeZone": None}, "timeZone"),
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"phoneNumber": "0612"}, "phoneNumber"),
        ({"language": "xx"}, "language"),
    ],
    ids=["no-zone", "bad-zone", "bad-email", "no-name", "bad-phone", "bad-language"],
)
def test_a_bad_attendee_is_refused_with_the_field_named(api_as, owner, booking, change, field):
    body = {key: value for key, value in {**NEW_ATTENDEE, **change}.items() if value is not None}
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/attendees", body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["message"]
    assert attendee_count(booking) == 1


def test_an_attendee_cannot_be_added_twice(api_as, owner, booking):
    body = {**NEW_ATTENDEE, "email": "ANA@example.com"}
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/attendees", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert attendee_count(booking) == 1


def test_a_cancelled_booking_takes_no_new_attendee(api_as, owner, booking):
    cancel_booking(booking, Actor.host(owner), now=NOW)
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/attendees", NEW_ATTENDEE)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_a_full_seated_booking_takes_no_new_attendee(api_as, factory, owner):
    seated = factory.event_type(owner, seats_per_time_slot=2)
    booking = factory.book(seated, START).booking
    factory.book(seated, START)

    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/attendees", NEW_ATTENDEE)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "seats_full"
    assert attendee_count(booking) == 2


def test_an_attendee_added_to_a_seated_booking_gets_a_seat(api_as, factory, owner):
    seated = factory.event_type(owner, seats_per_time_slot=3)
    booking = factory.book(seated, START).booking

    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/attendees", NEW_ATTENDEE)

    assert response.status_code == 201, response.json()
    assert response.json()["data"]["seatUid"]
    assert_matches_contract(response)


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_read_one_attendee(api_as, managers, persona):
    user, booking = managers[persona]
    attendee = booking.attendees.get()
    response = api_as(user).get(f"/v2/bookings/{booking.uid}/attendees/{attendee.id}")

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["email"] == attendee.email
    assert response.json()["data"]["id"] == attendee.id
    assert_matches_contract(response)


@pytest.mark.parametrize("persona", STRANGERS)
def test_someone_who_does_not_manage_the_booking_cannot_read_an_attendee(
    api_as, strangers, persona
):
    user, booking = strangers[persona]
    attendee = booking.attendees.get()
    assert_not_found(api_as(user).get(f"/v2/bookings/{booking.uid}/attendees/{attendee.id}"))


def test_an_attendee_of_another_booking_is_not_found_here(api_as, owner, booking, factory):
    other = factory.book(booking.event_type, utc(2049, 1, 5, 14)).booking
    stranger = other.attendees.get()

    response = api_as(owner).get(f"/v2/bookings/{booking.uid}/attendees/{stranger.id}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert stranger.email not in response.content.decode()


def test_an_attendee_id_must_be_a_number(api_as, owner, booking):
    response = api_as(owner).get(f"/v2/bookings/{booking.uid}/attendees/abc")
    assert response.status_code == 400
    assert "attendeeId" in response.json()["error"]["message"]


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_remove_an_attendee_and_get_the_booking(api_as, managers, persona):
    user, booking = managers[persona]
    added = api_as(user).post(f"/v2/bookings/{booking.uid}/attendees", NEW_ATTENDEE)
    attendee_id = added.json()["data"]["id"]

    response = api_as(user).delete(f"/v2/bookings/{booking.uid}/attendees/{attendee_id}")

    assert response.status_code == 200, response.json()
    assert [a["email"] for a in response.json()["data"]["attendees"]] == [
        booking.attendees.get().email
    ]
    assert not booking.attendees.filter(pk=attendee_id).exists()


@pytest.mark.parametrize("persona", STRANGERS)
def test_someone_who_does_not_manage_the_booking_cannot_remove_an_attendee(
    api_as, strangers, persona
):
    user, booking = strangers[persona]
    attendee = booking.attendees.get()
    response = api_as(user).delete(f"/v2/bookings/{booking.uid}/attendees/{attendee.id}")
    assert_not_found(response)
    assert booking.attendees.filter(pk=attendee.pk).exists()


def test_the_last_attendee_cannot_be_removed(api_as, owner, booking):
    attendee = booking.attendees.get()
    response = api_as(owner).delete(f"/v2/bookings/{booking.uid}/attendees/{attendee.id}")
    assert response.status_code == 409
    assert "cancel" in response.json()["error"]["message"]
    assert booking.attendees.filter(pk=attendee.pk).exists()


def test_removing_an_unknown_attendee_is_not_found(api_as, owner, booking):
    response = api_as(owner).delete(f"/v2/bookings/{booking.uid}/attendees/999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- Guests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_add_guests_and_get_the_booking(api_as, managers, persona):
    user, booking = managers[persona]
    body = {
        "guests": [
            {"email": "Gil@Example.com", "name": "Gil", "timeZone": "Europe/Rome"},
            {"email": "hal@example.com", "language": "de", "phoneNumber": "+4915112345678"},
        ]
    }
    response = api_as(user).post(f"/v2/bookings/{booking.uid}/guests", body)

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["guests"] == ["gil@example.com", "hal@example.com"]
    assert Booking.objects.get(pk=booking.pk).guests == ["gil@example.com", "hal@example.com"]
    assert_matches_contract(response)


@pytest.mark.parametrize("persona", STRANGERS)
def test_someone_who_does_not_manage_the_booking_cannot_add_guests(api_as, strangers, persona):
    user, booking = strangers[persona]
    body = {"guests": [{"email": "gil@example.com"}]}
    assert_not_found(api_as(user).post(f"/v2/bookings/{booking.uid}/guests", body))
    assert Booking.objects.get(pk=booking.pk).guests == []


def test_adding_guests_needs_a_key(api_as, booking):
    body = {"guests": [{"email": "gil@example.com"}]}
    assert api_as(None).post(f"/v2/bookings/{booking.uid}/guests", body).status_code == 401


def test_at_most_ten_guests_are_added_at_once(api_as, owner, booking):
    body = {"guests": [{"email": f"g{n}@example.com"} for n in range(11)]}
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/guests", body)
    assert response.status_code == 400
    assert "10" in response.json()["error"]["message"]
    assert Booking.objects.get(pk=booking.pk).guests == []


def test_a_booking_has_at_most_thirty_guests(api_as, owner, booking):
    for batch in range(3):
        body = {"guests": [{"email": f"g{batch}-{n}@example.com"} for n in range(10)]}
        assert api_as(owner).post(f"/v2/bookings/{booking.uid}/guests", body).status_code == 200

    body = {"guests": [{"email": "one-more@example.com"}]}
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/guests", body)

    assert response.status_code == 400
    assert "30" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [{}, {"guests": []}, {"guests": ["gil@example.com"]}, {"guests": [{"email": "nope"}]}],
    ids=["missing", "empty", "strings", "bad-email"],
)
def test_a_malformed_guest_list_is_refused(api_as, owner, booking, body):
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/guests", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "guests" in response.json()["error"]["message"]


# --- Location -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_move_the_meeting_to_a_place_the_attendee_named(api_as, managers, persona):
    user, booking = managers[persona]
    body = {"location": {"type": "attendeeDefined", "location": "The cafe on 5th"}}
    response = api_as(user).patch(f"/v2/bookings/{booking.uid}/location", body)

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["location"] == "The cafe on 5th"
    assert Booking.objects.get(pk=booking.pk).location == "The cafe on 5th"
    assert_matches_contract(response)


def test_a_link_location_becomes_the_meeting_url(api_as, owner, booking):
    body = {"location": {"type": "link", "link": "https://meet.example.com/dana"}}
    response = api_as(owner).patch(f"/v2/bookings/{booking.uid}/location", body)

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["meetingUrl"] == "https://meet.example.com/dana"
    assert_matches_contract(response)


@pytest.mark.parametrize("persona", STRANGERS)
def test_someone_who_does_not_manage_the_booking_cannot_move_it(api_as, strangers, persona):
    user, booking = strangers[persona]
    before = booking.location
    body = {"location": {"type": "attendeeDefined", "location": "Elsewhere"}}
    assert_not_found(api_as(user).patch(f"/v2/bookings/{booking.uid}/location", body))
    assert Booking.objects.get(pk=booking.pk).location == before


def test_changing_the_location_needs_a_key(api_as, booking):
    body = {"location": {"type": "attendeeDefined", "location": "Elsewhere"}}
    assert api_as(None).patch(f"/v2/bookings/{booking.uid}/location", body).status_code == 401


@pytest.mark.parametrize(
    "location",
    ["1 Main Street", {"address": "no type"}, {"type": "organizersDefaultApp"}, {"type": "x"}],
    ids=["string", "no-type", "default-app", "unknown"],
)
def test_a_location_that_is_not_a_typed_object_is_refused(api_as, owner, booking, location):
    response = api_as(owner).patch(f"/v2/bookings/{booking.uid}/location", {"location": location})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "location" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "location",
    [{"type": "attendeeAddress", "address": "5 Elm Road"}, {"type": "attendeeDefined"}],
    ids=["not-offered", "incomplete"],
)
def test_a_location_the_event_type_cannot_take_is_refused(api_as, owner, booking, location):
    response = api_as(owner).patch(f"/v2/bookings/{booking.uid}/location", {"location": location})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert Booking.objects.get(pk=booking.pk).location == booking.location


def test_a_cancelled_booking_cannot_move(api_as, owner, booking):
    cancel_booking(booking, Actor.host(owner), now=NOW)
    body = {"location": {"type": "attendeeDefined", "location": "Elsewhere"}}
    response = api_as(owner).patch(f"/v2/bookings/{booking.uid}/location", body)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


# --- Calendar links and references -------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_get_add_to_calendar_links(api_as, managers, persona, settings):
    user, booking = managers[persona]
    response = api_as(user).get(f"/v2/bookings/{booking.uid}/calendar-links")

    assert response.status_code == 200, response.json()
    links = {item["label"]: item["link"] for item in response.json()["data"]}
    assert list(links) == [
        "Google Calendar",
        "Microsoft Office",
        "Microsoft Outlook",
        "Yahoo Calendar",
        "ICS",
    ]
    assert "dates=20490105T100000Z%2F20490105T103000Z" in links["Google Calendar"]
    assert links["Microsoft Office"].startswith("https://outlook.office.com/")
    assert "startdt=2049-01-05T10%3A00%3A00Z" in links["Microsoft Outlook"]
    assert "st=20490105T100000Z" in links["Yahoo Calendar"]
    assert links["ICS"] == f"{settings.SITE_URL}/v2/bookings/{booking.uid}/ics"
    assert_data_matches(response, "CalendarLinksOutput_2024_08_13")


def test_calendar_links_carry_the_title_and_place(api_as, owner, booking):
    response = api_as(owner).get(f"/v2/bookings/{booking.uid}/calendar-links")
    google = response.json()["data"][0]["link"]
    assert "text=Intro%20call%20between%20Dana%20and%20Attendee" in google
    assert "location=1%20Main%20Street" in google


@pytest.mark.parametrize("persona", STRANGERS)
def test_someone_who_does_not_manage_the_booking_gets_no_calendar_links(api_as, strangers, persona):
    user, booking = strangers[persona]
    assert_not_found(api_as(user).get(f"/v2/bookings/{booking.uid}/calendar-links"))


def test_calendar_links_need_a_key(api_as, booking):
    assert api_as(None).get(f"/v2/bookings/{booking.uid}/calendar-links").status_code == 401


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_see_no_references_while_nothing_is_synced(api_as, managers, persona):
    user, booking = managers[persona]
    response = api_as(user).get(f"/v2/bookings/{booking.uid}/references")

    assert response.status_code == 200, response.json()
    assert response.json()["data"] == []
    assert_data_matches(response, "BookingReferencesOutput_2024_08_13")


def test_references_filter_by_a_known_type_only(api_as, owner, booking):
    url = f"/v2/bookings/{booking.uid}/references"
    assert api_as(owner).get(url, {"type": "google_calendar"}).json()["data"] == []

    response = api_as(owner).get(url, {"type": "fax"})
    assert response.status_code == 400
    assert "type" in response.json()["error"]["message"]


@pytest.mark.parametrize("persona", STRANGERS)
def test_someone_who_does_not_manage_the_booking_gets_no_references(api_as, strangers, persona):
    user, booking = strangers[persona]
    assert_not_found(api_as(user).get(f"/v2/bookings/{booking.uid}/references"))


def test_references_need_a_key(api_as, booking):
    assert api_as(None).get(f"/v2/bookings/{booking.uid}/references").status_code == 401


# --- Notes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_write_a_note_that_is_private_by_default(api_as, managers, persona):
    user, booking = managers[persona]
    response = api_as(user).post(f"/v2/bookings/{booking.uid}/notes", {"content": " Prefers FR "})

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["content"] == "Prefers FR"
    assert data["isPrivate"] is True
    assert data["author"] == {"id": user.id, "name": user.display_name}
    assert data["createdAt"].endswith("Z")
    assert BookingNote.objects.get(pk=data["id"]).booking_id == booking.id


def test_a_shared_note_is_marked_shared(api_as, owner, booking):
    body = {"content": "Bring the contract", "isPrivate": False}
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/notes", body)
    assert response.status_code == 201
    assert response.json()["data"]["isPrivate"] is False


@pytest.mark.parametrize("persona", MANAGERS)
def test_every_manager_reads_private_and_shared_notes_oldest_first(
    api_as, managers, persona, owner
):
    user, booking = managers[persona]
    add_note(booking, "Private thought", Actor.host(owner))
    add_note(booking, "Shared agenda", Actor.host(owner), private=False)

    response = api_as(user).get(f"/v2/bookings/{booking.uid}/notes")

    assert response.status_code == 200, response.json()
    notes = response.json()["data"]
    assert [(n["content"], n["isPrivate"]) for n in notes] == [
        ("Private thought", True),
        ("Shared agenda", False),
    ]


@pytest.mark.parametrize("persona", STRANGERS)
def test_a_non_manager_never_sees_a_note(api_as, strangers, persona, owner):
    user, booking = strangers[persona]
    add_note(booking, "Secret: budget is 10k", Actor.host(owner))
    add_note(booking, "Shared agenda", Actor.host(owner), private=False)

    response = api_as(user).get(f"/v2/bookings/{booking.uid}/notes")

    assert_not_found(response)
    assert "budget" not in response.content.decode()


@pytest.mark.parametrize("persona", STRANGERS)
def test_a_non_manager_cannot_write_a_note(api_as, strangers, persona):
    user, booking = strangers[persona]
    response = api_as(user).post(f"/v2/bookings/{booking.uid}/notes", {"content": "Hi"})
    assert_not_found(response)
    assert not BookingNote.objects.filter(booking=booking).exists()


def test_notes_need_a_key(api_as, booking, owner):
    add_note(booking, "Secret: budget is 10k", Actor.host(owner))
    response = api_as(None).get(f"/v2/bookings/{booking.uid}/notes")
    assert response.status_code == 401
    assert "budget" not in response.content.decode()
    response = api_as(None).post(f"/v2/bookings/{booking.uid}/notes", {"content": "x"})
    assert response.status_code == 401


def test_a_private_note_never_shows_on_the_public_booking_or_its_calendar_file(
    api_as, booking, owner
):
    add_note(booking, "Secret: budget is 10k", Actor.host(owner))
    add_note(booking, "Shared: agenda", Actor.host(owner), private=False)

    for path in (f"/v2/bookings/{booking.uid}", f"/v2/bookings/{booking.uid}/ics"):
        response = api_as(None).get(path)
        assert response.status_code == 200
        assert b"budget" not in response.content


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"content": "   "}, "invalid_input"),
        ({"content": "x" * 10001}, "invalid_input"),
        ({}, "validation_error"),
        ({"content": 42}, "validation_error"),
        ({"content": "ok", "isPrivate": "yes"}, "validation_error"),
    ],
    ids=["blank", "too-long", "missing", "number", "not-boolean"],
)
def test_a_bad_note_is_refused(api_as, owner, booking, body, code):
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/notes", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not BookingNote.objects.exists()


def test_a_retried_note_with_the_same_idempotency_key_is_written_once(api_as, owner, booking):
    client = api_as(owner)
    url = f"/v2/bookings/{booking.uid}/notes"
    first = client.post(url, {"content": "Call back"}, **{"Idempotency-Key": "note-1"})
    again = client.post(url, {"content": "Call back"}, **{"Idempotency-Key": "note-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert BookingNote.objects.filter(booking=booking).count() == 1


def test_listing_notes_takes_the_same_queries_for_one_or_many(api_as, owner, booking):
    client = api_as(owner)
    add_note(booking, "first", Actor.host(owner))
    client.get(f"/v2/bookings/{booking.uid}/notes")  # the key's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        client.get(f"/v2/bookings/{booking.uid}/notes")
    for n in range(5):
        add_note(booking, f"more {n}", Actor.host(owner))
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/v2/bookings/{booking.uid}/notes")

    assert len(response.json()["data"]) == 6
    assert len(many) == len(one)


# --- History ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_read_what_happened_to_the_booking(api_as, managers, persona):
    user, booking = managers[persona]
    api_as(user).post(f"/v2/bookings/{booking.uid}/guests", {"guests": [{"email": "g@x.test"}]})

    response = api_as(user).get(f"/v2/bookings/{booking.uid}/history")

    assert response.status_code == 200, response.json()
    created, guests = response.json()["data"]
    assert created["action"] == "created"
    assert created["actor"] == {"email": booking.attendees.get().email, "role": "attendee"}
    assert created["after"]["status"] == "accepted"
    assert guests["action"] == "guests_added"
    assert guests["actor"] == {"email": user.email, "role": "host"}
    assert guests["channel"] == "api"
    assert (guests["before"], guests["after"]) == ({"guests": []}, {"guests": ["g@x.test"]})
    assert guests["createdAt"].endswith("Z")


@pytest.mark.parametrize("persona", STRANGERS)
def test_a_non_manager_cannot_read_the_history(api_as, strangers, persona):
    user, booking = strangers[persona]
    assert_not_found(api_as(user).get(f"/v2/bookings/{booking.uid}/history"))


def test_history_needs_a_key(api_as, booking):
    assert api_as(None).get(f"/v2/bookings/{booking.uid}/history").status_code == 401


# --- Versions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["attendees", "guests", "location", "calendar-links", "references", "notes", "history"]
)
def test_an_unknown_version_is_refused_on_every_sub_resource(api_as, owner, booking, path):
    response = api_as(owner).get(
        f"/v2/bookings/{booking.uid}/{path}", **{"cal-api-version": "2023-01-01"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_api_version"
