"""/v2/calendars, /v2/selected-calendars, /v2/destination-calendars and a booking's
references, against a real CalDAV server (Radicale): each answer checked against our OpenAPI
document by the client."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from bookings.models import Booking
from calendars import tasks
from calendars.models import BusyTime, Connection
from tests.calendar_server import PASSWORD, USER
from tests.conftest import NOW, utc


def connect(api, radicale, **extra):
    return api.post(
        "/v2/calendars/caldav/credentials",
        {"url": radicale.url, "username": USER, "password": PASSWORD, **extra},
    )


def test_a_caldav_account_is_connected_listed_and_disconnected(api_as, owner, radicale):
    work = radicale.make_calendar("work", "Work")
    radicale.make_calendar("home", "Home")
    radicale.put_event(
        work,
        "far",
        "BEGIN:VEVENT\r\nUID:far\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART:20991231T100000Z\r\nDTEND:20991231T110000Z\r\nEND:VEVENT",
    )
    api = api_as(owner)
    response = connect(api, radicale)
    assert response.status_code == 201, response.json()
    credential = response.json()["data"]
    assert credential["type"] == "caldav_calendar" and credential["userId"] == owner.pk
    assert PASSWORD not in response.content.decode()

    listed = api.get("/v2/calendars")
    assert listed.status_code == 200
    assert PASSWORD not in listed.content.decode()
    data = listed.json()["data"]
    (connected,) = data["connectedCalendars"]
    assert connected["credentialId"] == credential["id"]
    assert connected["integration"]["type"] == "caldav_calendar"
    assert connected["lastError"] == "" and connected["syncedAt"]
    names = {c["name"]: c for c in connected["calendars"]}
    assert set(names) == {"Work", "Home"}
    assert all(c["isSelected"] for c in names.values())
    assert data["destinationCalendar"]["externalId"] in {c["externalId"] for c in names.values()}

    # Home becomes the destination; Work stops blocking slots.
    home, work_calendar = names["Home"], names["Work"]
    chosen = api.put(
        "/v2/destination-calendars",
        {"integration": "caldav_calendar", "externalId": home["externalId"]},
    )
    assert chosen.status_code == 200 and chosen.json()["data"]["name"] == "Home"
    selection = {
        "integration": "caldav_calendar",
        "externalId": work_calendar["externalId"],
        "credentialId": credential["id"],
    }
    unselected = api.delete("/v2/selected-calendars", selection)
    assert unselected.status_code == 200
    assert not BusyTime.objects.exists()
    assert api.post("/v2/selected-calendars", selection).status_code == 201

    # Another user sees none of it.
    assert api_as(None).get("/v2/calendars").status_code == 401

    gone = api.post("/v2/calendars/caldav/disconnect", {"id": credential["id"]})
    assert gone.status_code == 200 and gone.json()["data"]["id"] == credential["id"]
    assert not Connection.objects.exists()


def dentist_next_week(radicale) -> datetime:
    """An event in the owner's Radicale calendar "Work", 10:00-11:00 UTC on next week's Tuesday
    (within what a sync reads, from the real clock); its start."""
    today = timezone.now().date()
    day = today + timedelta(days=8 - today.weekday())
    radicale.put_event(
        radicale.make_calendar("work", "Work"),
        "dentist",
        "BEGIN:VEVENT\r\nUID:dentist\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{day:%Y%m%d}T100000Z\r\nDTEND:{day:%Y%m%d}T110000Z\r\nEND:VEVENT",
    )
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def test_busy_times_of_a_calendar(api_as, owner, radicale, outsider):
    start = dentist_next_week(radicale)
    work = radicale.calendar_url("work")
    api = api_as(owner)
    credential = connect(api, radicale).json()["data"]
    query = {
        "credentialId": credential["id"],
        "externalId": work,
        "dateFrom": f"{start:%Y-%m-%d}",
        "dateTo": f"{start:%Y-%m-%d}",
    }
    response = api.get("/v2/calendars/busy-times", query)
    assert response.status_code == 200
    assert response.json()["data"] == [
        {
            "start": f"{start:%Y-%m-%d}T10:00:00.000Z",
            "end": f"{start:%Y-%m-%d}T11:00:00.000Z",
            "source": "caldav_calendar",
        }
    ]
    assert api_as(outsider).get("/v2/calendars/busy-times", query).status_code == 404


def test_bad_connections_are_refused_clearly(api_as, owner, radicale, settings):
    api = api_as(owner)
    radicale.make_calendar("work", "Work")
    wrong = connect(api, radicale, password="wrong")
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "calendar_credentials_refused"
    assert connect(api, radicale, url="ftp://example.com/").status_code == 400
    assert (
        api.post(
            "/v2/calendars/outlook/credentials",
            {"username": "a", "password": "b"},
        ).status_code
        == 404
    )
    missing_url = api.post("/v2/calendars/caldav/credentials", {"username": "a", "password": "b"})
    assert missing_url.status_code == 400
    feed = api.post("/v2/calendars/ics-feed/save", {"urls": [radicale.url + "nothing.ics"]})
    assert feed.status_code == 422 and feed.json()["error"]["code"] == "calendar_unreachable"
    settings.CALENDAR_ALLOW_PRIVATE_NETWORKS = False
    internal = connect(api, radicale)
    assert internal.status_code == 400
    assert internal.json()["error"]["code"] == "invalid_calendar_url"
    assert not Connection.objects.exists()


def test_a_bookings_references_name_its_event_in_the_hosts_calendar(
    api_as, factory, owner, radicale
):
    radicale.make_calendar("work", "Work")
    api = api_as(owner)
    connect(api, radicale)
    event_type = factory.event_type(owner, slug="intro")
    booking = factory.book(event_type, utc(2049, 1, 5, 9), now=NOW).booking
    tasks.sweep()
    response = api.get(f"/v2/bookings/{booking.uid}/references")
    assert response.status_code == 200
    (reference,) = response.json()["data"]
    assert reference["eventUid"] == Booking.objects.get(pk=booking.pk).ics_uid
    assert reference["type"] == "caldav_calendar" and reference["state"] == "written"
    assert reference["destinationCalendarId"] == radicale.calendar_url("work")
    none = api.get(f"/v2/bookings/{booking.uid}/references", {"type": "google_calendar"})
    assert none.json()["data"] == []


def test_explain_names_the_calendar_only_to_its_host(api_as, factory, owner, outsider, radicale):
    start = dentist_next_week(radicale)
    api = api_as(owner)
    connect(api, radicale)
    event_type = factory.event_type(owner, slug="intro", booking_window_type="unlimited")
    query = {"eventTypeId": event_type.pk, "start": f"{start:%Y-%m-%dT%H:%M:%SZ}"}
    mine = api.get("/v2/slots/explain", query).json()["data"]
    assert mine["firstReason"] == "calendar_busy"
    assert mine["reasons"] == [
        {"hostId": owner.pk, "codes": ["calendar_busy"], "calendars": ["Work"]}
    ]
    day = {"start": f"{start:%Y-%m-%d}T00:00:00Z", "end": f"{start:%Y-%m-%d}T23:59:59Z"}
    listed = api.get(
        "/v2/slots", {"eventTypeId": event_type.pk, **day}, **{"cal-api-version": "2024-09-04"}
    )
    assert listed.status_code == 200 and listed["Calendars-Synced-At"] != "never"
    times = [slot["start"] for slots in listed.json()["data"].values() for slot in slots]
    assert f"{start:%Y-%m-%dT%H:%M:%S}.000Z" not in times
    assert f"{start:%Y-%m-%d}T09:00:00.000Z" in times
    theirs = api_as(outsider).get("/v2/slots/explain", query).json()["data"]
    assert theirs["reasons"] == [{"hostId": owner.pk, "codes": ["calendar_busy"], "calendars": []}]
    refused = api_as(None).post(
        "/v2/bookings",
        {
            "eventTypeId": event_type.pk,
            "start": f"{start:%Y-%m-%dT%H:%M:%SZ}",
            "attendee": {"name": "Ann", "email": "ann@example.com", "timeZone": "UTC"},
        },
        **{"cal-api-version": "2024-08-13"},
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["reason"] == "calendar_busy"


def test_ids_out_of_range_are_refused_as_bad_input(api_as, owner):
    api = api_as(owner)
    for credential in ("-2637557230543590916096", "99999999999999999999999", "0"):
        query = {"credentialId": credential, "externalId": "x"}
        response = api.get("/v2/calendars/busy-times", query)
        assert response.status_code == 400, credential
        response = api.delete("/v2/selected-calendars", {**query, "integration": "caldav_calendar"})
        assert response.status_code == 400, credential
