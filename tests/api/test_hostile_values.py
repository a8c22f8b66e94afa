"""Values at the edges of what a field can hold are refused when written, and nothing that was
written can make later requests fail."""

import pytest

from eventtypes.models import EventType

pytestmark = pytest.mark.django_db

V = {"cal-api-version": "2024-06-14"}


@pytest.mark.parametrize(
    "window",
    [
        {"type": "range", "value": ["2049-01-01", "9999-12-31"]},
        {"type": "range", "value": ["0001-01-01", "2049-12-31"]},
        {"type": "range", "value": ["1969-12-31", "2049-12-31"]},
        {"type": "calendarDays", "value": 10**9},
        {"type": "businessDays", "value": 3651},
    ],
)
def test_a_booking_window_beyond_the_calendar_is_refused_and_slots_still_work(
    window, factory, owner, api_as
):
    event_type = factory.event_type(owner, slug="intro")
    api = api_as(owner)
    for method, path in (
        ("patch", f"/v2/event-types/{event_type.id}"),
        ("post", "/v2/event-types"),
    ):
        body = {"bookingWindow": window}
        if method == "post":
            body |= {"title": "Wide", "slug": "wide", "lengthInMinutes": 30}
        response = getattr(api, method)(path, body, **V)
        assert response.status_code == 400, response.json()
        assert "bookingWindow" in str(response.json()["error"])
    assert EventType.objects.get(pk=event_type.pk).booking_window_type == "unlimited"
    assert not EventType.objects.filter(slug="wide").exists()
    slots = api_as(None).get(
        "/v2/slots",
        {"eventTypeId": event_type.id, "start": "2049-01-04", "end": "2049-01-05"},
        **{"cal-api-version": "2024-09-04"},
    )
    assert slots.status_code == 200


def test_the_widest_window_allowed_is_accepted(factory, owner, api_as):
    event_type = factory.event_type(owner, slug="intro")
    window = {"type": "range", "value": ["1970-01-01", "2999-12-31"]}
    response = api_as(owner).patch(
        f"/v2/event-types/{event_type.id}", {"bookingWindow": window}, **V
    )
    assert response.status_code == 200, response.json()
    slots = api_as(None).get(
        "/v2/slots",
        {"eventTypeId": event_type.id, "start": "2049-01-04", "end": "2049-01-05"},
        **{"cal-api-version": "2024-09-04"},
    )
    assert slots.status_code == 200 and slots.json()["data"]
