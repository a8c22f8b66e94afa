"""Edge cases of the booking services: seats, series, holds, instant meetings, error codes."""

from datetime import timedelta

import pytest

from bookings.errors import BookingError, InvalidInput
from bookings.models import Booking, BookingHost, SlotReservation
from bookings.services import (
    Actor,
    AttendeeInput,
    BookingRequest,
    attendee_opt_in_token,
    confirm_attendee_email,
    confirm_booking,
    create_booking,
    decline_booking,
    reschedule_booking,
    reserve_slot,
)
from eventtypes.services import HostSpec, replace_hosts
from tests.conftest import NOW, utc


def test_rescheduling_a_seated_booking_to_its_own_start_is_refused_and_keeps_it(factory):
    host = factory.user()
    et = factory.event_type(host, length_minutes=60, seats_per_time_slot=3)
    start = utc(2027, 1, 5, 10, 0)
    created = factory.book(et, start)
    booking = created.booking
    with pytest.raises(InvalidInput):
        reschedule_booking(booking, start, Actor.host(host), now=NOW)
    booking.refresh_from_db()
    assert Booking.objects.blocking().filter(start=start).exists(), "no active booking is left"


def test_the_attendees_opt_in_confirms_every_occurrence_of_a_series(factory):
    host = factory.user()
    et = factory.event_type(
        host,
        recurrence_frequency="weekly",
        recurrence_max_occurrences=3,
        requires_attendee_opt_in=True,
    )
    created = factory.book(et, utc(2027, 1, 5, 10, 0))
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
    created = factory.book(et, utc(2027, 1, 5, 10, 0))
    first = created.bookings[0]
    confirm_attendee_email(attendee_opt_in_token(first))
    confirm_booking(first, Actor.host(host), now=NOW)
    statuses = [
        (b.start.date().isoformat(), b.status, b.pending_on)
        for b in Booking.objects.filter(recurring_series=first.recurring_series).order_by("start")
    ]
    assert all(s == "accepted" for _, s, _ in statuses), statuses


def _overlaps(user):
    rows = list(BookingHost.objects.filter(user=user, is_blocking=True).order_by("blocked_start"))
    return [
        (a.booking_id, b.booking_id)
        for i, a in enumerate(rows)
        for b in rows[i + 1 :]
        if a.blocked_start < b.blocked_end and b.blocked_start < a.blocked_end
    ]


def test_an_instant_meeting_respects_its_own_buffers(factory):
    a = factory.user(hours=((0, 24),), days=range(7))
    b = factory.user(hours=((0, 24),), days=range(7))
    personal = factory.event_type(a, length_minutes=30)
    factory.book(personal, NOW - timedelta(minutes=30), now=NOW - timedelta(hours=1))
    team = factory.team(a, b)
    instant = factory.event_type(
        team=team,
        scheduling_type="roundRobin",
        instant_meetings_allowed=True,
        before_event_buffer=15,
        hosts=[a, b],
    )
    attendee = AttendeeInput(name="Now", email="now@example.com", time_zone="UTC")
    made = create_booking(
        instant,
        BookingRequest(start=None, attendee=attendee, instant=True),
        Actor.attendee(),
        now=NOW,
    )
    assert made.booking.organizer == b  # a's last booking ended too recently for the buffer
    assert not _overlaps(a)


def test_naming_a_fixed_host_still_adds_a_rotating_host(factory):
    fixed = factory.user()
    a = factory.user()
    team = factory.team(fixed, a)
    et = factory.event_type(
        team=team,
        scheduling_type="roundRobin",
        hosts=[{"user": fixed, "is_fixed": True}, {"user": a}],
    )
    made = factory.book(et, utc(2027, 1, 5, 10, 0), host_ids=[fixed.id])
    hosts = sorted(made.booking.booking_hosts.values_list("user_id", flat=True))
    assert a.id in hosts


def test_a_team_type_without_hosts_is_not_bookable(factory):
    team = factory.team(factory.user())
    et = factory.event_type(team=team, scheduling_type="roundRobin")
    with pytest.raises(BookingError) as info:
        factory.book(et, utc(2027, 1, 5, 10, 0))
    assert info.value.code == "event_type_not_bookable"


def test_a_taken_round_robin_slot_is_reported_as_taken(factory):
    a = factory.user(hours=((9, 12),))
    b = factory.user(hours=((9, 17),))
    team = factory.team(a, b)
    et = factory.event_type(team=team, scheduling_type="roundRobin", hosts=[a, b])
    start = utc(2027, 1, 5, 14, 0)
    factory.book(et, start)  # only b can take 14:00; now b is taken
    with pytest.raises(BookingError) as info:
        factory.book(et, start)
    assert info.value.code == "slot_unavailable"


def test_retry_after_counts_down_the_hold_in_the_way(factory):
    host = factory.user()
    x = factory.event_type(host, slug="x")
    y = factory.event_type(host, slug="y")
    start = utc(2027, 1, 5, 10, 0)
    reserve_slot(x, start, now=NOW, minutes=None)  # expires at NOW + 5 min = 300 s
    with pytest.raises(BookingError) as info:
        factory.book(y, start)
    assert info.value.retry_after == 300


def test_a_seat_can_be_held_after_its_host_left_the_event_type(factory):
    a = factory.user()
    b = factory.user()
    team = factory.team(a, b)
    et = factory.event_type(
        team=team, scheduling_type="roundRobin", hosts=[a, b], seats_per_time_slot=5
    )
    start = utc(2027, 1, 5, 10, 0)
    made = factory.book(et, start)
    leaving = made.booking.organizer_id
    replace_hosts(et, [HostSpec(user_id=u) for u in (a.id, b.id) if u != leaving])
    hold = reserve_slot(et, start, now=NOW)
    assert hold.host_id == leaving  # the seat belongs to the booking and its host


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
    first = factory.book(et, utc(2027, 1, 5, 10, 0)).bookings[0]
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
    first = factory.book(et, utc(2027, 1, 5, 10, 0)).bookings[0]  # 28 h ahead
    decline_booking(first, Actor.host(host), now=NOW)
    assert len({s for _, s, _ in _states(first)}) == 1


def test_a_seat_moves_into_its_own_reservation(factory):
    host = factory.user()
    et = factory.event_type(host, length_minutes=60, seats_per_time_slot=1)
    made = factory.book(et, utc(2027, 1, 5, 10, 0))
    email = made.booking.attendees.get().email
    target = utc(2027, 1, 5, 12, 0)
    hold = reserve_slot(et, target, now=NOW)
    moved = reschedule_booking(
        made.booking,
        target,
        Actor.attendee(email),
        seat_uid=made.seat_uid,
        reservation_uid=hold.uid,
        now=NOW,
    )
    assert moved.booking.start == target
    assert not SlotReservation.objects.filter(uid=hold.uid).exists()


def test_a_hold_keeps_its_buffers(factory):
    host = factory.user()
    event_type = factory.event_type(host, length_minutes=30, after_event_buffer=15)
    start = utc(2027, 1, 5, 10, 0)
    hold = reserve_slot(event_type, start, now=NOW)
    with pytest.raises(BookingError):
        factory.book(event_type, start + timedelta(minutes=30))  # inside the hold's buffer
    booked = factory.book(event_type, start, reservation_uid=hold.uid).booking
    assert booked.start == start


def test_a_round_robin_series_keeps_the_chosen_hosts_local_time(factory):
    from zoneinfo import ZoneInfo

    london = factory.user(time_zone="Europe/London")
    new_york = factory.user(time_zone="America/New_York")
    weekly = factory.event_type(
        team=factory.team(london, new_york),
        scheduling_type="roundRobin",
        hosts=[{"user": london, "priority": 0}, {"user": new_york, "priority": 4}],
        recurrence_frequency="weekly",
        recurrence_max_occurrences=4,
    )
    # 14:00 UTC on 9 March 2027 is 09:00 in New York; New York changes clocks on 14 March.
    made = factory.book(weekly, utc(2027, 3, 9, 14, 0))
    assert made.booking.organizer == new_york
    local = {
        b.start.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") for b in made.bookings
    }
    assert local == {"09:00"}
