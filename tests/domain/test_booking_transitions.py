"""Every change of a booking's state that is allowed, and every one that is refused.

A refused change raises the domain error that names it and leaves the database as it was: the
booking keeps its status, and no history row, outbox event or new booking appears.
"""

import time
from datetime import timedelta

import pytest
from django.core import signing

from bookings.errors import (
    ChangesDisabled,
    CutoffPassed,
    InvalidInput,
    InvalidToken,
    InvalidTransition,
    SlotUnavailable,
)
from bookings.models import ActorRole, Attendee, Booking, BookingHistory
from bookings.services import (
    Actor,
    AttendeeInput,
    CancelScope,
    add_attendee,
    add_guests,
    attendee_opt_in_token,
    cancel_booking,
    confirm_attendee_email,
    confirm_booking,
    decline_booking,
    mark_absent,
    mark_attended,
    reassign_booking,
    remove_attendee,
    reschedule_booking,
)
from bookings.services.confirmation import OPT_IN_SALT
from eventtypes.models import EventType
from tests.conftest import NOW, utc
from webhooks.models import Event

pytestmark = pytest.mark.django_db


START = utc(2049, 1, 4, 10, 0)  # Monday 10:00 UTC, inside the hosts' 9-17 UTC hours
NEW_START = utc(2049, 1, 4, 11, 0)
STARTED = START + timedelta(minutes=5)

STATES = ["pending_host", "pending_attendee", "accepted", "rejected", "cancelled"]
STATE_SETTINGS = {
    "pending_host": {"requires_confirmation": True},
    "pending_attendee": {"requires_attendee_opt_in": True},
    "accepted": {},
    "rejected": {"requires_confirmation": True},
    "cancelled": {},
}


def booking_in_state(factory, state, **settings):
    """(booking, host) with the booking in `state`, reached through the services."""
    host = factory.user()
    event_type = factory.event_type(host, **{**STATE_SETTINGS[state], **settings})
    booking = factory.book(event_type, START).booking
    if state == "rejected":
        booking = decline_booking(booking, Actor.host(host), now=NOW)
    elif state == "cancelled":
        [booking] = cancel_booking(booking, Actor.host(host), now=NOW)
    return booking, host


def attendee_of(booking):
    return Actor.attendee(booking.attendees.first().email)


def state_of_database(booking) -> dict:
    """Everything a refused change must leave as it was."""
    booking = Booking.objects.get(pk=booking.pk)
    return {
        "status": booking.status,
        "pending_on": booking.pending_on,
        "start": booking.start,
        "organizer": booking.organizer_id,
        "ics_sequence": booking.ics_sequence,
        "guests": list(booking.guests),
        "cancelled_at": booking.cancelled_at,
        "attendance_confirmed_at": booking.attendance_confirmed_at,
        "attendees": list(booking.attendees.values_list("email", "absent", "seat_uid")),
        "hosts": list(booking.booking_hosts.values_list("user_id", "absent", "is_blocking")),
        "bookings": Booking.objects.count(),
        "events": Event.objects.count(),
        "history": BookingHistory.objects.count(),
    }


def assert_refused(error_class, code, change, booking):
    before = state_of_database(booking)
    with pytest.raises(error_class) as raised:
        change()
    assert raised.value.code == code
    assert state_of_database(booking) == before
    return raised.value


# --- The transition table -----------------------------------------------------------------------


def _remove_second_attendee(booking, host):
    _, row = add_attendee(booking, AttendeeInput("Second", "second@example.com"), Actor.host(host))
    return remove_attendee(booking, row.pk, Actor.host(host))


def _remove_first_attendee(booking, host):
    return remove_attendee(booking, booking.attendees.first().pk, Actor.host(host))


ACTIONS = {
    "confirm": lambda b, h: confirm_booking(b, Actor.host(h), now=NOW),
    "decline": lambda b, h: decline_booking(b, Actor.host(h), reason="Busy", now=NOW),
    "cancel_by_host": lambda b, h: cancel_booking(b, Actor.host(h), now=NOW)[0],
    "cancel_by_attendee": lambda b, h: cancel_booking(b, attendee_of(b), now=NOW)[0],
    "reschedule_by_host": lambda b, h: (
        reschedule_booking(b, NEW_START, Actor.host(h), now=NOW).booking
    ),
    "reschedule_by_attendee": lambda b, h: (
        reschedule_booking(b, NEW_START, attendee_of(b), now=NOW).booking
    ),
    "confirm_attendee_email": lambda b, h: confirm_attendee_email(attendee_opt_in_token(b)),
    "mark_absent": lambda b, h: mark_absent(b, Actor.host(h), host=True, now=STARTED),
    "mark_attended": lambda b, h: mark_attended(b, Actor.host(h), now=STARTED),
    "add_attendee": lambda b, h: add_attendee(
        b, AttendeeInput("New", "new@example.com"), Actor.host(h)
    )[0],
    "remove_attendee": _remove_second_attendee,
    "add_guests": lambda b, h: add_guests(b, ["guest@example.com"], Actor.host(h)),
}

# (action, state) -> (status, pending_on) of the booking the action returns.
ALLOWED = {
    ("confirm", "pending_host"): ("accepted", ""),
    ("decline", "pending_host"): ("rejected", ""),
    ("decline", "pending_attendee"): ("rejected", ""),
    ("cancel_by_host", "pending_host"): ("cancelled", ""),
    ("cancel_by_host", "pending_attendee"): ("cancelled", ""),
    ("cancel_by_host", "accepted"): ("cancelled", ""),
    ("cancel_by_attendee", "pending_host"): ("cancelled", ""),
    ("cancel_by_attendee", "pending_attendee"): ("cancelled", ""),
    ("cancel_by_attendee", "accepted"): ("cancelled", ""),
    # A host moving a booking confirms it; an attendee moving it leaves it to the host.
    ("reschedule_by_host", "pending_host"): ("accepted", ""),
    ("reschedule_by_host", "pending_attendee"): ("pending", "attendee"),
    ("reschedule_by_host", "accepted"): ("accepted", ""),
    ("reschedule_by_attendee", "pending_host"): ("pending", "host"),
    ("reschedule_by_attendee", "pending_attendee"): ("pending", "attendee"),
    ("reschedule_by_attendee", "accepted"): ("accepted", ""),
    ("confirm_attendee_email", "pending_attendee"): ("accepted", ""),
    ("mark_absent", "accepted"): ("accepted", ""),
    ("mark_attended", "accepted"): ("accepted", ""),
    ("add_attendee", "pending_host"): ("pending", "host"),
    ("add_attendee", "pending_attendee"): ("pending", "attendee"),
    ("add_attendee", "accepted"): ("accepted", ""),
    ("remove_attendee", "pending_host"): ("pending", "host"),
    ("remove_attendee", "pending_attendee"): ("pending", "attendee"),
    ("remove_attendee", "accepted"): ("accepted", ""),
    ("add_guests", "pending_host"): ("pending", "host"),
    ("add_guests", "pending_attendee"): ("pending", "attendee"),
    ("add_guests", "accepted"): ("accepted", ""),
}
FORBIDDEN = sorted(
    (action, state) for action in ACTIONS for state in STATES if (action, state) not in ALLOWED
)


@pytest.mark.parametrize(("action", "state"), sorted(ALLOWED))
def test_allowed_transition_gives_the_expected_status(factory, action, state):
    booking, host = booking_in_state(factory, state)
    events_before = Event.objects.count()

    result = ACTIONS[action](booking, host)

    result = Booking.objects.get(pk=result.pk)
    assert (result.status, result.pending_on) == ALLOWED[(action, state)]
    assert Event.objects.count() > events_before
    assert BookingHistory.objects.filter(booking=result).exists()


@pytest.mark.parametrize(("action", "state"), FORBIDDEN)
def test_forbidden_transition_raises_invalid_transition_and_changes_nothing(factory, action, state):
    booking, host = booking_in_state(factory, state)
    if action == "remove_attendee":
        change = lambda: _remove_first_attendee(booking, host)  # noqa: E731
    else:
        change = lambda: ACTIONS[action](booking, host)  # noqa: E731

    assert_refused(InvalidTransition, "invalid_transition", change, booking)


def test_confirming_a_cancelled_booking_says_why(factory):
    booking, host = booking_in_state(factory, "cancelled")

    error = assert_refused(
        InvalidTransition,
        "invalid_transition",
        lambda: confirm_booking(booking, Actor.host(host), now=NOW),
        booking,
    )

    assert error.details == {"status": "cancelled"}
    assert "cancelled" in error.message


def test_host_cannot_confirm_before_the_attendee_confirmed_their_email(factory):
    booking, host = booking_in_state(factory, "pending_attendee", requires_confirmation=True)

    error = assert_refused(
        InvalidTransition,
        "invalid_transition",
        lambda: confirm_booking(booking, Actor.host(host), now=NOW),
        booking,
    )
    assert error.details["pendingOn"] == "attendee"


def test_a_declined_booking_frees_its_time(factory):
    booking, host = booking_in_state(factory, "pending_host")

    declined = decline_booking(booking, Actor.host(host), reason="On holiday", now=NOW)

    assert declined.rejection_reason == "On holiday"
    assert not declined.booking_hosts.get().is_blocking
    assert factory.book(booking.event_type, START).booking.start == START


def test_a_cancelled_booking_frees_its_time_and_records_who_cancelled(factory):
    booking, host = booking_in_state(factory, "accepted")
    email = booking.attendees.first().email

    [cancelled] = cancel_booking(booking, Actor.attendee(email), reason="Ill", now=NOW)

    assert cancelled.cancellation_reason == "Ill"
    assert cancelled.cancelled_by_email == email
    assert cancelled.cancelled_by_role == ActorRole.ATTENDEE
    assert cancelled.cancelled_at == NOW
    assert cancelled.ics_sequence == booking.ics_sequence + 1
    assert not cancelled.booking_hosts.get().is_blocking
    assert factory.book(booking.event_type, START).booking.start == START


# --- Cancelling: who may, and until when ----------------------------------------------------


def test_attendee_can_cancel_until_the_cutoff_exactly(factory):
    booking, _ = booking_in_state(factory, "accepted", cancellation_cutoff_minutes=60)

    [cancelled] = cancel_booking(booking, attendee_of(booking), now=START - timedelta(hours=1))

    assert cancelled.status == "cancelled"


def test_attendee_cannot_cancel_within_the_cutoff(factory):
    booking, _ = booking_in_state(factory, "accepted", cancellation_cutoff_minutes=60)
    late = START - timedelta(minutes=59)

    error = assert_refused(
        CutoffPassed,
        "cutoff_passed",
        lambda: cancel_booking(booking, attendee_of(booking), now=late),
        booking,
    )
    assert error.details == {"cutoffMinutes": 60}


def test_host_can_cancel_within_the_attendee_cutoff(factory):
    booking, host = booking_in_state(factory, "accepted", cancellation_cutoff_minutes=60)

    [cancelled] = cancel_booking(booking, Actor.host(host), now=START - timedelta(minutes=5))

    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_by_role == ActorRole.HOST


def test_attendee_cannot_cancel_when_cancelling_is_disabled(factory):
    booking, _ = booking_in_state(factory, "accepted", disable_cancelling=True)

    assert_refused(
        ChangesDisabled,
        "changes_disabled",
        lambda: cancel_booking(booking, attendee_of(booking), now=NOW),
        booking,
    )


def test_host_can_cancel_when_cancelling_is_disabled_for_attendees(factory):
    booking, host = booking_in_state(factory, "accepted", disable_cancelling=True)

    [cancelled] = cancel_booking(booking, Actor.host(host), now=NOW)

    assert cancelled.status == "cancelled"


def test_attendee_cannot_cancel_a_booking_that_has_started(factory):
    booking, _ = booking_in_state(factory, "accepted")

    assert_refused(
        CutoffPassed,
        "cutoff_passed",
        lambda: cancel_booking(booking, attendee_of(booking), now=STARTED),
        booking,
    )


def test_host_can_cancel_a_booking_that_has_started(factory):
    booking, host = booking_in_state(factory, "accepted")

    [cancelled] = cancel_booking(booking, Actor.host(host), now=STARTED)

    assert cancelled.status == "cancelled"


def test_unknown_cancel_scope_is_refused(factory):
    booking, host = booking_in_state(factory, "accepted")

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: cancel_booking(booking, Actor.host(host), scope="everything", now=NOW),
        booking,
    )


# --- Rescheduling ---------------------------------------------------------------------------


def test_rescheduling_creates_a_linked_booking_and_cancels_the_old_one(factory):
    booking, host = booking_in_state(factory, "accepted")
    old_attendees = list(booking.attendees.values_list("name", "email", "time_zone"))

    new = reschedule_booking(
        booking, NEW_START, attendee_of(booking), reason="Clash", now=NOW
    ).booking

    old = Booking.objects.get(pk=booking.pk)
    assert new.uid != old.uid
    assert new.start == NEW_START
    assert new.end == NEW_START + timedelta(minutes=30)
    assert new.rescheduled_from == old
    assert old.rescheduled_to == new
    assert old.status == "cancelled"
    assert old.rescheduling_reason == "Clash"
    assert new.ics_uid == old.ics_uid
    assert new.ics_sequence == booking.ics_sequence + 1
    assert list(new.attendees.values_list("name", "email", "time_zone")) == old_attendees
    assert new.organizer == host
    assert new.booking_hosts.get().is_blocking
    assert not old.booking_hosts.get().is_blocking


def test_rescheduling_frees_the_old_time(factory):
    booking, host = booking_in_state(factory, "accepted")

    reschedule_booking(booking, NEW_START, Actor.host(host), now=NOW)

    assert factory.book(booking.event_type, START).booking.status == "accepted"
    with pytest.raises(SlotUnavailable):
        factory.book(booking.event_type, NEW_START)


def test_rescheduling_twice_keeps_the_invite_uid_and_raises_its_sequence(factory):
    booking, host = booking_in_state(factory, "accepted")

    second = reschedule_booking(booking, NEW_START, Actor.host(host), now=NOW).booking
    third = reschedule_booking(
        second, NEW_START + timedelta(hours=1), Actor.host(host), now=NOW
    ).booking

    assert third.ics_uid == booking.ics_uid
    assert third.ics_sequence == booking.ics_sequence + 2
    assert third.rescheduled_from == second


def test_attendee_rescheduling_a_confirmed_booking_needs_the_host_again(factory):
    booking, host = booking_in_state(factory, "pending_host")
    confirm_booking(booking, Actor.host(host), now=NOW)

    new = reschedule_booking(booking, NEW_START, attendee_of(booking), now=NOW).booking

    assert (new.status, new.pending_on) == ("pending", "host")


def test_host_rescheduling_a_booking_that_needs_confirmation_accepts_it(factory):
    booking, host = booking_in_state(factory, "pending_host")
    confirm_booking(booking, Actor.host(host), now=NOW)

    new = reschedule_booking(booking, NEW_START, Actor.host(host), now=NOW).booking

    assert (new.status, new.pending_on) == ("accepted", "")


def test_rescheduled_by_the_hosts_email_counts_as_the_host(factory):
    booking, host = booking_in_state(factory, "pending_host")

    new = reschedule_booking(
        booking, NEW_START, attendee_of(booking), rescheduled_by_email=host.email, now=NOW
    ).booking

    assert new.status == "accepted"
    assert new.rescheduled_by_email == host.email


def test_attendee_can_reschedule_until_the_cutoff_exactly(factory):
    booking, _ = booking_in_state(factory, "accepted", reschedule_cutoff_minutes=60)

    new = reschedule_booking(
        booking, NEW_START, attendee_of(booking), now=START - timedelta(hours=1)
    ).booking

    assert new.start == NEW_START


def test_attendee_cannot_reschedule_within_the_cutoff(factory):
    booking, _ = booking_in_state(factory, "accepted", reschedule_cutoff_minutes=60)
    late = START - timedelta(minutes=30)

    assert_refused(
        CutoffPassed,
        "cutoff_passed",
        lambda: reschedule_booking(booking, NEW_START, attendee_of(booking), now=late),
        booking,
    )


def test_host_can_reschedule_within_the_attendee_cutoff(factory):
    booking, host = booking_in_state(factory, "accepted", reschedule_cutoff_minutes=60)

    new = reschedule_booking(
        booking, NEW_START, Actor.host(host), now=START - timedelta(minutes=30)
    ).booking

    assert new.start == NEW_START


def test_attendee_cannot_reschedule_when_rescheduling_is_disabled(factory):
    booking, host = booking_in_state(factory, "accepted", disable_rescheduling=True)

    assert_refused(
        ChangesDisabled,
        "changes_disabled",
        lambda: reschedule_booking(booking, NEW_START, attendee_of(booking), now=NOW),
        booking,
    )
    assert reschedule_booking(booking, NEW_START, Actor.host(host), now=NOW).booking


def test_attendee_cannot_reschedule_a_booking_that_has_started(factory):
    booking, _ = booking_in_state(factory, "accepted")

    assert_refused(
        CutoffPassed,
        "cutoff_passed",
        lambda: reschedule_booking(booking, NEW_START, attendee_of(booking), now=STARTED),
        booking,
    )


def test_rescheduling_onto_a_taken_time_changes_nothing(factory):
    booking, host = booking_in_state(factory, "accepted")
    factory.book(booking.event_type, NEW_START)

    assert_refused(
        SlotUnavailable,
        "slot_unavailable",
        lambda: reschedule_booking(booking, NEW_START, Actor.host(host), now=NOW),
        booking,
    )


def test_rescheduling_without_a_time_zone_is_refused(factory):
    booking, host = booking_in_state(factory, "accepted")

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: reschedule_booking(
            booking, NEW_START.replace(tzinfo=None), Actor.host(host), now=NOW
        ),
        booking,
    )


def test_moving_a_seated_booking_keeps_each_attendees_seat(factory):
    host = factory.user()
    event_type = factory.event_type(host, seats_per_time_slot=3)
    first = factory.book(event_type, START)
    second = factory.book(event_type, START)

    new = reschedule_booking(first.booking, NEW_START, Actor.host(host), now=NOW).booking

    seats = sorted(str(uid) for uid in new.attendees.values_list("seat_uid", flat=True))
    assert seats == sorted([first.seat_uid, second.seat_uid])
    [after] = cancel_booking(new, attendee_of(new), seat_uid=first.seat_uid, now=NOW)
    assert after.attendees.count() == 1


def test_moving_a_seated_booking_onto_another_one_joins_its_seats(factory):
    host = factory.user()
    event_type = factory.event_type(host, seats_per_time_slot=3)
    moving = factory.book(event_type, START).booking
    there = factory.book(event_type, NEW_START).booking

    reschedule_booking(moving, NEW_START, Actor.host(host), now=NOW)

    active = Booking.objects.blocking().filter(start=NEW_START)
    assert list(active) == [there]
    assert Attendee.objects.filter(booking=there).count() == 2
    assert Booking.objects.get(pk=moving.pk).status == "cancelled"


def test_moving_one_seat_onto_another_seated_booking_joins_it(factory):
    host = factory.user()
    event_type = factory.event_type(host, seats_per_time_slot=3)
    moving = factory.book(event_type, START)
    staying = factory.book(event_type, START)
    there = factory.book(event_type, NEW_START).booking

    moved = reschedule_booking(
        moving.booking, NEW_START, attendee_of(moving.booking), seat_uid=moving.seat_uid, now=NOW
    )

    assert moved.booking.pk == there.pk
    assert moved.seat_uid == moving.seat_uid
    assert Attendee.objects.filter(booking=there).count() == 2
    old = Booking.objects.get(pk=moving.booking.pk)
    assert old.status == "accepted"
    assert [str(a.seat_uid) for a in old.attendees.all()] == [staying.seat_uid]


def test_rescheduling_a_seated_booking_to_its_own_start_is_refused_and_keeps_it(factory):
    host = factory.user()
    et = factory.event_type(host, length_minutes=60, seats_per_time_slot=3)
    start = utc(2049, 1, 5, 10, 0)
    created = factory.book(et, start)
    booking = created.booking
    with pytest.raises(InvalidInput):
        reschedule_booking(booking, start, Actor.host(host), now=NOW)
    booking.refresh_from_db()
    assert Booking.objects.blocking().filter(start=start).exists(), "no active booking is left"


# --- The attendee's double opt-in -------------------------------------------------------------


def test_attendee_opt_in_accepts_the_booking(factory):
    booking, _ = booking_in_state(factory, "pending_attendee")

    confirmed = confirm_attendee_email(attendee_opt_in_token(booking))

    assert (confirmed.status, confirmed.pending_on) == ("accepted", "")
    history = confirmed.history.latest("id")
    assert history.action == "attendee_confirmed"
    assert history.actor_email == booking.attendees.first().email


def test_attendee_opt_in_then_waits_for_the_host_when_confirmation_is_required(factory):
    booking, host = booking_in_state(factory, "pending_attendee", requires_confirmation=True)

    after_opt_in = confirm_attendee_email(attendee_opt_in_token(booking))
    assert (after_opt_in.status, after_opt_in.pending_on) == ("pending", "host")

    confirmed = confirm_booking(after_opt_in, Actor.host(host), now=NOW)
    assert (confirmed.status, confirmed.pending_on) == ("accepted", "")


def test_attendee_opt_in_twice_is_refused(factory):
    booking, _ = booking_in_state(factory, "pending_attendee")
    token = attendee_opt_in_token(booking)
    confirm_attendee_email(token)

    assert_refused(
        InvalidTransition, "invalid_transition", lambda: confirm_attendee_email(token), booking
    )


def test_tampered_opt_in_token_is_refused(factory):
    booking, _ = booking_in_state(factory, "pending_attendee")
    token = attendee_opt_in_token(booking)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    assert_refused(InvalidToken, "invalid_token", lambda: confirm_attendee_email(tampered), booking)
    assert_refused(InvalidToken, "invalid_token", lambda: confirm_attendee_email("junk"), booking)


def test_opt_in_token_signed_for_another_purpose_is_refused(factory):
    booking, _ = booking_in_state(factory, "pending_attendee")
    other_salt = signing.dumps({"uid": booking.uid}, salt="something-else")

    assert_refused(
        InvalidToken, "invalid_token", lambda: confirm_attendee_email(other_salt), booking
    )


def test_opt_in_token_for_an_unknown_booking_is_refused(factory):
    booking, _ = booking_in_state(factory, "pending_attendee")
    unknown = signing.dumps({"uid": "no-such-booking"}, salt=OPT_IN_SALT)

    assert_refused(InvalidToken, "invalid_token", lambda: confirm_attendee_email(unknown), booking)


class _EightDaysAgoSigner(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 8 * 24 * 3600)


def test_expired_opt_in_token_is_refused(factory):
    booking, _ = booking_in_state(factory, "pending_attendee")
    expired = _EightDaysAgoSigner(salt=OPT_IN_SALT).sign_object({"uid": booking.uid})

    error = assert_refused(
        InvalidToken, "invalid_token", lambda: confirm_attendee_email(expired), booking
    )
    assert "expired" in error.message


# --- Attendance ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["mark_absent", "mark_attended"])
def test_attendance_cannot_be_recorded_before_the_start(factory, action):
    booking, host = booking_in_state(factory, "accepted")
    change = {
        "mark_absent": lambda: mark_absent(booking, Actor.host(host), host=True, now=NOW),
        "mark_attended": lambda: mark_attended(booking, Actor.host(host), now=NOW),
    }[action]

    assert_refused(InvalidTransition, "invalid_transition", change, booking)


def test_marking_an_attendee_absent_makes_the_booking_a_no_show(factory):
    booking, host = booking_in_state(factory, "accepted")
    email = booking.attendees.first().email

    marked = mark_absent(booking, Actor.host(host), attendees=[(email, True)], now=START)

    assert marked.attendees.get().absent
    assert not marked.absent_host
    assert marked.lifecycle_label(now=STARTED) == "NO_SHOW"


def test_marking_the_host_absent(factory):
    booking, host = booking_in_state(factory, "accepted")

    marked = mark_absent(booking, Actor.host(host), host=True, now=STARTED)

    assert marked.absent_host
    assert not marked.attendees.get().absent


def test_marking_everyone_attended_clears_absences(factory):
    booking, host = booking_in_state(factory, "accepted")
    email = booking.attendees.first().email
    mark_absent(booking, Actor.host(host), host=True, attendees=[(email, True)], now=STARTED)

    attended = mark_attended(booking, Actor.host(host), now=STARTED)

    assert attended.attendance_confirmed_at == STARTED
    assert not attended.absent_host
    assert not attended.attendees.get().absent
    assert attended.lifecycle_label(now=START + timedelta(hours=1)) == "COMPLETED"


def test_marking_an_unknown_attendee_absent_changes_nothing(factory):
    booking, host = booking_in_state(factory, "accepted")

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: mark_absent(
            booking,
            Actor.host(host),
            host=True,
            attendees=[("stranger@example.com", True)],
            now=STARTED,
        ),
        booking,
    )


def test_marking_absent_without_saying_who_is_refused(factory):
    booking, host = booking_in_state(factory, "accepted")

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: mark_absent(booking, Actor.host(host), now=STARTED),
        booking,
    )


# --- Reassignment needs a round-robin event type ------------------------------------------------


def test_a_personal_booking_cannot_be_reassigned(factory):
    booking, host = booking_in_state(factory, "accepted")
    other = factory.user()

    assert_refused(
        InvalidTransition,
        "invalid_transition",
        lambda: reassign_booking(booking, Actor.host(host), to_user_id=other.id, now=NOW),
        booking,
    )


def test_a_collective_booking_cannot_be_reassigned(factory):
    first, second, third = factory.user(), factory.user(), factory.user()
    team = factory.team(first, second, third)
    event_type = factory.event_type(
        team=team,
        scheduling_type=EventType.SchedulingType.COLLECTIVE,
        hosts=[first, second],
    )
    booking = factory.book(event_type, START).booking

    assert_refused(
        InvalidTransition,
        "invalid_transition",
        lambda: reassign_booking(booking, Actor.host(first), to_user_id=third.id, now=NOW),
        booking,
    )


# --- Recurring series: cancel scopes ------------------------------------------------------------


@pytest.fixture
def series(factory):
    host = factory.user()
    event_type = factory.event_type(
        host, recurrence_frequency="weekly", recurrence_max_occurrences=4
    )
    created = factory.book(event_type, START)
    assert created.kind == "recurring"
    return created.bookings, host


def statuses(bookings):
    return [Booking.objects.get(pk=b.pk).status for b in bookings]


def test_a_recurring_booking_is_a_weekly_series_of_four(series):
    bookings, _ = series

    assert [b.start for b in bookings] == [START + timedelta(weeks=n) for n in range(4)]
    assert len({b.recurring_series_id for b in bookings}) == 1
    assert len({b.uid for b in bookings}) == 4


def test_cancelling_this_occurrence_keeps_the_others(series):
    bookings, host = series

    cancelled = cancel_booking(bookings[1], Actor.host(host), scope=CancelScope.THIS, now=NOW)

    assert [b.pk for b in cancelled] == [bookings[1].pk]
    assert statuses(bookings) == ["accepted", "cancelled", "accepted", "accepted"]


def test_cancelling_this_and_following_occurrences(series):
    bookings, host = series

    cancelled = cancel_booking(bookings[1], Actor.host(host), scope=CancelScope.FOLLOWING, now=NOW)

    assert sorted(b.pk for b in cancelled) == sorted(b.pk for b in bookings[1:])
    assert statuses(bookings) == ["accepted", "cancelled", "cancelled", "cancelled"]
    assert Event.objects.filter(type="BOOKING_CANCELLED").count() == 3


def test_cancelling_the_series_cancels_every_occurrence(series):
    bookings, host = series

    cancelled = cancel_booking(
        bookings[2], attendee_of(bookings[2]), scope=CancelScope.SERIES, now=NOW
    )

    assert len(cancelled) == 4
    assert statuses(bookings) == ["cancelled"] * 4


def test_cancelling_the_series_leaves_occurrences_that_have_started(series):
    bookings, host = series
    during_second = bookings[1].start + timedelta(minutes=5)

    cancel_booking(bookings[2], Actor.host(host), scope=CancelScope.SERIES, now=during_second)

    assert statuses(bookings) == ["accepted", "accepted", "cancelled", "cancelled"]


def test_cancelling_following_skips_occurrences_already_cancelled(series):
    bookings, host = series
    cancel_booking(bookings[2], Actor.host(host), now=NOW)

    cancelled = cancel_booking(bookings[1], Actor.host(host), scope=CancelScope.FOLLOWING, now=NOW)

    assert sorted(b.pk for b in cancelled) == [bookings[1].pk, bookings[3].pk]
    assert statuses(bookings) == ["accepted", "cancelled", "cancelled", "cancelled"]


# --- Recurring series: one confirmation state for every occurrence --------------------------------


def test_the_attendees_opt_in_confirms_every_occurrence_of_a_series(factory):
    host = factory.user()
    et = factory.event_type(
        host,
        recurrence_frequency="weekly",
        recurrence_max_occurrences=3,
        requires_attendee_opt_in=True,
    )
    created = factory.book(et, utc(2049, 1, 5, 10, 0))
    first = created.bookings[0]
    confirm_attendee_email(attendee_opt_in_token(first))
    statuses = [
        (b.start.date().isoformat(), b.status, b.pending_on)
        for b in Booking.objects.filter(recurring_series=first.recurring_series).order_by("start")
    ]
    assert all(s == "accepted" for _, s, _ in statuses), statuses


def test_opt_in_then_host_confirmation_accepts_the_whole_series(factory):
    host = factory.user()
    et = factory.event_type(
        host,
        recurrence_frequency="weekly",
        recurrence_max_occurrences=3,
        requires_attendee_opt_in=True,
        requires_confirmation=True,
    )
    created = factory.book(et, utc(2049, 1, 5, 10, 0))
    first = created.bookings[0]
    confirm_attendee_email(attendee_opt_in_token(first))
    confirm_booking(first, Actor.host(host), now=NOW)
    statuses = [
        (b.start.date().isoformat(), b.status, b.pending_on)
        for b in Booking.objects.filter(recurring_series=first.recurring_series).order_by("start")
    ]
    assert all(s == "accepted" for _, s, _ in statuses), statuses


def _states(first):
    return [
        (b.start.date().isoformat(), b.status, b.pending_on)
        for b in Booking.objects.filter(recurring_series=first.recurring_series).order_by("start")
    ]


def test_declining_a_series_awaiting_opt_in_rejects_every_occurrence(factory):
    host = factory.user()
    et = factory.event_type(
        host,
        recurrence_frequency="weekly",
        recurrence_max_occurrences=3,
        requires_attendee_opt_in=True,
    )
    first = factory.book(et, utc(2049, 1, 5, 10, 0)).bookings[0]
    decline_booking(first, Actor.host(host), now=NOW)
    assert all(s == "rejected" for _, s, _ in _states(first))


def test_a_series_gets_one_confirmation_state(factory):
    host = factory.user()
    et = factory.event_type(
        host,
        recurrence_frequency="weekly",
        recurrence_max_occurrences=3,
        requires_confirmation=True,
        confirmation_threshold_minutes=3 * 24 * 60,
    )
    first = factory.book(et, utc(2049, 1, 5, 10, 0)).bookings[0]  # 28 h ahead
    decline_booking(first, Actor.host(host), now=NOW)
    assert len({s for _, s, _ in _states(first)}) == 1


# --- Seated bookings: cancelling one seat -------------------------------------------------------


@pytest.fixture
def seated(factory):
    host = factory.user()
    event_type = factory.event_type(host, seats_per_time_slot=3)
    first = factory.book(event_type, START)
    second = factory.book(event_type, START)
    assert first.booking.pk == second.booking.pk
    return first.booking, host, first.seat_uid, second.seat_uid


def test_cancelling_a_seat_removes_just_that_attendee(seated):
    booking, host, first_seat, second_seat = seated

    [after] = cancel_booking(booking, Actor.host(host), seat_uid=first_seat, now=NOW)

    assert after.pk == booking.pk
    assert after.status == "accepted"
    assert [str(a.seat_uid) for a in after.attendees.all()] == [second_seat]
    assert after.booking_hosts.get().is_blocking


def test_cancelling_the_last_seat_cancels_the_booking(seated):
    booking, host, first_seat, second_seat = seated
    cancel_booking(booking, Actor.host(host), seat_uid=first_seat, now=NOW)

    [after] = cancel_booking(booking, Actor.host(host), seat_uid=second_seat, now=NOW)

    assert after.status == "cancelled"
    assert not after.booking_hosts.get().is_blocking


def test_cancelling_an_unknown_seat_changes_nothing(seated):
    booking, host, _, _ = seated

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: cancel_booking(
            booking,
            Actor.host(host),
            seat_uid="00000000-0000-0000-0000-000000000000",
            now=NOW,
        ),
        booking,
    )
    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: cancel_booking(booking, Actor.host(host), seat_uid="not-a-uuid", now=NOW),
        booking,
    )


def test_attendee_cannot_cancel_their_seat_within_the_cutoff(factory):
    host = factory.user()
    event_type = factory.event_type(host, seats_per_time_slot=3, cancellation_cutoff_minutes=60)
    created = factory.book(event_type, START)
    booking = created.booking

    assert_refused(
        CutoffPassed,
        "cutoff_passed",
        lambda: cancel_booking(
            booking,
            attendee_of(booking),
            seat_uid=created.seat_uid,
            now=START - timedelta(minutes=10),
        ),
        booking,
    )
