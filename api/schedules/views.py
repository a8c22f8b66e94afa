"""Schedules (cal-api-version 2024-06-11): the caller's own weekly hours and date overrides."""

from rest_framework.decorators import action

from api import versions
from api.operations import operation
from api.schedules.loading import fresh, with_output_relations
from api.schedules.serializers import ScheduleInput, ScheduleOutput
from api.schedules.version_2024_04_15 import ScheduleViewSet_2024_04_15
from api.views import ApiViewSet
from eventtypes import permissions, services
from eventtypes.errors import ScheduleNotFound
from eventtypes.models import Schedule


class ScheduleViewSet(ApiViewSet):
    api_version = versions.SCHEDULES
    tag = "Schedules"
    without_version_header = ScheduleViewSet_2024_04_15
    lookup_field = "schedule_id"
    lookup_value_converter = "int"

    @operation("createSchedule", body=ScheduleInput, output=ScheduleOutput, status=201)
    def create(self, request):
        """Create a schedule

        Without `availability`: Monday to Friday 09:00-17:00. While you have no default schedule
        (your first one), the new one becomes it; later, `isDefault: true` makes a new one the
        default instead. An override from 00:00 to 00:00 marks the day unavailable; an `endTime`
        of 00:00 otherwise means midnight.
        """
        body = self.body()
        changes = body.changes()
        schedule = services.create_schedule(
            request.user,
            name=changes["name"],
            time_zone=changes["time_zone"],
            is_default=changes["is_default"],
            weekly=body.weekly_rows(),
            overrides=body.override_rows(),
        )
        return self.respond(fresh(schedule.pk))

    @operation("listSchedules", output=ScheduleOutput, many=True)
    def list(self, request):
        """List your schedules"""
        schedules = with_output_relations(Schedule.objects.filter(owner=request.user))
        return self.respond(list(schedules.order_by("id")))

    @action(detail=False, methods=["get"])
    @operation("getDefaultSchedule", output=ScheduleOutput, errors=(404,))
    def default(self, request):
        """Get your default schedule"""
        schedule = (
            with_output_relations(Schedule.objects.filter(owner=request.user))
            .filter(is_default=True)
            .first()
        )
        if schedule is None:
            raise ScheduleNotFound("You have no default schedule yet.")
        return self.respond(schedule)

    @operation("getSchedule", output=ScheduleOutput)
    def retrieve(self, request, schedule_id):
        """Get one of your schedules"""
        schedules = with_output_relations(Schedule.objects.all())
        return self.respond(permissions.own_schedule(request.user, schedule_id, schedules))

    @operation("updateSchedule", body=ScheduleInput, output=ScheduleOutput)
    def partial_update(self, request, schedule_id):
        """Change a schedule

        Only what is given changes; `availability` and `overrides` replace the old ones. The
        default changes by making another schedule the default.
        """
        schedule = permissions.own_schedule(request.user, schedule_id)
        body = self.body(patch=True)
        services.update_schedule(
            schedule, body.changes(), weekly=body.weekly_rows(), overrides=body.override_rows()
        )
        return self.respond(fresh(schedule.pk))

    @operation("deleteSchedule")
    def destroy(self, request, schedule_id):
        """Delete a schedule

        Event types that used it fall back to your default schedule. The default can be deleted
        only when it is your last schedule.
        """
        schedule = permissions.own_schedule(request.user, schedule_id)
        services.delete_schedule(schedule)
        return self.respond()
