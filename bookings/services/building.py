"""New booking rows, as creation, rescheduling and seats make them: the booking with its status,
its host rows (carrying the time it blocks) and its attendees."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from bookings.models import Attendee, Booking, BookingHost
from bookings.services import inputs
from database.pipelining import insert_together


@dataclass
class CreatedBooking:
    """The result: `bookings` has one element except for a series; `seat_uid` for a seat."""

    bookings: list[Booking]
    kind: str  # "single", "recurring", "seated" or "instant"
    seat_uid: str | None = None
    replayed: bool = False

    @property
    def booking(self) -> Booking:
        return self.bookings[0]


def new_uid() -> str:
    return Booking._meta.get_field("uid").default()


def initial_status(event_type, start, now, *, confirmed_by_host: bool = False) -> dict:
    """Pending on the attendee's opt-in first, then on the host's confirmation, else accepted.

    confirmed_by_host: a host makes (or moves) the booking, so it needs no confirmation.
    """
    needs_host = event_type.requires_confirmation_for(start, now) and not confirmed_by_host
    if event_type.requires_attendee_opt_in:
        pending_on = Booking.PendingOn.ATTENDEE
    elif needs_host:
        pending_on = Booking.PendingOn.HOST
    else:
        pending_on = Booking.PendingOn.NOTHING
    return {
        "status": Booking.Status.PENDING if pending_on else Booking.Status.ACCEPTED,
        "pending_on": pending_on,
        "requires_host_confirmation": needs_host,
    }


ACCEPTED = {
    "status": Booking.Status.ACCEPTED,
    "pending_on": Booking.PendingOn.NOTHING,
    "requires_host_confirmation": False,
}


def build_booking(
    event_type, *, organizer_id: int, start, length: int, status: dict, channel: str, **details
) -> Booking:
    """An unsaved booking of `length` minutes; `details` are further Booking fields (title,
    location, ...). Without an ics_uid, the calendar event is named after the booking's uid."""
    booking = Booking(
        event_type=event_type,
        organizer_id=organizer_id,
        start=start,
        end=start + timedelta(minutes=length),
        channel=channel,
        **status,
        **details,
    )
    if not booking.ics_uid:
        booking.ics_uid = f"{booking.uid}@rendezvous"
    return booking


def insert_booking(
    booking: Booking, host_ids: list[int], attendees: list[Attendee], *, users=None
) -> Booking:
    """Write a booking with its host rows and attendees. No availability check: callers check
    first; the exclusion constraint (PostgreSQL) refuses an overlap whatever the caller did.

    users: the host users by id, when the caller has them all; the booking then carries what
    its output needs (bookings/representation.py with_output_relations) without reading it
    back: the rows just written, its event type and organizer as the caller gave them.
    """
    booking.save()
    event_type = booking.event_type
    before = timedelta(minutes=event_type.before_event_buffer if event_type else 0)
    after = timedelta(minutes=event_type.after_event_buffer if event_type else 0)
    blocking = booking.is_blocking and not (event_type and event_type.allow_double_booking)
    host_rows = [
        BookingHost(
            booking=booking,
            user_id=user_id,
            blocked_start=booking.start - before,
            blocked_end=booking.end + after,
            is_blocking=blocking,
        )
        for user_id in dict.fromkeys(host_ids)
    ]
    for attendee in attendees:
        attendee.booking = booking
    insert_together([*host_rows, *attendees])
    if users is not None:
        _carry_output_relations(booking, host_rows, attendees, users)
    return booking


def _carry_output_relations(booking, host_rows, attendees, users) -> None:
    """As with_output_relations would have loaded them: its host rows and attendees are those
    written; no booking was moved to a new one yet (the one relation that would be read)."""
    for row in host_rows:
        row.user = users[row.user_id]
    booking.organizer = users[booking.organizer_id]
    booking._state.fields_cache["rescheduled_to"] = None
    booking._prefetched_objects_cache = {
        "booking_hosts": _as_fetched(booking.booking_hosts.all(), host_rows),
        "attendees": _as_fetched(booking.attendees.all(), sorted(attendees, key=lambda a: a.id)),
    }


def _as_fetched(queryset, rows):
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    return queryset


def attendee_row(
    attendee: inputs.AttendeeInput, *, seated=False, responses=None, metadata=None
) -> Attendee:
    """A new attendee; on a seated booking with their own seat, answers and metadata."""
    return Attendee(
        name=attendee.name.strip(),
        email=attendee.email.lower(),
        time_zone=attendee.time_zone,
        phone_number=attendee.phone_number or "",
        language=attendee.language or "en",
        time_format=attendee.time_format if attendee.time_format in ("12h", "24h") else "24h",
        seat_uid=uuid.uuid4() if seated else None,
        responses=(responses or {}) if seated else {},
        metadata=(metadata or {}) if seated else {},
    )


def copied_attendee(attendee: Attendee) -> Attendee:
    """The same person on a new booking (a move)."""
    return Attendee(
        name=attendee.name,
        email=attendee.email,
        time_zone=attendee.time_zone,
        phone_number=attendee.phone_number,
        language=attendee.language,
        time_format=attendee.time_format,
        responses=attendee.responses,
        metadata=attendee.metadata,
    )


def moved_details(booking: Booking) -> dict:
    """What a booking moved to another time keeps of itself."""
    return {
        "title": booking.title,
        "description": booking.description,
        "location": booking.location,
        "meeting_url": booking.meeting_url,
        "metadata": booking.metadata,
        "responses": booking.responses,
        "guests": booking.guests,
        "ics_title": booking.ics_title,
        "ics_description": booking.ics_description,
        "skip_notifications": booking.skip_notifications,
        "recurring_series_id": booking.recurring_series_id,
    }


def requested_details(event_type, request, prepared, organizer) -> dict:
    """The fields of a new booking that come from the request (checked and completed)."""
    if event_type.is_seated:
        # A seated booking is shared by strangers: what one of them wrote (name, notes,
        # metadata, answers, a meeting link of their own) stays on their seat.
        location, meeting_url = inputs.resolve_location(event_type, None, prepared.uid)
        title, description, metadata, responses = event_type.title, "", {}, {}
    else:
        location, meeting_url = prepared.location, prepared.meeting_url
        title = inputs.booking_title(event_type, organizer, request.attendee.name, location)
        description, metadata, responses = (
            request.notes or "",
            prepared.metadata,
            prepared.responses,
        )
    return {
        "uid": prepared.uid,
        "title": title,
        "description": description,
        "location": location,
        "meeting_url": meeting_url,
        "metadata": metadata,
        "responses": responses,
        "guests": prepared.guests,
        "ics_title": request.ics_title,
        "ics_description": request.ics_description,
        "skip_notifications": request.skip_notifications,
        "idempotency_key": request.idempotency_key,
    }
