"""POST /v2/bookings/{uid}/cancel, /reschedule, /confirm, /decline, /mark-absent,
/mark-attended, /reassign[/{userId}] and /confirm-email: who may call each action, the status
and error code it answers with, and what its response shows. The rules behind each action (the
cut-offs, the allowed transitions, the outbox events) are asserted in the domain tests.

The API serves requests at the real clock's time, so bookings are placed relative to today:
UPCOMING a few weeks ahead, HELD a few weeks back (booked before it happened).
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from bookings.services import Actor, attendee_opt_in_token, cancel_booking, mark_absent
from eventtypes.models import EventType
from tests.api.contract import assert_matches_contract
from tests.conftest import error_code
from webhooks.models import Event, Trigger


def monday_at(weeks_from_now: int, hour: int) -> datetime:
    today = timezone.now().astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_from_now)
    return datetime.combine(monday, time(hour), tzinfo=UTC)


UPCOMING = monday_at(5, 10)
LATER = monday_at(5, 11)
HELD = monday_at(-5, 10)
DAY = timedelta(days=1)
# A cut-off longer than the time left before UPCOMING: attendees are past it.
LONG_CUTOFF = 60 * 24 * 60


def book(factory, event_type, start=UPCOMING, **fields):
    return factory.book(event_type, start, now=min(timezone.now(), start - DAY), **fields)


def events_of(kind) -> int:
    return Event.objects.filter(type=kind).count()


@pytest.fixture
def personal(factory, owner):
    return factory.event_type(owner, slug="intro", length_minutes=30)


@pytest.fixture
def booking(factory, personal):
    return book(factory, personal).booking


class RoundRobin:
    """A team with two rotating hosts, an admin and a member who hosts nothing."""

    def __init__(self, factory):
        self.first, self.second = factory.user("rita"), factory.user("rob")
        self.admin, self.member = factory.user("ada"), factory.user("max")
        self.team = factory.team(
            self.first, self.second, self.admin, self.member, admins=[self.admin]
        )
        self.event_type = factory.event_type(
            team=self.team,
            slug="rr",
            scheduling_type=EventType.SchedulingType.ROUND_ROBIN,
            hosts=[self.first, self.second],
        )
        self.booking = book(factory, self.event_type).booking
        self.host = self.booking.organizer
        self.co_host = self.second if self.host == self.first else self.first


@pytest.fixture
def rr(factory):
    return RoundRobin(factory)


def set_rules(event_type, **rules):
    EventType.objects.filter(pk=event_type.pk).update(**rules)


def status_of(booking) -> str:
    return Booking.objects.get(pk=booking.pk).status


# --- Cancel -------------------------------------------------------------------------------------


def test_the_attendee_cancels_with_the_uid_alone(api_as, booking):
    response = api_as(None).post(
        f"/v2/bookings/{booking.uid}/cancel", {"cancellationReason": "Something came up"}
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["uid"] == booking.uid
    assert data["status"] == "cancelled"
    assert data["cancellationReason"] == "Something came up"
    assert data["cancelledByEmail"] == booking.attendees.get().email
    assert_matches_contract(response)


def test_the_owner_cancels_as_host_and_is_named(api_as, booking, owner):
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/cancel", {})

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["cancelledByEmail"] == owner.email
    assert_matches_contract(response)


def test_an_attendee_past_the_cutoff_cannot_cancel(api_as, booking, personal):
    set_rules(personal, cancellation_cutoff_minutes=LONG_CUTOFF)

    response = api_as(None).post(f"/v2/bookings/{booking.uid}/cancel", {})

    assert response.status_code == 400
    assert error_code(response) == "cutoff_passed"
    assert status_of(booking) == "accepted"


def test_a_key_that_does_not_manage_the_booking_is_held_to_the_cutoff(
    api_as, booking, personal, outsider
):
    set_rules(personal, cancellation_cutoff_minutes=LONG_CUTOFF)

    response = api_as(outsider).post(f"/v2/bookings/{booking.uid}/cancel", {})

    assert response.status_code == 400
    assert error_code(response) == "cutoff_passed"


def test_the_owner_cancels_past_the_attendees_cutoff(api_as, booking, personal, owner):
    set_rules(personal, cancellation_cutoff_minutes=LONG_CUTOFF)

    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/cancel", {})

    assert response.status_code == 200
    assert status_of(booking) == "cancelled"


def test_an_attendee_cannot_cancel_when_the_event_type_forbids_it(api_as, booking, personal):
    set_rules(personal, disable_cancelling=True)

    response = api_as(None).post(f"/v2/bookings/{booking.uid}/cancel", {})

    assert response.status_code == 403
    assert error_code(response) == "changes_disabled"
    assert status_of(booking) == "accepted"


def test_the_owner_cancels_when_attendees_may_not(api_as, booking, personal, owner):
    set_rules(personal, disable_cancelling=True)

    assert api_as(owner).post(f"/v2/bookings/{booking.uid}/cancel", {}).status_code == 200


@pytest.mark.parametrize(("who", "status"), [("host", 200), ("admin", 200), ("co_host", 400)])
def test_on_a_round_robin_booking_the_assigned_host_and_team_admin_cancel_as_hosts(
    api_as, rr, who, status
):
    set_rules(rr.event_type, cancellation_cutoff_minutes=LONG_CUTOFF)

    response = api_as(getattr(rr, who)).post(f"/v2/bookings/{rr.booking.uid}/cancel", {})

    assert response.status_code == status, response.json()
    if status == 400:
        assert error_code(response) == "cutoff_passed"


def test_cancelling_twice_is_a_conflict(api_as, booking):
    api_as(None).post(f"/v2/bookings/{booking.uid}/cancel", {})

    response = api_as(None).post(f"/v2/bookings/{booking.uid}/cancel", {})

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


def test_cancelling_an_unknown_uid_is_a_404(api_as, booking):
    response = api_as(None).post("/v2/bookings/nope/cancel", {})

    assert response.status_code == 404
    assert error_code(response) == "booking_not_found"


def test_a_cancel_body_of_the_wrong_type_is_refused(api_as, booking):
    response = api_as(None).post(
        f"/v2/bookings/{booking.uid}/cancel", {"cancelSubsequentBookings": "yes"}
    )

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert "cancelSubsequentBookings" in response.json()["error"]["message"]


@pytest.fixture
def seated(factory, owner):
    event_type = factory.event_type(owner, slug="class", seats_per_time_slot=5)
    first = book(factory, event_type)
    second = book(factory, event_type)
    return first.booking, first.seat_uid, second.seat_uid


def test_an_attendee_gives_up_their_seat_and_the_others_keep_theirs(api_as, seated, owner):
    booking, mine, theirs = seated

    response = api_as(None).post(f"/v2/bookings/{booking.uid}/cancel", {"seatUid": mine})

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "accepted"
    assert_matches_contract(response)
    seats = api_as(owner).get(f"/v2/bookings/{booking.uid}").json()["data"]["attendees"]
    assert [seat["seatUid"] for seat in seats] == [theirs]


def test_an_unknown_seat_is_refused(api_as, seated):
    booking, _, _ = seated

    response = api_as(None).post(
        f"/v2/bookings/{booking.uid}/cancel", {"seatUid": "00000000-0000-0000-0000-000000000000"}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"


# --- Reschedule ---------------------------------------------------------------------------------


def test_the_attendee_reschedules_and_both_bookings_point_at_each_other(api_as, booking):
    response = api_as(None).post(
        f"/v2/bookings/{booking.uid}/reschedule",
        {"start": LATER.isoformat().replace("+00:00", "Z"), "reschedulingReason": "Clash"},
    )

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["uid"] != booking.uid
    assert data["start"] == LATER.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert data["rescheduledFromUid"] == booking.uid
    assert data["status"] == "accepted"
    assert_matches_contract(response)
    old = api_as(None).get(f"/v2/bookings/{booking.uid}").json()["data"]
    assert old["status"] == "cancelled"
    assert old["rescheduledToUid"] == data["uid"]


def test_an_attendee_past_the_reschedule_cutoff_cannot_move_the_booking(api_as, booking, personal):
    set_rules(personal, reschedule_cutoff_minutes=LONG_CUTOFF)

    response = api_as(None).post(
        f"/v2/bookings/{booking.uid}/reschedule", {"start": LATER.isoformat()}
    )

    assert response.status_code == 400
    assert error_code(response) == "cutoff_passed"
    assert Booking.objects.count() == 1


def test_the_owner_moves_a_booking_past_the_attendees_cutoff(api_as, booking, personal, owner):
    set_rules(personal, reschedule_cutoff_minutes=LONG_CUTOFF)

    response = api_as(owner).post(
        f"/v2/bookings/{booking.uid}/reschedule", {"start": LATER.isoformat()}
    )

    assert response.status_code == 201, response.json()
    assert_matches_contract(response)


def test_an_attendee_cannot_reschedule_when_the_event_type_forbids_it(api_as, booking, personal):
    set_rules(personal, disable_rescheduling=True)

    response = api_as(None).post(
        f"/v2/bookings/{booking.uid}/reschedule", {"start": LATER.isoformat()}
    )

    assert response.status_code == 403
    assert error_code(response) == "changes_disabled"


def test_rescheduling_onto_a_taken_time_is_a_conflict(api_as, factory, booking, personal):
    book(factory, personal, LATER)

    response = api_as(None).post(
        f"/v2/bookings/{booking.uid}/reschedule", {"start": LATER.isoformat()}
    )

    assert response.status_code == 409
    assert error_code(response) == "slot_unavailable"
    assert status_of(booking) == "accepted"


def test_a_cancelled_booking_cannot_be_rescheduled(api_as, booking, owner):
    cancel_booking(booking, Actor.host(owner))

    response = api_as(None).post(
        f"/v2/bookings/{booking.uid}/reschedule", {"start": LATER.isoformat()}
    )

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


def test_rescheduling_needs_a_utc_start(api_as, booking):
    response = api_as(None).post(
        f"/v2/bookings/{booking.uid}/reschedule", {"start": "2030-01-07T10:00:00"}
    )

    assert response.status_code == 400
    assert error_code(response) == "validation_error"


def test_rescheduling_an_unknown_uid_is_a_404(api_as, booking):
    response = api_as(None).post("/v2/bookings/nope/reschedule", {"start": LATER.isoformat()})

    assert response.status_code == 404


def test_a_series_is_rescheduled_occurrence_by_occurrence(api_as, factory, owner):
    weekly = factory.event_type(
        owner, slug="weekly", recurrence_frequency="weekly", recurrence_max_occurrences=3
    )
    series_uid = book(factory, weekly).booking.recurring_series.uid

    response = api_as(None).post(
        f"/v2/bookings/{series_uid}/reschedule", {"start": LATER.isoformat()}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"
    assert "occurrences" in response.json()["error"]["message"]


# --- Confirm and decline ------------------------------------------------------------------------


@pytest.fixture
def pending(factory, owner):
    event_type = factory.event_type(owner, slug="vetted", requires_confirmation=True)
    return book(factory, event_type).booking


def test_the_owner_confirms_a_pending_booking(api_as, pending, owner):
    response = api_as(owner).post(f"/v2/bookings/{pending.uid}/confirm")

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "accepted"
    assert_matches_contract(response)


def test_confirming_a_cancelled_booking_is_a_conflict(api_as, pending, owner):
    cancel_booking(pending, Actor.host(owner))

    response = api_as(owner).post(f"/v2/bookings/{pending.uid}/confirm")

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


def test_confirming_an_accepted_booking_is_a_conflict(api_as, booking, owner):
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/confirm")

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


def test_confirming_needs_a_key(api_as, pending):
    response = api_as(None).post(f"/v2/bookings/{pending.uid}/confirm")

    assert response.status_code == 401
    assert status_of(pending) == "pending"


def test_an_outsider_cannot_see_the_booking_to_confirm(api_as, pending, outsider):
    response = api_as(outsider).post(f"/v2/bookings/{pending.uid}/confirm")

    assert response.status_code == 404
    assert error_code(response) == "booking_not_found"
    assert status_of(pending) == "pending"


def test_confirming_an_unknown_uid_is_a_404(api_as, owner):
    assert api_as(owner).post("/v2/bookings/nope/confirm").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("host", 200), ("admin", 200), ("co_host", 404), ("member", 404)],
)
def test_on_a_round_robin_team_only_the_assigned_host_and_admins_confirm(api_as, rr, who, status):
    set_rules(rr.event_type, requires_confirmation=True)
    Booking.objects.filter(pk=rr.booking.pk).update(status="pending", pending_on="host")

    response = api_as(getattr(rr, who)).post(f"/v2/bookings/{rr.booking.uid}/confirm")

    assert response.status_code == status, response.json()
    assert status_of(rr.booking) == ("accepted" if status == 200 else "pending")


def test_the_owner_declines_with_a_reason(api_as, pending, owner):
    response = api_as(owner).post(
        f"/v2/bookings/{pending.uid}/decline", {"reason": "Fully booked that week"}
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["status"] == "rejected"
    assert data["rejectionReason"] == "Fully booked that week"
    assert_matches_contract(response)


def test_declining_an_accepted_booking_is_a_conflict(api_as, booking, owner):
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/decline", {})

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_only_those_who_manage_the_booking_decline_it(api_as, pending, outsider, who):
    caller = outsider if who == "outsider" else None

    response = api_as(caller).post(f"/v2/bookings/{pending.uid}/decline", {})

    assert response.status_code == (404 if caller else 401)
    assert status_of(pending) == "pending"


def test_a_decline_reason_must_be_text(api_as, pending, owner):
    response = api_as(owner).post(f"/v2/bookings/{pending.uid}/decline", {"reason": ["no"]})

    assert response.status_code == 400
    assert error_code(response) == "validation_error"


# --- Attendance ---------------------------------------------------------------------------------


@pytest.fixture
def held(factory, personal):
    """A booking that took place a few weeks ago."""
    return book(factory, personal, HELD).booking


def test_the_owner_marks_an_attendee_absent(api_as, held, owner):
    email = held.attendees.get().email

    response = api_as(owner).post(
        f"/v2/bookings/{held.uid}/mark-absent", {"attendees": [{"email": email, "absent": True}]}
    )

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["attendees"][0]["absent"] is True
    assert data["absentHost"] is False
    assert_matches_contract(response)


def test_the_owner_marks_the_host_absent(api_as, held, owner):
    response = api_as(owner).post(f"/v2/bookings/{held.uid}/mark-absent", {"host": True})

    assert response.status_code == 200
    assert response.json()["data"]["absentHost"] is True
    assert_matches_contract(response)


def test_absence_cannot_be_recorded_before_the_booking_starts(api_as, booking, owner):
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/mark-absent", {"host": True})

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


def test_marking_someone_who_is_not_an_attendee_is_refused(api_as, held, owner):
    response = api_as(owner).post(
        f"/v2/bookings/{held.uid}/mark-absent",
        {"attendees": [{"email": "stranger@example.com", "absent": True}]},
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"
    assert "stranger@example.com" in response.json()["error"]["message"]


def test_marking_absent_without_saying_who_is_refused(api_as, held, owner):
    response = api_as(owner).post(f"/v2/bookings/{held.uid}/mark-absent", {})

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"


def test_absent_must_be_a_boolean(api_as, held, owner):
    response = api_as(owner).post(
        f"/v2/bookings/{held.uid}/mark-absent",
        {"attendees": [{"email": "a@example.com", "absent": "yes"}]},
    )

    assert response.status_code == 400
    assert error_code(response) == "validation_error"


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_only_those_who_manage_the_booking_record_attendance(api_as, held, outsider, who):
    caller = outsider if who == "outsider" else None

    absent = api_as(caller).post(f"/v2/bookings/{held.uid}/mark-absent", {"host": True})
    attended = api_as(caller).post(f"/v2/bookings/{held.uid}/mark-attended")

    assert absent.status_code == attended.status_code == (404 if caller else 401)
    assert events_of(Trigger.BOOKING_NO_SHOW_UPDATED) == 0


def test_marking_everyone_attended_clears_absences(api_as, held, owner):
    mark_absent(held, Actor.host(owner), host=True)

    response = api_as(owner).post(f"/v2/bookings/{held.uid}/mark-attended")

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["absentHost"] is False
    assert all(not a["absent"] for a in data["attendees"])


def test_attendance_is_not_recorded_on_a_cancelled_booking(api_as, held, owner):
    cancel_booking(held, Actor.host(owner))

    response = api_as(owner).post(f"/v2/bookings/{held.uid}/mark-attended")

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


# --- Reassign -----------------------------------------------------------------------------------
# The published schema of ReassignBookingOutput_2024_08_13 refers to itself (a name clash in
# Cal.com's generator), so these responses are checked against the real shape instead of
# assert_matches_contract: data = {bookingUid, reassignedTo: {id, name, email, displayEmail}}.


def test_the_assigned_host_hands_the_booking_to_the_other_free_host(api_as, rr):
    response = api_as(rr.host).post(f"/v2/bookings/{rr.booking.uid}/reassign", {})

    assert response.status_code == 200, response.json()
    assert response.json()["data"] == {
        "bookingUid": rr.booking.uid,
        "reassignedTo": {
            "id": rr.co_host.id,
            "name": rr.co_host.display_name,
            "email": rr.co_host.email,
            "displayEmail": rr.co_host.email,
        },
    }
    assert Booking.objects.get(pk=rr.booking.pk).organizer == rr.co_host


def test_a_team_admin_reassigns_to_a_named_host_with_a_reason(api_as, rr):
    response = api_as(rr.admin).post(
        f"/v2/bookings/{rr.booking.uid}/reassign/{rr.co_host.id}", {"reason": "Holiday"}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["reassignedTo"]["id"] == rr.co_host.id
    assert Booking.objects.get(pk=rr.booking.pk).reassign_reason == "Holiday"


@pytest.mark.parametrize(("who", "status"), [("co_host", 404), ("member", 404), (None, 401)])
def test_others_cannot_reassign(api_as, rr, who, status):
    caller = getattr(rr, who) if who else None

    response = api_as(caller).post(f"/v2/bookings/{rr.booking.uid}/reassign/{rr.co_host.id}")

    assert response.status_code == status
    assert Booking.objects.get(pk=rr.booking.pk).organizer == rr.host
    assert events_of(Trigger.BOOKING_REASSIGNED) == 0


def test_an_outsider_cannot_reassign(api_as, rr, outsider):
    response = api_as(outsider).post(f"/v2/bookings/{rr.booking.uid}/reassign")

    assert response.status_code == 404


def test_reassigning_to_someone_who_is_not_a_host_is_refused(api_as, rr):
    response = api_as(rr.admin).post(f"/v2/bookings/{rr.booking.uid}/reassign/{rr.member.id}")

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"


def test_a_personal_booking_cannot_be_reassigned(api_as, booking, owner):
    response = api_as(owner).post(f"/v2/bookings/{booking.uid}/reassign")

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


def test_reassigning_a_cancelled_booking_is_a_conflict(api_as, rr):
    cancel_booking(rr.booking, Actor.host(rr.host))

    response = api_as(rr.host).post(f"/v2/bookings/{rr.booking.uid}/reassign")

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


# --- The attendee's double opt-in ---------------------------------------------------------------


@pytest.fixture
def unconfirmed(factory, owner):
    event_type = factory.event_type(owner, slug="opt-in", requires_attendee_opt_in=True)
    return book(factory, event_type).booking


def test_the_attendee_confirms_their_email_and_the_booking_is_accepted(api_as, unconfirmed):
    token = attendee_opt_in_token(unconfirmed)

    response = api_as(None).post(f"/v2/bookings/{unconfirmed.uid}/confirm-email", {"token": token})

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "accepted"


def test_confirming_the_email_twice_is_a_conflict(api_as, unconfirmed):
    token = attendee_opt_in_token(unconfirmed)
    api_as(None).post(f"/v2/bookings/{unconfirmed.uid}/confirm-email", {"token": token})

    response = api_as(None).post(f"/v2/bookings/{unconfirmed.uid}/confirm-email", {"token": token})

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


def test_a_forged_email_token_is_refused(api_as, unconfirmed):
    response = api_as(None).post(
        f"/v2/bookings/{unconfirmed.uid}/confirm-email", {"token": "forged"}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_token"
    assert status_of(unconfirmed) == "pending"


def test_a_token_of_another_booking_does_not_confirm_this_one(api_as, factory, unconfirmed):
    other = book(factory, unconfirmed.event_type, LATER).booking

    response = api_as(None).post(
        f"/v2/bookings/{unconfirmed.uid}/confirm-email",
        {"token": attendee_opt_in_token(other)},
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_token"
    assert status_of(unconfirmed) == status_of(other) == "pending"


def test_confirming_the_email_needs_a_token(api_as, unconfirmed):
    response = api_as(None).post(f"/v2/bookings/{unconfirmed.uid}/confirm-email", {})

    assert response.status_code == 400
    assert error_code(response) == "validation_error"


def test_confirming_the_email_of_an_unknown_booking_is_a_404(api_as, unconfirmed):
    token = attendee_opt_in_token(unconfirmed)

    response = api_as(None).post("/v2/bookings/nope/confirm-email", {"token": token})

    assert response.status_code == 404


# --- Unknown bookings and methods ---------------------------------------------------------------


@pytest.mark.parametrize(
    "action", ["confirm", "decline", "mark-absent", "mark-attended", "reassign", "reassign/1"]
)
def test_host_actions_on_an_unknown_uid_are_a_404(api_as, owner, action):
    response = api_as(owner).post(f"/v2/bookings/nope/{action}", {"host": True})

    assert response.status_code == 404
    assert error_code(response) == "booking_not_found"


def test_cancel_is_a_post(api_as, booking):
    response = api_as(None).get(f"/v2/bookings/{booking.uid}/cancel")

    assert response.status_code == 405
    assert status_of(booking) == "accepted"
