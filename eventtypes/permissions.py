"""Who may read and change which event types, teams' event types and schedules.

A personal event type belongs to its owner. A team's event types are read by every member
and changed by the team's owners and admins. What a caller may not read is as unknown to them
as what does not exist (EventTypeNotFound, TeamNotFound, ScheduleNotFound); a member who may
read but not change gets NotTeamAdmin.
"""

from django.db.models import Q

from accounts.models import Membership, Team
from eventtypes.errors import (
    EventTypeNotFound,
    NotTeamAdmin,
    PrivateLinkNotFound,
    ScheduleNotFound,
    TeamNotFound,
)
from eventtypes.models import EventType, PrivateLink, Schedule

ADMIN_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def _member_team_ids(user):
    return Membership.objects.filter(user=user).values("team_id")


def administered_team_ids(user):
    """The ids of the teams the user owns or administers (a subquery)."""
    return Membership.objects.filter(user=user, role__in=ADMIN_ROLES).values("team_id")


def manager_check(user):
    """A predicate telling which event types the user manages, in one query for all of them."""
    if not user.is_authenticated:
        return lambda event_type: False
    if user.is_superuser:
        return lambda event_type: True
    admin_teams = set(administered_team_ids(user).values_list("team_id", flat=True))
    return lambda event_type: event_type.owner_id == user.id or event_type.team_id in admin_teams


def readable_event_types(user):
    """Personal types the user owns and every event type of the user's teams."""
    if user.is_superuser:
        return EventType.objects.all()
    return EventType.objects.filter(Q(owner=user) | Q(team_id__in=_member_team_ids(user)))


def can_manage_event_type(user, event_type: EventType) -> bool:
    """Owners of a personal type; team owners and admins of a team type."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or (event_type.owner_id is not None and event_type.owner_id == user.id):
        return True
    return (
        event_type.team_id is not None
        and administered_team_ids(user).filter(team_id=event_type.team_id).exists()
    )


def readable_event_type(user, event_type_id: int, queryset=None) -> EventType:
    events = readable_event_types(user)
    if queryset is not None:
        events = queryset.filter(pk__in=events.values("pk"))
    event_type = events.filter(pk=event_type_id).first()
    if event_type is None:
        raise EventTypeNotFound(f"Event type with id {event_type_id} not found.")
    return event_type


def managed_event_type(user, event_type_id: int, queryset=None) -> EventType:
    """An event type the user may change; a team member who may only read gets NotTeamAdmin."""
    event_type = readable_event_type(user, event_type_id, queryset)
    if not can_manage_event_type(user, event_type):
        raise NotTeamAdmin(
            "Only the team's owners and admins can change its event types and private links."
        )
    return event_type


def member_team(user, team_id: int) -> Team:
    teams = Team.objects.all() if user.is_superuser else Team.objects.filter(memberships__user=user)
    team = teams.filter(pk=team_id).first()
    if team is None:
        raise TeamNotFound(f"Team with id {team_id} not found.")
    return team


def administered_team(user, team_id: int) -> Team:
    team = member_team(user, team_id)
    if not user.is_superuser and not administered_team_ids(user).filter(team_id=team.pk).exists():
        raise NotTeamAdmin("Only the team's owners and admins can change its event types.")
    return team


def team_event_type(team: Team, event_type_id: int, queryset=None) -> EventType:
    event_type = (
        (queryset if queryset is not None else EventType.objects)
        .filter(team=team, pk=event_type_id)
        .first()
    )
    if event_type is None:
        raise EventTypeNotFound(f"Event type with id {event_type_id} not found in team {team.pk}.")
    return event_type


def event_type_link(event_type: EventType, link_id: str) -> PrivateLink:
    link = PrivateLink.objects.filter(event_type=event_type, link_hash=link_id).first()
    if link is None:
        raise PrivateLinkNotFound(
            f"Private link {link_id} of event type {event_type.pk} not found."
        )
    return link


def own_schedule(user, schedule_id: int, queryset=None) -> Schedule:
    schedule = (
        (queryset if queryset is not None else Schedule.objects)
        .filter(owner=user, pk=schedule_id)
        .first()
    )
    if schedule is None:
        raise ScheduleNotFound(f"Schedule with id {schedule_id} not found.")
    return schedule
