"""Slots (cal-api-version 2024-09-04): available slots, reservations, and why a start is or is
not bookable. All public: times, seat counts and the seated booking to join, never who booked or
anything they wrote.
"""

from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.decorators import action

from accounts.rate_limits import client_address
from accounts.timezones import iso_utc
from api import versions
from api.operations import operation
from api.slots.serializers import (
    ExplainQuery,
    ExplanationOutput,
    ReservationOutput,
    ReserveSlotInput,
    SlotQuery,
    SlotsByDateOutput,
)
from api.views import ApiViewSet
from bookings import kept_event_types, lookup, slots
from bookings.services import release_reservation, reserve_slot, update_reservation
from bookings.services.reservations import can_choose_reservation_minutes, find_reservation
from calendars import connections


class SlotViewSet(ApiViewSet):
    api_version = versions.SLOTS
    tag = "Slots"

    @operation(
        "getAvailableSlots", query=SlotQuery, output=SlotsByDateOutput, public=True, errors=(404,)
    )
    def list(self, request):
        """Get the available slots of an event type, or of several people together

        Name the target by `eventTypeId`; `eventTypeSlug` + `username`; `eventTypeSlug` +
        `teamSlug` (+ `organizationSlug`); or `usernames=alice,bob` for the times at which all
        of them are free (their default schedules; `duration` 15, 30 (default), 45, 60 or 90).
        `start` and `end` are UTC and at most 3 months apart. Slots come keyed by their local
        date in `timeZone`.
        """
        query = self.query()
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
                refresh_calendars=True,
            )
        else:

            def find(event_type, row_version):
                return slots.find_slots(
                    event_type,
                    data["start"],
                    data["end"],
                    length=query.length_for(event_type),
                    exclude_booking_uid=reschedule_uid,
                    refresh_calendars=True,
                    row_version=row_version,
                )

            search = kept_event_types.with_event_type(query.lookup(), find)
        response = self.respond(
            search.slots, many=False, zone=ZoneInfo(data["timeZone"]), format=data["format"]
        )
        return tell_calendar_age(response, search)

    @action(detail=False, methods=["get"])
    @operation(
        "explainSlot", query=ExplainQuery, output=ExplanationOutput, public=True, errors=(404,)
    )
    def explain(self, request):
        """Tell why a start is or is not bookable

        For each host, the machine codes that stop them taking the start: outside_hours,
        date_override, off_grid, minimum_notice, booking_window, buffer_conflict, busy,
        calendar_busy (an event in the host's own calendar), limit_reached, seats_full,
        reserved. `firstReason` is the one a booking at that start would be refused with. A
        host asking with their own key also sees which of their calendars is in the way.
        """
        query = self.query()
        event_type = lookup.find_event_type(**query.lookup())
        explanation = slots.explain_start(
            event_type,
            query.validated_data["start"],
            length=query.length_for(event_type),
            exclude_booking_uid=query.validated_data.get("bookingUidToReschedule"),
        )
        return self.respond(explanation, calendar_names=own_calendar_names(request, explanation))


def own_calendar_names(request, explanation) -> dict[int, list[str]]:
    """The caller's own calendars in the way of the start, by host id (theirs only)."""
    user = request.user
    names = connections.names_of_own_calendars(user, explanation.calendars.get(user.pk))
    return {user.pk: names} if names else {}


def tell_calendar_age(response, search):
    """When the hosts' own calendars were last synced, if they have any: slots are computed
    from that data whether or not their servers answer now."""
    if search.has_calendars:
        synced = search.calendars_synced_at
        response["Calendars-Synced-At"] = iso_utc(synced) if synced else "never"
    return response


def holder_of(request) -> str:
    """Who holds a reservation: the user behind the key, or the client's address."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_address(request)}"


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


RESERVATION_UID = OpenApiParameter(
    "uid", OpenApiTypes.UUID, OpenApiParameter.PATH, description="reservationUid"
)


class ReservationViewSet(ApiViewSet):
    """Whoever knows a reservation's uid (a random UUID) may read, move or release it."""

    api_version = versions.SLOTS
    tag = "Slots"
    lookup_field = "uid"
    lookup_value_converter = "str"

    def output_context(self):
        return {**super().output_context(), "now": timezone.now()}

    @operation(
        "reserveSlot",
        body=ReserveSlotInput,
        output=ReservationOutput,
        status=201,
        public=True,
        errors=(403, 404, 429),
    )
    def create(self, request):
        """Hold a slot for a few minutes

        Nobody else can book or reserve the slot until the reservation expires (5 minutes, or
        `reservationDuration` for API keys of the event type's owner, team or organization).
        Book it with `reservedSlotUid`.
        """
        data = self.body().validated_data
        event_type = lookup.find_event_type(event_type_id=data["eventTypeId"])
        reservation = reserve_slot(
            event_type,
            data["slotStart"],
            length=data.get("slotDuration"),
            minutes=reservation_minutes(request, event_type, data.get("reservationDuration")),
            reserved_by=request.user if request.user.is_authenticated else None,
            holder=holder_of(request),
        )
        return self.respond(reservation)

    @operation(
        "getReservedSlot", output=ReservationOutput, public=True, parameters=[RESERVATION_UID]
    )
    def retrieve(self, request, uid):
        """Get a reservation

        Also after it expired, until it is released or used by a booking.
        """
        return self.respond(find_reservation(uid))

    @operation(
        "updateReservedSlot",
        body=ReserveSlotInput,
        output=ReservationOutput,
        public=True,
        errors=(403, 409),
        parameters=[RESERVATION_UID],
    )
    def partial_update(self, request, uid):
        """Move or extend a reservation

        The same body as for reserving. The hold restarts from now; an expired reservation
        cannot be updated (reserve again).
        """
        data = self.body().validated_data
        event_type = lookup.find_event_type(event_type_id=data["eventTypeId"])
        reservation = update_reservation(
            uid,
            event_type=event_type,
            start=data["slotStart"],
            length=data.get("slotDuration"),
            minutes=reservation_minutes(request, event_type, data.get("reservationDuration")),
        )
        return self.respond(reservation)

    @operation("deleteReservedSlot", public=True, parameters=[RESERVATION_UID])
    def destroy(self, request, uid):
        """Release a reservation"""
        release_reservation(uid)
        return self.respond()
