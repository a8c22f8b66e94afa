"""Schedules in Cal.com's oldest version, 2024-04-15, served when a request names no
`cal-api-version` (as Cal.com does), for clients written for it (Cal.com's npm SDK).

Times of day are written as on 1 January 1970 in UTC ("1970-01-01T09:00:00.000Z" is 09:00 on the
schedule's wall clock), days as numbers from Sunday (0) to Saturday (6), `availability` as seven
lists from Sunday. The same services and access rules as 2024-06-11 (api/schedules/views.py).
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby

from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import StrictBooleanField, StrictIntegerField, TimeZoneField
from api.operations import operation
from api.rendering import Response
from api.schedules.loading import fresh, with_output_relations
from api.serializers import OldestVersionInput
from api.views import ApiViewSet
from eventtypes import permissions, services
from eventtypes.models import Schedule

# "...THH:MM:SS...": the time of day of an ISO 8601 date-time, as Cal.com reads it.
TIME_OF_DAY = re.compile(r"T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)")
MIDNIGHT = time(0)


def sunday_first(weekday: int) -> int:
    """Our weekdays count from Monday (0); Cal.com's from Sunday (0)."""
    return (weekday + 1) % 7


def monday_first(day: int) -> int:
    return (day + 6) % 7


def time_text(value: time, *, end: bool = False) -> str:
    if end and value == MIDNIGHT:
        return "1970-01-01T23:59:00.000Z"
    return f"1970-01-01T{value:%H:%M}:00.000Z"


def minutes(value: time, *, end: bool = False) -> int:
    if end and value == MIDNIGHT:
        return 1439
    return value.hour * 60 + value.minute


@extend_schema_field({"type": "string", "example": "1970-01-01T09:00:00.000Z"})
class TimeOfDayField(serializers.Field):
    """An ISO 8601 date-time of which only the time of day counts, e.g. 1970-01-01T09:00:00Z."""

    def to_internal_value(self, data):
        text = data if isinstance(data, str) and len(data) <= 40 else ""
        match = TIME_OF_DAY.search(text)
        if not match:
            raise serializers.ValidationError(
                f"{data!r} is not an ISO 8601 date-time such as 1970-01-01T09:00:00.000Z."
            )
        return time(int(match.group(1)), int(match.group(2)))


# --- Inputs -------------------------------------------------------------------------------------


class AvailabilityInput_2024_04_15(serializers.Serializer):  # noqa: N801
    days = serializers.ListField(
        child=StrictIntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        help_text="0 is Sunday",
    )
    startTime = TimeOfDayField()
    endTime = TimeOfDayField(help_text="00:00 means midnight")


class CreateScheduleInput_2024_04_15(OldestVersionInput):  # noqa: N801
    name = serializers.CharField(max_length=200)
    timeZone = TimeZoneField(max_length=64)
    isDefault = StrictBooleanField()
    availabilities = AvailabilityInput_2024_04_15(many=True, required=False, max_length=50)

    def weekly_rows(self):
        blocks = self.validated_data.get("availabilities")
        if not blocks:
            return None  # the services' default: Monday to Friday 09:00-17:00
        return [
            (monday_first(day), block["startTime"], block["endTime"])
            for block in blocks
            for day in dict.fromkeys(block["days"])
        ]


class RangeInput(serializers.Serializer):
    start = TimeOfDayField()
    end = TimeOfDayField()


@extend_schema_field({"type": "string", "example": "2050-09-05T10:00:00.000Z"})
class WallDateTimeField(serializers.Field):
    """The date and time of day written in an ISO 8601 date-time, read as the schedule's wall
    clock (as Cal.com reads them), whatever offset follows."""

    def to_internal_value(self, data):
        text = data if isinstance(data, str) and len(data) <= 40 else ""
        match = TIME_OF_DAY.search(text)
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            day = None
        if not match or day is None or match.start() != 10:
            raise serializers.ValidationError(
                f"{data!r} is not an ISO 8601 date-time such as 2050-09-05T10:00:00.000Z."
            )
        return datetime.combine(day, time(int(match.group(1)), int(match.group(2))))


class OverrideInput(serializers.Serializer):
    start = WallDateTimeField()
    end = WallDateTimeField(help_text="The same day, or the next day's 00:00")

    def validate(self, data):
        start, end = data["start"], data["end"]
        same_day = end.date() == start.date() and end.time() > start.time()
        to_midnight = end.date() == start.date() + timedelta(days=1) and end.time() == MIDNIGHT
        if not (same_day or to_midnight):
            raise serializers.ValidationError(
                "An override ends later the same day, or at midnight after it."
            )
        return data


class UpdateScheduleInput_2024_04_15(OldestVersionInput):  # noqa: N801
    name = serializers.CharField(required=False, max_length=200)
    timeZone = TimeZoneField(required=False, max_length=64)
    isDefault = StrictBooleanField(required=False)
    schedule = serializers.ListField(
        child=RangeInput(many=True),
        required=False,
        min_length=7,
        max_length=7,
        help_text="Seven lists of {start, end}, from Sunday",
    )
    dateOverrides = OverrideInput(many=True, required=False, max_length=500)

    NAMES = {"name": "name", "timeZone": "time_zone", "isDefault": "is_default"}

    def changes(self) -> dict:
        data = self.validated_data
        return {ours: data[theirs] for theirs, ours in self.NAMES.items() if theirs in data}

    def weekly_rows(self):
        if "schedule" not in self.validated_data:
            return None
        return [
            (monday_first(day), span["start"], span["end"])
            for day, spans in enumerate(self.validated_data["schedule"])
            for span in spans
        ]

    def override_rows(self):
        if "dateOverrides" not in self.validated_data:
            return None
        return [
            (item["start"].date(), item["start"].time(), item["end"].time())
            for item in self.validated_data["dateOverrides"]
        ]


# --- Outputs ------------------------------------------------------------------------------------


def availability_row(schedule: Schedule, row) -> dict:
    return {
        "id": row.id,
        "userId": schedule.owner_id,
        "eventTypeId": None,
        "days": [sunday_first(row.weekday)],
        "startTime": time_text(row.start_time),
        "endTime": time_text(row.end_time, end=True),
        "date": None,
        "scheduleId": schedule.id,
    }


def week_of(schedule: Schedule) -> list[list[dict]]:
    """Seven lists (from Sunday) of today's date at each interval's times, as Cal.com shows."""
    today = timezone.now().astimezone(UTC).date()
    week = [[] for _ in range(7)]
    for row in schedule.weekly.all():
        end = (
            datetime.combine(today, time(23, 59, 59, 999_000), UTC)
            if row.end_time == MIDNIGHT
            else datetime.combine(today, row.end_time, UTC)
        )
        week[sunday_first(row.weekday)].append(
            {"start": iso(datetime.combine(today, row.start_time, UTC)), "end": iso(end)}
        )
    return week


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ScheduleOutput_2024_04_15(serializers.BaseSerializer):  # noqa: N801
    def to_representation(self, schedule):
        rows = list(schedule.weekly.all())
        working_hours = [
            {
                "days": [sunday_first(row.weekday) for row in same],
                "startTime": minutes(start),
                "endTime": minutes(end, end=True),
                "userId": schedule.owner_id,
            }
            for (start, end), same in groupby(
                sorted(rows, key=lambda r: (r.start_time, r.end_time, r.weekday)),
                key=lambda r: (r.start_time, r.end_time),
            )
            for same in [list(same)]
        ]
        today = timezone.now().date()
        overrides = {}
        for row in schedule.overrides.all():
            if row.date < today:
                continue
            ranges = overrides.setdefault(row.date, [])
            if row.start_time is not None:
                end_day = row.date + timedelta(days=1) if row.end_time == MIDNIGHT else row.date
                ranges.append(
                    {
                        "start": iso(datetime.combine(row.date, row.start_time, UTC)),
                        "end": iso(datetime.combine(end_day, row.end_time, UTC)),
                    }
                )
        return {
            "id": schedule.id,
            "name": schedule.name,
            "isManaged": False,
            "workingHours": working_hours,
            "schedule": [availability_row(schedule, row) for row in rows],
            "availability": week_of(schedule),
            "timeZone": schedule.time_zone,
            "dateOverrides": [{"ranges": ranges} for _, ranges in sorted(overrides.items())],
            "isDefault": schedule.is_default,
            "isLastSchedule": self.context.get("schedule_count", 1) <= 1,
            "readOnly": False,
            "userId": schedule.owner_id,
        }


class UpdatedScheduleOutput_2024_04_15(serializers.BaseSerializer):  # noqa: N801
    def to_representation(self, schedule):
        return {
            "schedule": {
                "id": schedule.id,
                "userId": schedule.owner_id,
                "name": schedule.name,
                "timeZone": schedule.time_zone,
                "availability": [availability_row(schedule, row) for row in schedule.weekly.all()],
            },
            "availability": week_of(schedule),
            "timeZone": schedule.time_zone,
            "isDefault": schedule.is_default,
            "prevDefaultId": self.context.get("previous_default"),
            "currentDefaultId": self.context.get("current_default"),
        }


TIME_TEXT = {"type": "string", "example": "1970-01-01T09:00:00.000Z"}
INSTANT = {"type": "string", "format": "date-time"}
ROW = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "userId": {"type": "integer"},
        "eventTypeId": {"type": "integer", "nullable": True},
        "days": {"type": "array", "items": {"type": "integer"}},
        "startTime": TIME_TEXT,
        "endTime": TIME_TEXT,
        "date": {"type": "string", "nullable": True},
        "scheduleId": {"type": "integer"},
    },
}
SPAN = {"type": "object", "properties": {"start": INSTANT, "end": INSTANT}}
WEEK = {
    "type": "array",
    "description": "Seven lists, from Sunday",
    "items": {"type": "array", "items": SPAN},
}


class ScheduleOutputExtension(OpenApiSerializerExtension):
    target_class = ScheduleOutput_2024_04_15

    def map_serializer(self, auto_schema, direction):
        hours = {
            "type": "object",
            "properties": {
                "days": {"type": "array", "items": {"type": "integer"}},
                "startTime": {"type": "integer", "description": "Minutes from midnight"},
                "endTime": {"type": "integer", "description": "Minutes from midnight"},
                "userId": {"type": "integer"},
            },
        }
        return {
            "type": "object",
            "required": ["id", "name", "schedule", "availability", "timeZone", "isDefault"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "isManaged": {"type": "boolean"},
                "workingHours": {"type": "array", "items": hours},
                "schedule": {"type": "array", "items": ROW},
                "availability": WEEK,
                "timeZone": {"type": "string"},
                "dateOverrides": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"ranges": {"type": "array", "items": SPAN}},
                    },
                },
                "isDefault": {"type": "boolean"},
                "isLastSchedule": {"type": "boolean"},
                "readOnly": {"type": "boolean"},
                "userId": {"type": "integer"},
            },
        }


class UpdatedScheduleOutputExtension(OpenApiSerializerExtension):
    target_class = UpdatedScheduleOutput_2024_04_15

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "required": ["schedule", "isDefault"],
            "properties": {
                "schedule": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "userId": {"type": "integer"},
                        "name": {"type": "string"},
                        "timeZone": {"type": "string"},
                        "availability": {"type": "array", "items": ROW},
                    },
                },
                "availability": WEEK,
                "timeZone": {"type": "string"},
                "isDefault": {"type": "boolean"},
                "prevDefaultId": {"type": "integer", "nullable": True},
                "currentDefaultId": {"type": "integer", "nullable": True},
            },
        }


class ScheduleViewSet_2024_04_15(ApiViewSet):  # noqa: N801
    api_version = None  # reached only without the header (api/schedules/views.py)
    tag = "Schedules (2024-04-15)"
    lookup_field = "schedule_id"
    lookup_value_converter = "int"

    def output_context(self):
        count = Schedule.objects.filter(owner=self.request.user).count()
        return {**super().output_context(), "schedule_count": count}

    @operation(
        "createSchedule_2024_04_15",
        body=CreateScheduleInput_2024_04_15,
        output=ScheduleOutput_2024_04_15,
        status=201,
        deprecated=True,
    )
    def create(self, request):
        """Create a schedule (Cal.com 2024-04-15)"""
        body = self.body()
        data = body.validated_data
        schedule = services.create_schedule(
            request.user,
            name=data["name"],
            time_zone=data["timeZone"],
            is_default=data["isDefault"],
            weekly=body.weekly_rows(),
        )
        return self.respond(fresh(schedule.pk))

    @operation(
        "listSchedules_2024_04_15", output=ScheduleOutput_2024_04_15, many=True, deprecated=True
    )
    def list(self, request):
        """List your schedules (Cal.com 2024-04-15)"""
        schedules = with_output_relations(Schedule.objects.filter(owner=request.user))
        return self.respond(list(schedules.order_by("id")))

    @operation(
        "getDefaultSchedule_2024_04_15",
        output=ScheduleOutput_2024_04_15,
        nullable=True,
        deprecated=True,
    )
    def default(self, request):
        """Get your default schedule (Cal.com 2024-04-15)

        `data` is null while you have none.
        """
        schedule = (
            with_output_relations(Schedule.objects.filter(owner=request.user))
            .filter(is_default=True)
            .first()
        )
        if schedule is None:
            return Response(None, null_data=True)
        return self.respond(schedule)

    @operation("getSchedule_2024_04_15", output=ScheduleOutput_2024_04_15, deprecated=True)
    def retrieve(self, request, schedule_id):
        """Get one of your schedules (Cal.com 2024-04-15)"""
        schedules = with_output_relations(Schedule.objects.all())
        return self.respond(permissions.own_schedule(request.user, schedule_id, schedules))

    @operation(
        "updateSchedule_2024_04_15",
        body=UpdateScheduleInput_2024_04_15,
        output=UpdatedScheduleOutput_2024_04_15,
        deprecated=True,
    )
    def partial_update(self, request, schedule_id):
        """Change a schedule (Cal.com 2024-04-15)

        `schedule` (seven lists from Sunday) and `dateOverrides`, when given, replace the old
        ones.
        """
        schedule = permissions.own_schedule(request.user, schedule_id)
        previous = default_id(request.user)
        body = self.body()
        services.update_schedule(
            schedule, body.changes(), weekly=body.weekly_rows(), overrides=body.override_rows()
        )
        return self.respond(
            fresh(schedule.pk), previous_default=previous, current_default=default_id(request.user)
        )

    @operation("deleteSchedule_2024_04_15", deprecated=True)
    def destroy(self, request, schedule_id):
        """Delete a schedule (Cal.com 2024-04-15)"""
        schedule = permissions.own_schedule(request.user, schedule_id)
        services.delete_schedule(schedule)
        return self.respond()


def default_id(user) -> int | None:
    return Schedule.objects.filter(owner=user, is_default=True).values_list("id", flat=True).first()
