"""Recurring series over the API: GET /v2/bookings/{uid}/occurrences, POST .../occurrences/cancel,
POST .../cancel-future, and POST .../cancel with a series uid or cancelSubsequentBookings: which
occurrences each call lists or cancels, who may, and the errors it answers with.

The series below meets on Mondays at 16:00 UTC; its attendee lives in Tokyo, where that is
Tuesday 01:00, so each occurrence's date is a Tuesday.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from bookings.services import (
    Actor,
    AttendeeInput,
    BookingRequest,
    cancel_booking,
    create_booking,
    reschedule_booking,
)
from tests.api.contract import assert_matches_component, assert_matches_contract
from tests.conftest import error_code
from webhooks.models import Event, Trigger

ATTENDEE = AttendeeInput(name="Kei", email="kei@example.com", time_zone="Asia/Tokyo")
LONG_CUTOFF = 60 * 24 * 120  # longer than the time left before any occurrence below


def monday_at(weeks_from_now: int, hour: int) -> datetime:
    today = timezone.now().astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_from_now)
    return datetime.combine(monday, time(hour), tzinfo=UTC)


FIRST = monday_at(5, 16)


def tokyo_day(start: datetime) -> date:
    """The Tuesday in Tokyo that a Monday 16:00 UTC start falls on."""
    return (start + timedelta(hours=9)).date()


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def weekly_series(factory, owner, start=FIRST, count=4, **rules):
    event_type = factory.event_type(
        owner,
        slug=f"weekly-{factory.count}",
        recurrence_frequency="weekly",
        recurrence_max_occurrences=count,
        **rules,
    )
    booked_at = min(timezone.now(), start - timedelta(days=1))
    created = create_booking(
        event_type,
        BookingRequest(start=start, attendee=ATTENDEE),
        Actor.attendee(ATTENDEE.email),
        now=booked_at,
    )
    return created.bookings


@pytest.fixture
def series(factory, owner):
    return weekly_series(factory, owner)


def statuses(bookings) -> list[str]:
    return [Booking.objects.get(pk=b.pk).status for b in bookings]


def cancelled_events() -> int:
    return Event.objects.filter(type=Trigger.BOOKING_CANCELLED).count()


def limit_attendees(booking, **rules):
    type(booking.event_type).objects.filter(pk=booking.event_type_id).update(**rules)


# --- Listing ------------------------------------------------------------------------------------


def test_occurrences_are_listed_by_their_date_in_the_attendees_time_zone(api_as, series):
    series_uid = series[0].recurring_series.uid

    response = api_as(None).get(f"/v2/bookings/{series_uid}/occurrences")

    assert response.status_code == 200, response.json()
    assert response.json()["data"] == [
        {
            "date": tokyo_day(b.start).isoformat(),
            "uid": b.uid,
            "start": iso(b.start),
            "end": iso(b.end),
            "status": "accepted",
        }
        for b in series
    ]
    assert tokyo_day(series[0].start).weekday() == 1  # Tuesday, while the UTC date is a Monday


def test_any_occurrence_uid_lists_the_whole_series(api_as, series):
    by_series = api_as(None).get(f"/v2/bookings/{series[0].recurring_series.uid}/occurrences")
    by_occurrence = api_as(None).get(f"/v2/bookings/{series[2].uid}/occurrences")

    assert by_occurrence.status_code == 200
    assert by_occurrence.json()["data"] == by_series.json()["data"]


def test_a_booking_outside_any_series_is_its_own_only_occurrence(api_as, factory, owner):
    event_type = factory.event_type(owner, slug="once")
    booking = factory.book(event_type, FIRST, now=timezone.now()).booking

    response = api_as(None).get(f"/v2/bookings/{booking.uid}/occurrences")

    assert [o["uid"] for o in response.json()["data"]] == [booking.uid]


def test_a_moved_occurrence_is_listed_at_its_new_time_only(api_as, series, owner):
    moved = reschedule_booking(
        series[1], series[1].start + timedelta(minutes=30), Actor.host(owner)
    ).booking

    data = api_as(None).get(f"/v2/bookings/{series[0].uid}/occurrences").json()["data"]

    assert [o["uid"] for o in data] == [series[0].uid, moved.uid, series[2].uid, series[3].uid]
    assert data[1]["start"] == iso(moved.start)


def test_cancelled_occurrences_stay_listed_with_their_status(api_as, series, owner):
    cancel_booking(series[1], Actor.host(owner))

    data = api_as(None).get(f"/v2/bookings/{series[0].uid}/occurrences").json()["data"]

    assert [o["status"] for o in data] == ["accepted", "cancelled", "accepted", "accepted"]


def test_listing_occurrences_of_an_unknown_uid_is_a_404(api_as, series):
    response = api_as(None).get("/v2/bookings/nope/occurrences")

    assert response.status_code == 404
    assert error_code(response) == "booking_not_found"


# --- Cancelling one occurrence by its date ------------------------------------------------------


def test_the_attendee_cancels_the_occurrence_on_a_date(api_as, series):
    day = tokyo_day(series[2].start)

    response = api_as(None).post(
        f"/v2/bookings/{series[0].recurring_series.uid}/occurrences/cancel",
        {"date": day.isoformat(), "reason": "Holiday"},
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["uid"] == series[2].uid
    assert data["status"] == "cancelled"
    assert data["cancellationReason"] == "Holiday"
    assert data["cancelledByEmail"] == ATTENDEE.email
    assert statuses(series) == ["accepted", "accepted", "cancelled", "accepted"]
    assert cancelled_events() == 1


def test_a_date_without_an_occurrence_is_a_404_naming_the_time_zone(api_as, series):
    utc_day = series[2].start.date()  # the Monday: in Tokyo nothing happens that day

    response = api_as(None).post(
        f"/v2/bookings/{series[0].uid}/occurrences/cancel", {"date": utc_day.isoformat()}
    )

    assert response.status_code == 404
    assert error_code(response) == "occurrence_not_found"
    message = response.json()["error"]["message"]
    assert utc_day.isoformat() in message
    assert "Asia/Tokyo" in message
    assert statuses(series) == ["accepted"] * 4
    assert cancelled_events() == 0


def test_an_occurrence_already_cancelled_is_a_conflict(api_as, series, owner):
    cancel_booking(series[1], Actor.host(owner))

    response = api_as(None).post(
        f"/v2/bookings/{series[0].uid}/occurrences/cancel",
        {"date": tokyo_day(series[1].start).isoformat()},
    )

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


@pytest.mark.parametrize(("who", "status"), [("anonymous", 400), ("outsider", 400), ("owner", 200)])
def test_past_the_cutoff_only_the_owner_cancels_an_occurrence(
    api_as, series, owner, outsider, who, status
):
    limit_attendees(series[0], cancellation_cutoff_minutes=LONG_CUTOFF)
    caller = {"anonymous": None, "outsider": outsider, "owner": owner}[who]

    response = api_as(caller).post(
        f"/v2/bookings/{series[0].uid}/occurrences/cancel",
        {"date": tokyo_day(series[1].start).isoformat()},
    )

    assert response.status_code == status, response.json()
    if status == 400:
        assert error_code(response) == "cutoff_passed"
        assert cancelled_events() == 0


def test_an_attendee_cannot_cancel_an_occurrence_when_cancelling_is_disabled(api_as, series):
    limit_attendees(series[0], disable_cancelling=True)

    response = api_as(None).post(
        f"/v2/bookings/{series[0].uid}/occurrences/cancel",
        {"date": tokyo_day(series[1].start).isoformat()},
    )

    assert response.status_code == 403
    assert error_code(response) == "changes_disabled"


@pytest.mark.parametrize("value", ["05/01/2027", "2027-13-01", 20270105, ""])
def test_the_date_must_be_an_iso_day(api_as, series, value):
    response = api_as(None).post(
        f"/v2/bookings/{series[0].uid}/occurrences/cancel", {"date": value}
    )

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert "date" in response.json()["error"]["message"]


def test_cancelling_an_occurrence_of_an_unknown_uid_is_a_404(api_as, series):
    response = api_as(None).post(
        "/v2/bookings/nope/occurrences/cancel", {"date": tokyo_day(FIRST).isoformat()}
    )

    assert response.status_code == 404
    assert error_code(response) == "booking_not_found"


# --- Cancelling every occurrence from a date on -------------------------------------------------


def test_the_attendee_cancels_every_occurrence_from_a_date_on(api_as, series):
    response = api_as(None).post(
        f"/v2/bookings/{series[0].uid}/cancel-future",
        {"fromDate": tokyo_day(series[2].start).isoformat(), "reason": "Project completed"},
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert [b["uid"] for b in data] == [series[2].uid, series[3].uid]
    assert {b["cancellationReason"] for b in data} == {"Project completed"}
    assert statuses(series) == ["accepted", "accepted", "cancelled", "cancelled"]
    assert cancelled_events() == 2


def test_from_date_counts_in_the_attendees_time_zone(api_as, series):
    # The Monday in UTC is the day before the Tuesday in Tokyo: that occurrence is included.
    response = api_as(None).post(
        f"/v2/bookings/{series[0].uid}/cancel-future",
        {"fromDate": series[3].start.date().isoformat()},
    )

    assert [b["uid"] for b in response.json()["data"]] == [series[3].uid]


def test_cancel_future_leaves_occurrences_that_have_happened(api_as, factory, owner):
    started = weekly_series(factory, owner, start=monday_at(-2, 16))

    response = api_as(owner).post(
        f"/v2/bookings/{started[0].uid}/cancel-future", {"fromDate": "2000-01-01"}
    )

    assert response.status_code == 200, response.json()
    now = timezone.now()
    expected = ["cancelled" if b.start > now else "accepted" for b in started]
    assert statuses(started) == expected
    assert expected[:2] == ["accepted", "accepted"] and expected[-1] == "cancelled"


def test_cancel_future_after_the_last_occurrence_is_a_404(api_as, series):
    after = tokyo_day(series[3].start) + timedelta(days=1)

    response = api_as(None).post(
        f"/v2/bookings/{series[0].uid}/cancel-future", {"fromDate": after.isoformat()}
    )

    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert series[0].recurring_series.uid in message
    assert "Asia/Tokyo" in message


def test_cancel_future_twice_is_a_conflict(api_as, series):
    body = {"fromDate": tokyo_day(series[2].start).isoformat()}
    api_as(None).post(f"/v2/bookings/{series[0].uid}/cancel-future", body)

    response = api_as(None).post(f"/v2/bookings/{series[0].uid}/cancel-future", body)

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
    assert cancelled_events() == 2


def test_cancel_future_is_all_or_nothing_for_an_attendee_past_the_cutoff(api_as, series):
    limit_attendees(series[0], cancellation_cutoff_minutes=LONG_CUTOFF)

    response = api_as(None).post(
        f"/v2/bookings/{series[0].uid}/cancel-future",
        {"fromDate": tokyo_day(series[1].start).isoformat()},
    )

    assert response.status_code == 400
    assert error_code(response) == "cutoff_passed"
    assert statuses(series) == ["accepted"] * 4
    assert cancelled_events() == 0


def test_the_owner_cancels_the_future_past_the_attendees_cutoff(api_as, series, owner):
    limit_attendees(series[0], cancellation_cutoff_minutes=LONG_CUTOFF)

    response = api_as(owner).post(
        f"/v2/bookings/{series[0].uid}/cancel-future",
        {"fromDate": tokyo_day(series[1].start).isoformat()},
    )

    assert response.status_code == 200
    assert len(response.json()["data"]) == 3
    assert {b["cancelledByEmail"] for b in response.json()["data"]} == {owner.email}


def test_cancel_future_needs_a_from_date(api_as, series):
    response = api_as(None).post(f"/v2/bookings/{series[0].uid}/cancel-future", {})

    assert response.status_code == 400
    assert "fromDate" in response.json()["error"]["message"]


# --- Cal.com's cancel with a series uid or cancelSubsequentBookings -----------------------------


def test_cancelling_by_the_series_uid_cancels_every_occurrence(api_as, series):
    series_uid = series[0].recurring_series.uid

    response = api_as(None).post(f"/v2/bookings/{series_uid}/cancel", {})

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert [b["uid"] for b in data] == [b.uid for b in series]
    assert {b["recurringBookingUid"] for b in data} == {series_uid}
    assert statuses(series) == ["cancelled"] * 4
    assert cancelled_events() == 4
    assert_matches_contract(response)


def test_cancelling_by_an_occurrence_uid_cancels_just_that_one(api_as, series):
    response = api_as(None).post(f"/v2/bookings/{series[1].uid}/cancel", {})

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["uid"] == series[1].uid
    assert statuses(series) == ["accepted", "cancelled", "accepted", "accepted"]
    # One occurrence is a RecurringBookingOutput, as in Cal.com. The published oneOf of
    # CancelBookingOutput cannot accept it: it is also a valid BookingOutput (neither schema
    # forbids extra properties), so it is checked against its own schema.
    assert_matches_component(response.json()["data"], "RecurringBookingOutput_2024_08_13")


def test_cancel_subsequent_bookings_cancels_that_occurrence_and_the_later_ones(api_as, series):
    response = api_as(None).post(
        f"/v2/bookings/{series[1].uid}/cancel", {"cancelSubsequentBookings": True}
    )

    assert response.status_code == 200, response.json()
    assert [b["uid"] for b in response.json()["data"]] == [b.uid for b in series[1:]]
    assert statuses(series) == ["accepted", "cancelled", "cancelled", "cancelled"]
    assert cancelled_events() == 3
    assert_matches_contract(response)


def test_a_series_past_the_cutoff_is_only_cancelled_by_the_owner(api_as, series, owner):
    limit_attendees(series[0], cancellation_cutoff_minutes=LONG_CUTOFF)
    series_uid = series[0].recurring_series.uid

    refused = api_as(None).post(f"/v2/bookings/{series_uid}/cancel", {})
    accepted = api_as(owner).post(f"/v2/bookings/{series_uid}/cancel", {})

    assert refused.status_code == 400
    assert error_code(refused) == "cutoff_passed"
    assert accepted.status_code == 200
    assert statuses(series) == ["cancelled"] * 4


def test_cancel_subsequent_bookings_needs_an_occurrence_uid(api_as, series):
    response = api_as(None).post(
        f"/v2/bookings/{series[0].recurring_series.uid}/cancel", {"cancelSubsequentBookings": True}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"
    assert statuses(series) == ["accepted"] * 4


def test_a_seat_is_not_cancelled_across_a_whole_series(api_as, series):
    response = api_as(None).post(
        f"/v2/bookings/{series[0].recurring_series.uid}/cancel",
        {"seatUid": "3be561a9-31f1-4b8e-aefc-9d9a085f0dd1"},
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"
    assert statuses(series) == ["accepted"] * 4


def test_a_series_with_nothing_left_to_come_cannot_be_cancelled(api_as, series, owner):
    for occurrence in series:
        cancel_booking(occurrence, Actor.host(owner))

    response = api_as(None).post(f"/v2/bookings/{series[0].recurring_series.uid}/cancel", {})

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
