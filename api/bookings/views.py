"""Bookings (cal-api-version 2024-08-13): create, list, read; what happens to a booking after it
is made; its sub-resources (attendees, guests, location, calendar links, references) and our
extensions (notes, history, occurrences, the .ics file).

Each action parses the request, finds what the caller may act on, calls one service and renders
the result. Knowing a booking's uid (unguessable) lets anyone read it and act as its attendee:
cancel and reschedule, held to the event type's cut-offs. A caller who manages the booking (its
hosts, the owner of its event type, the owners and admins of its team) acts as its host; every
other action belongs to those who manage it, and to anyone else the booking is unknown (404).
"""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation

from api import versions
from api.bookings.filters import list_bookings
from api.bookings.serializers import (
    AddGuestsInput,
    AddNoteInput,
    AnyAttendeeWithIdOutput,
    AttendeeInputSerializer,
    BookingListQuery,
    BookingReferenceOutput,
    CalendarLinkOutput,
    CancelBookingInput,
    CancelFutureInput,
    CancelOccurrenceInput,
    ConfirmEmailInput,
    CreateBookingInput,
    DeclineBookingInput,
    HistoryEntryOutput,
    MarkAbsentInput,
    NoteOutput,
    OccurrenceOutput,
    ReassignBookingInput,
    ReassignOutput,
    ReferencesQuery,
    RescheduleBookingInput,
    UpdateBookingInput,
    UpdateLocationInput,
)
from api.operations import operation
from api.views import ApiViewSet
from bookings import ics, lookup
from bookings.calendar import add_to_calendar_links, calendar_event
from bookings.errors import NotFound
from bookings.models import Attendee, Booking, Channel
from bookings.representation import AnyBookingOutput, with_output_relations
from bookings.services import (
    Actor,
    BookingRequest,
    CancelScope,
    add_attendee,
    add_guests,
    add_note,
    cancel_booking,
    confirm_attendee_email,
    confirm_booking,
    create_booking,
    decline_booking,
    mark_absent,
    mark_attended,
    occurrences,
    reassign_booking,
    remove_attendee,
    reschedule_booking,
    update_location,
    update_metadata,
)
from calendars import writeback
from eventtypes.permissions import can_manage_event_type

ATTENDEE_ID = OpenApiParameter(
    "attendee_id", int, OpenApiParameter.PATH, description="The attendee's numeric id"
)


def host_actor(request) -> Actor:
    return Actor.host(request.user, Channel.API)


def caller_actor(request, booking: Booking, seat_uid=None) -> Actor:
    """The host when the caller manages the booking (and every occurrence of its series, which
    the action may reach), else its attendee, held to the cut-offs."""
    if booking.is_managed_by(request.user, with_series=True):
        return host_actor(request)
    return Actor.attendee(attendee_email(booking, seat_uid), Channel.API)


def attendee_email(booking: Booking, seat_uid=None) -> str:
    """Whom an attendee-side change is recorded as: the seat's holder, else the booker."""
    attendees = booking.attendees.order_by("id")
    if seat_uid:
        attendees = attendees.filter(seat_uid=seat_uid)
    first = attendees.first()
    return first.email if first else ""


def managed_booking(user, uid: str) -> Booking:
    """A booking the user manages; another owner's booking is as unknown as a missing one."""
    return lookup.find_booking(uid, Booking.objects.managed_by(user).select_related("event_type"))


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


def optional_seat(value) -> str | None:
    return str(value) if value else None


class CalendarFileNegotiation(BaseContentNegotiation):
    """The calendar file is written by the view itself; whatever the client accepts, errors
    still come in the JSON envelope."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class BookingViewSet(ApiViewSet):
    api_version = versions.BOOKINGS
    tag = "Bookings"
    lookup_field = "uid"
    lookup_value_converter = "str"

    def output_context(self):
        # Attendees of a seated booking are shown to those who manage it.
        return {**super().output_context(), "viewer": self.request.user}

    def get_content_negotiator(self):
        if getattr(self, "action", None) == "ics":
            return CalendarFileNegotiation()
        return super().get_content_negotiator()

    # --- Create, list, read, update ------------------------------------------------------------

    @operation(
        "createBooking",
        body=CreateBookingInput,
        output=AnyBookingOutput,
        one_or_many=True,
        status=201,
        public=True,
        errors=(404,),
    )
    def create(self, request):
        """Create a booking

        The event type decides the outcome: one booking, a recurring series (an array), an
        instant meeting (team types, `instant: true`) or a seat (seated types, with `seatUid`).
        `start` is UTC.
        """
        data = self.body().validated_data
        event_type = lookup.find_event_type(
            event_type_id=data.get("eventTypeId"),
            slug=data.get("eventTypeSlug"),
            username=data.get("username"),
            team_slug=data.get("teamSlug"),
            organization_slug=data.get("organizationSlug"),
        )
        attendee = AttendeeInputSerializer().to_attendee(data["attendee"])
        if can_manage_event_type(request.user, event_type):
            actor = host_actor(request)
        else:
            actor = Actor.attendee(attendee.email, Channel.API)
        result = create_booking(
            event_type,
            BookingRequest(
                start=data.get("start"),
                attendee=attendee,
                length=data.get("lengthInMinutes"),
                guests=data.get("guests", []),
                location=data.get("location"),
                meeting_url=data.get("meetingUrl", ""),
                metadata=data.get("metadata"),
                responses=data.get("bookingFieldsResponses"),
                notes=data.get("notes", ""),
                host_ids=data.get("hostIds"),
                reservation_uid=data.get("reservedSlotUid"),
                private_link_hash=data.get("privateLinkHash"),
                instant=data["instant"],
                recurrence_count=data.get("recurrenceCount"),
                skip_notifications=data["skipNotifications"],
                ics_title=data.get("icsTitle", ""),
                ics_description=data.get("icsDescription", ""),
                idempotency_key=getattr(request, "idempotency_key", None),
            ),
            actor,
        )
        created = result.bookings if result.kind == "recurring" else result.booking
        return self.respond(
            created,
            seat_uid=result.seat_uid,
            redirect_url=event_type.success_redirect_url or None,
        )

    @operation("listBookings", query=BookingListQuery, output=AnyBookingOutput, paginated=True)
    def list(self, request):
        """List the bookings you manage

        Bookings of event types you own or host, and of teams you own or administer. `status`
        takes a comma list of upcoming, recurring, past, cancelled, unconfirmed, pending,
        accepted, confirmed, rejected, completed, no_show.
        """
        filters = self.query().validated_data
        bookings = list_bookings(request.user, filters, timezone.now())
        # Every booking listed is one the caller manages: their attendees are shown.
        return self.respond_page(with_output_relations(bookings), viewer=None)

    @operation("getBooking", output=AnyBookingOutput, one_or_many=True, public=True)
    def retrieve(self, request, uid):
        """Get a booking, or every occurrence of a recurring series

        Anyone who knows the uid may read the booking (it is unguessable).
        """
        bookings = with_output_relations(Booking.objects.all())
        series = lookup.find_series(uid)
        if series is not None:
            return self.respond(list(bookings.filter(recurring_series=series).order_by("start")))
        return self.respond(lookup.find_booking(uid, bookings))

    @operation("updateBooking", body=UpdateBookingInput, output=AnyBookingOutput, errors=(409,))
    def partial_update(self, request, uid):
        """Merge keys into a booking's metadata

        Keys are merged into the existing metadata; a null value removes a key. The result must
        stay within 50 keys of at most 40 characters and string values of at most 500
        characters.
        """
        metadata = self.body().validated_data["metadata"]
        booking = managed_booking(request.user, uid)
        return self.respond(update_metadata(booking, metadata, host_actor(request)))

    @action(detail=False, methods=["get"], url_path="by-seat/<str:seat_uid>")
    @operation("getBookingBySeat", output=AnyBookingOutput, public=True)
    def by_seat(self, request, seat_uid):
        """Get a seated booking by a seat uid

        The booking the seat belongs to, with that seat's `seatUid`.
        """
        seat = lookup.find_seat(seat_uid)
        bookings = with_output_relations(Booking.objects.all())
        booking = lookup.find_booking(seat.booking.uid, bookings)
        return self.respond(booking, seat_uid=str(seat.seat_uid))

    # --- The attendee's actions (public: the uid is the credential) ----------------------------

    @action(detail=True, methods=["post"])
    @operation(
        "cancelBooking",
        body=CancelBookingInput,
        output=AnyBookingOutput,
        one_or_many=True,
        public=True,
        errors=(403,),
    )
    def cancel(self, request, uid):
        """Cancel a booking, occurrences of a series, or one seat

        A series uid cancels every occurrence still to come (an array). An occurrence uid
        cancels that occurrence, or with `cancelSubsequentBookings` it and every later one (an
        array). `seatUid` gives up one seat. Without a key, or with a key that does not manage
        the booking, the caller acts as the attendee: the event type's cancellation cut-off and
        `disableCancelling` apply.
        """
        data = self.body().validated_data
        reason = data.get("cancellationReason", "")
        seat_uid = optional_seat(data.get("seatUid"))
        if lookup.find_series(uid) is not None:
            found = occurrences.find_occurrences(uid)
            cancelled = occurrences.cancel_series(
                found,
                caller_actor(request, found.first_booking),
                reason=reason,
                seat_uid=seat_uid,
                subsequent=data["cancelSubsequentBookings"],
            )
            return self.respond(cancelled)
        booking = lookup.find_booking(uid, Booking.objects.select_related("event_type"))
        following = data["cancelSubsequentBookings"] and booking.recurring_series_id is not None
        cancelled = cancel_booking(
            booking,
            caller_actor(request, booking, seat_uid),
            reason=reason,
            scope=CancelScope.FOLLOWING if following else CancelScope.THIS,
            seat_uid=seat_uid,
        )
        return self.respond(cancelled if following else cancelled[0])

    @action(detail=True, methods=["post"])
    @operation(
        "rescheduleBooking",
        body=RescheduleBookingInput,
        output=AnyBookingOutput,
        status=201,
        public=True,
        errors=(403,),
    )
    def reschedule(self, request, uid):
        """Move a booking (or one seat) to a new start

        Creates a new booking at `start` (UTC) and cancels the old one; they point at each
        other (`rescheduledFromUid` / `rescheduledToUid`). Attendees are held to the reschedule
        cut-off and `disableRescheduling`; a caller who manages the booking is not. A series is
        moved occurrence by occurrence.
        """
        data = self.body().validated_data
        booking = occurrences.single_booking(uid, "reschedule")
        seat_uid = optional_seat(data.get("seatUid"))
        result = reschedule_booking(
            booking,
            data["start"],
            caller_actor(request, booking, seat_uid),
            reason=data.get("reschedulingReason", ""),
            rescheduled_by_email=data.get("rescheduledBy", ""),
            seat_uid=seat_uid,
            reservation_uid=data.get("reservedSlotUid"),
        )
        return self.respond(result.booking, seat_uid=result.seat_uid)

    @action(detail=True, methods=["post"], url_path="confirm-email")
    @operation("confirmAttendeeEmail", body=ConfirmEmailInput, output=AnyBookingOutput, public=True)
    def confirm_email(self, request, uid):
        """The attendee confirms their email address (double opt-in)

        With the token of the confirmation email. The booking is then accepted, or waits for
        the host when the event type requires confirmation.
        """
        token = self.body().validated_data["token"]
        lookup.find_booking(uid)
        return self.respond(confirm_attendee_email(token, channel=Channel.API, booking_uid=uid))

    # --- Occurrences of a recurring series (public like the booking itself) -------------------

    @action(detail=True, methods=["get"])
    @operation("listBookingOccurrences", output=OccurrenceOutput, many=True, public=True)
    def occurrences(self, request, uid):
        """List the occurrences of a recurring series

        For a series uid or any occurrence's uid. `date` is the occurrence's day in the
        attendee's time zone. A booking outside any series is its own only occurrence; an
        occurrence moved by a reschedule is listed at its new time.
        """
        return self.respond(occurrences.find_occurrences(uid).items)

    @action(detail=True, methods=["post"], url_path="occurrences/cancel")
    @operation(
        "cancelBookingOccurrence",
        body=CancelOccurrenceInput,
        output=AnyBookingOutput,
        public=True,
        errors=(403,),
    )
    def cancel_occurrence(self, request, uid):
        """Cancel the occurrence on a date

        `date` is the occurrence's day in the attendee's time zone. The rules of cancel apply:
        attendees are held to the cut-off, callers who manage the booking are not.
        """
        data = self.body().validated_data
        found = occurrences.find_occurrences(uid)
        cancelled = occurrences.cancel_occurrence_on(
            found,
            data["date"],
            caller_actor(request, found.first_booking),
            reason=data.get("reason", ""),
        )
        return self.respond(cancelled)

    @action(detail=True, methods=["post"], url_path="cancel-future")
    @operation(
        "cancelFutureBookingOccurrences",
        body=CancelFutureInput,
        output=AnyBookingOutput,
        many=True,
        public=True,
        errors=(403,),
    )
    def cancel_future(self, request, uid):
        """Cancel every occurrence from a date on

        Cancels each occurrence on or after `fromDate` (the attendee's time zone) that has not
        started, all or none, in start order. Attendees are held to the cut-off on each of them.
        """
        data = self.body().validated_data
        found = occurrences.find_occurrences(uid)
        cancelled = occurrences.cancel_future(
            found,
            data["fromDate"],
            caller_actor(request, found.first_booking),
            reason=data.get("reason", ""),
        )
        return self.respond(cancelled)

    # --- The host's actions (a key that manages the booking) ----------------------------------

    @action(detail=True, methods=["post"])
    @operation("confirmBooking", output=AnyBookingOutput)
    def confirm(self, request, uid):
        """Accept a pending booking

        Every occurrence of a series that awaits the host is accepted with it.
        """
        booking = managed_booking(request.user, uid)
        return self.respond(confirm_booking(booking, host_actor(request)))

    @action(detail=True, methods=["post"])
    @operation("declineBooking", body=DeclineBookingInput, output=AnyBookingOutput)
    def decline(self, request, uid):
        """Decline a pending booking

        Every occurrence of a series that awaits the host is declined with it.
        """
        reason = self.body().validated_data.get("reason", "")
        booking = managed_booking(request.user, uid)
        return self.respond(decline_booking(booking, host_actor(request), reason=reason))

    @action(detail=True, methods=["post"], url_path="mark-absent")
    @operation("markBookingAbsent", body=MarkAbsentInput, output=AnyBookingOutput)
    def mark_absent(self, request, uid):
        """Record who did not attend

        Once the booking has started: the host's absence and/or attendees' by email.
        """
        data = self.body().validated_data
        booking = managed_booking(request.user, uid)
        marked = mark_absent(
            booking,
            host_actor(request),
            host=data.get("host"),
            attendees=[(a["email"], a["absent"]) for a in data.get("attendees", [])],
        )
        return self.respond(marked)

    @action(detail=True, methods=["post"], url_path="mark-attended")
    @operation("markBookingAttended", output=AnyBookingOutput)
    def mark_attended(self, request, uid):
        """Record that everyone attended

        Once the booking has started: clears every absence and records when.
        """
        booking = managed_booking(request.user, uid)
        return self.respond(mark_attended(booking, host_actor(request)))

    @action(detail=True, methods=["post"])
    @operation("reassignBooking", body=ReassignBookingInput, output=ReassignOutput)
    def reassign(self, request, uid):
        """Give a round-robin booking to the best other free host

        Round-robin event types only: the free host with the highest priority and the fewest
        recent bookings for their weight takes the booking.
        """
        return self._reassign(uid, to_user_id=None)

    @action(detail=True, methods=["post"], url_path="reassign/<int:userId>")
    @operation("reassignBookingToUser", body=ReassignBookingInput, output=ReassignOutput)
    def reassign_to_user(self, request, uid, userId):
        """Give a round-robin booking to a given host

        Round-robin event types only; the host must be free at that time.
        """
        return self._reassign(uid, to_user_id=userId)

    def _reassign(self, uid, *, to_user_id):
        reason = self.body().validated_data.get("reason", "")
        booking = managed_booking(self.request.user, uid)
        return self.respond(
            reassign_booking(
                booking, host_actor(self.request), to_user_id=to_user_id, reason=reason
            )
        )

    # --- Attendees, guests, location ----------------------------------------------------------

    @action(detail=True, methods=["get"])
    @operation("getBookingAttendees", output=AnyAttendeeWithIdOutput, many=True)
    def attendees(self, request, uid):
        """List the attendees of a booking

        Each with its id, for the booking's managers.
        """
        booking = managed_booking(request.user, uid)
        attendees = list(booking.attendees.order_by("id"))
        return self.respond(attendees, seated=booking.is_seated)

    @attendees.mapping.post
    @operation(
        "addBookingAttendee",
        body=AttendeeInputSerializer,
        output=AnyAttendeeWithIdOutput,
        status=201,
    )
    def add_attendee(self, request, uid):
        """Add an attendee to a booking

        On seated event types the attendee takes a seat (409 `seats_full` when none is left).
        """
        attendee = self.body().to_attendee()
        booking = managed_booking(request.user, uid)
        updated, row = add_attendee(booking, attendee, host_actor(request))
        return self.respond(row, seated=updated.is_seated)

    @action(detail=True, methods=["get"], url_path="attendees/<str:attendee_id>")
    @operation("getBookingAttendee", output=AnyAttendeeWithIdOutput, parameters=[ATTENDEE_ID])
    def attendee(self, request, uid, attendee_id):
        """Get one attendee of a booking"""
        booking = managed_booking(request.user, uid)
        return self.respond(managed_attendee(booking, attendee_id), seated=booking.is_seated)

    @attendee.mapping.delete
    @operation(
        "removeBookingAttendee", output=AnyBookingOutput, errors=(409,), parameters=[ATTENDEE_ID]
    )
    def remove_attendee(self, request, uid, attendee_id):
        """Remove an attendee from a booking

        The last attendee cannot be removed (409); cancel the booking instead. Returns the
        booking.
        """
        booking = managed_booking(request.user, uid)
        attendee = managed_attendee(booking, attendee_id)
        return self.respond(remove_attendee(booking, attendee.pk, host_actor(request)))

    @action(detail=True, methods=["post"])
    @operation("addBookingGuests", body=AddGuestsInput, output=AnyBookingOutput)
    def guests(self, request, uid):
        """Add guests to a booking

        At most 10 guests per request and 30 per booking; emails already on the booking are
        kept once.
        """
        emails = [guest["email"] for guest in self.body().validated_data["guests"]]
        booking = managed_booking(request.user, uid)
        return self.respond(add_guests(booking, emails, host_actor(request)))

    @action(detail=True, methods=["patch"])
    @operation(
        "updateBookingLocation", body=UpdateLocationInput, output=AnyBookingOutput, errors=(409,)
    )
    def location(self, request, uid):
        """Change where a booking takes place

        The type must be one the event type offers. Only pending and accepted bookings can move
        (409 otherwise).
        """
        location = self.body().validated_data["location"]
        booking = managed_booking(request.user, uid)
        return self.respond(update_location(booking, location, host_actor(request)))

    # --- Calendar links and references -------------------------------------------------------

    @action(detail=True, methods=["get"], url_path="calendar-links")
    @operation("getBookingCalendarLinks", output=CalendarLinkOutput, many=True)
    def calendar_links(self, request, uid):
        """Add-to-calendar links for a booking

        Google Calendar, Microsoft Office 365, Microsoft Outlook, Yahoo, and the .ics file
        (GET /v2/bookings/{uid}/ics).
        """
        booking = lookup.find_booking(
            uid, with_output_relations(Booking.objects.managed_by(request.user))
        )
        ics_url = settings.SITE_URL + reverse("booking-ics", args=[booking.uid])
        return self.respond(add_to_calendar_links(booking, ics_url))

    @action(detail=True, methods=["get"])
    @operation(
        "getBookingReferences",
        query=ReferencesQuery,
        output=BookingReferenceOutput,
        many=True,
    )
    def references(self, request, uid):
        """External calendar references of a booking

        The booking's event in each host's chosen CalDAV calendar (same UID as the invite),
        with whether it is written yet and the last error if writing it failed.
        """
        wanted = self.query().validated_data.get("type")
        booking = managed_booking(request.user, uid)
        return self.respond(writeback.references_of(booking, wanted))

    # --- Notes and history (extensions) -------------------------------------------------------

    @action(detail=True, methods=["get"])
    @operation("listBookingNotes", output=NoteOutput, many=True)
    def notes(self, request, uid):
        """List the notes on a booking

        Private and shared notes, oldest first, to the booking's managers only.
        """
        booking = managed_booking(request.user, uid)
        return self.respond(
            list(booking.notes.select_related("author").order_by("created_at", "id"))
        )

    @notes.mapping.post
    @operation("addBookingNote", body=AddNoteInput, output=NoteOutput, status=201)
    def add_note(self, request, uid):
        """Add a note to a booking

        Private by default: a private note is only ever shown to the booking's managers. A
        shared note (`isPrivate: false`) may later be shown to the attendees.
        """
        data = self.body().validated_data
        booking = managed_booking(request.user, uid)
        note = add_note(booking, data["content"], host_actor(request), private=data["isPrivate"])
        return self.respond(note)

    @action(detail=True, methods=["get"])
    @operation("getBookingHistory", output=HistoryEntryOutput, many=True)
    def history(self, request, uid):
        """What happened to a booking, who did it and through which channel

        Oldest first. `before` and `after` hold the fields the change touched.
        """
        booking = managed_booking(request.user, uid)
        return self.respond(list(booking.history.order_by("created_at", "id")))

    # --- The .ics file (extension) ------------------------------------------------------------

    @action(detail=True, methods=["get"])
    @operation(
        "getBookingIcs",
        public=True,
        file=("text/calendar", "An RFC 5545 calendar with one VEVENT"),
    )
    def ics(self, request, uid):
        """Download a booking as a calendar file (.ics)

        Anyone who knows the uid may download it, as for GET /v2/bookings/{uid}. METHOD:REQUEST
        while the booking stands, METHOD:CANCEL once it is cancelled or declined. The UID stays
        the same across reschedules and SEQUENCE goes up, so calendars update the event they
        have. Times are UTC.
        """
        booking = lookup.find_booking(uid, with_output_relations(Booking.objects.all()))
        show = True
        if booking.is_seated and not booking.event_type.seats_show_attendees:
            show = booking.is_managed_by(request.user)
        body = ics.build_calendar(calendar_event(booking, show_attendees=show), timezone.now())
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{booking.uid}.ics"'
        response["Cache-Control"] = "private, no-cache"
        return response
