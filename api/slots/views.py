"""Slots API (cal-api-version 2024-09-04): available slots, reservations, and why a start is
or is not bookable. All public: times, seat counts and the seated booking to join, never who
booked or anything they wrote.

Each view parses the request, calls the slot queries or one reservation service, and renders
through bookings/slot_presentation.py.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api import docs, versions
from api.slots.inputs import (
    ExplainQuerySerializer,
    ReserveSlotSerializer,
    SlotQuerySerializer,
)
from api.views import VersionedAPIView
from bookings import lookup, slots
from bookings.services import release_reservation, reserve_slot, update_reservation
from bookings.services.reservations import can_choose_reservation_minutes, find_reservation
from bookings.slot_presentation import (
    explanation_output,
    reservation_output,
    slots_by_local_date,
)
from eventtypes import availability


def holder_of(request) -> str:
    """Who holds a reservation: the user behind the key, or the client's address."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


class SlotsApiView(VersionedAPIView):
    api_version = versions.SLOTS
    permission_classes = [AllowAny]


# --- Documentation shapes -----------------------------------------------------------------------


class SlotOut(serializers.Serializer):
    start = serializers.CharField(
        help_text="Local time with its offset, e.g. 2050-09-05T09:00:00.000+02:00"
    )
    end = serializers.CharField(required=False, help_text="With format=range")
    attendeesCount = serializers.IntegerField(required=False, help_text="Seated event types")
    bookingUid = serializers.CharField(
        required=False, help_text="Seated event types: the booking to join at that time"
    )


class ReservationOut(serializers.Serializer):
    eventTypeId = serializers.IntegerField()
    slotStart = serializers.DateTimeField()
    slotEnd = serializers.DateTimeField()
    slotDuration = serializers.IntegerField(help_text="Minutes")
    reservationUid = serializers.UUIDField()
    reservationDuration = serializers.IntegerField(help_text="Minutes the hold still lasts")
    reservationUntil = serializers.DateTimeField()


class HostReasonsOut(serializers.Serializer):
    hostId = serializers.IntegerField()
    codes = serializers.ListField(
        child=serializers.ChoiceField(choices=availability.REASON_ORDER),
        help_text="Why this host cannot take the start; empty when it can",
    )


class ExplanationOut(serializers.Serializer):
    start = serializers.DateTimeField()
    bookable = serializers.BooleanField()
    reasons = HostReasonsOut(many=True)
    firstReason = serializers.CharField(
        allow_null=True,
        help_text=(
            "One of the codes: the reason a booking at this start would be refused with; "
            "null if bookable"
        ),
    )


SLOTS = docs.envelope(
    "SlotsResponse",
    serializers.DictField(child=SlotOut(many=True)),
    description="Slots keyed by local date (YYYY-MM-DD in timeZone); {} when none",
)
RESERVATION = docs.envelope("ReservationResponse", ReservationOut)
RESERVATION_PATH = OpenApiParameter(
    "uid", OpenApiTypes.UUID, OpenApiParameter.PATH, description="reservationUid"
)
VERSION = docs.version_header(versions.SLOTS)


# --- Slots --------------------------------------------------------------------------------------


class SlotsView(SlotsApiView):
    @extend_schema(
        operation_id="getAvailableSlots",
        summary="Get the available slots of an event type, or of several people together",
        description=(
            "Name the target by `eventTypeId`; `eventTypeSlug` + `username`; `eventTypeSlug` + "
            "`teamSlug` (+ `organizationSlug`); or `usernames=alice,bob` for the times at which "
            "all of them are free (their default schedules; `duration` 15, 30 (default), 45, 60 "
            "or 90). `start` and `end` are UTC and at most 3 months apart. Slots come keyed by "
            "their local date in `timeZone`."
        ),
        parameters=[VERSION, SlotQuerySerializer],
        responses={200: SLOTS, **docs.errors(400, 404)},
        tags=["Slots"],
    )
    def get(self, request):
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        reschedule_uid = data.get("bookingUidToReschedule")
        if query.is_group:
            length = query.group_length()
            members = slots.group_members(data["usernames"], data.get("organizationSlug"))
            search = slots.find_group_slots(
                [member.id for member in members],
                data["start"],
                data["end"],
                length=length,
                exclude_booking_uid=reschedule_uid,
            )
            seated = False
        else:
            event_type = lookup.find_event_type(**query.lookup())
            search = slots.find_slots(
                event_type,
                data["start"],
                data["end"],
                length=query.length_for(event_type),
                exclude_booking_uid=reschedule_uid,
            )
            seated = event_type.is_seated
        return Response(
            slots_by_local_date(
                search.slots, data["timeZone"], slot_format=data["format"], seated=seated
            )
        )


class ExplainView(SlotsApiView):
    @extend_schema(
        operation_id="explainSlot",
        summary="Tell why a start is or is not bookable",
        description=(
            "For each host, the machine codes that stop them taking the start: outside_hours, "
            "date_override, off_grid, minimum_notice, booking_window, buffer_conflict, busy, "
            "limit_reached, seats_full, reserved. `firstReason` is the one a booking at that "
            "start would be refused with."
        ),
        parameters=[VERSION, ExplainQuerySerializer],
        responses={
            200: docs.envelope("SlotExplanationResponse", ExplanationOut),
            **docs.errors(400, 404),
        },
        tags=["Slots"],
    )
    def get(self, request):
        query = ExplainQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        event_type = lookup.find_event_type(**query.lookup())
        explanation = slots.explain_start(
            event_type,
            data["start"],
            length=query.length_for(event_type),
            exclude_booking_uid=data.get("bookingUidToReschedule"),
        )
        return Response(explanation_output(explanation))


# --- Reservations -------------------------------------------------------------------------------


def reservation_minutes(request, event_type, minutes):
    """The hold length the caller may ask for: only someone from the event type's circle, with
    an API key, may choose one; everyone else holds for the default."""
    if minutes is None:
        return None
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated(
            "reservationDuration can only be set with an API key; without it a reservation "
            "lasts 5 minutes."
        )
    if not can_choose_reservation_minutes(request.user, event_type):
        raise exceptions.PermissionDenied(
            "Only the event type's owner, its team or their organization may set "
            "reservationDuration."
        )
    return minutes


class ReservationsView(SlotsApiView):
    @extend_schema(
        operation_id="reserveSlot",
        summary="Hold a slot for a few minutes",
        description=(
            "Nobody else can book or reserve the slot until the reservation expires (5 minutes, "
            "or `reservationDuration` for API keys of the event type's owner, team or "
            "organization). Book it with `reservedSlotUid`."
        ),
        request=ReserveSlotSerializer,
        parameters=[VERSION, docs.IDEMPOTENCY_HEADER],
        responses={201: RESERVATION, **docs.errors(400, 401, 403, 404, 409, 429)},
        tags=["Slots"],
    )
    def post(self, request):
        body = ReserveSlotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        event_type = lookup.find_event_type(event_type_id=data["eventTypeId"])
        reservation = reserve_slot(
            event_type,
            data["slotStart"],
            length=data.get("slotDuration"),
            minutes=reservation_minutes(request, event_type, data.get("reservationDuration")),
            reserved_by=request.user if request.user.is_authenticated else None,
            holder=holder_of(request),
        )
        return Response(reservation_output(reservation, timezone.now()), status=201)


class ReservationDetailView(SlotsApiView):
    @extend_schema(
        operation_id="getReservedSlot",
        summary="Get a reservation",
        description="Also after it expired, until it is released or used by a booking.",
        parameters=[VERSION, RESERVATION_PATH],
        responses={200: RESERVATION, **docs.errors(404)},
        tags=["Slots"],
    )
    def get(self, request, uid):
        return Response(reservation_output(find_reservation(uid), timezone.now()))

    @extend_schema(
        operation_id="updateReservedSlot",
        summary="Move or extend a reservation",
        description=(
            "The same body as for reserving. The hold restarts from now; an expired reservation "
            "cannot be updated (reserve again)."
        ),
        request=ReserveSlotSerializer,
        parameters=[VERSION, RESERVATION_PATH],
        responses={200: RESERVATION, **docs.errors(400, 401, 403, 404, 409)},
        tags=["Slots"],
    )
    def patch(self, request, uid):
        body = ReserveSlotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        event_type = lookup.find_event_type(event_type_id=data["eventTypeId"])
        reservation = update_reservation(
            uid,
            event_type=event_type,
            start=data["slotStart"],
            length=data.get("slotDuration"),
            minutes=reservation_minutes(request, event_type, data.get("reservationDuration")),
        )
        return Response(reservation_output(reservation, timezone.now()))

    @extend_schema(
        operation_id="deleteReservedSlot",
        summary="Release a reservation",
        parameters=[VERSION, RESERVATION_PATH],
        responses={200: docs.bare_success("ReservationReleasedResponse"), **docs.errors(404)},
        tags=["Slots"],
    )
    def delete(self, request, uid):
        release_reservation(uid)
        return Response(None)
