"""Sub-resources of a booking (cal-api-version 2024-08-13): attendees, guests, location,
calendar links, references, and our extensions: notes, history and the .ics download.

Every route but the .ics download needs a key and a caller who manages the booking (its
hosts, the owner of its event type, the owners and admins of its team); anyone else gets
404, as for a booking that does not exist.

Notes: a private note (the default) is only ever shown to the booking's managers. A shared
note (`isPrivate: false`) is also only listed to managers through the API today; it is the
kind that may later be shown to the booking's attendees.
"""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api import docs, versions
from api.bookings.detail_inputs import (
    REFERENCE_TYPES,
    AddGuestsSerializer,
    AddNoteSerializer,
    ReferencesFilter,
    UpdateLocationSerializer,
)
from api.bookings.inputs import AttendeeInputSerializer
from api.bookings.outputs import BookingAttendeeOut
from api.bookings.views import (
    BOOKING,
    BookingsApiView,
    host_actor,
    managed_booking,
    render,
)
from bookings import access, ics, lookup
from bookings.calendar_links import calendar_links
from bookings.errors import NotFound
from bookings.models import Attendee, Booking
from bookings.representation import (
    attendee_with_id_output,
    calendar_event,
    history_output,
    note_output,
    with_output_relations,
)
from bookings.services import add_attendee, add_guests, add_note, remove_attendee, update_location

TAG = ["Bookings"]
VERSION = docs.version_header(versions.BOOKINGS)
ATTENDEE_ID = OpenApiParameter(
    "attendee_id", int, OpenApiParameter.PATH, description="The attendee's numeric id"
)


# --- Response shapes (documentation only; representation.py builds the data) -------------------


class AttendeeWithIdOut(BookingAttendeeOut):
    id = serializers.IntegerField()
    bookingId = serializers.IntegerField()


class CalendarLinkOut(serializers.Serializer):
    label = serializers.CharField()
    link = serializers.CharField()


class BookingReferenceOut(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    eventUid = serializers.CharField()
    destinationCalendarId = serializers.CharField(allow_null=True)


class NoteAuthorOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class NoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    content = serializers.CharField()
    isPrivate = serializers.BooleanField()
    createdAt = serializers.DateTimeField()
    author = NoteAuthorOut(allow_null=True)


class HistoryActorOut(serializers.Serializer):
    email = serializers.CharField(allow_null=True)
    role = serializers.ChoiceField(choices=["host", "attendee", "system"], allow_null=True)


class HistoryEntryOut(serializers.Serializer):
    action = serializers.CharField(help_text="e.g. created, cancelled, rescheduled, note_added")
    actor = HistoryActorOut()
    channel = serializers.ChoiceField(choices=["api", "page", "admin", "system"])
    before = serializers.DictField()
    after = serializers.DictField()
    createdAt = serializers.DateTimeField()


def managed_attendee(booking: Booking, attendee_id: str) -> Attendee:
    """An attendee of this booking; an id of another booking's attendee is unknown here."""
    try:
        number = int(attendee_id)
    except ValueError:
        raise serializers.ValidationError(
            {"attendeeId": f"Must be an integer; got '{attendee_id}'."}
        ) from None
    attendee = booking.attendees.filter(pk=number).first()
    if attendee is None:
        raise NotFound(f"Attendee {number} not found in booking {booking.uid}.")
    return attendee


def is_seated(booking: Booking) -> bool:
    return bool(booking.event_type and booking.event_type.is_seated)


# --- Attendees ----------------------------------------------------------------------------------


class BookingAttendeesView(BookingsApiView):
    """The attendees of a booking, each with its id (for the booking's managers)."""

    @extend_schema(
        operation_id="getBookingAttendees",
        summary="List the attendees of a booking",
        parameters=[VERSION],
        responses={
            200: docs.envelope("BookingAttendeesResponse", AttendeeWithIdOut, many=True),
            **docs.errors(401, 404),
        },
        tags=TAG,
    )
    def get(self, request, uid):
        booking = managed_booking(request.user, uid)
        seated = is_seated(booking)
        attendees = booking.attendees.order_by("id")
        return Response([attendee_with_id_output(a, seated=seated) for a in attendees])

    @extend_schema(
        operation_id="addBookingAttendee",
        summary="Add an attendee to a booking",
        description="On seated event types the attendee takes a seat (409 `seats_full` when "
        "none is left).",
        request=AttendeeInputSerializer,
        parameters=[VERSION, docs.IDEMPOTENCY_HEADER],
        responses={
            201: docs.envelope("BookingAttendeeResponse", AttendeeWithIdOut),
            **docs.errors(400, 401, 404, 409, 422),
        },
        tags=TAG,
    )
    def post(self, request, uid):
        body = AttendeeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = managed_booking(request.user, uid)
        updated, row = add_attendee(booking, body.to_attendee(), host_actor(request))
        return Response(attendee_with_id_output(row, seated=is_seated(updated)), status=201)


class BookingAttendeeView(BookingsApiView):
    """One attendee of a booking, by its numeric id."""

    @extend_schema(
        operation_id="getBookingAttendee",
        summary="Get one attendee of a booking",
        parameters=[VERSION, ATTENDEE_ID],
        responses={
            200: docs.envelope("BookingOneAttendeeResponse", AttendeeWithIdOut),
            **docs.errors(400, 401, 404),
        },
        tags=TAG,
    )
    def get(self, request, uid, attendee_id):
        booking = managed_booking(request.user, uid)
        attendee = managed_attendee(booking, attendee_id)
        return Response(attendee_with_id_output(attendee, seated=is_seated(booking)))

    @extend_schema(
        operation_id="removeBookingAttendee",
        summary="Remove an attendee from a booking",
        description="The last attendee cannot be removed (409); cancel the booking instead. "
        "Returns the booking.",
        parameters=[VERSION, ATTENDEE_ID],
        responses={200: BOOKING, **docs.errors(400, 401, 404, 409)},
        tags=TAG,
    )
    def delete(self, request, uid, attendee_id):
        booking = managed_booking(request.user, uid)
        attendee = managed_attendee(booking, attendee_id)
        updated = remove_attendee(booking, attendee.pk, host_actor(request))
        return Response(render(updated, request))


# --- Guests and location ------------------------------------------------------------------------


class BookingGuestsView(BookingsApiView):
    """Guests: extra people invited by email."""

    @extend_schema(
        operation_id="addBookingGuests",
        summary="Add guests to a booking",
        description="At most 10 guests per request and 30 per booking; emails already on the "
        "booking are kept once.",
        request=AddGuestsSerializer,
        parameters=[VERSION, docs.IDEMPOTENCY_HEADER],
        responses={200: BOOKING, **docs.errors(400, 401, 404, 409, 422)},
        tags=TAG,
    )
    def post(self, request, uid):
        body = AddGuestsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = managed_booking(request.user, uid)
        emails = [guest["email"] for guest in body.validated_data["guests"]]
        updated = add_guests(booking, emails, host_actor(request))
        return Response(render(updated, request))


class BookingLocationView(BookingsApiView):
    """Where the meeting happens."""

    @extend_schema(
        operation_id="updateBookingLocation",
        summary="Change where a booking takes place",
        description="The type must be one the event type offers. Only pending and accepted "
        "bookings can move (409 otherwise).",
        request=UpdateLocationSerializer,
        parameters=[VERSION],
        responses={200: BOOKING, **docs.errors(400, 401, 404, 409)},
        tags=TAG,
    )
    def patch(self, request, uid):
        body = UpdateLocationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = managed_booking(request.user, uid)
        updated = update_location(booking, body.validated_data["location"], host_actor(request))
        return Response(render(updated, request))


# --- Calendar links and references -------------------------------------------------------------


def ics_url(booking: Booking) -> str:
    return settings.SITE_URL + reverse("booking-ics", args=[booking.uid])


class BookingCalendarLinksView(BookingsApiView):
    """Links that add the booking to a calendar."""

    @extend_schema(
        operation_id="getBookingCalendarLinks",
        summary="Add-to-calendar links for a booking",
        description="Google Calendar, Microsoft Office 365, Microsoft Outlook, Yahoo, and the "
        ".ics file (GET /v2/bookings/{uid}/ics).",
        parameters=[VERSION],
        responses={
            200: docs.envelope("CalendarLinksResponse", CalendarLinkOut, many=True),
            **docs.errors(401, 404),
        },
        tags=TAG,
    )
    def get(self, request, uid):
        booking = lookup.find_booking(
            uid, with_output_relations(access.managed_bookings(request.user))
        )
        event = calendar_event(booking)
        return Response(
            calendar_links(
                title=event.summary,
                start=event.start,
                end=event.end,
                description=event.description,
                location=event.location,
                ics_url=ics_url(booking),
            )
        )


class BookingReferencesView(BookingsApiView):
    """The booking's events in external calendars and video apps."""

    @extend_schema(
        operation_id="getBookingReferences",
        summary="External calendar and video references of a booking",
        description="Always empty for now: bookings are not synced to external calendars yet.",
        parameters=[
            VERSION,
            OpenApiParameter(
                "type",
                str,
                OpenApiParameter.QUERY,
                required=False,
                enum=REFERENCE_TYPES,
                description="Only references of this type",
            ),
        ],
        responses={
            200: docs.envelope("BookingReferencesResponse", BookingReferenceOut, many=True),
            **docs.errors(400, 401, 404),
        },
        tags=TAG,
    )
    def get(self, request, uid):
        ReferencesFilter(data=request.query_params).is_valid(raise_exception=True)
        managed_booking(request.user, uid)
        return Response([])


# --- Notes and history (extensions) -------------------------------------------------------------


class BookingNotesView(BookingsApiView):
    """Notes the booking's managers keep on it."""

    @extend_schema(
        operation_id="listBookingNotes",
        summary="List the notes on a booking",
        description="Private and shared notes, oldest first, to the booking's managers only.",
        parameters=[VERSION],
        responses={
            200: docs.envelope("BookingNotesResponse", NoteOut, many=True),
            **docs.errors(401, 404),
        },
        tags=TAG,
    )
    def get(self, request, uid):
        booking = managed_booking(request.user, uid)
        notes = booking.notes.select_related("author").order_by("created_at", "id")
        return Response([note_output(note) for note in notes])

    @extend_schema(
        operation_id="addBookingNote",
        summary="Add a note to a booking",
        description="Private by default: a private note is only ever shown to the booking's "
        "managers. A shared note (`isPrivate: false`) may later be shown to the attendees.",
        request=AddNoteSerializer,
        parameters=[VERSION, docs.IDEMPOTENCY_HEADER],
        responses={
            201: docs.envelope("BookingNoteResponse", NoteOut),
            **docs.errors(400, 401, 404, 409, 422),
        },
        tags=TAG,
    )
    def post(self, request, uid):
        body = AddNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = managed_booking(request.user, uid)
        data = body.validated_data
        note = add_note(booking, data["content"], host_actor(request), private=data["isPrivate"])
        return Response(note_output(note), status=201)


class BookingHistoryView(BookingsApiView):
    """Every change of the booking, oldest first."""

    @extend_schema(
        operation_id="getBookingHistory",
        summary="What happened to a booking, who did it and through which channel",
        description="Oldest first. `before` and `after` hold the fields the change touched.",
        parameters=[VERSION],
        responses={
            200: docs.envelope("BookingHistoryResponse", HistoryEntryOut, many=True),
            **docs.errors(401, 404),
        },
        tags=TAG,
    )
    def get(self, request, uid):
        booking = managed_booking(request.user, uid)
        rows = booking.history.order_by("created_at", "id")
        return Response([history_output(row) for row in rows])


# --- The .ics file (extension) ------------------------------------------------------------------


class FirstRendererNegotiation(BaseContentNegotiation):
    """The calendar file is written by the view itself; whatever the client accepts, errors
    still come in the JSON envelope."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class BookingIcsView(BookingsApiView):
    """The booking as an RFC 5545 calendar file."""

    permission_classes = [AllowAny]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="getBookingIcs",
        summary="Download a booking as a calendar file (.ics)",
        description="Anyone who knows the uid may download it, as for GET /v2/bookings/{uid}. "
        "METHOD:REQUEST while the booking stands, METHOD:CANCEL once it is cancelled or "
        "declined. The UID stays the same across reschedules and SEQUENCE goes up, so "
        "calendars update the event they have. Times are UTC.",
        parameters=[VERSION],
        responses={
            (200, "text/calendar"): OpenApiResponse(
                OpenApiTypes.BINARY, description="An RFC 5545 calendar with one VEVENT"
            ),
            **docs.errors(404),
        },
        tags=TAG,
    )
    def get(self, request, uid):
        booking = lookup.find_booking(uid, with_output_relations(Booking.objects.all()))
        show = True
        if is_seated(booking) and not booking.event_type.seats_show_attendees:
            show = access.can_manage(request.user, booking)
        body = ics.build_calendar(calendar_event(booking, show_attendees=show), timezone.now())
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{booking.uid}.ics"'
        response["Cache-Control"] = "private, no-cache"
        return response
