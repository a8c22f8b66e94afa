"""Every change of a booking writes, in its own transaction, the outbox event a webhook
subscriber receives and a history row saying who did what through which channel.

The event's payload is Cal.com's webhook payload of the booking at that moment
(bookings/events.py); if the transaction rolls back, the change, its event and its history row
disappear together.
"""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Max

from bookings.events import booking_payload, no_show_payload
from bookings.models import ActorRole, Booking, BookingHistory, Channel
from bookings.representation import with_output_relations
from bookings.services import (
    Actor,
    AttendeeInput,
    CancelScope,
    add_attendee,
    add_guests,
    add_note,
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
    update_location,
    update_metadata,
)
from eventtypes.models import EventType
from tests.conftest import NOW, utc
from webhooks.models import Event, Trigger
from webhooks.outbox import record_event

pytestmark = pytest.mark.django_db

START = utc(2049, 1, 4, 10, 0)
NEW_START = utc(2049, 1, 4, 11, 0)
STARTED = START + timedelta(minutes=5)


def last_event_id() -> int:
    return Event.objects.aggregate(last=Max("id"))["last"] or 0


def events_since(event_id) -> list[Event]:
    return list(Event.objects.filter(id__gt=event_id).order_by("id"))


def payload_of(booking, trigger=Trigger.BOOKING_CREATED, *, seat_uid=None, change=None) -> dict:
    """The webhook payload of the booking now, read back from the database."""
    fresh = with_output_relations(Booking.objects.filter(pk=booking.pk)).get()
    if trigger == Trigger.BOOKING_NO_SHOW_UPDATED:
        return no_show_payload(fresh)
    return booking_payload(fresh, seat_uid=seat_uid, change=change)


def assert_one_event(since, trigger, booking, *, seat_uid=None, organizer=None, change=None):
    [event] = assert_events(
        since, [trigger], booking, seat_uid=seat_uid, organizer=organizer, change=change
    )
    return event


def assert_events(since, triggers, booking, *, seat_uid=None, organizer=None, change=None):
    events = events_since(since)
    assert [e.type for e in events] == triggers
    fresh = Booking.objects.select_related("event_type").get(pk=booking.pk)
    for event in events:
        expected = payload_of(booking, event.type, seat_uid=seat_uid, change=change)
        assert event.payload == expected
        key = "bookingUid" if event.type == Trigger.BOOKING_NO_SHOW_UPDATED else "uid"
        assert event.payload[key] == booking.uid
        assert event.user_id == (organizer.id if organizer else fresh.organizer_id)
        assert event.team_id == fresh.event_type.team_id
        assert event.event_type_id == fresh.event_type_id
        assert event.dispatched_at is None
    return events


def last_history(booking) -> BookingHistory:
    return BookingHistory.objects.filter(booking_id=booking.pk).latest("id")


def assert_history(booking, action, *, actor=None, role, channel, email=None):
    row = last_history(booking)
    assert row.action == action
    assert row.actor == actor
    assert row.actor_role == role
    assert row.channel == channel
    if email is not None:
        assert row.actor_email == email
    return row


@pytest.fixture
def event_type(factory, owner):
    return factory.event_type(owner)


# --- Each change, its event and its history row ----------------------------------------------


def test_creating_an_accepted_booking_records_booking_created(factory, event_type, owner):
    since = last_event_id()

    booking = factory.book(
        event_type, START, email="ana@example.com", actor=Actor.attendee("ana@example.com")
    ).booking

    event = assert_one_event(since, Trigger.BOOKING_CREATED, booking)
    assert event.payload["status"] == "ACCEPTED"
    assert event.payload["startTime"] == "2049-01-04T10:00:00.000Z"
    assert event.user_id == owner.id
    assert event.team_id is None
    assert_history(
        booking, "created", role=ActorRole.ATTENDEE, channel=Channel.API, email="ana@example.com"
    )


def test_booking_from_the_page_records_the_page_channel(factory, event_type):
    booking = factory.book(
        event_type, START, actor=Actor.attendee("ana@example.com", channel=Channel.PAGE)
    ).booking

    assert booking.channel == Channel.PAGE
    assert_history(booking, "created", role=ActorRole.ATTENDEE, channel=Channel.PAGE)


@pytest.mark.parametrize(
    "type_settings",
    [{"requires_confirmation": True}, {"requires_attendee_opt_in": True}],
    ids=["host-confirmation", "attendee-opt-in"],
)
def test_creating_a_pending_booking_records_booking_requested(factory, owner, type_settings):
    event_type = factory.event_type(owner, **type_settings)
    since = last_event_id()

    booking = factory.book(event_type, START).booking

    event = assert_one_event(since, Trigger.BOOKING_REQUESTED, booking)
    assert event.payload["status"] == "PENDING"
    assert_history(booking, "created", role=ActorRole.ATTENDEE, channel=Channel.API)


def test_confirming_records_booking_created(factory, owner):
    booking = factory.book(factory.event_type(owner, requires_confirmation=True), START).booking
    since = last_event_id()

    confirm_booking(booking, Actor.host(owner, channel=Channel.ADMIN), now=NOW)

    created, confirmed = assert_events(
        since, [Trigger.BOOKING_CREATED, Trigger.BOOKING_CONFIRMED], booking
    )
    assert created.payload["status"] == confirmed.payload["status"] == "ACCEPTED"
    row = assert_history(
        booking, "confirmed", actor=owner, role=ActorRole.HOST, channel=Channel.ADMIN
    )
    assert row.before["status"] == "pending"
    assert row.after["status"] == "accepted"


def test_declining_records_booking_rejected(factory, owner):
    booking = factory.book(factory.event_type(owner, requires_confirmation=True), START).booking
    since = last_event_id()

    decline_booking(booking, Actor.host(owner, channel=Channel.ADMIN), reason="Away", now=NOW)

    event = assert_one_event(since, Trigger.BOOKING_REJECTED, booking)
    assert event.payload["status"] == "REJECTED"
    assert event.payload["rejectionReason"] == "Away"
    assert_history(booking, "declined", actor=owner, role=ActorRole.HOST, channel=Channel.ADMIN)


@pytest.mark.parametrize(
    ("requires_confirmation", "triggers"),
    [
        (False, [Trigger.BOOKING_CREATED, Trigger.BOOKING_CONFIRMED]),
        (True, [Trigger.BOOKING_REQUESTED]),
    ],
    ids=["BOOKING_CREATED", "BOOKING_REQUESTED"],
)
def test_attendee_opt_in_records_the_next_step(factory, owner, requires_confirmation, triggers):
    event_type = factory.event_type(
        owner, requires_attendee_opt_in=True, requires_confirmation=requires_confirmation
    )
    booking = factory.book(event_type, START, email="ana@example.com").booking
    since = last_event_id()

    confirm_attendee_email(attendee_opt_in_token(booking))

    assert_events(since, triggers, booking)
    assert_history(
        booking,
        "attendee_confirmed",
        role=ActorRole.ATTENDEE,
        channel=Channel.API,
        email="ana@example.com",
    )


def test_cancelling_records_booking_cancelled(factory, event_type):
    booking = factory.book(event_type, START, email="ana@example.com").booking
    since = last_event_id()

    cancel_booking(booking, Actor.attendee("ana@example.com", Channel.PAGE), reason="Ill", now=NOW)

    event = assert_one_event(since, Trigger.BOOKING_CANCELLED, booking)
    assert event.payload["status"] == "CANCELLED"
    assert event.payload["cancellationReason"] == "Ill"
    assert event.payload["cancelledBy"] == "ana@example.com"
    assert_history(booking, "cancelled", role=ActorRole.ATTENDEE, channel=Channel.PAGE)


def test_rescheduling_records_booking_rescheduled_with_the_new_booking(factory, event_type, owner):
    booking = factory.book(event_type, START).booking
    since = last_event_id()

    new = reschedule_booking(booking, NEW_START, Actor.host(owner), now=NOW).booking

    event = assert_one_event(since, Trigger.BOOKING_RESCHEDULED, new)
    assert event.payload["startTime"] == "2049-01-04T11:00:00.000Z"
    assert event.payload["rescheduleUid"] == booking.uid
    assert event.payload["rescheduleStartTime"] == "2049-01-04T10:00:00.000Z"
    assert event.payload["iCalUID"] == booking.ics_uid
    assert_history(new, "rescheduled", actor=owner, role=ActorRole.HOST, channel=Channel.API)
    old_row = assert_history(
        booking, "rescheduled_away", actor=owner, role=ActorRole.HOST, channel=Channel.API
    )
    assert old_row.after["rescheduledToUid"] == new.uid
    assert Booking.objects.get(pk=booking.pk).rescheduled_to == new


def test_marking_absent_records_no_show_updated(factory, event_type, owner):
    booking = factory.book(event_type, START, email="ana@example.com").booking
    since = last_event_id()

    mark_absent(
        booking, Actor.host(owner), host=False, attendees=[("ana@example.com", True)], now=STARTED
    )

    event = assert_one_event(since, Trigger.BOOKING_NO_SHOW_UPDATED, booking)
    assert event.payload == {
        "message": "ana@example.com marked as no-show",
        "attendees": [{"email": "ana@example.com", "noShow": True}],
        "bookingUid": booking.uid,
        "bookingId": booking.id,
        "hostNoShow": False,
    }
    row = assert_history(
        booking, "attendance_marked", actor=owner, role=ActorRole.HOST, channel=Channel.API
    )
    assert row.before["attendees"] == [{"email": "ana@example.com", "absent": False}]
    assert row.after["attendees"] == [{"email": "ana@example.com", "absent": True}]


def test_marking_attended_records_no_show_updated(factory, event_type, owner):
    booking = factory.book(event_type, START).booking
    mark_absent(booking, Actor.host(owner), host=True, now=STARTED)
    since = last_event_id()

    mark_attended(booking, Actor.host(owner), now=STARTED)

    event = assert_one_event(since, Trigger.BOOKING_NO_SHOW_UPDATED, booking)
    assert event.payload["hostNoShow"] is False
    assert event.payload["message"] == "Everyone attended"
    assert_history(booking, "attended", actor=owner, role=ActorRole.HOST, channel=Channel.API)


def _nothing(booking, host):
    return None


def _second_attendee(booking, host):
    _, row = add_attendee(booking, AttendeeInput("Bo", "bo@example.com"), Actor.host(host))
    return row


def _update_metadata(booking, host, _):
    update_metadata(booking, {"crm": "42"}, Actor.host(host))
    return "metadata_updated", {"metadata": {"crm": "42"}}


def _update_location(booking, host, _):
    update_location(booking, {"type": "attendeeDefined", "location": "Cafe"}, Actor.host(host))
    return "location_updated", {"location": "Cafe"}


def _add_attendee(booking, host, _):
    add_attendee(booking, AttendeeInput("Bo", "Bo@Example.com"), Actor.host(host))
    return "attendee_added", {}


def _remove_attendee(booking, host, second):
    remove_attendee(booking, second.pk, Actor.host(host))
    return "attendee_removed", {}


def _add_guests(booking, host, _):
    add_guests(booking, ["Guest@Example.com"], Actor.host(host))
    return "guests_added", {"guests": ["guest@example.com"]}


# change -> (preparation, change)
UPDATES = {
    "metadata": (_nothing, _update_metadata),
    "location": (_nothing, _update_location),
    "add_attendee": (_nothing, _add_attendee),
    "remove_attendee": (_second_attendee, _remove_attendee),
    "add_guests": (_nothing, _add_guests),
}


@pytest.mark.parametrize("change", list(UPDATES))
def test_changing_details_records_booking_updated(factory, owner, change):
    event_type = factory.event_type(owner, locations=[{"type": "attendeeDefined"}])
    booking = factory.book(event_type, START).booking
    prepare, apply = UPDATES[change]
    prepared = prepare(booking, owner)
    since = last_event_id()

    action, shown = apply(booking, owner, prepared)

    event = assert_one_event(since, Trigger.BOOKING_UPDATED, booking, change=action)
    assert event.payload["change"] == action
    for key, value in shown.items():
        assert event.payload[key] == value
    assert_history(booking, action, actor=owner, role=ActorRole.HOST, channel=Channel.API)


def test_adding_and_removing_attendees_shows_in_the_payload(factory, event_type, owner):
    booking = factory.book(event_type, START, email="ana@example.com").booking
    since = last_event_id()

    _, row = add_attendee(booking, AttendeeInput("Bo", "Bo@Example.com"), Actor.host(owner))
    remove_attendee(booking, row.pk, Actor.host(owner))

    added, removed = events_since(since)
    assert [a["email"] for a in added.payload["attendees"]] == [
        "ana@example.com",
        "bo@example.com",
    ]
    assert [a["email"] for a in removed.payload["attendees"]] == ["ana@example.com"]
    assert removed.payload == payload_of(booking, change="attendee_removed")


def test_a_note_records_booking_updated(factory, event_type, owner):
    booking = factory.book(event_type, START).booking
    since = last_event_id()

    note = add_note(booking, "Prefers French", Actor.host(owner, Channel.ADMIN))

    event = assert_one_event(since, Trigger.BOOKING_UPDATED, booking, change="note_added")
    assert event.payload["change"] == "note_added"
    assert "Prefers French" not in json.dumps(event.payload)
    row = assert_history(
        booking, "note_added", actor=owner, role=ActorRole.HOST, channel=Channel.ADMIN
    )
    assert row.after == {"noteId": note.pk, "private": True}


def test_reassigning_records_booking_reassigned_for_the_new_host(factory):
    first, second = factory.user(), factory.user()
    team = factory.team(first, second, admins=[first])
    event_type = factory.event_type(
        team=team, scheduling_type=EventType.SchedulingType.ROUND_ROBIN, hosts=[first, second]
    )
    booking = factory.book(event_type, START).booking
    assert booking.organizer == first
    since = last_event_id()

    reassign_booking(booking, Actor.host(first), to_user_id=second.id, reason="Sick", now=NOW)

    event = assert_one_event(since, Trigger.BOOKING_REASSIGNED, booking, organizer=second)
    assert event.team_id == team.id
    assert [h["id"] for h in event.payload["hosts"]] == [second.id]
    row = assert_history(
        booking, "reassigned", actor=first, role=ActorRole.HOST, channel=Channel.API
    )
    assert row.before == {"organizerId": first.id}
    assert row.after == {"organizerId": second.id, "reason": "Sick"}


def test_a_team_booking_event_is_scoped_to_the_team(factory):
    first, second, bystander = factory.user(), factory.user(), factory.user()
    team = factory.team(first, second, bystander)
    event_type = factory.event_type(
        team=team, scheduling_type=EventType.SchedulingType.COLLECTIVE, hosts=[first, second]
    )
    since = last_event_id()

    booking = factory.book(event_type, START).booking

    event = assert_one_event(since, Trigger.BOOKING_CREATED, booking)
    assert (event.user_id, event.team_id, event.event_type_id) == (
        booking.organizer_id,
        team.id,
        event_type.id,
    )
    # Cal.com's team.members: the booking's hosts, not everyone in the team.
    assert event.payload["team"]["id"] == team.id
    members = {member["email"] for member in event.payload["team"]["members"]}
    assert members == {first.email, second.email}


def test_a_series_records_one_event_per_occurrence(factory, owner):
    event_type = factory.event_type(
        owner, recurrence_frequency="weekly", recurrence_max_occurrences=4
    )
    since = last_event_id()

    bookings = factory.book(event_type, START).bookings

    events = events_since(since)
    assert [e.type for e in events] == [Trigger.BOOKING_CREATED] * 4
    assert [e.payload for e in events] == [payload_of(b) for b in bookings]
    series_uid = bookings[0].recurring_series.uid
    assert {e.payload["recurringBookingUid"] for e in events} == {series_uid}

    since = last_event_id()
    cancel_booking(bookings[1], Actor.host(owner), scope=CancelScope.FOLLOWING, now=NOW)

    events = events_since(since)
    assert [e.type for e in events] == [Trigger.BOOKING_CANCELLED] * 3
    assert [e.payload["uid"] for e in events] == [b.uid for b in bookings[1:]]


def test_seats_record_created_then_updated(factory, owner):
    event_type = factory.event_type(owner, seats_per_time_slot=3)
    first = factory.book(event_type, START)
    since = last_event_id()

    second = factory.book(event_type, START)

    event = assert_one_event(
        since, Trigger.BOOKING_CREATED, second.booking, seat_uid=second.seat_uid
    )
    assert event.payload["seatUid"] == second.seat_uid
    assert last_history(second.booking).action == "seat_added"

    since = last_event_id()
    cancel_booking(first.booking, Actor.host(owner), seat_uid=first.seat_uid, now=NOW)

    assert_one_event(since, Trigger.BOOKING_UPDATED, first.booking, change="seat_cancelled")
    assert last_history(first.booking).action == "seat_cancelled"


def test_a_refused_change_records_nothing(factory, event_type, owner):
    booking = factory.book(event_type, START).booking
    since = last_event_id()
    history = BookingHistory.objects.count()

    with pytest.raises(Exception, match="cannot be confirmed"):
        confirm_booking(booking, Actor.host(owner), now=NOW)

    assert events_since(since) == []
    assert BookingHistory.objects.count() == history


# --- All or nothing -------------------------------------------------------------------------


class Rollback(Exception):
    pass


def _exists(booking) -> bool:
    return Booking.objects.filter(pk=booking.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_creation_leaves_no_booking_event_or_history(factory, event_type):
    with pytest.raises(Rollback), transaction.atomic():
        booking = factory.book(event_type, START).booking
        assert _exists(booking)
        assert Event.objects.filter(type=Trigger.BOOKING_CREATED).count() == 1
        assert BookingHistory.objects.filter(booking=booking, action="created").exists()
        raise Rollback

    assert not Booking.objects.exists()
    assert not Event.objects.exists()
    assert not BookingHistory.objects.exists()
    # The time is still free.
    assert factory.book(event_type, START).booking.status == "accepted"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_cancellation_leaves_the_booking_as_it_was(factory, event_type, owner):
    booking = factory.book(event_type, START).booking
    since = last_event_id()
    history = BookingHistory.objects.count()

    with pytest.raises(Rollback), transaction.atomic():
        cancel_booking(booking, Actor.host(owner), now=NOW)
        assert Booking.objects.get(pk=booking.pk).status == "cancelled"
        assert [e.type for e in events_since(since)] == [Trigger.BOOKING_CANCELLED]
        assert BookingHistory.objects.filter(booking=booking, action="cancelled").exists()
        raise Rollback

    after = Booking.objects.get(pk=booking.pk)
    assert after.status == "accepted"
    assert after.cancelled_at is None
    assert after.booking_hosts.get().is_blocking
    assert events_since(since) == []
    assert BookingHistory.objects.count() == history


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_reschedule_leaves_the_old_booking_and_no_new_one(factory, event_type, owner):
    booking = factory.book(event_type, START).booking
    since = last_event_id()
    history = BookingHistory.objects.count()

    with pytest.raises(Rollback), transaction.atomic():
        new = reschedule_booking(booking, NEW_START, Actor.host(owner), now=NOW).booking
        assert _exists(new)
        assert Booking.objects.get(pk=booking.pk).status == "cancelled"
        assert [e.type for e in events_since(since)] == [Trigger.BOOKING_RESCHEDULED]
        assert BookingHistory.objects.count() == history + 2
        raise Rollback

    assert not _exists(new)
    assert list(Booking.objects.values_list("pk", "status")) == [(booking.pk, "accepted")]
    assert events_since(since) == []
    assert BookingHistory.objects.count() == history
    assert factory.book(event_type, NEW_START).booking.status == "accepted"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_confirmation_leaves_the_booking_pending(factory, owner):
    booking = factory.book(factory.event_type(owner, requires_confirmation=True), START).booking
    since = last_event_id()

    with pytest.raises(Rollback), transaction.atomic():
        confirm_booking(booking, Actor.host(owner), now=NOW)
        assert [e.type for e in events_since(since)] == [
            Trigger.BOOKING_CREATED,
            Trigger.BOOKING_CONFIRMED,
        ]
        raise Rollback

    assert Booking.objects.get(pk=booking.pk).status == "pending"
    assert events_since(since) == []
    assert last_history(booking).action == "created"


@pytest.mark.django_db(transaction=True)
def test_record_event_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event(Trigger.BOOKING_CREATED, {"uid": "x"}, user_id=1)

    assert not Event.objects.exists()

    with transaction.atomic():
        record_event(Trigger.BOOKING_CREATED, {"uid": "x"}, user_id=1)
    assert Event.objects.get().payload == {"uid": "x"}
