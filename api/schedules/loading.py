"""Schedules loaded with their weekly hours and date overrides, in a fixed number of queries."""

from django.db.models import Prefetch

from eventtypes.models import DateOverride, Schedule, WeeklyAvailability


def with_output_relations(schedules):
    return schedules.prefetch_related(
        Prefetch("weekly", queryset=WeeklyAvailability.objects.order_by("weekday", "start_time")),
        Prefetch("overrides", queryset=DateOverride.objects.order_by("date", "start_time")),
    )


def fresh(schedule_id: int) -> Schedule:
    return with_output_relations(Schedule.objects.filter(pk=schedule_id)).get()
