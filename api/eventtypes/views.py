"""Event types (cal-api-version 2024-06-14): personal ones, a team's, and their private links.

Each action finds what the caller may act on (eventtypes/permissions.py), calls one service
(eventtypes/services.py) and renders the result. A team's event types are read by its members
and changed by its owners and admins.
"""

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import exceptions

from api import versions
from api.eventtypes.loading import fresh, with_output_relations
from api.eventtypes.serializers import (
    AnyEventTypeOutput,
    DeletedEventTypeOutput,
    DeletedPrivateLinkOutput,
    EventTypeInput,
    EventTypeListQuery,
    PrivateLinkInput,
    PrivateLinkOutput,
    TeamEventTypeInput,
    TeamEventTypeListQuery,
    TeamEventTypeOutput,
)
from api.eventtypes.version_2024_04_15 import EventTypeViewSet_2024_04_15
from api.operations import operation
from api.views import ApiViewSet
from eventtypes import permissions, services
from eventtypes.models import EventType

# A PATCH of an event type takes the settings of its kind.
ANY_EVENT_TYPE_INPUT = PolymorphicProxySerializer(
    component_name="AnyEventTypeUpdate",
    serializers=[EventTypeInput, TeamEventTypeInput],
    resource_type_field_name=None,
)


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
    return events.order_by(*created_order(filters), "id")


def created_order(filters: dict) -> list[str]:
    order = {"asc": "created_at", "desc": "-created_at"}.get(filters.get("sortCreatedAt"))
    return [order] if order else []


class EventTypeViewSet(ApiViewSet):
    api_version = versions.EVENT_TYPES
    tag = "Event types"
    without_version_header = EventTypeViewSet_2024_04_15
    lookup_field = "event_type_id"
    lookup_value_converter = "int"

    @operation(
        "listEventTypes",
        query=EventTypeListQuery,
        output=AnyEventTypeOutput,
        many=True,
        public=True,
    )
    def list(self, request):
        """List event types by username, or your own

        Public. With `username` (or `usernames`), that user's event types; `eventSlug` narrows
        to one. With an API key and no username: your own. Hidden event types are listed for
        their owner only.
        """
        filters = self.query().validated_data
        events = list(with_output_relations(listed_event_types(request.user, filters), hosts=False))
        return self.respond(events, manages=permissions.manager_check(request.user, events))

    @operation("createEventType", body=EventTypeInput, output=AnyEventTypeOutput, status=201)
    def create(self, request):
        """Create an event type"""
        settings = self.body().to_settings()
        event_type = services.create_event_type(owner=request.user, settings=settings)
        return self.respond(fresh(event_type.pk))

    @operation("getEventType", output=AnyEventTypeOutput)
    def retrieve(self, request, event_type_id):
        """Get an event type you own, or one of your teams'"""
        events = with_output_relations(EventType.objects.all())
        return self.respond(permissions.readable_event_type(request.user, event_type_id, events))

    @operation(
        "updateEventType",
        body=ANY_EVENT_TYPE_INPUT,
        output=AnyEventTypeOutput,
        errors=(403, 409),
    )
    def partial_update(self, request, event_type_id):
        """Change an event type

        Only the settings given change. Team types: team owners and admins, with the team event
        type's settings (hosts, schedulingType).
        """
        event_type = permissions.managed_event_type(request.user, event_type_id)
        update(event_type, self.body(input_class(event_type), patch=True))
        return self.respond(fresh(event_type.pk))

    @operation("deleteEventType", output=DeletedEventTypeOutput, errors=(403,))
    def destroy(self, request, event_type_id):
        """Delete an event type

        Its bookings stay, without an event type.
        """
        event_type = permissions.managed_event_type(request.user, event_type_id)
        services.delete_event_type(event_type)
        event_type.pk = event_type_id  # deleted: shown with the id it had
        return self.respond(event_type)


def input_class(event_type: EventType):
    return TeamEventTypeInput if event_type.is_team_event else EventTypeInput


def update(event_type: EventType, body) -> None:
    if event_type.is_team_event:
        services.update_event_type(
            event_type,
            body.to_settings(),
            hosts=body.host_specs(),
            assign_all_members=body.assign_all_members,
        )
    else:
        services.update_event_type(event_type, body.to_settings())


class TeamEventTypeViewSet(ApiViewSet):
    api_version = versions.EVENT_TYPES
    tag = "Team event types"
    lookup_field = "event_type_id"
    lookup_value_converter = "int"

    @operation(
        "createTeamEventType",
        body=TeamEventTypeInput,
        output=TeamEventTypeOutput,
        status=201,
        errors=(403, 404),
    )
    def create(self, request, team_id):
        """Create a team event type

        Team owners and admins. Hosts must be members of the team.
        """
        team = permissions.administered_team(request.user, team_id)
        body = self.body()
        event_type = services.create_event_type(
            team=team,
            settings=body.to_settings(),
            hosts=body.host_specs(),
            assign_all_members=body.assign_all_members,
        )
        return self.respond(fresh(event_type.pk))

    @operation(
        "listTeamEventTypes", query=TeamEventTypeListQuery, output=TeamEventTypeOutput, many=True
    )
    def list(self, request, team_id):
        """List a team's event types

        Members of the team, hidden event types included.
        """
        team = permissions.member_team(request.user, team_id)
        filters = self.query().validated_data
        events = EventType.objects.filter(team=team)
        if "eventSlug" in filters:
            events = events.filter(slug=filters["eventSlug"])
        events = with_output_relations(events.order_by(*created_order(filters), "id"))
        return self.respond(list(events), hosts_limit=filters.get("hostsLimit"))

    @operation("getTeamEventType", output=TeamEventTypeOutput)
    def retrieve(self, request, team_id, event_type_id):
        """Get a team event type"""
        team = permissions.member_team(request.user, team_id)
        events = with_output_relations(EventType.objects.all())
        return self.respond(permissions.team_event_type(team, event_type_id, events))

    @operation(
        "updateTeamEventType",
        body=TeamEventTypeInput,
        output=TeamEventTypeOutput,
        errors=(403, 409),
    )
    def partial_update(self, request, team_id, event_type_id):
        """Change a team event type

        Only the settings given change; `hosts` (or `assignAllTeamMembers`) replaces every host.
        """
        team = permissions.administered_team(request.user, team_id)
        event_type = permissions.team_event_type(team, event_type_id)
        update(event_type, self.body(patch=True))
        return self.respond(fresh(event_type.pk))

    @operation("deleteTeamEventType", output=DeletedEventTypeOutput, errors=(403,))
    def destroy(self, request, team_id, event_type_id):
        """Delete a team event type"""
        team = permissions.administered_team(request.user, team_id)
        event_type = permissions.team_event_type(team, event_type_id)
        services.delete_event_type(event_type)
        event_type.pk = event_type_id  # deleted: shown with the id it had
        return self.respond(event_type)


class PrivateLinkViewSet(ApiViewSet):
    api_version = versions.EVENT_TYPES
    tag = "Event types"
    lookup_field = "link_id"
    lookup_value_converter = "str"

    def output_context(self):
        return {**super().output_context(), "now": timezone.now()}

    @operation(
        "createPrivateLink",
        body=PrivateLinkInput,
        output=PrivateLinkOutput,
        status=201,
        errors=(403,),
    )
    def create(self, request, event_type_id):
        """Create a private link to an event type

        Time-based with `expiresAt`, else usage-based (`maxUsageCount`, default 1).
        """
        event_type = permissions.managed_event_type(request.user, event_type_id)
        data = self.body().validated_data
        now = timezone.now()
        link = services.create_private_link(
            event_type, expires_at=data.get("expires_at"), max_uses=data.get("max_uses"), now=now
        )
        return self.respond(link, now=now)

    @operation("listPrivateLinks", output=PrivateLinkOutput, many=True, errors=(403,))
    def list(self, request, event_type_id):
        """List an event type's private links"""
        event_type = permissions.managed_event_type(request.user, event_type_id)
        links = event_type.private_links.select_related("event_type").order_by("created_at", "id")
        return self.respond(list(links))

    @operation("updatePrivateLink", body=PrivateLinkInput, output=PrivateLinkOutput, errors=(403,))
    def partial_update(self, request, event_type_id, link_id):
        """Give a private link a new expiry time or number of uses"""
        event_type = permissions.managed_event_type(request.user, event_type_id)
        link = permissions.event_type_link(event_type, link_id)
        data = self.body().validated_data
        now = timezone.now()
        link = services.update_private_link(
            link, expires_at=data.get("expires_at"), max_uses=data.get("max_uses"), now=now
        )
        return self.respond(link, now=now)

    @operation("deletePrivateLink", output=DeletedPrivateLinkOutput, errors=(403,))
    def destroy(self, request, event_type_id, link_id):
        """Delete a private link"""
        event_type = permissions.managed_event_type(request.user, event_type_id)
        link = permissions.event_type_link(event_type, link_id)
        services.delete_private_link(link)
        return self.respond(link)
