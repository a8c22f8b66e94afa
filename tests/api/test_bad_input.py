"""Bad input anywhere in the API (bookings, reschedules, cancellations, slot queries,
reservations, hostile addresses and bodies, oversized bodies) gets a 4xx in the error envelope,
never a 500, and writes nothing."""

import json

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking, SlotReservation
from eventtypes.models import EventType
from tests.conftest import Api, utc

START = "2049-01-05T10:00:00Z"


@pytest.fixture
def world(factory, owner):
    event_type = factory.event_type(
        owner,
        slug="intro",
        length_minutes=30,
        length_options=[15, 30],
        booking_fields=[
            {
                "slug": "role",
                "type": "select",
                "label": "Role",
                "required": True,
                "options": ["Engineer", "Manager"],
            },
        ],
    )
    booking = factory.book(event_type, utc(2049, 1, 6, 10), responses={"role": "Engineer"})
    return {"owner": owner, "event_type": event_type, "booking": booking.booking}


def valid_booking(world, **changes):
    body = {
        "start": START,
        "eventTypeId": world["event_type"].id,
        "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "Europe/London"},
        "bookingFieldsResponses": {"role": "Engineer"},
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not DROP}


DROP = object()
ATTENDEE = {"name": "Ada", "email": "ada@example.com", "timeZone": "Europe/London"}

CREATE_CASES = {
    "no-start": ({"start": DROP}, 400, "validation_error"),
    "start-not-a-string": ({"start": 12345}, 400, "validation_error"),
    "start-unparseable": ({"start": "next tuesday"}, 400, "validation_error"),
    "start-without-zone": ({"start": "2049-01-05T10:00:00"}, 400, "validation_error"),
    "start-not-utc": ({"start": "2049-01-05T11:00:00+01:00"}, 400, "validation_error"),
    "start-in-the-past": ({"start": "2020-01-07T10:00:00Z"}, 400, "start_in_past"),
    "start-off-the-grid": ({"start": "2049-01-05T10:07:00Z"}, 400, "outside_availability"),
    "start-outside-hours": ({"start": "2049-01-05T03:00:00Z"}, 400, "outside_availability"),
    "start-on-a-weekend": ({"start": "2049-01-09T10:00:00Z"}, 400, "outside_availability"),
    "start-taken": ({"start": "2049-01-06T10:00:00Z"}, 409, "slot_unavailable"),
    "no-attendee": ({"attendee": DROP}, 400, "validation_error"),
    "attendee-not-an-object": ({"attendee": "Ada"}, 400, "validation_error"),
    "attendee-without-name": ({"attendee": {**ATTENDEE, "name": ""}}, 400, "validation_error"),
    "attendee-bad-email": ({"attendee": {**ATTENDEE, "email": "ada@"}}, 400, "validation_error"),
    "attendee-unknown-zone": (
        {"attendee": {**ATTENDEE, "timeZone": "Mars/Olympus"}},
        400,
        "validation_error",
    ),
    "attendee-zone-missing": (
        {"attendee": {"name": "Ada", "email": "ada@example.com"}},
        400,
        "validation_error",
    ),
    "attendee-bad-phone": (
        {"attendee": {**ATTENDEE, "phoneNumber": "call me"}},
        400,
        "validation_error",
    ),
    "attendee-bad-language": (
        {"attendee": {**ATTENDEE, "language": "klingon"}},
        400,
        "validation_error",
    ),
    "attendee-name-with-newline": (
        {"attendee": {**ATTENDEE, "name": "Ada\r\nBcc: x@evil.test"}},
        400,
        "invalid_input",
    ),
    "no-event-type": ({"eventTypeId": DROP}, 400, "invalid_input"),
    "unknown-event-type": ({"eventTypeId": 999999}, 404, "event_type_not_found"),
    "event-type-id-as-string": ({"eventTypeId": "abc"}, 400, "validation_error"),
    "event-type-id-negative": ({"eventTypeId": -3}, 400, "validation_error"),
    "slug-without-owner": ({"eventTypeId": DROP, "eventTypeSlug": "intro"}, 400, "invalid_input"),
    "slug-with-wrong-username": (
        {"eventTypeId": DROP, "eventTypeSlug": "intro", "username": "nobody"},
        404,
        "event_type_not_found",
    ),
    "id-and-mismatching-slug": ({"eventTypeSlug": "other"}, 400, "invalid_input"),
    "length-not-offered": ({"lengthInMinutes": 45}, 400, "invalid_input"),
    "length-as-string": ({"lengthInMinutes": "30"}, 400, "validation_error"),
    "metadata-too-many-keys": (
        {"metadata": {f"k{i}": "v" for i in range(51)}},
        400,
        "invalid_metadata",
    ),
    "metadata-long-key": ({"metadata": {"k" * 41: "v"}}, 400, "invalid_metadata"),
    "metadata-long-value": ({"metadata": {"k": "v" * 501}}, 400, "invalid_metadata"),
    "metadata-not-an-object": ({"metadata": ["a"]}, 400, "validation_error"),
    "responses-missing-required": ({"bookingFieldsResponses": {}}, 400, "invalid_input"),
    "responses-wrong-option": ({"bookingFieldsResponses": {"role": "CEO"}}, 400, "invalid_input"),
    "responses-not-an-object": ({"bookingFieldsResponses": "role"}, 400, "validation_error"),
    "guests-not-emails": ({"guests": ["not-an-email"]}, 400, "validation_error"),
    "guests-not-a-list": ({"guests": "a@example.com"}, 400, "validation_error"),
    "location-blank-string": ({"location": " "}, 400, "validation_error"),
    "location-two-lines": ({"location": "Berlin\r\nBcc: x@example.com"}, 400, "validation_error"),
    "location-unknown-type": ({"location": {"type": "teleport"}}, 400, "validation_error"),
    "reserved-slot-uid-malformed": ({"reservedSlotUid": "xyz"}, 400, "validation_error"),
    "instant-on-a-personal-type": ({"instant": True}, 400, "event_type_not_bookable"),
    "instant-not-boolean": ({"instant": "yes"}, 400, "validation_error"),
    "recurrence-count-on-single-type": ({"recurrenceCount": 3}, 400, "invalid_input"),
    "ics-title-too-long": ({"icsTitle": "x" * 201}, 400, "validation_error"),
    "host-ids-on-a-personal-type": ({"hostIds": [1]}, 400, "invalid_input"),
}


@pytest.mark.parametrize("changes, status, code", CREATE_CASES.values(), ids=CREATE_CASES.keys())
def test_bad_booking_requests_are_refused_cleanly(world, changes, status, code):
    before = Booking.objects.count()
    response = Api(None).post("/v2/bookings", valid_booking(world, **changes))
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["path"] == "/v2/bookings"
    assert Booking.objects.count() == before


RAW_BODIES = {
    "malformed-json": ('{"start": ', "application/json", 400, "invalid_json"),
    "body-is-a-list": ("[1, 2, 3]", "application/json", 400, "validation_error"),
    "body-is-a-string": ('"hello"', "application/json", 400, "validation_error"),
    "empty-body": ("", "application/json", 400, "validation_error"),
    "nan-in-json": ('{"metadata": {"x": NaN}}', "application/json", 400, "invalid_json"),
    "form-encoded": (
        "start=2049-01-05",
        "application/x-www-form-urlencoded",
        415,
        "unsupported_media_type",
    ),
}


@pytest.mark.parametrize(
    "raw, content_type, status, code", RAW_BODIES.values(), ids=RAW_BODIES.keys()
)
def test_bodies_that_are_not_json_objects_are_refused(world, raw, content_type, status, code):
    response = APIClient().generic("POST", "/v2/bookings", raw, content_type=content_type)
    assert response.status_code == status
    assert json.loads(response.content)["error"]["code"] == code
    assert Booking.objects.count() == 1


def test_nothing_half_written_by_a_refused_recurring_booking(world, factory):
    weekly = factory.event_type(
        world["owner"], slug="weekly", recurrence_frequency="weekly", recurrence_max_occurrences=3
    )
    factory.book(factory.event_type(world["owner"], slug="blocker"), utc(2049, 1, 19, 10))
    response = Api(None).post(
        "/v2/bookings",
        {**valid_booking(world), "eventTypeId": weekly.id, "bookingFieldsResponses": {}},
    )
    assert response.status_code == 409
    assert "2049-01-19" in response.json()["error"]["message"]
    assert not Booking.objects.filter(event_type=weekly).exists()
    assert SlotReservation.objects.count() == 0
    assert EventType.objects.filter(slug="weekly").exists()


def assert_refused(response, status, code):
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]


RESCHEDULE_CASES = {
    "no-start": ({}, 400, "validation_error"),
    "start-unparseable": ({"start": "soon"}, 400, "validation_error"),
    "start-not-utc": ({"start": "2049-01-07T10:00:00-05:00"}, 400, "validation_error"),
    "start-in-the-past": ({"start": "2020-01-07T10:00:00Z"}, 400, "start_in_past"),
    "start-off-grid": ({"start": "2049-01-07T10:10:00Z"}, 400, "outside_availability"),
    "start-outside-hours": ({"start": "2049-01-07T22:00:00Z"}, 400, "outside_availability"),
    "start-far-future": ({"start": "9999-12-31T10:00:00Z"}, 400, "validation_error"),
    "rescheduled-by-not-email": (
        {"start": "2049-01-07T10:00:00Z", "rescheduledBy": "me"},
        400,
        "validation_error",
    ),
    "seat-uid-malformed": (
        {"start": "2049-01-07T10:00:00Z", "seatUid": "seat-1"},
        400,
        "validation_error",
    ),
    "reason-not-a-string": (
        {"start": "2049-01-07T10:00:00Z", "reschedulingReason": {"a": 1}},
        400,
        "validation_error",
    ),
}


@pytest.mark.parametrize(
    "body, status, code", RESCHEDULE_CASES.values(), ids=RESCHEDULE_CASES.keys()
)
def test_bad_reschedules_are_refused_cleanly(world, body, status, code):
    uid = world["booking"].uid
    assert_refused(Api(None).post(f"/v2/bookings/{uid}/reschedule", body), status, code)
    assert Booking.objects.get(uid=uid).status == "accepted"
    assert Booking.objects.count() == 1


def test_rescheduling_an_unknown_booking_is_a_404(world):
    response = Api(None).post("/v2/bookings/nope/reschedule", {"start": START})
    assert_refused(response, 404, "booking_not_found")


CANCEL_CASES = {
    "reason-not-a-string": ({"cancellationReason": ["x"]}, 400, "validation_error"),
    "subsequent-not-boolean": ({"cancelSubsequentBookings": "yes"}, 400, "validation_error"),
    "seat-uid-malformed": ({"seatUid": "x"}, 400, "validation_error"),
    "seat-uid-unknown": ({"seatUid": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}, 400, "invalid_input"),
    "body-is-a-list": ([1], 400, "validation_error"),
}


@pytest.mark.parametrize("body, status, code", CANCEL_CASES.values(), ids=CANCEL_CASES.keys())
def test_bad_cancellations_are_refused_cleanly(world, body, status, code):
    uid = world["booking"].uid
    assert_refused(Api(None).post(f"/v2/bookings/{uid}/cancel", body), status, code)
    assert Booking.objects.get(uid=uid).status == "accepted"


def test_cancelling_twice_is_a_conflict(world):
    uid = world["booking"].uid
    assert Api(None).post(f"/v2/bookings/{uid}/cancel", {}).status_code == 200
    assert_refused(Api(None).post(f"/v2/bookings/{uid}/cancel", {}), 409, "invalid_transition")


def slots_query(world, **changes):
    query = {"eventTypeId": world["event_type"].id, "start": "2049-01-04", "end": "2049-01-08"}
    query.update(changes)
    return {key: value for key, value in query.items() if value is not DROP}


SLOT_CASES = {
    "no-start": ({"start": DROP}, 400, "validation_error"),
    "no-end": ({"end": DROP}, 400, "validation_error"),
    "end-before-start": ({"start": "2049-01-08", "end": "2049-01-04"}, 400, "validation_error"),
    "start-unparseable": ({"start": "tomorrow"}, 400, "validation_error"),
    "range-too-long": ({"end": "2028-01-04"}, 400, "validation_error"),
    "unknown-time-zone": ({"timeZone": "Europe/Atlantis"}, 400, "validation_error"),
    "duration-not-offered": ({"duration": 45}, 400, "validation_error"),
    "duration-not-a-number": ({"duration": "long"}, 400, "validation_error"),
    "unknown-format": ({"format": "xml"}, 400, "validation_error"),
    "unknown-event-type": ({"eventTypeId": 999999}, 404, "event_type_not_found"),
    "no-event-type": ({"eventTypeId": DROP}, 400, None),
    "slug-without-owner": ({"eventTypeId": DROP, "eventTypeSlug": "intro"}, 400, None),
    "single-username-group": ({"eventTypeId": DROP, "usernames": "dana"}, 400, None),
}


@pytest.mark.parametrize("changes, status, code", SLOT_CASES.values(), ids=SLOT_CASES.keys())
def test_bad_slot_queries_are_refused_cleanly(world, changes, status, code):
    response = Api(None).get("/v2/slots", slots_query(world, **changes))
    assert response.status_code == status, response.json()
    assert response.json()["status"] == "error"
    if code:
        assert response.json()["error"]["code"] == code


RESERVATION_CASES = {
    "no-event-type": ({"eventTypeId": DROP}, 400, "validation_error"),
    "no-start": ({"slotStart": DROP}, 400, "validation_error"),
    "start-not-utc": ({"slotStart": "2049-01-05T11:00:00+01:00"}, 400, "validation_error"),
    "start-taken": ({"slotStart": "2049-01-06T10:00:00Z"}, 409, "slot_unavailable"),
    "start-off-grid": ({"slotStart": "2049-01-05T10:05:00Z"}, 400, "outside_availability"),
    "unknown-event-type": ({"eventTypeId": 999999}, 404, "event_type_not_found"),
    "duration-not-offered": ({"slotDuration": 45}, 400, "invalid_input"),
    "hold-minutes-without-key": ({"reservationDuration": 30}, 401, None),
}


@pytest.mark.parametrize(
    "changes, status, code", RESERVATION_CASES.values(), ids=RESERVATION_CASES.keys()
)
def test_bad_reservations_are_refused_cleanly(world, changes, status, code):
    body = {"eventTypeId": world["event_type"].id, "slotStart": START, **changes}
    body = {key: value for key, value in body.items() if value is not DROP}
    response = Api(None).post("/v2/slots/reservations", body)
    assert response.status_code == status, response.json()
    assert response.json()["status"] == "error"
    if code:
        assert response.json()["error"]["code"] == code
    assert not SlotReservation.objects.exists()


@pytest.mark.parametrize("uid", ["not-a-uuid", "3fa85f64-5717-4562-b3fc-2c963f66afa6"])
def test_unknown_reservations_are_a_404(world, uid):
    response = Api(None).get(f"/v2/slots/reservations/{uid}")
    assert response.status_code == 404
    assert Api(None).delete(f"/v2/slots/reservations/{uid}").status_code == 404


HOSTILE_REQUESTS = {
    "offset-before-year-1970": (
        "get",
        "/v2/slots?eventTypeId={et}&start=0001-01-01T00:00:00%2B05:00&end=2049-01-06",
        400,
    ),
    "offset-at-year-9999": (
        "get",
        "/v2/slots?eventTypeId={et}&start=2049-01-04&end=9999-12-31T23:00:00-05:00",
        400,
    ),
    "huge-integer-in-filter": ("get", "/v2/bookings?eventTypeId=99999999999999999999", 400),
    "huge-skip": ("get", "/v2/bookings?skip=99999999999999999999", 400),
    "huge-id-list": ("get", "/v2/bookings?eventTypeIds=1,99999999999999999999", 400),
    "too-many-ids": (
        "get",
        "/v2/bookings?eventTypeIds=" + ",".join(str(n) for n in range(1, 70_001)),
        400,
    ),
    "too-many-team-ids": (
        "get",
        "/v2/bookings?teamsIds=" + ",".join(str(n) for n in range(1, 502)),
        400,
    ),
    "nul-in-path": ("get", "/v2/bookings/%00", 400),
    "nul-in-action-path": ("post", "/v2/bookings/%00/cancel", 400),
    "nul-in-query": (
        "get",
        "/v2/slots?eventTypeId={et}&timeZone=%00&start=2049-01-04&end=2049-01-05",
        400,
    ),
}


@pytest.mark.parametrize(
    "method, path, status", HOSTILE_REQUESTS.values(), ids=HOSTILE_REQUESTS.keys()
)
def test_hostile_addresses_are_refused_in_the_envelope(world, method, path, status):
    client = Api(world["owner"])
    response = getattr(client, method)(path.format(et=world["event_type"].id))
    assert response.status_code == status, response.content
    assert response.json()["status"] == "error"


HOSTILE_BODIES = {
    "nul-in-metadata-value": '{"metadata": {"k": "a\\u0000b"}}',
    "nul-in-metadata-key": '{"metadata": {"\\u0000": "v"}}',
    "nul-in-attendee-name": '{"attendee": {"name": "A\\u0000"}}',
    "deeply-nested": "[" * 100000 + "]" * 100000,
}


@pytest.mark.parametrize("raw", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_bodies_are_invalid_json(world, raw):
    response = APIClient().generic("POST", "/v2/bookings", raw, content_type="application/json")
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["code"] == "invalid_json"
    assert Booking.objects.count() == 1


def test_a_body_over_the_size_limit_is_a_413_in_the_envelope(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    raw = json.dumps({"notes": "x" * 20_000})
    for headers in ({}, {"HTTP_IDEMPOTENCY_KEY": "big-1"}):
        response = APIClient().generic(
            "POST", "/v2/bookings", raw, content_type="application/json", **headers
        )
        assert response.status_code == 413
        assert json.loads(response.content)["error"]["code"] == "request_too_large"
