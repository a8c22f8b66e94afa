"""Event types (cal-api-version 2024-06-14), their private links, team event types, and
schedules (2024-06-11).

Each view parses the request, finds what the caller may act on (eventtypes/permissions.py),
calls one service (eventtypes/services.py) and renders with eventtypes/api/outputs.py.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api import docs, versions
from api.eventtypes import outputs
from api.eventtypes.inputs import (
    EventTypeInput,
    EventTypeListQuery,
    PrivateLinkInput,
    ScheduleInput,
    TeamEventTypeInput,
    TeamEventTypeListQuery,
)
from api.views import VersionedAPIView
from eventtypes import permissions, services
from eventtypes.models import EventType, Schedule

# Model field -> the API's name for it, so that errors name what the client sent.
API_FIELD_NAMES = {
    "length_minutes": "lengthInMinutes",
    "length_options": "lengthInMinutesOptions",
    "booking_fields": "bookingFields",
    "slot_interval": "slotInterval",
    "minimum_booking_notice": "minimumBookingNotice",
    "before_event_buffer": "beforeEventBuffer",
    "after_event_buffer": "afterEventBuffer",
    "schedule": "scheduleId",
    "booking_window_type": "bookingWindow",
    "booking_window_days": "bookingWindow",
    "booking_window_start": "bookingWindow",
    "booking_window_end": "bookingWindow",
    "booking_limits_count": "bookingLimitsCount",
    "booking_limits_duration": "bookingLimitsDuration",
    "requires_confirmation": "confirmationPolicy",
    "confirmation_threshold_minutes": "confirmationPolicy",
    "seats_per_time_slot": "seats",
    "recurrence_frequency": "recurrence",
    "recurrence_interval": "recurrence",
    "recurrence_max_occurrences": "recurrence",
    "custom_title": "customName",
    "success_redirect_url": "successRedirectUrl",
    "instant_meetings_allowed": "isInstantEvent",
    "reminder_offsets": "reminderOffsets",
    "cancellation_cutoff_minutes": "cancellationCutoffMinutes",
    "reschedule_cutoff_minutes": "disableRescheduling",
    "scheduling_type": "schedulingType",
    "time_zone": "timeZone",
    "weekly": "availability",
    "expires_at": "expiresAt",
    "max_uses": "maxUsageCount",
    "__all__": "non_field_errors",
}


def as_api_error(exc: Exception) -> Exception:
    """Model validation errors, with the API's field names (domain errors pass through)."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {}
            for field, messages in exc.message_dict.items():
                detail.setdefault(API_FIELD_NAMES.get(field, field), []).extend(messages)
            return exceptions.ValidationError(detail)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    return exc


class EventTypesApiView(VersionedAPIView):
    api_version = versions.EVENT_TYPES

    def handle_exception(self, exc):
        return super().handle_exception(as_api_error(exc))


class SchedulesApiView(EventTypesApiView):
    api_version = versions.SCHEDULES


EVENT_TYPE = docs.envelope("EventTypeResponse", outputs.EventTypeOut)
TEAM_EVENT_TYPE = docs.envelope("TeamEventTypeResponse", outputs.TeamEventTypeOut)
ANY_EVENT_TYPE = docs.envelope(
    "AnyEventTypeResponse",
    PolymorphicProxySerializer(
        component_name="AnyEventType",
        serializers=[outputs.EventTypeOut, outputs.TeamEventTypeOut],
        resource_type_field_name=None,
    ),
    description="A personal event type, or a team event type (with teamId and hosts)",
)
DELETED_EVENT_TYPE = docs.envelope("DeletedEventTypeResponse", outputs.DeletedEventTypeOut)
PRIVATE_LINK = docs.envelope("PrivateLinkResponse", outputs.PrivateLinkOut)
SCHEDULE = docs.envelope("ScheduleResponse", outputs.ScheduleOut)
EVENT_TYPE_ID = OpenApiParameter("event_type_id", int, OpenApiParameter.PATH)
TEAM_ID = OpenApiParameter("team_id", int, OpenApiParameter.PATH)


def _body(serializer_class, request, **options):
    body = serializer_class(data=request.data, **options)
    body.is_valid(raise_exception=True)
    return body


def _render(event_type_id: int, **options) -> dict:
    event_type = outputs.with_output_relations(EventType.objects.filter(pk=event_type_id)).get()
    return outputs.event_type_output(event_type, **options)


# --- Personal event types ----------------------------------------------------------------------


def listed_event_types(user, filters: dict):
    """The public listing: someone's event types by username(s), or the caller's own.

    Hidden types are listed only for their owner.
    """
    events = EventType.objects.filter(owner__isnull=False)
    names = [filters["username"]] if "username" in filters else filters.get("usernames")
    if names:
        events = events.filter(owner__username__in=names)
    elif user.is_authenticated:
        events = events.filter(owner=user)
    else:
        raise exceptions.ValidationError(
            {
                "username": "Give username or usernames to list someone's event types, or "
                "send an API key to list your own."
            }
        )
    if "eventSlug" in filters:
        events = events.filter(slug=filters["eventSlug"])
    if "orgSlug" in filters:
        events = events.filter(owner__organization__slug=filters["orgSlug"])
    if "orgId" in filters:
        events = events.filter(owner__organization_id=filters["orgId"])
    owner_id = user.id if user.is_authenticated else None
    events = events.filter(Q(hidden=False) | Q(owner_id=owner_id))
    order = {"asc": "created_at", "desc": "-created_at"}.get(filters.get("sortCreatedAt"))
    return events.order_by(*([order] if order else []), "id")


class EventTypesView(EventTypesApiView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="createEventType",
        summary="Create an event type",
        request=EventTypeInput,
        parameters=[docs.version_header(versions.EVENT_TYPES), docs.IDEMPOTENCY_HEADER],
        responses={201: EVENT_TYPE, **docs.errors(400, 401, 409)},
        tags=["Event types"],
    )
    def post(self, request):
        body = _body(EventTypeInput, request)
        event_type = services.create_event_type(owner=request.user, settings=body.to_settings())
        return Response(_render(event_type.pk), status=201)

    @extend_schema(
        operation_id="listEventTypes",
        summary="List event types by username, or your own",
        description=(
            "Public. With `username` (or `usernames`), that user's event types; `eventSlug` "
            "narrows to one. With an API key and no username: your own. Hidden event types "
            "are listed for their owner only."
        ),
        parameters=[docs.version_header(versions.EVENT_TYPES), EventTypeListQuery],
        responses={
            200: docs.envelope("EventTypeListResponse", outputs.EventTypeOut, many=True),
            **docs.errors(400),
        },
        tags=["Event types"],
    )
    def get(self, request):
        filters = EventTypeListQuery(data=request.query_params)
        filters.is_valid(raise_exception=True)
        events = outputs.with_output_relations(
            listed_event_types(request.user, filters.validated_data), hosts=False
        )
        manages = permissions.manager_check(request.user)
        return Response([outputs.event_type_output(e, for_manager=manages(e)) for e in events])


class EventTypeDetailView(EventTypesApiView):
    @extend_schema(
        operation_id="getEventType",
        summary="Get an event type you own, or one of your teams'",
        parameters=[docs.version_header(versions.EVENT_TYPES), EVENT_TYPE_ID],
        responses={200: ANY_EVENT_TYPE, **docs.errors(401, 404)},
        tags=["Event types"],
    )
    def get(self, request, event_type_id):
        event_type = permissions.readable_event_type(
            request.user, event_type_id, outputs.with_output_relations(EventType.objects.all())
        )
        return Response(outputs.event_type_output(event_type))

    @extend_schema(
        operation_id="updateEventType",
        summary="Change an event type",
        description=(
            "Only the settings given change. Team types: team owners and admins, with the "
            "team event type's settings (hosts, schedulingType)."
        ),
        request=PolymorphicProxySerializer(
            component_name="AnyEventTypeUpdate",
            serializers=[EventTypeInput, TeamEventTypeInput],
            resource_type_field_name=None,
        ),
        parameters=[docs.version_header(versions.EVENT_TYPES), EVENT_TYPE_ID],
        responses={200: ANY_EVENT_TYPE, **docs.errors(400, 401, 403, 404, 409)},
        tags=["Event types"],
    )
    def patch(self, request, event_type_id):
        event_type = permissions.managed_event_type(request.user, event_type_id)
        if event_type.is_team_event:
            body = _body(TeamEventTypeInput, request, patch=True)
            services.update_event_type(
                event_type,
                body.to_settings(),
                hosts=body.host_specs(),
                assign_all_members=body.assign_all_members,
            )
        else:
            body = _body(EventTypeInput, request, patch=True)
            services.update_event_type(event_type, body.to_settings())
        return Response(_render(event_type.pk))

    @extend_schema(
        operation_id="deleteEventType",
        summary="Delete an event type",
        description="Its bookings stay, without an event type.",
        parameters=[docs.version_header(versions.EVENT_TYPES), EVENT_TYPE_ID],
        responses={200: DELETED_EVENT_TYPE, **docs.errors(401, 403, 404)},
        tags=["Event types"],
    )
    def delete(self, request, event_type_id):
        event_type = permissions.managed_event_type(request.user, event_type_id)
        services.delete_event_type(event_type)
        return Response(outputs.deleted_event_type_output(event_type, event_type_id))


# --- Team event types --------------------------------------------------------------------------


class TeamEventTypesView(EventTypesApiView):
    @extend_schema(
        operation_id="createTeamEventType",
        summary="Create a team event type",
        description="Team owners and admins. Hosts must be members of the team.",
        request=TeamEventTypeInput,
        parameters=[docs.version_header(versions.EVENT_TYPES), TEAM_ID, docs.IDEMPOTENCY_HEADER],
        responses={201: TEAM_EVENT_TYPE, **docs.errors(400, 401, 403, 404, 409)},
        tags=["Team event types"],
    )
    def post(self, request, team_id):
        team = permissions.administered_team(request.user, team_id)
        body = _body(TeamEventTypeInput, request)
        event_type = services.create_event_type(
            team=team,
            settings=body.to_settings(),
            hosts=body.host_specs(),
            assign_all_members=body.assign_all_members,
        )
        return Response(_render(event_type.pk), status=201)

    @extend_schema(
        operation_id="listTeamEventTypes",
        summary="List a team's event types",
        description="Members of the team, hidden event types included.",
        parameters=[docs.version_header(versions.EVENT_TYPES), TEAM_ID, TeamEventTypeListQuery],
        responses={
            200: docs.envelope("TeamEventTypeListResponse", outputs.TeamEventTypeOut, many=True),
            **docs.errors(400, 401, 404),
        },
        tags=["Team event types"],
    )
    def get(self, request, team_id):
        team = permissions.member_team(request.user, team_id)
        query = TeamEventTypeListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        events = EventType.objects.filter(team=team)
        if "eventSlug" in filters:
            events = events.filter(slug=filters["eventSlug"])
        order = {"asc": "created_at", "desc": "-created_at"}.get(filters.get("sortCreatedAt"))
        events = outputs.with_output_relations(events.order_by(*([order] if order else []), "id"))
        limit = filters.get("hostsLimit")
        return Response([outputs.event_type_output(e, hosts_limit=limit) for e in events])


class TeamEventTypeDetailView(EventTypesApiView):
    @extend_schema(
        operation_id="getTeamEventType",
        summary="Get a team event type",
        parameters=[docs.version_header(versions.EVENT_TYPES), TEAM_ID, EVENT_TYPE_ID],
        responses={200: TEAM_EVENT_TYPE, **docs.errors(401, 404)},
        tags=["Team event types"],
    )
    def get(self, request, team_id, event_type_id):
        team = permissions.member_team(request.user, team_id)
        event_type = permissions.team_event_type(
            team, event_type_id, outputs.with_output_relations(EventType.objects.all())
        )
        return Response(outputs.event_type_output(event_type))

    @extend_schema(
        operation_id="updateTeamEventType",
        summary="Change a team event type",
        description="Only the settings given change; `hosts` (or `assignAllTeamMembers`) "
        "replaces every host.",
        request=TeamEventTypeInput,
        parameters=[docs.version_header(versions.EVENT_TYPES), TEAM_ID, EVENT_TYPE_ID],
        responses={200: TEAM_EVENT_TYPE, **docs.errors(400, 401, 403, 404, 409)},
        tags=["Team event types"],
    )
    def patch(self, request, team_id, event_type_id):
        team = permissions.administered_team(request.user, team_id)
        event_type = permissions.team_event_type(team, event_type_id)
        body = _body(TeamEventTypeInput, request, patch=True)
        services.update_event_type(
            event_type,
            body.to_settings(),
            hosts=body.host_specs(),
            assign_all_members=body.assign_all_members,
        )
        return Response(_render(event_type.pk))

    @extend_schema(
        operation_id="deleteTeamEventType",
        summary="Delete a team event type",
        parameters=[docs.version_header(versions.EVENT_TYPES), TEAM_ID, EVENT_TYPE_ID],
        responses={200: DELETED_EVENT_TYPE, **docs.errors(401, 403, 404)},
        tags=["Team event types"],
    )
    def delete(self, request, team_id, event_type_id):
        team = permissions.administered_team(request.user, team_id)
        event_type = permissions.team_event_type(team, event_type_id)
        services.delete_event_type(event_type)
        return Response(outputs.deleted_event_type_output(event_type, event_type_id))


# --- Private links -----------------------------------------------------------------------------

LINK_ID = OpenApiParameter("link_id", str, OpenApiParameter.PATH)


class PrivateLinksView(EventTypesApiView):
    @extend_schema(
        operation_id="createPrivateLink",
        summary="Create a private link to an event type",
        description="Time-based with `expiresAt`, else usage-based (`maxUsageCount`, default 1).",
        request=PrivateLinkInput,
        parameters=[
            docs.version_header(versions.EVENT_TYPES),
            EVENT_TYPE_ID,
            docs.IDEMPOTENCY_HEADER,
        ],
        responses={201: PRIVATE_LINK, **docs.errors(400, 401, 403, 404)},
        tags=["Event types"],
    )
    def post(self, request, event_type_id):
        event_type = permissions.managed_event_type(request.user, event_type_id)
        data = _body(PrivateLinkInput, request).validated_data
        now = timezone.now()
        link = services.create_private_link(
            event_type,
            expires_at=data.get("expiresAt"),
            max_uses=data.get("maxUsageCount"),
            now=now,
        )
        return Response(outputs.private_link_output(link, event_type, now), status=201)

    @extend_schema(
        operation_id="listPrivateLinks",
        summary="List an event type's private links",
        parameters=[docs.version_header(versions.EVENT_TYPES), EVENT_TYPE_ID],
        responses={
            200: docs.envelope("PrivateLinkListResponse", outputs.PrivateLinkOut, many=True),
            **docs.errors(401, 403, 404),
        },
        tags=["Event types"],
    )
    def get(self, request, event_type_id):
        event_type = permissions.managed_event_type(request.user, event_type_id)
        now = timezone.now()
        links = event_type.private_links.order_by("created_at", "id")
        return Response([outputs.private_link_output(link, event_type, now) for link in links])


class PrivateLinkDetailView(EventTypesApiView):
    @extend_schema(
        operation_id="updatePrivateLink",
        summary="Give a private link a new expiry time or number of uses",
        request=PrivateLinkInput,
        parameters=[docs.version_header(versions.EVENT_TYPES), EVENT_TYPE_ID, LINK_ID],
        responses={200: PRIVATE_LINK, **docs.errors(400, 401, 403, 404)},
        tags=["Event types"],
    )
    def patch(self, request, event_type_id, link_id):
        event_type = permissions.managed_event_type(request.user, event_type_id)
        link = permissions.event_type_link(event_type, link_id)
        data = _body(PrivateLinkInput, request).validated_data
        now = timezone.now()
        link = services.update_private_link(
            link, expires_at=data.get("expiresAt"), max_uses=data.get("maxUsageCount"), now=now
        )
        return Response(outputs.private_link_output(link, event_type, now))

    @extend_schema(
        operation_id="deletePrivateLink",
        summary="Delete a private link",
        parameters=[docs.version_header(versions.EVENT_TYPES), EVENT_TYPE_ID, LINK_ID],
        responses={
            200: docs.envelope("DeletedPrivateLinkResponse", outputs.DeletedPrivateLinkOut),
            **docs.errors(401, 403, 404),
        },
        tags=["Event types"],
    )
    def delete(self, request, event_type_id, link_id):
        event_type = permissions.managed_event_type(request.user, event_type_id)
        link = permissions.event_type_link(event_type, link_id)
        services.delete_private_link(link)
        return Response({"linkId": link_id, "message": "Private link deleted successfully"})


# --- Schedules ---------------------------------------------------------------------------------

SCHEDULE_ID = OpenApiParameter("schedule_id", int, OpenApiParameter.PATH)


def _render_schedule(schedule_id: int) -> dict:
    schedule = outputs.with_schedule_relations(Schedule.objects.filter(pk=schedule_id)).get()
    return outputs.schedule_output(schedule)


class SchedulesView(SchedulesApiView):
    @extend_schema(
        operation_id="createSchedule",
        summary="Create a schedule",
        description=(
            "Without `availability`: Monday to Friday 09:00-17:00. While you have no default "
            "schedule (your first one), the new one becomes it; later, `isDefault: true` "
            "makes a new one the default instead. An override from 00:00 to 00:00 marks the "
            "day unavailable; an `endTime` of 00:00 otherwise means midnight."
        ),
        request=ScheduleInput,
        parameters=[docs.version_header(versions.SCHEDULES), docs.IDEMPOTENCY_HEADER],
        responses={201: SCHEDULE, **docs.errors(400, 401)},
        tags=["Schedules"],
    )
    def post(self, request):
        body = _body(ScheduleInput, request)
        changes = body.changes()
        schedule = services.create_schedule(
            request.user,
            name=changes["name"],
            time_zone=changes["time_zone"],
            is_default=changes["is_default"],
            weekly=body.weekly_rows(),
            overrides=body.override_rows(),
        )
        return Response(_render_schedule(schedule.pk), status=201)

    @extend_schema(
        operation_id="listSchedules",
        summary="List your schedules",
        parameters=[docs.version_header(versions.SCHEDULES)],
        responses={
            200: docs.envelope("ScheduleListResponse", outputs.ScheduleOut, many=True),
            **docs.errors(401),
        },
        tags=["Schedules"],
    )
    def get(self, request):
        schedules = outputs.with_schedule_relations(
            Schedule.objects.filter(owner=request.user).order_by("id")
        )
        return Response([outputs.schedule_output(schedule) for schedule in schedules])


class DefaultScheduleView(SchedulesApiView):
    @extend_schema(
        operation_id="getDefaultSchedule",
        summary="Get your default schedule",
        parameters=[docs.version_header(versions.SCHEDULES)],
        responses={200: SCHEDULE, **docs.errors(401, 404)},
        tags=["Schedules"],
    )
    def get(self, request):
        schedule = (
            outputs.with_schedule_relations(Schedule.objects.filter(owner=request.user))
            .filter(is_default=True)
            .first()
        )
        if schedule is None:
            raise services.ScheduleNotFound("You have no default schedule yet.")
        return Response(outputs.schedule_output(schedule))


class ScheduleDetailView(SchedulesApiView):
    @extend_schema(
        operation_id="getSchedule",
        summary="Get one of your schedules",
        parameters=[docs.version_header(versions.SCHEDULES), SCHEDULE_ID],
        responses={200: SCHEDULE, **docs.errors(401, 404)},
        tags=["Schedules"],
    )
    def get(self, request, schedule_id):
        schedule = permissions.own_schedule(
            request.user, schedule_id, outputs.with_schedule_relations(Schedule.objects.all())
        )
        return Response(outputs.schedule_output(schedule))

    @extend_schema(
        operation_id="updateSchedule",
        summary="Change a schedule",
        description=(
            "Only what is given changes; `availability` and `overrides` replace the old ones. "
            "The default changes by making another schedule the default."
        ),
        request=ScheduleInput,
        parameters=[docs.version_header(versions.SCHEDULES), SCHEDULE_ID],
        responses={200: SCHEDULE, **docs.errors(400, 401, 404)},
        tags=["Schedules"],
    )
    def patch(self, request, schedule_id):
        schedule = permissions.own_schedule(request.user, schedule_id)
        body = _body(ScheduleInput, request, patch=True)
        services.update_schedule(
            schedule, body.changes(), weekly=body.weekly_rows(), overrides=body.override_rows()
        )
        return Response(_render_schedule(schedule.pk))

    @extend_schema(
        operation_id="deleteSchedule",
        summary="Delete a schedule",
        description=(
            "Event types that used it fall back to your default schedule. The default can be "
            "deleted only when it is your last schedule."
        ),
        parameters=[docs.version_header(versions.SCHEDULES), SCHEDULE_ID],
        responses={200: docs.bare_success("ScheduleDeletedResponse"), **docs.errors(400, 401, 404)},
        tags=["Schedules"],
    )
    def delete(self, request, schedule_id):
        schedule = permissions.own_schedule(request.user, schedule_id)
        services.delete_schedule(schedule)
        return Response(None)
