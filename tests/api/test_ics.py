"""Calendar files through the API: GET /v2/bookings/{uid}/ics lets anyone with the uid download
the booking's calendar file, which follows the booking through confirmation, rescheduling,
cancellation and declining, invites guests and the other hosts, hides the other attendees of a
seated booking from the anonymous, and lets no text given at booking time inject lines.
The file itself (bookings/ics.py) is tested in tests/domain/test_ics.py."""

import pytest

from bookings.models import Attendee
from bookings.services import Actor, cancel_booking, decline_booking, reschedule_booking
from eventtypes.models import EventType
from tests.conftest import BREAKS, NOW, attendee_emails, parse, unfolded_lines, utc

START = utc(2049, 1, 5, 10)


# --- GET /v2/bookings/{uid}/ics -----------------------------------------------------------------


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(
        owner, slug="intro", length_minutes=30, locations=[{"type": "address", "address": "HQ"}]
    )


@pytest.fixture
def booking(factory, event_type):
    return factory.book(event_type, START, email="ada@example.com").booking


def download(api, booking, **headers):
    response = api.get(f"/v2/bookings/{booking.uid}/ics", **headers)
    assert response.status_code == 200, response.content
    return response


def test_anyone_with_the_uid_downloads_the_calendar_file(api_as, booking, owner):
    response = download(api_as(None), booking)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{booking.uid}.ics"'
    calendar, event = parse(response.content)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == booking.ics_uid
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["SUMMARY"] == booking.title
    assert event["LOCATION"] == "HQ"
    assert event.decoded("DTSTART") == START
    assert "DTSTART:20490105T100000Z" in unfolded_lines(response.content)
    assert str(event["ORGANIZER"]) == f"mailto:{owner.email}"
    assert attendee_emails(event) == ["ada@example.com"]


def test_a_client_asking_for_text_calendar_gets_it(api_as, booking):
    response = download(api_as(None), booking, Accept="text/calendar")
    parse(response.content)


def test_an_unknown_uid_is_a_json_404_even_when_asking_for_a_calendar(api_as, db):
    response = api_as(None).get("/v2/bookings/nope/ics", Accept="text/calendar")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "booking_not_found"


def test_an_unknown_version_is_refused(api_as, booking):
    response = api_as(None).get(
        f"/v2/bookings/{booking.uid}/ics", **{"cal-api-version": "2023-01-01"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_api_version"


def test_the_ics_title_and_description_override_the_booking_ones(factory, event_type, api_as):
    booking = factory.book(
        event_type, START, ics_title="Coffee with Dana", ics_description="Bring notes"
    ).booking

    _, event = parse(download(api_as(None), booking).content)

    assert event["SUMMARY"] == "Coffee with Dana"
    assert event["DESCRIPTION"] == "Bring notes"


def test_guests_are_invited_and_other_hosts_attend(factory, api_as):
    hugo, carla = factory.user("hugo"), factory.user("carla")
    team = factory.team(hugo, carla)
    event_type = factory.event_type(
        team=team, scheduling_type=EventType.SchedulingType.COLLECTIVE, hosts=[hugo, carla]
    )
    booking = factory.book(
        event_type, START, email="ada@example.com", guests=["gil@example.com"]
    ).booking

    _, event = parse(download(api_as(None), booking).content)

    organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
    other_host = ({hugo.email, carla.email} - {organizer}).pop()
    assert set(attendee_emails(event)) == {other_host, "ada@example.com", "gil@example.com"}
    guest = [a for a in event["ATTENDEE"] if str(a) == "mailto:gil@example.com"][0]
    assert guest.params["PARTSTAT"] == "NEEDS-ACTION"


def test_a_pending_booking_is_tentative(factory, owner, api_as):
    event_type = factory.event_type(owner, requires_confirmation=True)
    booking = factory.book(event_type, START).booking

    calendar, event = parse(download(api_as(None), booking).content)

    assert calendar["METHOD"] == "REQUEST"
    assert event["STATUS"] == "TENTATIVE"


def test_after_a_reschedule_the_new_booking_updates_the_same_calendar_event(booking, owner, api_as):
    moved = reschedule_booking(booking, utc(2049, 1, 6, 14), Actor.host(owner), now=NOW).booking

    old_calendar, old_event = parse(download(api_as(None), booking).content)
    new_calendar, new_event = parse(download(api_as(None), moved).content)

    assert str(new_event["UID"]) == str(old_event["UID"]) == booking.ics_uid
    assert new_event["SEQUENCE"] > old_event["SEQUENCE"]
    assert new_calendar["METHOD"] == "REQUEST"
    assert new_event.decoded("DTSTART") == utc(2049, 1, 6, 14)
    # The old file cancels at a lower SEQUENCE, so a calendar that has the move ignores it.
    assert old_calendar["METHOD"] == "CANCEL"


def test_after_a_cancellation_the_file_cancels_the_event(booking, owner, api_as):
    before = parse(download(api_as(None), booking).content)[1]["SEQUENCE"]
    cancel_booking(booking, Actor.host(owner), reason="Sick", now=NOW)

    calendar, event = parse(download(api_as(None), booking).content)

    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] > before
    assert str(event["UID"]) == booking.ics_uid


def test_a_declined_booking_cancels_the_event(factory, owner, api_as):
    event_type = factory.event_type(owner, requires_confirmation=True)
    booking = factory.book(event_type, START).booking
    decline_booking(booking, Actor.host(owner), reason="Busy", now=NOW)

    calendar, event = parse(download(api_as(None), booking).content)

    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"


@pytest.mark.parametrize("line_break", list(BREAKS.values()), ids=list(BREAKS))
def test_a_title_with_line_breaks_given_at_booking_time_injects_nothing(
    api_as, event_type, line_break
):
    title = f"X{line_break}END:VEVENT{line_break}BEGIN:VEVENT{line_break}SUMMARY:Evil"
    body = {
        "start": "2049-01-05T10:00:00Z",
        "eventTypeId": event_type.id,
        "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "Europe/London"},
        "icsTitle": title,
        "icsDescription": f"Hi{line_break}ATTENDEE:mailto:evil@x.test",
    }
    created = api_as(None).post("/v2/bookings", body)
    assert created.status_code == 201, created.json()
    uid = created.json()["data"]["uid"]

    response = api_as(None).get(f"/v2/bookings/{uid}/ics")

    _, event = parse(response.content)
    assert event["SUMMARY"] == "X END:VEVENT BEGIN:VEVENT SUMMARY:Evil"
    assert attendee_emails(event) == ["ada@example.com"]


def test_an_attendee_name_with_line_breaks_injects_nothing(booking, api_as):
    # The services refuse such names; a row written another way must still be harmless.
    Attendee.objects.filter(booking=booking).update(
        name="Ada\r\nATTENDEE:mailto:evil@x.test\nBEGIN:VALARM\rEND:VALARM"
    )

    response = download(api_as(None), booking)

    _, event = parse(response.content)
    assert attendee_emails(event) == ["ada@example.com"]
    assert not event.walk("VALARM")
    names = [line.split(":")[0].split(";")[0] for line in unfolded_lines(response.content)]
    assert names.count("ATTENDEE") == 1


def test_a_seated_booking_hides_the_other_attendees_unless_shown(factory, owner, api_as):
    seated = factory.event_type(owner, seats_per_time_slot=5)
    booking = factory.book(seated, START, email="ada@example.com").booking
    factory.book(seated, START, email="bob@example.com")

    anonymous = parse(download(api_as(None), booking).content)[1]
    managed = parse(download(api_as(owner), booking).content)[1]

    assert attendee_emails(anonymous) == []
    assert sorted(attendee_emails(managed)) == ["ada@example.com", "bob@example.com"]
