"""Schedules (Cal.com's 2024-06-11 shapes): weekly hours in their own time zone, and date
overrides. Inputs check shapes; the rules live in eventtypes/services.py."""

import re
from datetime import time
from typing import NamedTuple

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import StrictBooleanField, TimeZoneField
from api.serializers import PatchableSerializer
from bookings.representation import Output
from eventtypes.models import WEEKDAYS

DAY_NUMBERS = {name: number for number, name in WEEKDAYS}
DAY_NAMES = dict(WEEKDAYS)
HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class HourMinuteField(serializers.CharField):
    """Wall-clock time "HH:MM" (00:00 to 23:59)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        match = HH_MM.match(text)
        if not match:
            raise serializers.ValidationError(f"'{text}' is not a time such as '09:30' (HH:MM).")
        return time(int(match.group(1)), int(match.group(2)))

    def to_representation(self, value):
        return value.strftime("%H:%M")


class AvailabilityBlock(Output):
    days = serializers.ListField(
        child=serializers.ChoiceField(choices=list(DAY_NUMBERS)), min_length=1, max_length=7
    )
    startTime = HourMinuteField(source="start_time")
    endTime = HourMinuteField(
        source="end_time", help_text="00:00 means midnight at the end of the day"
    )


class OverrideBlock(Output):
    date = serializers.DateField()
    startTime = HourMinuteField(source="start_time")
    endTime = HourMinuteField(source="end_time", help_text="00:00 to 00:00: unavailable all day")

    def to_representation(self, row):
        # A day off (no times) is 00:00 to 00:00, Cal.com's way of writing it.
        data = super().to_representation(row)
        return {
            **data,
            "startTime": data["startTime"] or "00:00",
            "endTime": data["endTime"] or "00:00",
        }


class ScheduleInput(PatchableSerializer):
    """Cal.com's CreateScheduleInput_2024_06_11 (PATCH: any subset)."""

    name = serializers.CharField(max_length=100)
    timeZone = TimeZoneField(source="time_zone", max_length=64)
    isDefault = StrictBooleanField(source="is_default")
    availability = serializers.ListField(
        source="weekly",
        child=AvailabilityBlock(),
        required=False,
        max_length=100,
        help_text="Weekly hours; left out on creation: Monday to Friday 09:00-17:00",
    )
    overrides = serializers.ListField(child=OverrideBlock(), required=False, max_length=1000)

    def changes(self) -> dict:
        """name, time_zone and is_default, as far as given."""
        return {
            name: value
            for name, value in self.validated_data.items()
            if name in ("name", "time_zone", "is_default")
        }

    def weekly_rows(self):
        """(weekday, start, end) per day of each block; None when not given."""
        if "weekly" not in self.validated_data:
            return None
        return [
            (DAY_NUMBERS[day], block["start_time"], block["end_time"])
            for block in self.validated_data["weekly"]
            for day in dict.fromkeys(block["days"])
        ]

    def override_rows(self):
        """(date, start, end) per override, no times for a day off; None when not given."""
        if "overrides" not in self.validated_data:
            return None
        return [
            (item["date"], *day_off_as_no_times(item["start_time"], item["end_time"]))
            for item in self.validated_data["overrides"]
        ]


def day_off_as_no_times(start: time, end: time):
    # Cal.com marks a day off as 00:00 to 00:00; we store it as an override without times.
    if start == end == time(0):
        return None, None
    return start, end


class ScheduleOutput(Output):
    id = serializers.IntegerField()
    ownerId = serializers.IntegerField(source="owner_id")
    name = serializers.CharField()
    timeZone = serializers.CharField(source="time_zone")
    availability = serializers.SerializerMethodField()
    isDefault = serializers.BooleanField(source="is_default")
    overrides = OverrideBlock(many=True, source="overrides.all")

    @extend_schema_field(AvailabilityBlock(many=True))
    def get_availability(self, schedule) -> list:
        """Weekly hours grouped as Cal.com does: one block per start and end, with its days."""
        days_by_hours: dict[tuple[time, time], list[int]] = {}
        for row in schedule.weekly.all():
            days_by_hours.setdefault((row.start_time, row.end_time), []).append(row.weekday)
        blocks = [
            WeeklyBlock([DAY_NAMES[day] for day in sorted(set(days))], start, end)
            for (start, end), days in days_by_hours.items()
        ]
        return AvailabilityBlock(blocks, many=True).data


class WeeklyBlock(NamedTuple):
    days: list[str]
    start_time: time
    end_time: time
