"""A booking as the API shows it (Cal.com's BookingOutput_2024_08_13 and its variants).

The same dictionaries are the payloads of outbox events, so a webhook shows exactly what the
API does. To render many bookings without a query per booking, load them with
`with_output_relations()`.
"""

from datetime import UTC, datetime

from django.db.models import Prefetch

from bookings import ics
from bookings.models import Attendee, Booking, BookingHistory, BookingHost, BookingNote


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def with_output_relations(bookings):
    return bookings.select_related(
        "event_type", "organizer", "recurring_series", "rescheduled_from", "rescheduled_to"
    ).prefetch_related(
        Prefetch("booking_hosts", queryset=BookingHost.objects.select_related("user")),
        Prefetch("attendees", queryset=Attendee.objects.order_by("id")),
    )


def host_output(user) -> dict:
    return {
        "id": user.id,
        "name": user.display_name,
        "email": user.email,
        "displayEmail": user.email,
        "username": user.username,
        "timeZone": user.time_zone,
    }


def attendee_output(attendee: Attendee, *, seated: bool = False) -> dict:
    data = {
        "name": attendee.name,
        "email": attendee.email,
        "displayEmail": attendee.email,
        "timeZone": attendee.time_zone,
        "language": attendee.language,
        "absent": attendee.absent,
    }
    if attendee.phone_number:
        data["phoneNumber"] = attendee.phone_number
    if seated:
        data["seatUid"] = str(attendee.seat_uid) if attendee.seat_uid else ""
        data["bookingFieldsResponses"] = attendee.responses or {}
        data["metadata"] = attendee.metadata or {}
    return data


def _ordered_hosts(booking: Booking) -> list:
    rows = list(booking.booking_hosts.all())
    rows.sort(key=lambda row: (row.user_id != booking.organizer_id, row.id))
    return rows


def _rescheduled_to_uid(booking: Booking) -> str | None:
    try:
        return booking.rescheduled_to.uid
    except Booking.rescheduled_to.RelatedObjectDoesNotExist:
        return None


def booking_output(booking: Booking, *, seat_uid: str | None = None, show_attendees=True) -> dict:
    """The booking in Cal.com's shape; seated types in the seated variant.

    seat_uid: the seat just created (the create response of a seated booking carries it).
    show_attendees: False hides the other attendees of a seated booking (seat_uid's own stays).
    """
    event_type = booking.event_type
    seated = bool(event_type and event_type.seats_per_time_slot)
    host_rows = _ordered_hosts(booking)
    data = {
        "id": booking.id,
        "uid": booking.uid,
        "title": booking.title,
        "description": booking.description,
        "hosts": [host_output(row.user) for row in host_rows],
        "status": booking.status,
        "start": iso_utc(booking.start),
        "end": iso_utc(booking.end),
        "duration": booking.duration_minutes,
        "eventTypeId": event_type.id if event_type else None,
        "eventType": {"id": event_type.id, "slug": event_type.slug} if event_type else None,
        "location": booking.meeting_url or booking.location,
        "absentHost": any(row.absent for row in host_rows),
        "createdAt": iso_utc(booking.created_at),
        "updatedAt": iso_utc(booking.updated_at),
        "metadata": booking.metadata or {},
        "icsUid": booking.ics_uid,
    }
    optional = {
        "cancellationReason": booking.cancellation_reason,
        "cancelledByEmail": booking.cancelled_by_email,
        "reschedulingReason": booking.rescheduling_reason,
        "rescheduledByEmail": booking.rescheduled_by_email,
        "rescheduledFromUid": booking.rescheduled_from.uid if booking.rescheduled_from else None,
        "rescheduledToUid": _rescheduled_to_uid(booking),
        "meetingUrl": booking.meeting_url,
        "rating": booking.rating,
    }
    if seated and not show_attendees:
        # Who cancelled or moved a shared booking is one of the hidden attendees.
        optional["cancelledByEmail"] = optional["rescheduledByEmail"] = None
    data.update({key: value for key, value in optional.items() if value not in (None, "")})
    if booking.rejection_reason:
        data["rejectionReason"] = booking.rejection_reason
    if booking.recurring_series_id:
        data["recurringBookingUid"] = booking.recurring_series.uid

    attendees = list(booking.attendees.all())
    if seated:
        if not show_attendees:
            attendees = [a for a in attendees if seat_uid and str(a.seat_uid) == seat_uid]
        data["attendees"] = [attendee_output(a, seated=True) for a in attendees]
        if seat_uid:
            data["seatUid"] = seat_uid
    else:
        data["attendees"] = [attendee_output(a) for a in attendees]
        data["guests"] = list(booking.guests or [])
        data["bookingFieldsResponses"] = _responses_output(booking, attendees)
    return data


def _responses_output(booking: Booking, attendees: list[Attendee]) -> dict:
    """The answers by field slug, with the system fields Cal.com includes."""
    responses = dict(booking.responses or {})
    if attendees:
        responses.setdefault("name", attendees[0].name)
        responses.setdefault("email", attendees[0].email)
    if booking.guests:
        responses.setdefault("guests", list(booking.guests))
    return responses


# --- Sub-resources: attendees, notes, history, calendar ------------------------------------------


def attendee_with_id_output(attendee: Attendee, *, seated: bool = False) -> dict:
    """An attendee addressed on its own (Cal.com's BookingAttendeeOutput: id and bookingId)."""
    return {
        "id": attendee.id,
        "bookingId": attendee.booking_id,
        **attendee_output(attendee, seated=seated),
    }


def note_output(note: BookingNote) -> dict:
    author = note.author
    return {
        "id": note.id,
        "content": note.content,
        "isPrivate": note.is_private,
        "createdAt": iso_utc(note.created_at),
        "author": {"id": author.id, "name": author.display_name} if author else None,
    }


def history_output(row: BookingHistory) -> dict:
    return {
        "action": row.action,
        "actor": {"email": row.actor_email or None, "role": row.actor_role or None},
        "channel": row.channel,
        "before": row.before or {},
        "after": row.after or {},
        "createdAt": iso_utc(row.created_at),
    }


ICS_STATUS = {
    Booking.Status.ACCEPTED: ics.CONFIRMED,
    Booking.Status.PENDING: ics.TENTATIVE,
    Booking.Status.CANCELLED: ics.CANCELLED,
    Booking.Status.REJECTED: ics.CANCELLED,
}


def calendar_event(booking: Booking, *, show_attendees: bool = True) -> ics.CalendarEvent:
    """The booking as plain calendar values for bookings/ics.py and bookings/calendar_links.py.

    The organizer is the booking's organizer; the other hosts, the attendees and the guests
    are ATTENDEEs. show_attendees: False leaves out attendees and guests (seated bookings whose
    event type hides them from non-managers); the hosts stay.
    """
    host_rows = _ordered_hosts(booking)
    organizer = booking.organizer
    people = [
        ics.Participant(row.user.email, row.user.display_name)
        for row in host_rows
        if row.user_id != booking.organizer_id
    ]
    if show_attendees:
        people += [ics.Participant(a.email, a.name) for a in booking.attendees.all()]
        people += [
            ics.Participant(email, partstat="NEEDS-ACTION") for email in booking.guests or []
        ]
    return ics.CalendarEvent(
        uid=booking.ics_uid or f"{booking.uid}@rendezvous",
        sequence=booking.ics_sequence,
        start=booking.start,
        end=booking.end,
        summary=booking.ics_title or booking.title,
        description=booking.ics_description or booking.description,
        location=booking.meeting_url or booking.location,
        status=ICS_STATUS[booking.status],
        organizer=ics.Participant(organizer.email, organizer.display_name),
        attendees=people,
    )
