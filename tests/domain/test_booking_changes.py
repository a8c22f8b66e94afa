"""Changes to a booking's details: notes, metadata, guests, attendees, location, the host of a
round-robin booking, and short holds on a slot before booking it.

A refused change raises the domain error that names it and leaves the booking as it was.
"""

from datetime import timedelta

import pytest

from bookings.errors import (
    BookingError,
    InvalidInput,
    InvalidMetadata,
    InvalidTransition,
    NoHostAvailable,
    ReservationHeld,
    ReservationNotFound,
    SeatsFull,
    SlotUnavailable,
    StartInPast,
)
from bookings.models import Booking, BookingHistory, BookingNote, SlotReservation
from bookings.services import (
    Actor,
    AttendeeInput,
    BookingRequest,
    add_attendee,
    add_guests,
    add_note,
    cancel_booking,
    create_booking_from_reservation,
    reassign_booking,
    release_reservation,
    remove_attendee,
    reschedule_booking,
    reserve_slot,
    update_location,
    update_metadata,
    update_reservation,
)
from eventtypes.models import EventType, Host
from eventtypes.services import HostSpec, replace_hosts
from tests.conftest import NOW, utc
from webhooks.models import Event

pytestmark = pytest.mark.django_db

START = utc(2049, 1, 4, 10, 0)  # Monday 10:00 UTC, inside the hosts' 9-17 UTC hours
NEW_START = utc(2049, 1, 4, 11, 0)


@pytest.fixture
def booking(factory, owner):
    return factory.book(factory.event_type(owner), START, email="ana@example.com").booking


def fresh(booking) -> Booking:
    return Booking.objects.get(pk=booking.pk)


def state_of_database(booking) -> dict:
    booking = fresh(booking)
    return {
        "status": booking.status,
        "metadata": booking.metadata,
        "guests": booking.guests,
        "location": (booking.location, booking.meeting_url),
        "organizer": booking.organizer_id,
        "attendees": list(booking.attendees.values_list("email", flat=True)),
        "hosts": list(booking.booking_hosts.values_list("user_id", "is_blocking")),
        "notes": BookingNote.objects.count(),
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


# --- Notes --------------------------------------------------------------------------------------


def test_a_note_is_private_by_default(booking, owner):
    note = add_note(booking, "  Prefers French  ", Actor.host(owner))

    assert note.is_private
    assert note.content == "Prefers French"
    assert note.author == owner
    assert list(booking.notes.all()) == [note]


def test_a_note_can_be_shared(booking, owner):
    note = add_note(booking, "Bring the contract", Actor.host(owner), private=False)

    assert not note.is_private


@pytest.mark.parametrize("content", ["", "   \n", None])
def test_an_empty_note_is_refused(booking, owner, content):
    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: add_note(booking, content, Actor.host(owner)),
        booking,
    )


def test_a_note_of_more_than_ten_thousand_characters_is_refused(booking, owner):
    add_note(booking, "x" * 10000, Actor.host(owner))

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: add_note(booking, "x" * 10001, Actor.host(owner)),
        booking,
    )


# --- Metadata -----------------------------------------------------------------------------------


def test_metadata_updates_merge_into_what_is_there(booking, owner):
    update_metadata(booking, {"crm": "42", "source": "ads"}, Actor.host(owner))

    updated = update_metadata(booking, {"source": "email", "score": 7}, Actor.host(owner))

    assert updated.metadata == {"crm": "42", "source": "email", "score": 7}


def test_a_null_metadata_value_removes_the_key(booking, owner):
    update_metadata(booking, {"crm": "42", "source": "ads"}, Actor.host(owner))

    updated = update_metadata(booking, {"source": None, "unknown": None}, Actor.host(owner))

    assert updated.metadata == {"crm": "42"}


def test_metadata_exactly_at_the_limits_is_accepted(booking, owner):
    metadata = {f"key{n:02d}".ljust(40, "k"): "v" * 500 for n in range(50)}

    updated = update_metadata(booking, metadata, Actor.host(owner))

    assert fresh(updated).metadata == metadata


@pytest.mark.parametrize(
    "changes",
    [
        {f"k{n}": n for n in range(51)},
        {"k" * 41: "x"},
        {"long": "v" * 501},
        {"nested": {"a": 1}},
        {"list": [1, 2]},
    ],
    ids=["51-keys", "41-char-key", "501-char-value", "object-value", "list-value"],
)
def test_metadata_beyond_the_limits_is_refused(booking, owner, changes):
    update_metadata(booking, {"crm": "42"}, Actor.host(owner))

    assert_refused(
        InvalidMetadata,
        "invalid_metadata",
        lambda: update_metadata(booking, changes, Actor.host(owner)),
        booking,
    )
    assert fresh(booking).metadata == {"crm": "42"}


def test_the_key_limit_counts_the_merged_metadata(booking, owner):
    update_metadata(booking, {f"old{n}": n for n in range(30)}, Actor.host(owner))

    assert_refused(
        InvalidMetadata,
        "invalid_metadata",
        lambda: update_metadata(booking, {f"new{n}": n for n in range(21)}, Actor.host(owner)),
        booking,
    )
    # Removing one key makes room for one more.
    changes = {"old0": None, **{f"new{n}": n for n in range(21)}}
    assert len(update_metadata(booking, changes, Actor.host(owner)).metadata) == 50


@pytest.mark.parametrize("number", [float("nan"), float("inf")], ids=["nan", "infinity"])
def test_metadata_numbers_must_be_finite(booking, owner, number):
    assert_refused(
        InvalidMetadata,
        "invalid_metadata",
        lambda: update_metadata(booking, {"score": number}, Actor.host(owner)),
        booking,
    )


@pytest.mark.parametrize("changes", [["crm", "42"], "crm=42", None, 42])
def test_metadata_that_is_not_an_object_is_refused(booking, owner, changes):
    assert_refused(
        InvalidMetadata,
        "invalid_metadata",
        lambda: update_metadata(booking, changes, Actor.host(owner)),
        booking,
    )


# --- Guests -------------------------------------------------------------------------------------


def emails(prefix, count):
    return [f"{prefix}{n}@example.com" for n in range(count)]


def test_guests_are_added_in_lower_case_without_duplicates(booking, owner):
    add_guests(booking, ["Guest@Example.com"], Actor.host(owner))

    updated = add_guests(
        booking, ["guest@example.com", "Other@Example.com", "other@example.com"], Actor.host(owner)
    )

    assert updated.guests == ["guest@example.com", "other@example.com"]


def test_up_to_ten_guests_can_be_added_at_once(booking, owner):
    assert len(add_guests(booking, emails("g", 10), Actor.host(owner)).guests) == 10

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: add_guests(booking, emails("h", 11), Actor.host(owner)),
        booking,
    )


def test_a_booking_has_at_most_thirty_guests(booking, owner):
    for prefix in "abc":
        add_guests(booking, emails(prefix, 10), Actor.host(owner))
    assert len(fresh(booking).guests) == 30

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: add_guests(booking, ["one-more@example.com"], Actor.host(owner)),
        booking,
    )
    # A guest already there is not one more.
    assert len(add_guests(booking, ["A0@example.com"], Actor.host(owner)).guests) == 30


def test_guests_given_at_booking_count_towards_thirty(factory, owner):
    event_type = factory.event_type(owner)
    booking = factory.book(event_type, START, guests=emails("first", 25)).booking

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: add_guests(booking, emails("late", 6), Actor.host(owner)),
        booking,
    )
    assert len(add_guests(booking, emails("late", 5), Actor.host(owner)).guests) == 30


@pytest.mark.parametrize("bad", ["not-an-email", "a@", "", "x" * 250 + "@example.com"])
def test_an_invalid_guest_email_is_refused(booking, owner, bad):
    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: add_guests(booking, ["fine@example.com", bad], Actor.host(owner)),
        booking,
    )


def test_no_guests_is_refused(booking, owner):
    assert_refused(
        InvalidInput, "invalid_input", lambda: add_guests(booking, [], Actor.host(owner)), booking
    )


def test_guests_are_refused_when_the_event_type_disables_them(factory, owner):
    booking = factory.book(factory.event_type(owner, disable_guests=True), START).booking

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: add_guests(booking, ["guest@example.com"], Actor.host(owner)),
        booking,
    )


def test_guests_can_be_added_after_the_event_type_is_deleted(booking, owner):
    booking.event_type.delete()

    updated = add_guests(fresh(booking), ["guest@example.com"], Actor.host(owner))

    assert updated.guests == ["guest@example.com"]


# --- Attendees ----------------------------------------------------------------------------------


def test_an_attendee_can_be_added(booking, owner):
    updated, row = add_attendee(
        booking, AttendeeInput("Bo", "Bo@Example.com", "Asia/Tokyo"), Actor.host(owner)
    )

    assert row.email == "bo@example.com"
    assert row.seat_uid is None
    assert list(updated.attendees.values_list("email", "time_zone")) == [
        ("ana@example.com", "Europe/Paris"),
        ("bo@example.com", "Asia/Tokyo"),
    ]


def test_an_attendee_already_on_the_booking_is_refused(booking, owner):
    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: add_attendee(booking, AttendeeInput("Ana", "ANA@example.com"), Actor.host(owner)),
        booking,
    )


@pytest.mark.parametrize(
    "attendee",
    [
        AttendeeInput("", "bo@example.com"),
        AttendeeInput("Bo", "not-an-email"),
        AttendeeInput("Bo", "bo@example.com", "Mars/Base"),
    ],
    ids=["no-name", "bad-email", "bad-zone"],
)
def test_an_invalid_attendee_is_refused(booking, owner, attendee):
    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: add_attendee(booking, attendee, Actor.host(owner)),
        booking,
    )


def test_a_seated_booking_takes_attendees_up_to_its_seats(factory, owner):
    event_type = factory.event_type(owner, seats_per_time_slot=2)
    booking = factory.book(event_type, START).booking

    _, row = add_attendee(booking, AttendeeInput("Bo", "bo@example.com"), Actor.host(owner))
    assert row.seat_uid is not None

    assert_refused(
        SeatsFull,
        "seats_full",
        lambda: add_attendee(booking, AttendeeInput("Cy", "cy@example.com"), Actor.host(owner)),
        booking,
    )
    # The full booking takes no more seats through booking either.
    with pytest.raises(SeatsFull):
        factory.book(event_type, START)


def test_an_attendee_can_be_removed(booking, owner):
    _, row = add_attendee(booking, AttendeeInput("Bo", "bo@example.com"), Actor.host(owner))

    updated = remove_attendee(booking, booking.attendees.first().pk, Actor.host(owner))

    assert list(updated.attendees.values_list("email", flat=True)) == ["bo@example.com"]


def test_the_last_attendee_cannot_be_removed(booking, owner):
    assert_refused(
        InvalidTransition,
        "invalid_transition",
        lambda: remove_attendee(booking, booking.attendees.get().pk, Actor.host(owner)),
        booking,
    )


def test_an_attendee_of_another_booking_cannot_be_removed(factory, booking, owner):
    add_attendee(booking, AttendeeInput("Bo", "bo@example.com"), Actor.host(owner))
    other = factory.book(booking.event_type, NEW_START).booking

    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: remove_attendee(booking, other.attendees.get().pk, Actor.host(owner)),
        booking,
    )


# --- Location -----------------------------------------------------------------------------------

LOCATIONS = [
    {"type": "address", "address": "1 Main Street"},
    {"type": "link", "link": "https://meet.example.com/dana"},
    {"type": "phone", "phone": "+15551234567"},
    {"type": "attendeeAddress"},
    {"type": "attendeePhone"},
    {"type": "attendeeDefined"},
    {"type": "integration", "integration": "cal-video"},
]


@pytest.fixture
def located(factory, owner):
    return factory.book(factory.event_type(owner, locations=LOCATIONS), START).booking


@pytest.mark.parametrize(
    ("location", "text", "url"),
    [
        ({"type": "address"}, "1 Main Street", ""),
        ({"type": "address", "address": "Elsewhere"}, "1 Main Street", ""),
        ({"type": "link"}, "https://meet.example.com/dana", "https://meet.example.com/dana"),
        ({"type": "phone"}, "+15551234567", ""),
        ({"type": "attendeeAddress", "address": " 5 Elm Road "}, "5 Elm Road", ""),
        ({"type": "attendeePhone", "phone": "+33612345678"}, "+33612345678", ""),
        ({"type": "attendeeDefined", "location": "The cafe"}, "The cafe", ""),
    ],
    ids=["address", "address-ignores-given", "link", "phone", "att-address", "att-phone", "att"],
)
def test_a_typed_location_sets_where_the_meeting_happens(located, owner, location, text, url):
    updated = update_location(located, location, Actor.host(owner))

    assert (updated.location, updated.meeting_url) == (text, url)
    assert fresh(located).location == text


def test_cal_video_gives_a_room_of_its_own(located, owner, settings):
    settings.VIDEO_ROOM_BASE_URL = "https://jitsi.example.org"
    video = {"type": "integration", "integration": "cal-video"}
    updated = update_location(located, video, Actor.host(owner))

    assert updated.meeting_url.startswith("https://jitsi.example.org/Rendezvous-")
    assert updated.location == updated.meeting_url
    assert located.uid not in updated.meeting_url
    assert update_location(located, video, Actor.host(owner)).meeting_url != updated.meeting_url


@pytest.mark.parametrize(
    "location",
    [
        {"type": "attendeeAddress"},
        {"type": "attendeePhone", "phone": "   "},
        {"type": "attendeeDefined", "location": "x" * 1001},
        {"type": "integration", "integration": "zoom"},
        {"type": "teleport"},
        {"address": "no type"},
        "1 Main Street",
    ],
    ids=["no-address", "blank-phone", "too-long", "zoom", "unknown", "no-type", "string"],
)
def test_an_incomplete_or_unoffered_location_is_refused(located, owner, location):
    assert_refused(
        InvalidInput,
        "invalid_input",
        lambda: update_location(located, location, Actor.host(owner)),
        located,
    )


def test_a_location_type_the_event_type_does_not_offer_is_refused(factory, owner):
    event_type = factory.event_type(owner, locations=[{"type": "address", "address": "HQ"}])
    booking = factory.book(event_type, START).booking
    assert booking.location == "HQ"

    for location in ({"type": "link"}, {"type": "attendeeDefined", "location": "Cafe"}):
        assert_refused(
            InvalidInput,
            "invalid_input",
            lambda location=location: update_location(booking, location, Actor.host(owner)),
            booking,
        )


# --- Reassigning a round-robin booking ----------------------------------------------------------


@pytest.fixture
def round_robin(factory):
    """A round-robin team of three; the first gets the booking at START."""
    first, second, third = factory.user("first"), factory.user("second"), factory.user("third")
    team = factory.team(first, second, third, admins=[first])
    event_type = factory.event_type(
        team=team,
        scheduling_type=EventType.SchedulingType.ROUND_ROBIN,
        hosts=[first, second, third],
    )
    booking = factory.book(event_type, START).booking
    assert booking.organizer == first
    return booking, first, second, third


def keep_busy(factory, user, start=START):
    """Give `user` a booking of their own at `start`."""
    return factory.book(factory.event_type(user), start).booking


def test_reassigning_to_a_named_free_host(factory, round_robin):
    booking, first, second, third = round_robin

    updated = reassign_booking(
        booking, Actor.host(first), to_user_id=third.id, reason="Holiday", now=NOW
    )

    assert updated.organizer == third
    assert list(updated.hosts.all()) == [third]
    assert updated.reassign_reason == "Holiday"
    assert updated.reassigned_by == first
    assert updated.status == "accepted"
    # The first host's time is free again; the third's is taken.
    assert keep_busy(factory, first).status == "accepted"
    with pytest.raises(SlotUnavailable):
        keep_busy(factory, third)


def test_reassigning_picks_the_next_free_host(factory, round_robin):
    booking, first, second, third = round_robin
    keep_busy(factory, second)

    updated = reassign_booking(booking, Actor.host(first), now=NOW)

    assert updated.organizer == third


def test_reassigning_prefers_the_higher_priority_host(round_robin):
    booking, first, second, third = round_robin
    Host.objects.filter(user=third).update(priority=Host.Priority.HIGHEST)

    updated = reassign_booking(booking, Actor.host(first), now=NOW)

    assert updated.organizer == third


def test_reassigning_to_a_busy_host_is_refused(factory, round_robin):
    booking, first, second, _ = round_robin
    keep_busy(factory, second)

    assert_refused(
        NoHostAvailable,
        "no_host_available",
        lambda: reassign_booking(booking, Actor.host(first), to_user_id=second.id, now=NOW),
        booking,
    )


def test_reassigning_when_nobody_else_is_free_is_refused(factory, round_robin):
    booking, first, second, third = round_robin
    keep_busy(factory, second)
    keep_busy(factory, third)

    assert_refused(
        NoHostAvailable,
        "no_host_available",
        lambda: reassign_booking(booking, Actor.host(first), now=NOW),
        booking,
    )


def test_reassigning_to_someone_who_is_not_a_host_is_refused(round_robin, outsider):
    booking, first, _, _ = round_robin

    for target in (outsider.id, first.id):
        assert_refused(
            InvalidInput,
            "invalid_input",
            lambda target=target: reassign_booking(
                booking, Actor.host(first), to_user_id=target, now=NOW
            ),
            booking,
        )


def test_a_started_booking_cannot_be_reassigned(round_robin):
    booking, first, second, _ = round_robin

    assert_refused(
        InvalidTransition,
        "invalid_transition",
        lambda: reassign_booking(
            booking, Actor.host(first), to_user_id=second.id, now=START + timedelta(minutes=1)
        ),
        booking,
    )


def test_a_cancelled_booking_cannot_be_reassigned(round_robin):
    booking, first, second, _ = round_robin
    cancel_booking(booking, Actor.host(first), now=NOW)

    assert_refused(
        InvalidTransition,
        "invalid_transition",
        lambda: reassign_booking(booking, Actor.host(first), to_user_id=second.id, now=NOW),
        booking,
    )


def test_reassigning_to_a_fixed_host_is_refused(factory):
    first, second, fixed = factory.user(), factory.user(), factory.user()
    team = factory.team(first, second, fixed)
    event_type = factory.event_type(
        team=team,
        scheduling_type=EventType.SchedulingType.ROUND_ROBIN,
        hosts=[first, second, {"user": fixed, "is_fixed": True}],
    )
    booking = factory.book(event_type, START).booking
    assert set(booking.hosts.all()) == {first, fixed}

    before = state_of_database(booking)
    with pytest.raises(BookingError):
        reassign_booking(booking, Actor.host(first), to_user_id=fixed.id, now=NOW)
    assert state_of_database(booking) == before


# --- Reservations -------------------------------------------------------------------------------


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(owner)


def test_a_reservation_holds_the_slot_against_other_attendees(factory, event_type):
    reservation = reserve_slot(event_type, START, now=NOW)

    assert reservation.expires_at == NOW + timedelta(minutes=5)
    with pytest.raises(ReservationHeld) as held:
        factory.book(event_type, START, now=NOW + timedelta(minutes=1))
    assert held.value.code == "reservation_held"
    assert held.value.retry_after == 240
    assert held.value.details["retryAfterSeconds"] == 240
    assert not Booking.objects.exists()


def test_a_reservation_also_holds_overlapping_starts(factory, owner):
    event_type = factory.event_type(owner, length_minutes=60, slot_interval=30)
    reserve_slot(event_type, START, now=NOW)

    with pytest.raises(ReservationHeld):
        factory.book(event_type, START + timedelta(minutes=30))
    assert factory.book(event_type, START + timedelta(minutes=60)).booking


def test_the_holder_books_with_the_reservation(factory, event_type):
    reservation = reserve_slot(event_type, START, now=NOW)

    booking = factory.book(event_type, START, reservation_uid=reservation.uid).booking

    assert booking.start == START
    assert not SlotReservation.objects.exists()


def test_the_holder_books_from_the_reservation_alone(event_type):
    reservation = reserve_slot(event_type, START, minutes=10, now=NOW)
    request = BookingRequest(start=None, attendee=AttendeeInput("Ana", "ana@example.com"))

    booking = create_booking_from_reservation(
        reservation.uid, request, Actor.attendee("ana@example.com"), now=NOW
    ).booking

    assert (booking.start, booking.duration_minutes) == (START, 30)
    with pytest.raises(ReservationNotFound):
        create_booking_from_reservation(
            reservation.uid, request, Actor.attendee("ana@example.com"), now=NOW
        )


def test_an_expired_reservation_does_not_block(factory, event_type):
    reserve_slot(event_type, START, minutes=5, now=NOW)

    booking = factory.book(event_type, START, now=NOW + timedelta(minutes=5)).booking

    assert booking.start == START


def test_moving_a_reservation_frees_its_old_slot(factory, event_type):
    reservation = reserve_slot(event_type, START, now=NOW)

    moved = update_reservation(reservation.uid, start=NEW_START, minutes=15, now=NOW)

    assert (moved.uid, moved.start, moved.expires_at) == (
        reservation.uid,
        NEW_START,
        NOW + timedelta(minutes=15),
    )
    assert factory.book(event_type, START).booking.start == START
    with pytest.raises(ReservationHeld):
        factory.book(event_type, NEW_START)


def test_an_expired_reservation_cannot_be_moved(event_type):
    reservation = reserve_slot(event_type, START, now=NOW)

    with pytest.raises(ReservationNotFound):
        update_reservation(reservation.uid, start=NEW_START, now=NOW + timedelta(minutes=6))


def test_releasing_a_reservation_frees_the_slot(factory, event_type):
    reservation = reserve_slot(event_type, START, now=NOW)

    release_reservation(reservation.uid)

    assert factory.book(event_type, START).booking.start == START
    with pytest.raises(ReservationNotFound):
        release_reservation(reservation.uid)


def test_a_booked_slot_cannot_be_reserved(factory, event_type):
    factory.book(event_type, START)

    with pytest.raises(SlotUnavailable) as error:
        reserve_slot(event_type, START, now=NOW)
    assert error.value.code == "slot_unavailable"
    assert not SlotReservation.objects.exists()


def test_a_reserved_slot_cannot_be_reserved_again(event_type):
    reserve_slot(event_type, START, now=NOW)

    with pytest.raises(ReservationHeld):
        reserve_slot(event_type, START, now=NOW)
    assert SlotReservation.objects.count() == 1


def test_a_past_slot_cannot_be_reserved(event_type):
    with pytest.raises(StartInPast):
        reserve_slot(event_type, NOW - timedelta(hours=1), now=NOW)


@pytest.mark.parametrize("minutes", [0, 61, "5"])
def test_a_reservation_lasts_one_to_sixty_minutes(event_type, minutes):
    with pytest.raises(InvalidInput):
        reserve_slot(event_type, START, minutes=minutes, now=NOW)
    assert reserve_slot(event_type, START, minutes=60, now=NOW).expires_at == NOW + timedelta(
        hours=1
    )


def test_renewing_a_hold_cannot_keep_it_past_an_hour(factory, owner):
    event_type = factory.event_type(owner, length_minutes=30)
    hold = reserve_slot(event_type, utc(2049, 1, 5, 10), now=NOW)
    SlotReservation.objects.filter(pk=hold.pk).update(created_at=NOW - timedelta(minutes=58))
    renewed = update_reservation(hold.uid, start=utc(2049, 1, 5, 10), minutes=30, now=NOW)
    assert renewed.expires_at == NOW + timedelta(minutes=2)


def test_rescheduling_onto_a_reserved_slot_is_refused(factory, event_type, owner):
    booking = factory.book(event_type, START).booking
    reserve_slot(event_type, NEW_START, now=NOW)

    assert_refused(
        ReservationHeld,
        "reservation_held",
        lambda: reschedule_booking(booking, NEW_START, Actor.host(owner), now=NOW),
        booking,
    )


def test_a_reservation_takes_a_seat_of_a_seated_booking(factory, owner):
    event_type = factory.event_type(owner, seats_per_time_slot=2)
    factory.book(event_type, START)
    reservation = reserve_slot(event_type, START, now=NOW)

    with pytest.raises(SeatsFull):
        factory.book(event_type, START)
    created = factory.book(event_type, START, reservation_uid=reservation.uid)
    assert Booking.objects.get(pk=created.booking.pk).attendees.count() == 2


def test_a_reservation_holds_the_only_seat_of_an_empty_seated_slot(factory, owner):
    event_type = factory.event_type(owner, seats_per_time_slot=1)
    reservation = reserve_slot(event_type, START, now=NOW)

    with pytest.raises((ReservationHeld, SeatsFull)):
        factory.book(event_type, START)
    assert factory.book(event_type, START, reservation_uid=reservation.uid).booking


def test_a_hold_on_a_collective_type_keeps_its_hosts_from_other_bookings(factory):
    from bookings.services import reserve_slot

    first, second = factory.user(), factory.user()
    team_sync = factory.event_type(
        team=factory.team(first, second), scheduling_type="collective", hosts=[first, second]
    )
    personal = factory.event_type(second)
    reserve_slot(team_sync, utc(2049, 1, 5, 10), now=NOW)
    with pytest.raises(ReservationHeld):
        factory.book(personal, utc(2049, 1, 5, 10))
    assert factory.book(personal, utc(2049, 1, 5, 11)).booking


def test_retry_after_counts_down_the_hold_in_the_way(factory):
    host = factory.user()
    x = factory.event_type(host, slug="x")
    y = factory.event_type(host, slug="y")
    start = utc(2049, 1, 5, 10, 0)
    reserve_slot(x, start, now=NOW, minutes=None)  # expires at NOW + 5 min = 300 s
    with pytest.raises(BookingError) as info:
        factory.book(y, start)
    assert info.value.retry_after == 300


def test_a_hold_keeps_its_buffers(factory):
    host = factory.user()
    event_type = factory.event_type(host, length_minutes=30, after_event_buffer=15)
    start = utc(2049, 1, 5, 10, 0)
    hold = reserve_slot(event_type, start, now=NOW)
    with pytest.raises(BookingError):
        factory.book(event_type, start + timedelta(minutes=30))  # inside the hold's buffer
    booked = factory.book(event_type, start, reservation_uid=hold.uid).booking
    assert booked.start == start


def test_a_seat_moves_into_its_own_reservation(factory):
    host = factory.user()
    et = factory.event_type(host, length_minutes=60, seats_per_time_slot=1)
    made = factory.book(et, utc(2049, 1, 5, 10, 0))
    email = made.booking.attendees.get().email
    target = utc(2049, 1, 5, 12, 0)
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


def test_a_seat_can_be_held_after_its_host_left_the_event_type(factory):
    a = factory.user()
    b = factory.user()
    team = factory.team(a, b)
    et = factory.event_type(
        team=team, scheduling_type="roundRobin", hosts=[a, b], seats_per_time_slot=5
    )
    start = utc(2049, 1, 5, 10, 0)
    made = factory.book(et, start)
    leaving = made.booking.organizer_id
    replace_hosts(et, [HostSpec(user_id=u) for u in (a.id, b.id) if u != leaving])
    hold = reserve_slot(et, start, now=NOW)
    assert hold.host_id == leaving  # the seat belongs to the booking and its host
