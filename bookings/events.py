"""What the outbox carries about a booking: the payloads of Cal.com's webhooks (CALCOM-API.md
§8.3), built here and nowhere else, as serializers over the booking as it is at the change.

- `booking_payload`: every BOOKING_* trigger, INSTANT_MEETING, MEETING_STARTED and
  MEETING_ENDED. Cal.com's fields (organizer, attendees, startTime, endTime, uid, bookingId,
  iCalUID, iCalSequence, status in upper case, responses, metadata, cancellationReason,
  rescheduleUid, ...) and a few of ours (hosts, guests, recurringBookingUid, seatUid, and for
  BOOKING_UPDATED `change`: what changed).
- `no_show_payload`: BOOKING_NO_SHOW_UPDATED's own smaller shape, as in Cal.com.

Load the booking with `with_output_relations()` (bookings/representation.py) first.
"""

import zoneinfo
from datetime import datetime

from django.conf import settings
from rest_framework import serializers

from bookings.models import Booking
from bookings.representation import Instant, Output
from eventtypes.models import EventType

SCHEDULING_TYPES = {
    EventType.SchedulingType.ROUND_ROBIN: "ROUND_ROBIN",
    EventType.SchedulingType.COLLECTIVE: "COLLECTIVE",
}


def utc_offset_minutes(time_zone: str, moment: datetime) -> int | None:
    try:
        offset = moment.astimezone(zoneinfo.ZoneInfo(time_zone)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return int(offset.total_seconds() // 60)


class Language(serializers.Serializer):
    locale = serializers.CharField(source="*")


class PersonPayload(Output):
    """Fields Cal.com gives every person; `utcOffset` is at the booking's start."""

    def get_utcOffset(self, person) -> int | None:
        return utc_offset_minutes(person.time_zone, self.context["start"])


class OrganizerPayload(PersonPayload):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()
    username = serializers.CharField()
    timeZone = serializers.CharField(source="time_zone")
    language = Language()
    timeFormat = serializers.SerializerMethodField()
    utcOffset = serializers.SerializerMethodField()

    def get_timeFormat(self, user) -> str:
        return "HH:mm"


class AttendeePayload(PersonPayload):
    email = serializers.EmailField()
    name = serializers.CharField()
    firstName = serializers.SerializerMethodField()
    lastName = serializers.SerializerMethodField()
    timeZone = serializers.CharField(source="time_zone")
    language = Language()
    utcOffset = serializers.SerializerMethodField()
    phoneNumber = serializers.CharField(source="phone_number", required=False)
    noShow = serializers.BooleanField(source="absent")
    seatUid = serializers.CharField(source="seat_uid", required=False)

    def get_firstName(self, attendee) -> str:
        return attendee.name.split(" ", 1)[0]

    def get_lastName(self, attendee) -> str:
        parts = attendee.name.split(" ", 1)
        return parts[1] if len(parts) > 1 else ""


class HostPayload(Output):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()
    timeZone = serializers.CharField(source="time_zone")


class TeamPayload(serializers.Serializer):
    """The team and, as Cal.com's `team.members`, the booking's hosts (not the whole team)."""

    id = serializers.IntegerField(source="event_type.team.id")
    name = serializers.CharField(source="event_type.team.name")
    members = HostPayload(many=True, source="host_users")


class BookingPayload(Output):
    bookerUrl = serializers.SerializerMethodField()
    type = serializers.CharField(source="event_type.slug", required=False)
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    additionalNotes = serializers.CharField(source="description", allow_blank=True)
    customInputs = serializers.SerializerMethodField()
    startTime = Instant(source="start")
    endTime = Instant(source="end")
    eventTypeId = serializers.IntegerField(source="event_type_id", allow_null=True)
    eventTitle = serializers.CharField(source="event_type.title", required=False)
    eventDescription = serializers.CharField(source="event_type.description", required=False)
    length = serializers.IntegerField(source="duration_minutes")
    price = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    requiresConfirmation = serializers.BooleanField(source="requires_host_confirmation")
    organizer = serializers.SerializerMethodField()
    attendees = serializers.SerializerMethodField()
    responses = serializers.SerializerMethodField()
    userFieldsResponses = serializers.SerializerMethodField()
    location = serializers.CharField(source="meeting_place", allow_blank=True)
    destinationCalendar = serializers.SerializerMethodField()
    uid = serializers.CharField()
    bookingId = serializers.IntegerField(source="id")
    iCalUID = serializers.CharField(source="ics_uid")
    iCalSequence = serializers.IntegerField(source="ics_sequence")
    status = serializers.SerializerMethodField()
    seatsPerTimeSlot = serializers.IntegerField(
        source="event_type.seats_per_time_slot", required=False
    )
    seatsShowAttendees = serializers.BooleanField(
        source="event_type.seats_show_attendees", required=False
    )
    schedulingType = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    metadata = serializers.SerializerMethodField()
    cancellationReason = serializers.CharField(source="cancellation_reason", required=False)
    cancelledBy = serializers.CharField(source="cancelled_by_email", required=False)
    rejectionReason = serializers.CharField(source="rejection_reason", required=False)
    rescheduleId = serializers.IntegerField(source="rescheduled_from.id", required=False)
    rescheduleUid = serializers.CharField(source="rescheduled_from.uid", required=False)
    rescheduleStartTime = Instant(source="rescheduled_from.start", required=False)
    rescheduleEndTime = Instant(source="rescheduled_from.end", required=False)
    rescheduledBy = serializers.CharField(source="rescheduled_by_email", required=False)
    # Ours:
    hosts = HostPayload(many=True, source="host_users")
    guests = serializers.ListField(child=serializers.EmailField())
    recurringBookingUid = serializers.CharField(source="recurring_series.uid", required=False)
    seatUid = serializers.SerializerMethodField()
    change = serializers.SerializerMethodField()

    # Left out when there is none (a personal event type; not about a seat; not an update).
    OPTIONAL = ("team", "seatUid", "change")

    def to_representation(self, booking):
        data = super().to_representation(booking)
        for name in self.OPTIONAL:
            if data.get(name) is None:
                data.pop(name, None)
        return data

    def person_context(self, booking) -> dict:
        return {**self.context, "start": booking.start}

    def get_bookerUrl(self, booking) -> str:
        return settings.SITE_URL

    def get_customInputs(self, booking) -> dict:
        return {}

    def get_price(self, booking) -> int:
        return 0

    def get_currency(self, booking) -> str:
        return "usd"

    def get_organizer(self, booking) -> dict:
        return OrganizerPayload(booking.organizer, context=self.person_context(booking)).data

    def get_attendees(self, booking) -> list:
        attendees = booking.attendees.all()
        return AttendeePayload(attendees, many=True, context=self.person_context(booking)).data

    def get_responses(self, booking) -> dict:
        return {**self.system_responses(booking), **self.get_userFieldsResponses(booking)}

    def system_responses(self, booking) -> dict:
        attendees = list(booking.attendees.all())
        responses = {}
        if attendees:
            responses["name"] = answer("Your name", attendees[0].name)
            responses["email"] = answer("Email address", attendees[0].email)
        if booking.description:
            responses["notes"] = answer("Additional notes", booking.description)
        if booking.guests:
            responses["guests"] = answer("Additional guests", list(booking.guests))
        if booking.location:
            responses["location"] = answer("Location", booking.location)
        return responses

    def get_userFieldsResponses(self, booking) -> dict:
        questions = {}
        if booking.event_type:
            questions = {field["slug"]: field for field in booking.event_type.booking_fields}
        responses = {}
        for slug, value in (booking.responses or {}).items():
            question = questions.get(slug, {})
            label = question.get("label") or slug
            responses[slug] = answer(label, value, hidden=bool(question.get("hidden")))
        return responses

    def get_destinationCalendar(self, booking) -> None:
        return None

    def get_status(self, booking) -> str:
        return booking.status.upper()

    def get_schedulingType(self, booking) -> str | None:
        event_type = booking.event_type
        return SCHEDULING_TYPES.get(event_type.scheduling_type) if event_type else None

    def get_team(self, booking) -> dict | None:
        event_type = booking.event_type
        if not (event_type and event_type.team_id):
            return None
        return TeamPayload(booking).data

    def get_metadata(self, booking) -> dict:
        metadata = dict(booking.metadata or {})
        if booking.meeting_url:
            metadata["videoCallUrl"] = booking.meeting_url
        return metadata

    def get_seatUid(self, booking) -> str | None:
        return self.context.get("seat_uid")

    def get_change(self, booking) -> str | None:
        return self.context.get("change")


def answer(label: str, value, *, hidden: bool = False) -> dict:
    return {"label": label, "value": value, "isHidden": hidden}


def booking_payload(
    booking: Booking, *, seat_uid: str | None = None, change: str | None = None
) -> dict:
    """The payload of a booking event. `change`: what a BOOKING_UPDATED changed
    (attendee_added, attendee_removed, guests_added, location_updated, metadata_updated,
    note_added, seat_cancelled, ...)."""
    return BookingPayload(booking, context={"seat_uid": seat_uid, "change": change}).data


def no_show_payload(booking: Booking) -> dict:
    """BOOKING_NO_SHOW_UPDATED: who was absent, as Cal.com sends it (and the host's absence,
    which Cal.com does not)."""
    attendees = [{"email": a.email, "noShow": a.absent} for a in booking.attendees.all()]
    absent = [a["email"] for a in attendees if a["noShow"]]
    if absent:
        message = f"{', '.join(absent)} marked as no-show"
    elif booking.absent_host:
        message = "The host marked as no-show"
    else:
        message = "Everyone attended"
    return {
        "message": message,
        "attendees": attendees,
        "bookingUid": booking.uid,
        "bookingId": booking.id,
        "hostNoShow": booking.absent_host,
    }
