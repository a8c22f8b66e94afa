"""Bookings API (cal-api-version 2024-08-13): create, list and read.

Each view parses the request, calls one service or query, and renders the booking through
bookings/representation.py. Rules live in bookings/services.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api import docs, versions
from api.bookings.inputs import AttendeeInputSerializer, CreateBookingSerializer
from api.bookings.outputs import BookingOut
from api.fields import (
    BoundedIntegerField,
    LenientDateTimeField,
    ObjectField,
    QueryIntegerListField,
)
from api.views import VersionedAPIView
from bookings import access, lookup
from bookings.models import Booking, Channel
from bookings.queries import STATUS_FILTERS, filter_by_statuses
from bookings.representation import booking_output, with_output_relations
from bookings.services import Actor, BookingRequest, create_booking, update_metadata
from eventtypes.permissions import can_manage_event_type

BOOKING = docs.envelope("BookingResponse", BookingOut)
BOOKING_OR_SERIES = docs.envelope(
    "BookingOrSeriesResponse",
    BookingOut,
    description="One booking; an array of occurrences for a recurring series",
)


class BookingsApiView(VersionedAPIView):
    api_version = versions.BOOKINGS


def actor_for(request, manages: bool, attendee_email: str = "") -> Actor:
    """The host when the caller manages the booking or event type, else the attendee."""
    if manages:
        return Actor.host(request.user, Channel.API)
    return Actor.attendee(attendee_email, Channel.API)


def host_actor(request) -> Actor:
    return Actor.host(request.user, Channel.API)


def managed_booking(user, uid: str) -> Booking:
    """A booking the user manages; another owner's booking is as unknown as a missing one."""
    return lookup.find_booking(uid, access.managed_bookings(user).select_related("event_type"))


def render(booking: Booking, request, *, seat_uid=None) -> dict:
    """A booking as this caller may see it: attendees of seated bookings only to managers,
    unless the event type shows them."""
    event_type = booking.event_type
    show = True
    if event_type is not None and event_type.is_seated and not event_type.seats_show_attendees:
        show = access.can_manage(request.user, booking)
    return booking_output(booking, seat_uid=seat_uid, show_attendees=show)


# --- Create and list ----------------------------------------------------------------------------


class ListFilters(serializers.Serializer):
    status = serializers.CharField(required=False)
    attendeeEmail = serializers.EmailField(required=False)
    attendeeName = serializers.CharField(required=False, max_length=200)
    bookingUid = serializers.CharField(required=False, max_length=64)
    eventTypeId = BoundedIntegerField(required=False, min_value=1)
    eventTypeIds = QueryIntegerListField(required=False)
    teamId = BoundedIntegerField(required=False, min_value=1)
    teamsIds = QueryIntegerListField(required=False)
    afterStart = LenientDateTimeField(required=False)
    beforeEnd = LenientDateTimeField(required=False, end_of_day=True)
    afterCreatedAt = LenientDateTimeField(required=False)
    beforeCreatedAt = LenientDateTimeField(required=False, end_of_day=True)
    afterUpdatedAt = LenientDateTimeField(required=False)
    beforeUpdatedAt = LenientDateTimeField(required=False, end_of_day=True)
    sortStart = serializers.ChoiceField(choices=["asc", "desc"], required=False)
    sortEnd = serializers.ChoiceField(choices=["asc", "desc"], required=False)
    sortCreated = serializers.ChoiceField(choices=["asc", "desc"], required=False)
    sortUpdatedAt = serializers.ChoiceField(choices=["asc", "desc"], required=False)
    take = serializers.IntegerField(required=False, min_value=1, max_value=250)
    skip = BoundedIntegerField(required=False, min_value=0)

    def validate_status(self, value):
        names = [part.strip().lower() for part in value.split(",") if part.strip()]
        unknown = [name for name in names if name not in STATUS_FILTERS]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown status {', '.join(unknown)}; use {', '.join(STATUS_FILTERS)}."
            )
        return names


SORTS = {
    "sortStart": "start",
    "sortEnd": "end",
    "sortCreated": "created_at",
    "sortUpdatedAt": "updated_at",
}
RANGES = {
    "afterStart": "start__gte",
    "beforeEnd": "end__lte",
    "afterCreatedAt": "created_at__gte",
    "beforeCreatedAt": "created_at__lte",
    "afterUpdatedAt": "updated_at__gte",
    "beforeUpdatedAt": "updated_at__lte",
}


def list_bookings(user, filters: dict, now):
    bookings = access.managed_bookings(user)
    if filters.get("status"):
        bookings = filter_by_statuses(bookings, filters["status"], now)
    if "attendeeEmail" in filters:
        bookings = bookings.filter(attendees__email__iexact=filters["attendeeEmail"])
    if "attendeeName" in filters:
        bookings = bookings.filter(attendees__name__icontains=filters["attendeeName"])
    if "bookingUid" in filters:
        bookings = bookings.filter(uid=filters["bookingUid"])
    event_type_ids = filters.get("eventTypeIds", []) + (
        [filters["eventTypeId"]] if "eventTypeId" in filters else []
    )
    if event_type_ids:
        bookings = bookings.filter(event_type_id__in=event_type_ids)
    team_ids = filters.get("teamsIds", []) + ([filters["teamId"]] if "teamId" in filters else [])
    if team_ids:
        bookings = bookings.filter(event_type__team_id__in=team_ids)
    for name, lookup_ in RANGES.items():
        if name in filters:
            bookings = bookings.filter(**{lookup_: filters[name]})
    order = [
        ("-" if filters[name] == "desc" else "") + field
        for name, field in SORTS.items()
        if name in filters
    ]
    return bookings.distinct().order_by(*(order or ["start"]), "id")


class BookingsView(BookingsApiView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(
        operation_id="createBooking",
        summary="Create a booking",
        description=(
            "The event type decides the outcome: one booking, a recurring series (an array), "
            "an instant meeting (team types, `instant: true`) or a seat (seated types, with "
            "`seatUid`). `start` is UTC."
        ),
        request=CreateBookingSerializer,
        parameters=[docs.version_header(versions.BOOKINGS), docs.IDEMPOTENCY_HEADER],
        responses={201: BOOKING_OR_SERIES, **docs.errors(400, 401, 404, 409, 422)},
        tags=["Bookings"],
    )
    def post(self, request):
        body = CreateBookingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        event_type = lookup.find_event_type(
            event_type_id=data.get("eventTypeId"),
            slug=data.get("eventTypeSlug"),
            username=data.get("username"),
            team_slug=data.get("teamSlug"),
            organization_slug=data.get("organizationSlug"),
        )
        attendee = AttendeeInputSerializer().to_attendee(data["attendee"])
        manages = can_manage_event_type(request.user, event_type)
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
            actor_for(request, manages, attendee.email),
        )
        outputs = [render(b, request, seat_uid=result.seat_uid) for b in result.bookings]
        if event_type.success_redirect_url:
            for output in outputs:
                output["redirectUrl"] = event_type.success_redirect_url
        return Response(outputs if result.kind == "recurring" else outputs[0], status=201)

    @extend_schema(
        operation_id="listBookings",
        summary="List the bookings you manage",
        description=(
            "Bookings of event types you own or host, and of teams you own or administer. "
            "`status` takes a comma list of upcoming, recurring, past, cancelled, unconfirmed, "
            "pending, accepted, confirmed, rejected, completed, no_show."
        ),
        parameters=[docs.version_header(versions.BOOKINGS), ListFilters],
        responses={
            200: docs.envelope("BookingListResponse", BookingOut, many=True, paginated=True),
            **docs.errors(400, 401),
        },
        tags=["Bookings"],
    )
    def get(self, request):
        filters = ListFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        bookings = with_output_relations(
            list_bookings(request.user, filters.validated_data, timezone.now())
        )
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(bookings, request, view=self)
        return paginator.get_paginated_response([render(b, request) for b in page])


# --- Read ---------------------------------------------------------------------------------------


class UpdateBookingSerializer(serializers.Serializer):
    metadata = ObjectField(help_text="Keys to merge; a null value removes a key")


class BookingDetailView(BookingsApiView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="getBooking",
        summary="Get a booking, or every occurrence of a recurring series",
        description="Anyone who knows the uid may read the booking (it is unguessable).",
        parameters=[docs.version_header(versions.BOOKINGS)],
        responses={200: BOOKING_OR_SERIES, **docs.errors(404)},
        tags=["Bookings"],
    )
    def get(self, request, uid):
        bookings = with_output_relations(Booking.objects.all())
        series = lookup.find_series(uid)
        if series is not None:
            occurrences = bookings.filter(recurring_series=series).order_by("start")
            return Response([render(b, request) for b in occurrences])
        return Response(render(lookup.find_booking(uid, bookings), request))

    @extend_schema(
        operation_id="updateBooking",
        summary="Merge keys into a booking's metadata",
        description=(
            "Keys are merged into the existing metadata; a null value removes a key. The result "
            "must stay within 50 keys of at most 40 characters and string values of at most "
            "500 characters."
        ),
        request=UpdateBookingSerializer,
        parameters=[docs.version_header(versions.BOOKINGS)],
        responses={200: BOOKING, **docs.errors(400, 401, 404)},
        tags=["Bookings"],
    )
    def patch(self, request, uid):
        body = UpdateBookingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = managed_booking(request.user, uid)
        updated = update_metadata(booking, body.validated_data["metadata"], host_actor(request))
        return Response(render(updated, request))


class BookingBySeatView(BookingsApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="getBookingBySeat",
        summary="Get a seated booking by a seat uid",
        description="The booking the seat belongs to, with that seat's `seatUid`.",
        parameters=[docs.version_header(versions.BOOKINGS)],
        responses={200: BOOKING, **docs.errors(404)},
        tags=["Bookings"],
    )
    def get(self, request, seat_uid):
        seat = lookup.find_seat(seat_uid)
        bookings = with_output_relations(Booking.objects.all())
        booking = lookup.find_booking(seat.booking.uid, bookings)
        return Response(render(booking, request, seat_uid=str(seat.seat_uid)))
