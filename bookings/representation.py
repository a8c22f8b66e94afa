"""A booking as the API shows it (Cal.com's BookingOutput_2024_08_13 and its variants).

The same dictionaries are the payloads of outbox events, so a webhook shows exactly what the
API does. To render many bookings without a query per booking, load them with
`with_output_relations()`.
"""

from datetime import UTC, datetime

from django.db.models import Prefetch

from bookings.models import Attendee, Booking, BookingHost


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
