"""Finding the event type, team, private link or schedule a caller names, as far as they may
read or change it (the rule itself: EventTypeQuerySet.managed_by and readable_by).

A personal event type belongs to its owner. A team's event types are read by every member
and changed by the team's owners and admins. What a caller may not read is as unknown to them
as what does not exist (EventTypeNotFound, TeamNotFound, ScheduleNotFound); a member who may
read but not change gets NotTeamAdmin.
"""

from accounts.models import Team
from eventtypes.errors import (
    EventTypeNotFound,
    NotTeamAdmin,
    PrivateLinkNotFound,
    ScheduleNotFound,
    TeamNotFound,
)
from eventtypes.models import EventType, PrivateLink, Schedule


def manager_check(user, event_types):
    """A predicate telling which of `event_types` the user manages, in one query for all."""
    ids = [event_type.pk for event_type in event_types]
    managed = set(
        EventType.objects.managed_by(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    return lambda event_type: event_type.pk in managed


def can_manage_event_type(user, event_type: EventType) -> bool:
    if user is None or not user.is_authenticated:
        return False  # as managed_by says, without building a query (every public booking)
    return EventType.objects.managed_by(user).filter(pk=event_type.pk).exists()


def readable_event_type(user, event_type_id: int, queryset=None) -> EventType:
    events = (queryset if queryset is not None else EventType.objects).readable_by(user)
    event_type = events.filter(pk=event_type_id).first()
    if event_type is None:
        raise EventTypeNotFound(f"Event type with id {event_type_id} not found.")
    return event_type


def own_event_type(user, event_type_id: int) -> EventType:
    """An event type the user manages; to anyone else, a team member who may read it included,
    it does not exist (EventTypeNotFound)."""
    event_type = EventType.objects.managed_by(user).filter(pk=event_type_id).first()
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
    return _find_team(Team.objects.with_member(user), user, team_id)


def own_team(user, team_id: int) -> Team:
    """A team the user owns or administers; to anyone else, members included, it does not
    exist (TeamNotFound)."""
    return _find_team(Team.objects.administered_by(user), user, team_id)


def _find_team(teams, user, team_id: int) -> Team:
    team = (Team.objects.all() if user.is_superuser else teams).filter(pk=team_id).first()
    if team is None:
        raise TeamNotFound(f"Team with id {team_id} not found.")
    return team


def administered_team(user, team_id: int) -> Team:
    team = member_team(user, team_id)
    if not user.is_superuser and not Team.objects.administered_by(user).filter(pk=team.pk).exists():
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
