"""Creating bookings: what the event type decides (hours, notice, limits, seats, round-robin
and collective hosts, recurring series, instant meetings, links, fields), and every reason a
start is refused."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings import errors
from bookings.errors import BookingError
from bookings.models import Booking, BookingHost, RecurringSeries
from bookings.services import Actor, AttendeeInput, BookingRequest, create_booking
from eventtypes.models import DateOverride, EventType, PrivateLink
from tests.conftest import NOW, utc
from webhooks.models import Event

TUESDAY_10 = utc(2049, 1, 5, 10)


def request_for(start, **fields):
    attendee = fields.pop("attendee", None) or AttendeeInput(
        name="Ada Lovelace", email="ada@example.com", time_zone="Europe/London"
    )
    return BookingRequest(start=start, attendee=attendee, **fields)


def book(event_type, start, now=NOW, **fields):
    return create_booking(event_type, request_for(start, **fields), Actor.attendee(), now=now)


def test_a_free_slot_becomes_an_accepted_booking_with_host_attendee_and_invite_uid(factory):
    host = factory.user("dana", time_zone="Europe/Berlin")
    event_type = factory.event_type(host, title="Intro call", length_minutes=30)

    result = book(event_type, utc(2049, 1, 5, 9))

    booking = result.booking
    assert result.kind == "single"
    assert booking.status == Booking.Status.ACCEPTED
    assert (booking.start, booking.end) == (utc(2049, 1, 5, 9), utc(2049, 1, 5, 9, 30))
    assert booking.title == "Intro call between Dana and Ada Lovelace"
    assert [a.email for a in booking.attendees.all()] == ["ada@example.com"]
    assert list(booking.booking_hosts.values_list("user_id", flat=True)) == [host.id]
    assert booking.ics_uid and booking.ics_sequence == 0
    assert len(booking.uid) >= 22  # 128 random bits, URL-safe


@pytest.mark.parametrize(
    "start, error",
    [
        (utc(2049, 1, 5, 7), errors.OutsideAvailability),  # 08:00 Berlin, before hours
        (utc(2049, 1, 9, 10), errors.OutsideAvailability),  # Saturday
        (utc(2049, 1, 5, 9, 10), errors.OutsideAvailability),  # not on the 30-minute grid
        (utc(2049, 1, 3, 10), errors.StartInPast),
    ],
    ids=["before-hours", "weekend", "off-grid", "past"],
)
def test_starts_outside_availability_are_refused(factory, start, error):
    host = factory.user(time_zone="Europe/Berlin")
    event_type = factory.event_type(host)
    with pytest.raises(error) as raised:
        book(event_type, start)
    assert raised.value.code == error.code
    assert not Booking.objects.exists()


def test_the_minimum_notice_is_enforced(factory):
    host = factory.user()
    event_type = factory.event_type(host, minimum_booking_notice=24 * 60)
    with pytest.raises(errors.BeforeMinimumNotice):
        book(event_type, utc(2049, 1, 4, 15))
    assert book(event_type, utc(2049, 1, 5, 9)).booking


def test_the_booking_window_is_enforced(factory):
    host = factory.user()
    event_type = factory.event_type(host, booking_window_type="calendarDays", booking_window_days=7)
    assert book(event_type, utc(2049, 1, 11, 9)).booking
    with pytest.raises(errors.OutsideBookingWindow):
        book(event_type, utc(2049, 1, 12, 9))


def test_a_date_override_closes_a_day(factory):
    host = factory.user()
    event_type = factory.event_type(host)
    DateOverride.objects.create(schedule=host.schedules.get(), date=TUESDAY_10.date())
    with pytest.raises(errors.OutsideAvailability) as raised:
        book(event_type, TUESDAY_10)
    assert raised.value.details["reason"] == "date_override"


def test_a_taken_slot_and_its_buffers_are_refused(factory):
    host = factory.user()
    event_type = factory.event_type(host, before_event_buffer=15, after_event_buffer=15)
    book(event_type, TUESDAY_10)
    with pytest.raises(errors.SlotUnavailable):
        book(event_type, TUESDAY_10)
    with pytest.raises(errors.SlotUnavailable) as raised:
        book(event_type, TUESDAY_10 + timedelta(minutes=30))  # inside the after-buffer
    assert raised.value.details["reason"] in ("busy", "buffer_conflict")
    assert book(event_type, TUESDAY_10 + timedelta(minutes=60)).booking


def test_another_event_type_of_the_same_host_blocks_too(factory):
    host = factory.user()
    first = factory.event_type(host, length_minutes=60)
    second = factory.event_type(host, length_minutes=30)
    book(first, TUESDAY_10)
    with pytest.raises(errors.SlotUnavailable):
        book(second, TUESDAY_10 + timedelta(minutes=30))


def test_cancelled_and_rejected_bookings_free_their_time(factory):
    from bookings.services import cancel_booking, decline_booking

    host = factory.user()
    event_type = factory.event_type(host, requires_confirmation=True)
    first = book(event_type, TUESDAY_10).booking
    decline_booking(first, Actor.host(host))
    second = book(event_type, TUESDAY_10).booking
    cancel_booking(second, Actor.host(host), now=NOW)
    assert book(event_type, TUESDAY_10).booking.status == Booking.Status.PENDING


def test_pending_bookings_block_the_slot(factory):
    host = factory.user()
    event_type = factory.event_type(host, requires_confirmation=True)
    assert book(event_type, TUESDAY_10).booking.status == Booking.Status.PENDING
    with pytest.raises(errors.SlotUnavailable):
        book(event_type, TUESDAY_10)


def test_confirmation_can_be_required_only_for_short_notice(factory):
    host = factory.user()
    event_type = factory.event_type(
        host, requires_confirmation=True, confirmation_threshold_minutes=24 * 60
    )
    assert book(event_type, utc(2049, 1, 4, 10)).booking.status == "pending"
    assert book(event_type, utc(2049, 1, 7, 10)).booking.status == "accepted"


def test_double_opt_in_keeps_the_booking_pending_on_the_attendee(factory):
    host = factory.user()
    event_type = factory.event_type(host, requires_attendee_opt_in=True)
    booking = book(event_type, TUESDAY_10).booking
    assert (booking.status, booking.pending_on) == ("pending", "attendee")
    assert Event.objects.get().type == "BOOKING_REQUESTED"


@pytest.mark.parametrize(
    "limits, second_start",
    [
        ({"booking_limits_count": {"day": 1}}, utc(2049, 1, 5, 14)),
        ({"booking_limits_count": {"week": 1}}, utc(2049, 1, 7, 14)),
        ({"booking_limits_count": {"month": 1}}, utc(2049, 1, 20, 14)),
        ({"booking_limits_count": {"year": 1}}, utc(2049, 6, 8, 14)),
        ({"booking_limits_duration": {"day": 30}}, utc(2049, 1, 5, 14)),
        ({"booking_limits_duration": {"week": 30}}, utc(2049, 1, 8, 14)),
        ({"booking_limits_duration": {"month": 30}}, utc(2049, 1, 29, 14)),
        ({"booking_limits_duration": {"year": 30}}, utc(2049, 11, 2, 14)),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_each_booking_limit_is_enforced(factory, limits, second_start):
    host = factory.user()
    event_type = factory.event_type(host, **limits)
    book(event_type, TUESDAY_10)
    with pytest.raises(errors.BookingLimitReached):
        book(event_type, second_start)


def test_limits_count_in_the_hosts_local_day(factory):
    host = factory.user(time_zone="Pacific/Auckland", hours=((0, 24),), days=range(7))
    event_type = factory.event_type(host, booking_limits_count={"day": 1})
    # 2049-01-05 11:00 UTC is 2049-01-06 00:00 in Auckland: another local day.
    book(event_type, utc(2049, 1, 5, 10, 30))  # 23:30 local on the 5th
    assert book(event_type, utc(2049, 1, 5, 11)).booking


def test_a_seated_event_fills_seats_then_refuses(factory):
    host = factory.user()
    event_type = factory.event_type(host, seats_per_time_slot=2)
    first = book(event_type, TUESDAY_10, attendee=AttendeeInput(name="A", email="a@example.com"))
    second = book(event_type, TUESDAY_10, attendee=AttendeeInput(name="B", email="b@example.com"))
    assert first.kind == second.kind == "seated"
    assert first.booking.pk == second.booking.pk
    assert first.seat_uid != second.seat_uid
    with pytest.raises(errors.SeatsFull):
        book(event_type, TUESDAY_10, attendee=AttendeeInput(name="C", email="c@example.com"))
    assert Booking.objects.get().attendees.count() == 2


def test_a_reservation_holds_the_slot_for_its_holder_only(factory):
    from bookings.services import reserve_slot

    host = factory.user()
    event_type = factory.event_type(host)
    reservation = reserve_slot(event_type, TUESDAY_10, now=NOW)
    with pytest.raises(errors.ReservationHeld) as raised:
        book(event_type, TUESDAY_10)
    assert 0 < raised.value.retry_after <= 300
    booking = book(event_type, TUESDAY_10, reservation_uid=reservation.uid).booking
    assert booking.status == "accepted"
    assert not type(reservation).objects.exists()


def test_double_bookable_event_types_neither_block_nor_are_blocked(factory):
    host = factory.user()
    regular = factory.event_type(host)
    relaxed = factory.event_type(host, allow_double_booking=True)
    book(regular, TUESDAY_10)
    assert book(relaxed, TUESDAY_10).booking
    assert book(relaxed, TUESDAY_10).booking
    assert not BookingHost.objects.filter(booking__event_type=relaxed, is_blocking=True).exists()


def test_round_robin_picks_the_highest_priority_then_the_least_booked_host(factory):
    low, high, other_high = factory.user(), factory.user(), factory.user()
    team = factory.team(low, high, other_high)
    event_type = factory.event_type(
        team=team,
        scheduling_type="roundRobin",
        hosts=[
            {"user": low, "priority": 0},
            {"user": high, "priority": 4},
            {"user": other_high, "priority": 4},
        ],
    )
    first = book(event_type, TUESDAY_10).booking
    assert first.organizer == high  # equal priority and bookings: the lower id
    second = book(event_type, utc(2049, 1, 5, 11)).booking
    assert second.organizer == other_high  # fewer recent bookings
    third = book(event_type, TUESDAY_10).booking
    assert third.organizer == other_high  # `high` is busy at 10:00
    fourth = book(event_type, TUESDAY_10).booking
    assert fourth.organizer == low
    with pytest.raises(errors.SlotUnavailable):
        book(event_type, TUESDAY_10)


def test_round_robin_respects_the_chosen_hosts(factory):
    a, b = factory.user(), factory.user()
    event_type = factory.event_type(
        team=factory.team(a, b), scheduling_type="roundRobin", hosts=[a, b]
    )
    booking = book(event_type, TUESDAY_10, host_ids=[b.id]).booking
    assert booking.organizer == b
    with pytest.raises(errors.InvalidInput):
        book(event_type, TUESDAY_10, host_ids=[999999])


def test_naming_a_fixed_host_still_adds_a_rotating_host(factory):
    fixed = factory.user()
    a = factory.user()
    team = factory.team(fixed, a)
    et = factory.event_type(
        team=team,
        scheduling_type="roundRobin",
        hosts=[{"user": fixed, "is_fixed": True}, {"user": a}],
    )
    made = factory.book(et, utc(2049, 1, 5, 10, 0), host_ids=[fixed.id])
    hosts = sorted(made.booking.booking_hosts.values_list("user_id", flat=True))
    assert a.id in hosts


def test_a_team_type_without_hosts_is_not_bookable(factory):
    team = factory.team(factory.user())
    et = factory.event_type(team=team, scheduling_type="roundRobin")
    with pytest.raises(BookingError) as info:
        factory.book(et, utc(2049, 1, 5, 10, 0))
    assert info.value.code == "event_type_not_bookable"


def test_a_taken_round_robin_slot_is_reported_as_taken(factory):
    a = factory.user(hours=((9, 12),))
    b = factory.user(hours=((9, 17),))
    team = factory.team(a, b)
    et = factory.event_type(team=team, scheduling_type="roundRobin", hosts=[a, b])
    start = utc(2049, 1, 5, 14, 0)
    factory.book(et, start)  # only b can take 14:00; now b is taken
    with pytest.raises(BookingError) as info:
        factory.book(et, start)
    assert info.value.code == "slot_unavailable"


def test_collective_needs_every_host_and_books_them_all(factory):
    berlin = factory.user(time_zone="Europe/Berlin")
    new_york = factory.user(time_zone="America/New_York")
    event_type = factory.event_type(
        team=factory.team(berlin, new_york), scheduling_type="collective", hosts=[berlin, new_york]
    )
    # 09:00-17:00 in both zones overlap 14:00-16:00 UTC in January.
    with pytest.raises(errors.OutsideAvailability):
        book(event_type, utc(2049, 1, 5, 10))
    booking = book(event_type, utc(2049, 1, 5, 14)).booking
    assert set(booking.booking_hosts.values_list("user_id", flat=True)) == {berlin.id, new_york.id}
    solo = factory.event_type(new_york)
    book(solo, utc(2049, 1, 6, 14))
    with pytest.raises(errors.SlotUnavailable):
        book(event_type, utc(2049, 1, 6, 14))


def test_a_recurring_booking_keeps_its_local_time_across_daylight_saving(factory):
    host = factory.user(time_zone="America/New_York")
    event_type = factory.event_type(
        host, recurrence_frequency="weekly", recurrence_max_occurrences=4
    )
    # Tuesdays at 10:00 New York: 2049-03-02, 03-09, 03-16 (after the change on 03-14), 03-23.
    result = book(event_type, utc(2049, 3, 2, 15), now=utc(2049, 3, 1))
    assert result.kind == "recurring"
    local = [b.start.astimezone(ZoneInfo("America/New_York")) for b in result.bookings]
    assert [(t.date().isoformat(), t.hour) for t in local] == [
        ("2049-03-02", 10),
        ("2049-03-09", 10),
        ("2049-03-16", 10),
        ("2049-03-23", 10),
    ]
    assert len({b.recurring_series_id for b in result.bookings}) == 1
    assert RecurringSeries.objects.get().rule == "FREQ=WEEKLY;INTERVAL=1;COUNT=4"


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
    # 14:00 UTC on 9 March 2049 is 09:00 in New York; New York changes clocks on 14 March.
    made = factory.book(weekly, utc(2049, 3, 9, 14, 0))
    assert made.booking.organizer == new_york
    local = {
        b.start.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") for b in made.bookings
    }
    assert local == {"09:00"}


def test_a_recurring_booking_is_all_or_nothing_and_names_the_conflict(factory):
    host = factory.user()
    event_type = factory.event_type(
        host, recurrence_frequency="weekly", recurrence_max_occurrences=4
    )
    other = factory.event_type(host)
    book(other, utc(2049, 1, 19, 10))

    with pytest.raises(errors.SlotUnavailable) as raised:
        book(event_type, TUESDAY_10)

    assert "2049-01-19" in raised.value.message
    assert raised.value.details["date"] == "2049-01-19"
    assert Booking.objects.count() == 1
    assert not RecurringSeries.objects.exists()


def test_a_recurring_series_counts_its_own_occurrences_towards_limits(factory):
    host = factory.user()
    event_type = factory.event_type(
        host,
        recurrence_frequency="weekly",
        recurrence_max_occurrences=6,
        booking_limits_count={"month": 3},
    )
    with pytest.raises(errors.BookingLimitReached):
        book(event_type, TUESDAY_10, recurrence_count=4)  # four Tuesdays in January
    assert not Booking.objects.exists()
    assert len(book(event_type, TUESDAY_10, recurrence_count=3).bookings) == 3


def test_instant_meetings_start_now_with_a_free_host(factory):
    busy, free = factory.user(), factory.user()
    event_type = factory.event_type(
        team=factory.team(busy, free),
        scheduling_type="roundRobin",
        instant_meetings_allowed=True,
        hosts=[{"user": busy, "priority": 4}, {"user": free, "priority": 0}],
    )
    now = utc(2049, 1, 5, 9, 7, 30)
    book(event_type, utc(2049, 1, 5, 9), now=utc(2049, 1, 4))
    result = create_booking(event_type, request_for(None, instant=True), Actor.attendee(), now=now)
    assert result.kind == "instant"
    assert result.booking.organizer == free
    assert result.booking.start == utc(2049, 1, 5, 9, 7)
    personal = factory.event_type(free)
    with pytest.raises(errors.EventTypeNotBookable):
        create_booking(personal, request_for(None, instant=True), Actor.attendee(), now=now)


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


def test_a_private_link_is_used_up(factory):
    host = factory.user()
    event_type = factory.event_type(host, hidden=True)
    link = PrivateLink.objects.create(event_type=event_type)
    assert book(event_type, TUESDAY_10, private_link_hash=link.link_hash).booking
    with pytest.raises(errors.PrivateLinkInvalid):
        book(event_type, utc(2049, 1, 5, 11), private_link_hash=link.link_hash)
    with pytest.raises(errors.PrivateLinkInvalid):
        book(event_type, utc(2049, 1, 5, 11), private_link_hash="unknown")
    assert Booking.objects.count() == 1


def test_lengths_must_be_offered(factory):
    host = factory.user()
    event_type = factory.event_type(host, length_minutes=30, length_options=[15, 30, 60])
    booking = book(event_type, TUESDAY_10, length=60).booking
    assert booking.duration_minutes == 60
    with pytest.raises(errors.InvalidInput) as raised:
        book(event_type, utc(2049, 1, 5, 12), length=45)
    assert "15, 30, 60" in raised.value.message


def test_booking_field_answers_are_checked(factory):
    host = factory.user()
    event_type = factory.event_type(
        host,
        booking_fields=[
            {
                "slug": "role",
                "type": "select",
                "label": "Role",
                "required": True,
                "options": ["Engineer", "Manager"],
            },
            {"slug": "size", "type": "number", "label": "Team size"},
            {"slug": "terms", "type": "boolean", "label": "Terms", "required": True},
        ],
    )
    with pytest.raises(errors.InvalidInput) as raised:
        book(event_type, TUESDAY_10, responses={"role": "CEO", "size": "ten", "extra": 1})
    problems = raised.value.details["bookingFieldsResponses"]
    assert set(problems) == {"role", "size", "terms", "extra"}
    booking = book(
        event_type, TUESDAY_10, responses={"role": "Engineer", "size": 12, "terms": True}
    ).booking
    assert booking.responses == {"role": "Engineer", "size": 12, "terms": True}


@pytest.mark.parametrize(
    "metadata",
    [
        {f"k{i}": "v" for i in range(51)},
        {"k" * 41: "v"},
        {"key": "v" * 501},
        {"key": {"nested": True}},
        ["not", "an", "object"],
    ],
    ids=["51-keys", "long-key", "long-value", "nested", "list"],
)
def test_metadata_limits_are_enforced(factory, metadata):
    event_type = factory.event_type(factory.user())
    with pytest.raises(errors.InvalidMetadata):
        book(event_type, TUESDAY_10, metadata=metadata)
    assert not Booking.objects.exists()


def test_metadata_at_the_limits_is_kept(factory):
    event_type = factory.event_type(factory.user())
    metadata = {f"{i:0>40}": "v" * 500 for i in range(50)}
    assert book(event_type, TUESDAY_10, metadata=metadata).booking.metadata == metadata


@pytest.mark.parametrize(
    "attendee",
    [
        AttendeeInput(name="", email="ada@example.com"),
        AttendeeInput(name="Ada\r\nBcc: x@evil.test", email="ada@example.com"),
        AttendeeInput(name="Ada", email="not-an-email"),
        AttendeeInput(name="Ada", email="ada@example.com", time_zone="Mars/Olympus"),
    ],
    ids=["no-name", "header-injection", "bad-email", "bad-zone"],
)
def test_bad_attendees_are_refused(factory, attendee):
    event_type = factory.event_type(factory.user())
    with pytest.raises(errors.InvalidInput):
        book(event_type, TUESDAY_10, attendee=attendee)


def test_locations_resolve_to_the_event_types_values(factory):
    event_type = factory.event_type(
        factory.user(),
        locations=[
            {"type": "address", "address": "1 Main St"},
            {"type": "integration", "integration": "cal-video"},
            {"type": "attendeePhone"},
        ],
    )
    assert book(event_type, utc(2049, 1, 5, 9)).booking.location == "1 Main St"
    video = book(
        event_type,
        utc(2049, 1, 5, 10),
        location={"type": "integration", "integration": "cal-video"},
    ).booking
    assert video.meeting_url.startswith("https://meet.jit.si/Rendezvous-")
    assert video.uid not in video.meeting_url
    phone = book(
        event_type, utc(2049, 1, 5, 11), location={"type": "attendeePhone", "phone": "+4930123456"}
    ).booking
    assert phone.location == "+4930123456"
    with pytest.raises(errors.InvalidInput):
        book(event_type, utc(2049, 1, 5, 12), location={"type": "link"})


def test_the_same_idempotency_key_returns_the_first_booking(factory):
    event_type = factory.event_type(factory.user())
    first = book(event_type, TUESDAY_10, idempotency_key="user-1:abc")
    again = book(event_type, TUESDAY_10, idempotency_key="user-1:abc")
    assert again.replayed and again.booking.pk == first.booking.pk
    assert Booking.objects.count() == 1


def test_the_same_idempotency_key_returns_the_first_booking_whatever_would_refuse_it_now(
    factory,
):
    """A request made again under its key (cut off after its booking was written, say) gets
    that booking even when the event type has changed so that it would now refuse it."""
    event_type = factory.event_type(factory.user(), length_minutes=30)
    first = book(event_type, TUESDAY_10, idempotency_key="user-1:abc", length=30)
    EventType.objects.filter(pk=event_type.pk).update(length_minutes=45)
    event_type.refresh_from_db()

    again = book(event_type, TUESDAY_10, idempotency_key="user-1:abc", length=30)

    assert again.replayed and again.booking.pk == first.booking.pk
    with pytest.raises(errors.InvalidInput):
        book(event_type, TUESDAY_10, idempotency_key="user-1:other", length=30)
