"""Cal.com's oldest slot endpoints (cal-api-version 2024-04-15), still called by clients that send
no version header, Cal.com's own SDK among them:

    GET    /v2/slots/available      {"slots": {"2050-09-05": [{"time": "..."}]}}
    POST   /v2/slots/reserve        the hold's uid, as a bare string (and a `uid` cookie)
    DELETE /v2/slots/selected-slot  releases the hold named by the `uid` cookie or query

The same engine and the same holds as /v2/slots and /v2/slots/reservations.
"""

import contextlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import QueryDict
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from api.fields import (
    BoundedIntegerField,
    LenientDateTimeField,
    StrictIntegerField,
    TimeZoneField,
    UtcDateTimeField,
)
from api.operations import operation
from api.slots.serializers import RANGE, TIME, check_range, iso_local, offered_length
from api.slots.views import holder_of, tell_calendar_age
from api.views import ApiViewSet
from bookings import lookup, slots
from bookings.errors import ReservationNotFound
from bookings.services import release_reservation, reserve_slot

UID_COOKIE = "uid"


class UsernameListField(serializers.ListField):
    """usernameList[]=a&usernameList[]=b, usernameList=a&usernameList=b or usernameList=a,b."""

    child = serializers.CharField(max_length=150)

    def __init__(self, **kwargs):
        super().__init__(min_length=1, max_length=50, **kwargs)

    def get_value(self, dictionary):
        query = self.context.get("query")
        if isinstance(query, QueryDict):
            values = query.getlist(self.field_name) + query.getlist(f"{self.field_name}[]")
            names = [name.strip() for value in values for name in value.split(",")]
            return [name for name in dict.fromkeys(names) if name] or serializers.empty
        return super().get_value(dictionary)


class AvailableSlotsQuery_2024_04_15(serializers.Serializer):  # noqa: N801
    startTime = LenientDateTimeField(help_text="A date (start of that day, UTC) or a date-time")
    endTime = LenientDateTimeField(
        end_of_day=True, help_text="A date (the end of that day, UTC) or a date-time"
    )
    eventTypeId = BoundedIntegerField(required=False, min_value=1)
    eventTypeSlug = serializers.SlugField(required=False, max_length=100)
    usernameList = UsernameListField(
        required=False,
        help_text="With eventTypeSlug: its owner; alone, two or more people who must all be free",
    )
    orgSlug = serializers.SlugField(required=False, max_length=100)
    duration = BoundedIntegerField(required=False, min_value=1, max_value=24 * 60)
    timeZone = TimeZoneField(
        required=False, max_length=64, help_text="Without it, times are in UTC ('Z')"
    )
    slotFormat = serializers.ChoiceField(
        choices=(TIME, RANGE), required=False, help_text="range: {startTime, endTime}"
    )
    rescheduleUid = serializers.CharField(required=False, max_length=64)

    def validate(self, data):
        check_range(data["startTime"], data["endTime"], "startTime", "endTime")
        if "eventTypeId" in data:
            return data
        names = data.get("usernameList", [])
        if "eventTypeSlug" in data and len(names) != 1:
            raise serializers.ValidationError(
                {"usernameList": "With eventTypeSlug, give the one username that owns it."}
            )
        if "eventTypeSlug" not in data and len(names) < 2:
            raise serializers.ValidationError(
                "Name what to search: eventTypeId; eventTypeSlug with usernameList[]=owner; or "
                "two or more usernameList[] for when all of them are free."
            )
        return data


class AvailableSlotsOutput_2024_04_15(serializers.BaseSerializer):  # noqa: N801
    """{"slots": {date: [slot]}}: local dates in `zone`; a slot is {"time"} or, with format
    range, {"startTime", "endTime"}; seated slots add "attendees" and "bookingUid"."""

    def to_representation(self, found):
        zone, format_ = self.context["zone"], self.context["format"]
        days: dict[str, list[dict]] = {}
        for slot in sorted(found, key=lambda s: s.start):
            if format_ == RANGE:
                item = {
                    "startTime": iso_local(slot.start, zone),
                    "endTime": iso_local(slot.end, zone),
                }
            else:
                item = {"time": iso_local(slot.start, zone)}
            if getattr(slot, "booking_uid", None):
                item |= {"attendees": slot.attendees_count, "bookingUid": slot.booking_uid}
            days.setdefault(slot.start.astimezone(zone).date().isoformat(), []).append(item)
        return {"slots": days}


class AvailableSlotsOutputExtension(OpenApiSerializerExtension):
    target_class = AvailableSlotsOutput_2024_04_15

    def map_serializer(self, auto_schema, direction):
        instant = {"type": "string", "format": "date-time"}
        slot = {
            "type": "object",
            "properties": {
                "time": instant,
                "startTime": instant,
                "endTime": instant,
                "attendees": {"type": "integer"},
                "bookingUid": {"type": "string"},
            },
        }
        return {
            "type": "object",
            "required": ["slots"],
            "properties": {
                "slots": {
                    "type": "object",
                    "description": "Keyed by local date (YYYY-MM-DD); days without slots left out",
                    "additionalProperties": {"type": "array", "items": slot},
                }
            },
        }


class ReserveSlotInput_2024_04_15(serializers.Serializer):  # noqa: N801
    eventTypeId = StrictIntegerField(min_value=1)
    slotUtcStartDate = UtcDateTimeField()
    slotUtcEndDate = UtcDateTimeField(help_text="The start plus one of the event type's lengths")
    bookingUid = serializers.CharField(required=False, max_length=64, help_text="Ignored")

    def validate(self, data):
        if data["slotUtcEndDate"] <= data["slotUtcStartDate"]:
            raise serializers.ValidationError({"slotUtcEndDate": "Must be after slotUtcStartDate."})
        return data


SELECTED_SLOT_UID = OpenApiParameter(
    "uid",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="The hold to release (without it, the one in the `uid` cookie)",
)


class SlotsViewSet_2024_04_15(ApiViewSet):  # noqa: N801 - named after the version it speaks
    api_version = None  # served whatever the header says, as Cal.com serves them to old clients
    tag = "Slots (2024-04-15)"

    @operation(
        "getAvailableSlots_2024_04_15",
        query=AvailableSlotsQuery_2024_04_15,
        output=AvailableSlotsOutput_2024_04_15,
        public=True,
        deprecated=True,
        errors=(404,),
    )
    def available(self, request):
        """Get available slots (Cal.com 2024-04-15)

        Use GET /v2/slots. Dates and times are in `timeZone` (with its offset) when given,
        otherwise in UTC.
        """
        data = self.query().validated_data
        zone = data.get("timeZone", "UTC")
        if "eventTypeId" in data or "eventTypeSlug" in data:
            event_type = lookup.find_event_type(
                event_type_id=data.get("eventTypeId"),
                slug=data.get("eventTypeSlug"),
                username=(data.get("usernameList") or [None])[0],
                organization_slug=data.get("orgSlug"),
            )
            length = offered_length(event_type, data.get("duration"), "duration")
            search = slots.find_slots(
                event_type,
                data["startTime"],
                data["endTime"],
                length=length,
                exclude_booking_uid=data.get("rescheduleUid"),
                refresh_calendars=True,
            )
        else:
            members = slots.group_members(data["usernameList"], data.get("orgSlug"))
            search = slots.find_group_slots(
                [member.id for member in members],
                data["startTime"],
                data["endTime"],
                length=data.get("duration") or slots.GROUP_DEFAULT_LENGTH,
                exclude_booking_uid=data.get("rescheduleUid"),
                refresh_calendars=True,
            )
        response = self.respond(
            search.slots, many=False, zone=ZoneInfo(zone), format=data.get("slotFormat", TIME)
        )
        return tell_calendar_age(response, search)

    @operation(
        "reserveSlot_2024_04_15",
        body=ReserveSlotInput_2024_04_15,
        output=serializers.UUIDField(),
        status=201,
        public=True,
        deprecated=True,
        errors=(404, 429),
    )
    def reserve(self, request):
        """Hold a slot for 5 minutes (Cal.com 2024-04-15)

        Use POST /v2/slots/reservations. Answers the hold's uid (also set as the `uid` cookie).
        """
        data = self.body().validated_data
        event_type = lookup.find_event_type(event_type_id=data["eventTypeId"])
        minutes = (data["slotUtcEndDate"] - data["slotUtcStartDate"]).total_seconds() / 60
        length = offered_length(event_type, minutes, "slotUtcEndDate")
        reservation = reserve_slot(
            event_type,
            data["slotUtcStartDate"],
            length=length,
            reserved_by=request.user if request.user.is_authenticated else None,
            holder=holder_of(request),
        )
        response = self.respond(reservation.uid)
        response.set_cookie(
            UID_COOKIE,
            str(reservation.uid),
            samesite="Lax",
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
        )
        return response

    @operation(
        "removeSelectedSlot_2024_04_15",
        public=True,
        deprecated=True,
        parameters=(SELECTED_SLOT_UID,),
    )
    def release(self, request):
        """Release a held slot (Cal.com 2024-04-15)

        Use DELETE /v2/slots/reservations/{uid}. An unknown uid is not an error.
        """
        uid = request.query_params.get("uid") or request.COOKIES.get(UID_COOKIE, "")
        with contextlib.suppress(ReservationNotFound):
            release_reservation(uid)
        response = self.respond()
        if request.COOKIES.get(UID_COOKIE) == uid:
            response.delete_cookie(UID_COOKIE, samesite="Lax")
        return response
