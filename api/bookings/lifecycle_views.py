"""Bookings API (cal-api-version 2024-08-13): what happens to a booking after it is made.

Cancel and reschedule are the attendee's too (knowing the uid is enough; the cut-offs apply);
a caller who manages the booking does them as its host. Confirm, decline, attendance and
reassignment belong to those who manage the booking. Occurrences of a recurring series are
named by their date in the attendee's time zone (bookings/services/occurrences.py).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api import docs, versions
from api.bookings.inputs import CancelBookingSerializer, RescheduleBookingSerializer
from api.bookings.lifecycle_inputs import (
    CancelFutureSerializer,
    CancelOccurrenceSerializer,
    ConfirmEmailSerializer,
    DeclineBookingSerializer,
    MarkAbsentSerializer,
    ReassignBookingSerializer,
)
from api.bookings.outputs import BookingOut
from api.bookings.views import (
    BOOKING,
    BOOKING_OR_SERIES,
    BookingsApiView,
    actor_for,
    host_actor,
    managed_booking,
    render,
)
from bookings import access, lookup
from bookings.models import Booking, Channel
from bookings.representation import iso_utc
from bookings.services import (
    CancelScope,
    cancel_booking,
    confirm_attendee_email,
    confirm_booking,
    decline_booking,
    mark_absent,
    mark_attended,
    occurrences,
    reassign_booking,
    reschedule_booking,
)

TAGS = ["Bookings"]
VERSION = docs.version_header(versions.BOOKINGS)
POST_PARAMETERS = [VERSION, docs.IDEMPOTENCY_HEADER]
CANCELLED_LIST = docs.envelope(
    "CancelledBookingsResponse",
    BookingOut,
    many=True,
    description="The occurrences cancelled, in start order",
)


class ReassignedToOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    displayEmail = serializers.EmailField()


class ReassignOut(serializers.Serializer):
    bookingUid = serializers.CharField()
    reassignedTo = ReassignedToOut()


class OccurrenceOut(serializers.Serializer):
    date = serializers.DateField(help_text="The day in the attendee's time zone")
    uid = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=["cancelled", "accepted", "rejected", "pending"])


def attendee_email(booking: Booking, seat_uid=None) -> str:
    """Whom an attendee-side change is recorded as: the seat's holder, else the booker."""
    attendees = booking.attendees.order_by("id")
    if seat_uid:
        attendees = attendees.filter(seat_uid=seat_uid)
    first = attendees.first()
    return first.email if first else ""


def caller_actor(request, booking: Booking, seat_uid=None):
    """The host when the caller manages the booking (and every occurrence of its series, which
    the action may reach), else its attendee, held to the cut-offs."""
    manages = access.can_manage_all(request.user, booking)
    return actor_for(request, manages, "" if manages else attendee_email(booking, seat_uid))


def reassign_output(booking: Booking) -> dict:
    organizer = booking.organizer
    return {
        "bookingUid": booking.uid,
        "reassignedTo": {
            "id": organizer.id,
            "name": organizer.display_name,
            "email": organizer.email,
            "displayEmail": organizer.email,
        },
    }


def occurrence_output(occurrence: occurrences.Occurrence) -> dict:
    booking = occurrence.booking
    return {
        "date": occurrence.date.isoformat(),
        "uid": booking.uid,
        "start": iso_utc(booking.start),
        "end": iso_utc(booking.end),
        "status": booking.status,
    }


def _optional_seat(value) -> str | None:
    return str(value) if value else None


# --- The attendee's actions (public: the uid is the credential) ---------------------------------


class CancelBookingView(BookingsApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="cancelBooking",
        summary="Cancel a booking, occurrences of a series, or one seat",
        description=(
            "A series uid cancels every occurrence still to come (an array). An occurrence uid "
            "cancels that occurrence, or with `cancelSubsequentBookings` it and every later one "
            "(an array). `seatUid` gives up one seat. Without a key, or with a key that does not "
            "manage the booking, the caller acts as the attendee: the event type's cancellation "
            "cut-off and `disableCancelling` apply."
        ),
        request=CancelBookingSerializer,
        parameters=POST_PARAMETERS,
        responses={200: BOOKING_OR_SERIES, **docs.errors(400, 403, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        body = CancelBookingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        reason = data.get("cancellationReason", "")
        seat_uid = _optional_seat(data.get("seatUid"))
        if lookup.find_series(uid) is not None:
            return self.cancel_series(request, uid, data, reason, seat_uid)
        booking = lookup.find_booking(uid, Booking.objects.select_related("event_type"))
        following = data["cancelSubsequentBookings"] and booking.recurring_series_id is not None
        cancelled = cancel_booking(
            booking,
            caller_actor(request, booking, seat_uid),
            reason=reason,
            scope=CancelScope.FOLLOWING if following else CancelScope.THIS,
            seat_uid=seat_uid,
        )
        if following:
            return Response([render(b, request) for b in cancelled])
        return Response(render(cancelled[0], request))

    def cancel_series(self, request, uid, data, reason, seat_uid) -> Response:
        found = occurrences.find_occurrences(uid)
        cancelled = occurrences.cancel_series(
            found,
            caller_actor(request, found.first_booking),
            reason=reason,
            seat_uid=seat_uid,
            subsequent=data["cancelSubsequentBookings"],
        )
        return Response([render(b, request) for b in cancelled])


class RescheduleBookingView(BookingsApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="rescheduleBooking",
        summary="Move a booking (or one seat) to a new start",
        description=(
            "Creates a new booking at `start` (UTC) and cancels the old one; they point at each "
            "other (`rescheduledFromUid` / `rescheduledToUid`). Attendees are held to the "
            "reschedule cut-off and `disableRescheduling`; a caller who manages the booking is "
            "not. A series is moved occurrence by occurrence."
        ),
        request=RescheduleBookingSerializer,
        parameters=POST_PARAMETERS,
        responses={201: BOOKING, **docs.errors(400, 403, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        body = RescheduleBookingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        booking = occurrences.single_booking(uid, "reschedule")
        seat_uid = _optional_seat(data.get("seatUid"))
        result = reschedule_booking(
            booking,
            data["start"],
            caller_actor(request, booking, seat_uid),
            reason=data.get("reschedulingReason", ""),
            rescheduled_by_email=data.get("rescheduledBy", ""),
            seat_uid=seat_uid,
            reservation_uid=data.get("reservedSlotUid"),
        )
        return Response(render(result.booking, request, seat_uid=result.seat_uid), status=201)


class ConfirmEmailView(BookingsApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="confirmAttendeeEmail",
        summary="The attendee confirms their email address (double opt-in)",
        description=(
            "With the token of the confirmation email. The booking is then accepted, or waits "
            "for the host when the event type requires confirmation."
        ),
        request=ConfirmEmailSerializer,
        parameters=POST_PARAMETERS,
        responses={200: BOOKING, **docs.errors(400, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        body = ConfirmEmailSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lookup.find_booking(uid)
        booking = confirm_attendee_email(
            body.validated_data["token"], channel=Channel.API, booking_uid=uid
        )
        return Response(render(booking, request))


# --- Occurrences of a recurring series (public like the booking itself) ------------------------


class OccurrencesView(BookingsApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="listBookingOccurrences",
        summary="List the occurrences of a recurring series",
        description=(
            "For a series uid or any occurrence's uid. `date` is the occurrence's day in the "
            "attendee's time zone. A booking outside any series is its own only occurrence; an "
            "occurrence moved by a reschedule is listed at its new time."
        ),
        parameters=[VERSION],
        responses={
            200: docs.envelope("OccurrenceListResponse", OccurrenceOut, many=True),
            **docs.errors(404),
        },
        tags=TAGS,
    )
    def get(self, request, uid):
        found = occurrences.find_occurrences(uid)
        return Response([occurrence_output(o) for o in found.items])


class CancelOccurrenceView(BookingsApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="cancelBookingOccurrence",
        summary="Cancel the occurrence on a date",
        description=(
            "`date` is the occurrence's day in the attendee's time zone. The rules of cancel "
            "apply: attendees are held to the cut-off, callers who manage the booking are not."
        ),
        request=CancelOccurrenceSerializer,
        parameters=POST_PARAMETERS,
        responses={200: BOOKING, **docs.errors(400, 403, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        body = CancelOccurrenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        found = occurrences.find_occurrences(uid)
        cancelled = occurrences.cancel_occurrence_on(
            found,
            data["date"],
            caller_actor(request, found.first_booking),
            reason=data.get("reason", ""),
        )
        return Response(render(cancelled, request))


class CancelFutureView(BookingsApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="cancelFutureBookingOccurrences",
        summary="Cancel every occurrence from a date on",
        description=(
            "Cancels each occurrence on or after `fromDate` (the attendee's time zone) that has "
            "not started, all or none. Attendees are held to the cut-off on each of them."
        ),
        request=CancelFutureSerializer,
        parameters=POST_PARAMETERS,
        responses={200: CANCELLED_LIST, **docs.errors(400, 403, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        body = CancelFutureSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        found = occurrences.find_occurrences(uid)
        cancelled = occurrences.cancel_future(
            found,
            data["fromDate"],
            caller_actor(request, found.first_booking),
            reason=data.get("reason", ""),
        )
        return Response([render(b, request) for b in cancelled])


# --- The host's actions (a key that manages the booking) ----------------------------------------


class ConfirmBookingView(BookingsApiView):
    @extend_schema(
        operation_id="confirmBooking",
        summary="Accept a pending booking",
        description="Every occurrence of a series that awaits the host is accepted with it.",
        request=None,
        parameters=POST_PARAMETERS,
        responses={200: BOOKING, **docs.errors(401, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        booking = managed_booking(request.user, uid)
        return Response(render(confirm_booking(booking, host_actor(request)), request))


class DeclineBookingView(BookingsApiView):
    @extend_schema(
        operation_id="declineBooking",
        summary="Decline a pending booking",
        description="Every occurrence of a series that awaits the host is declined with it.",
        request=DeclineBookingSerializer,
        parameters=POST_PARAMETERS,
        responses={200: BOOKING, **docs.errors(400, 401, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        body = DeclineBookingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = managed_booking(request.user, uid)
        declined = decline_booking(
            booking, host_actor(request), reason=body.validated_data.get("reason", "")
        )
        return Response(render(declined, request))


class MarkAbsentView(BookingsApiView):
    @extend_schema(
        operation_id="markBookingAbsent",
        summary="Record who did not attend",
        description="Once the booking has started: the host's absence and/or attendees' by email.",
        request=MarkAbsentSerializer,
        parameters=POST_PARAMETERS,
        responses={200: BOOKING, **docs.errors(400, 401, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        body = MarkAbsentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        booking = managed_booking(request.user, uid)
        marked = mark_absent(
            booking,
            host_actor(request),
            host=data.get("host"),
            attendees=[(a["email"], a["absent"]) for a in data.get("attendees", [])],
        )
        return Response(render(marked, request))


class MarkAttendedView(BookingsApiView):
    @extend_schema(
        operation_id="markBookingAttended",
        summary="Record that everyone attended",
        description="Once the booking has started: clears every absence and records when.",
        request=None,
        parameters=POST_PARAMETERS,
        responses={200: BOOKING, **docs.errors(401, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        booking = managed_booking(request.user, uid)
        return Response(render(mark_attended(booking, host_actor(request)), request))


REASSIGNED = docs.envelope("ReassignBookingResponse", ReassignOut)


class ReassignBookingView(BookingsApiView):
    @extend_schema(
        operation_id="reassignBooking",
        summary="Give a round-robin booking to the best other free host",
        description=(
            "Round-robin event types only: the free host with the highest priority and the "
            "fewest recent bookings for their weight takes the booking."
        ),
        request=ReassignBookingSerializer,
        parameters=POST_PARAMETERS,
        responses={200: REASSIGNED, **docs.errors(400, 401, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid):
        return reassign(request, uid, None)


class ReassignBookingToUserView(BookingsApiView):
    @extend_schema(
        operation_id="reassignBookingToUser",
        summary="Give a round-robin booking to a given host",
        description="Round-robin event types only; the host must be free at that time.",
        request=ReassignBookingSerializer,
        parameters=[
            *POST_PARAMETERS,
            OpenApiParameter("userId", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={200: REASSIGNED, **docs.errors(400, 401, 404, 409, 422)},
        tags=TAGS,
    )
    def post(self, request, uid, userId):
        return reassign(request, uid, userId)


def reassign(request, uid: str, user_id: int | None) -> Response:
    body = ReassignBookingSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    booking = managed_booking(request.user, uid)
    reassigned = reassign_booking(
        booking,
        host_actor(request),
        to_user_id=user_id,
        reason=body.validated_data.get("reason", ""),
    )
    return Response(reassign_output(reassigned))
