"""Every change of event types, their hosts and private links, and of schedules.

The API and the admin call these; each validates through the models' `full_clean` (which runs
eventtypes/rules.py) and writes in one transaction. Settings are given by model field name.

Errors: a setting that breaks a rule raises django's ValidationError keyed by model field;
a state that forbids the change raises an EventTypeError subclass with a stable code.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership, Team
from eventtypes.errors import DefaultScheduleRequired, SlugTaken
from eventtypes.models import (
    WEEKDAYS,
    DateOverride,
    EventType,
    Host,
    PrivateLink,
    Schedule,
    WeeklyAvailability,
)

# Monday to Friday, 09:00 to 17:00: what a new schedule offers when no hours are given.
DEFAULT_WEEKLY = [(day, time(9), time(17)) for day in range(5)]
DAY_NAMES = dict(WEEKDAYS)


class _KeepSchedule:
    """A host who stays keeps the schedule chosen for them."""

    def __repr__(self):
        return "KEEP_SCHEDULE"


KEEP_SCHEDULE = _KeepSchedule()


@dataclass(frozen=True)
class HostSpec:
    user_id: int
    is_fixed: bool = False
    priority: int = Host.Priority.MEDIUM
    weight: int = 100
    # The host's own schedule for this event type; None: their default schedule.
    schedule_id: int | None | _KeepSchedule = KEEP_SCHEDULE


# --- Event types -------------------------------------------------------------------------------


def create_event_type(
    *,
    owner=None,
    team: Team | None = None,
    settings: dict,
    hosts: list[HostSpec] | None = None,
    assign_all_members: bool = False,
) -> EventType:
    """A personal event type (owner) or a team event type (team, with hosts).

    settings: model field values; `schedule_id` must name one of the owner's schedules.
    Raises ValidationError (a setting), SlugTaken (the owner or team already uses the slug).
    """
    with transaction.atomic():
        event_type = EventType(owner=owner, team=team)
        _apply(event_type, settings)
        _check_slug_free(event_type)
        event_type.full_clean(validate_constraints=False)
        _save(event_type)
        if team is not None and (hosts or assign_all_members):
            replace_hosts(event_type, hosts or [], assign_all_members=assign_all_members)
    return event_type


def update_event_type(
    event_type: EventType,
    settings: dict,
    *,
    hosts: list[HostSpec] | None = None,
    assign_all_members: bool = False,
) -> EventType:
    """Change the given settings (and, for team types, replace the hosts when given).

    The row is locked while it changes. Bookings already made keep what they were made with.
    """
    with transaction.atomic():
        event_type = EventType.objects.select_for_update(no_key=True).get(pk=event_type.pk)
        _apply(event_type, settings)
        if "slug" in settings:
            _check_slug_free(event_type)
        event_type.full_clean(validate_constraints=False)
        _save(event_type)
        if hosts is not None or assign_all_members:
            replace_hosts(event_type, hosts or [], assign_all_members=assign_all_members)
    return event_type


def delete_event_type(event_type: EventType) -> None:
    """Delete the event type with its hosts and private links; its bookings stay, unlinked."""
    with transaction.atomic():
        event_type.delete()


def replace_hosts(
    event_type: EventType, hosts: list[HostSpec], *, assign_all_members: bool = False
) -> None:
    """Make exactly these users the hosts of a team event type.

    assign_all_members: every current member of the team becomes a host (members who join
    later are not added). A host who stays keeps the schedule chosen for them.
    """
    check_hosts(event_type, [spec.user_id for spec in hosts])
    if assign_all_members:
        if hosts:
            raise ValidationError({"hosts": "Give hosts or assign all team members, not both."})
        hosts = [HostSpec(user_id=user_id) for user_id in sorted(team_members(event_type))]
    ids = [host.user_id for host in hosts]
    existing = {host.user_id: host for host in event_type.hosts.all()}
    event_type.hosts.exclude(user_id__in=ids).delete()
    for spec in hosts:
        host = existing.get(spec.user_id) or Host(event_type=event_type, user_id=spec.user_id)
        host.is_fixed, host.priority, host.weight = spec.is_fixed, spec.priority, spec.weight
        if spec.schedule_id is not KEEP_SCHEDULE:
            host.schedule_id = spec.schedule_id
        host.full_clean(exclude=["event_type", "user"], validate_constraints=False)
        host.save()


def team_members(event_type: EventType) -> set[int]:
    return set(
        Membership.objects.filter(team_id=event_type.team_id).values_list("user_id", flat=True)
    )


def check_hosts(event_type: EventType, user_ids: list[int]) -> None:
    """Hosts are for team event types, each a member of the team, each once.
    Raises ValidationError (on "hosts")."""
    if not event_type.is_team_event:
        raise ValidationError({"hosts": "Only team event types have hosts."})
    if len(user_ids) != len(set(user_ids)):
        raise ValidationError({"hosts": "A user appears more than once among the hosts."})
    outsiders = sorted(set(user_ids) - team_members(event_type))
    if outsiders:
        names = ", ".join(str(user_id) for user_id in outsiders)
        raise ValidationError(
            {"hosts": f"Users {names} are not members of team {event_type.team_id}."}
        )


def check_schedule(event_type: EventType) -> None:
    """The schedule of a personal event type is one of its owner's; a team event type has
    none (each host's own applies). Raises ValidationError (on "schedule")."""
    if event_type.schedule_id is None:
        return
    if event_type.is_team_event:
        raise ValidationError(
            {"schedule": "Team event types use each host's schedule, not one of their own."}
        )
    if not Schedule.objects.filter(
        pk=event_type.schedule_id, owner_id=event_type.owner_id
    ).exists():
        raise ValidationError(
            {"schedule": f"Schedule {event_type.schedule_id} does not exist or is not yours."}
        )


def _apply(event_type: EventType, settings: dict) -> None:
    for name, value in settings.items():
        setattr(event_type, name, value)
    if "schedule_id" in settings:
        check_schedule(event_type)


def _check_slug_free(event_type: EventType) -> None:
    others = EventType.objects.filter(slug=event_type.slug).exclude(pk=event_type.pk)
    if event_type.team_id:
        taken, whose = others.filter(team_id=event_type.team_id).exists(), "this team"
    else:
        taken, whose = others.filter(owner_id=event_type.owner_id).exists(), "you"
    if taken:
        raise SlugTaken(
            f"An event type with the slug '{event_type.slug}' already exists for {whose}.",
            details={"slug": event_type.slug},
        )


def _save(event_type: EventType) -> None:
    # Two requests may pass the slug check at once; the unique constraint decides.
    try:
        with transaction.atomic():
            event_type.save()
    except IntegrityError:
        raise SlugTaken(
            f"An event type with the slug '{event_type.slug}' already exists.",
            details={"slug": event_type.slug},
        ) from None


# --- Private links -----------------------------------------------------------------------------


def create_private_link(
    event_type: EventType,
    *,
    expires_at: datetime | None = None,
    max_uses: int | None = None,
    now=None,
) -> PrivateLink:
    """A secret link that works until `expires_at` (time-based) or for `max_uses` bookings
    (usage-based; one use when neither is given)."""
    expires_at, max_uses = check_link_limits(expires_at, max_uses, now, required=False)
    link = PrivateLink(event_type=event_type, expires_at=expires_at, max_uses=max_uses)
    link.full_clean(exclude=["event_type"])
    link.save()
    return link


def update_private_link(
    link: PrivateLink, *, expires_at: datetime | None = None, max_uses: int | None = None, now=None
) -> PrivateLink:
    """Switch a link to a new expiry time or a new number of uses; the uses so far count."""
    expires_at, max_uses = check_link_limits(expires_at, max_uses, now, required=True)
    with transaction.atomic():
        link = PrivateLink.objects.select_for_update(no_key=True).get(pk=link.pk)
        link.expires_at, link.max_uses = expires_at, max_uses
        link.full_clean(exclude=["event_type"])
        link.save(update_fields=["expires_at", "max_uses"])
    return link


def delete_private_link(link: PrivateLink) -> None:
    link.delete()


def check_link_limits(expires_at, max_uses, now=None, *, required: bool):
    """(expires_at, max_uses) of a private link: a time or a number of uses, not both; with
    neither, one use (or, when `required`, a ValidationError)."""
    if expires_at is not None and max_uses is not None:
        raise ValidationError(
            "A private link expires at a time or after a number of uses, not both."
        )
    if expires_at is None and max_uses is None:
        if required:
            raise ValidationError("Give a new expiry time or a new number of uses.")
        max_uses = 1
    if expires_at is not None and expires_at <= (now or timezone.now()):
        raise ValidationError({"expires_at": "The expiry time must be in the future."})
    return expires_at, max_uses


# --- Schedules ---------------------------------------------------------------------------------

Weekly = list[tuple[int, time, time]]
Overrides = list[tuple[date, time | None, time | None]]


def create_schedule(
    owner,
    *,
    name: str,
    time_zone: str,
    is_default: bool,
    weekly: Weekly | None = None,
    overrides: Overrides | None = None,
) -> Schedule:
    """A schedule with weekly hours (Monday to Friday 09:00–17:00 when not given) and date
    overrides (no times: unavailable that day).

    When the owner has no default schedule (their first one), the new schedule becomes it
    whatever `is_default` says; a new default replaces the old one. The owner's row is locked
    so that two requests cannot both make a default.
    """
    with transaction.atomic():
        _lock_owner(owner.pk)
        schedule = Schedule(owner=owner, name=name, time_zone=time_zone)
        has_default = Schedule.objects.filter(owner=owner, is_default=True).exists()
        schedule.is_default = is_default or not has_default
        schedule.full_clean(validate_constraints=False)
        weekly_rows = _weekly_rows(schedule, DEFAULT_WEEKLY if weekly is None else weekly)
        override_rows = _override_rows(schedule, overrides or [])
        if schedule.is_default:
            Schedule.objects.filter(owner=owner, is_default=True).update(is_default=False)
        schedule.save()
        _replace_rows(schedule, weekly_rows, override_rows)
    return schedule


def update_schedule(
    schedule: Schedule,
    changes: dict,
    *,
    weekly: Weekly | None = None,
    overrides: Overrides | None = None,
) -> Schedule:
    """Change name, time_zone or is_default (given in `changes`); weekly hours and overrides,
    when given, replace the old ones entirely.

    Raises DefaultScheduleRequired when asked to unset the default: choose another default.
    """
    with transaction.atomic():
        _lock_owner(schedule.owner_id)
        schedule = Schedule.objects.get(pk=schedule.pk)
        check_default_kept(schedule, changes.get("is_default"))
        for name, value in changes.items():
            setattr(schedule, name, value)
        schedule.full_clean(validate_constraints=False)
        weekly_rows = _weekly_rows(schedule, weekly) if weekly is not None else None
        override_rows = _override_rows(schedule, overrides) if overrides is not None else None
        if schedule.is_default:
            Schedule.objects.filter(owner_id=schedule.owner_id, is_default=True).exclude(
                pk=schedule.pk
            ).update(is_default=False)
        schedule.save()
        _replace_rows(schedule, weekly_rows, override_rows)
    return schedule


def check_default_kept(schedule: Schedule, is_default: bool | None) -> None:
    """A default schedule stays the default until another one becomes it."""
    if is_default is False and schedule.is_default:
        raise DefaultScheduleRequired(
            f"Schedule {schedule.pk} is your default; make another schedule the default "
            "instead of unsetting this one."
        )


def delete_schedule(schedule: Schedule) -> None:
    """Delete a schedule. Event types and hosts that used it fall back to the default one.

    The default schedule can only go when it is the owner's last: otherwise choose another
    default first (DefaultScheduleRequired).
    """
    with transaction.atomic():
        _lock_owner(schedule.owner_id)
        schedule = Schedule.objects.get(pk=schedule.pk)
        check_deletable(schedule)
        schedule.delete()


def check_deletable(schedule: Schedule) -> None:
    """A default schedule goes only as its owner's last one (DefaultScheduleRequired)."""
    others = Schedule.objects.filter(owner_id=schedule.owner_id).exclude(pk=schedule.pk)
    if schedule.is_default and others.exists():
        raise DefaultScheduleRequired(
            f"Schedule {schedule.pk} is your default; make another schedule the default "
            "before deleting this one."
        )


def _lock_owner(user_id: int) -> None:
    # Serialises the changes of one user's schedules (the one-default rule spans rows).
    list(
        get_user_model().objects.select_for_update(no_key=True).filter(pk=user_id).values_list("pk")
    )


def _weekly_rows(schedule: Schedule, weekly: Weekly) -> list[WeeklyAvailability]:
    rows = [
        (
            WeeklyAvailability(schedule=schedule, weekday=weekday, start_time=start, end_time=end),
            f"{DAY_NAMES.get(weekday, weekday)} {_hhmm(start)}–{_hhmm(end)}",
        )
        for weekday, start, end in weekly
    ]
    return _checked_rows("weekly", rows)


def _override_rows(schedule: Schedule, overrides: Overrides) -> list[DateOverride]:
    rows = [
        (
            DateOverride(schedule=schedule, date=day, start_time=start, end_time=end),
            f"{day.isoformat()} {_hhmm(start)}–{_hhmm(end)}",
        )
        for day, start, end in overrides
    ]
    return _checked_rows("overrides", rows)


def _checked_rows(field: str, labelled_rows: list) -> list:
    """The rows of (row, label) pairs, each validated; every invalid one is named by its label
    in one ValidationError on `field`."""
    errors = []
    for row, label in labelled_rows:
        try:
            row.full_clean(exclude=["schedule"])
        except ValidationError as error:
            errors.append(f"{label}: " + " ".join(error.messages))
    if errors:
        raise ValidationError({field: errors})
    return [row for row, _ in labelled_rows]


def _replace_rows(schedule, weekly_rows, override_rows) -> None:
    if weekly_rows is not None:
        schedule.weekly.all().delete()
        for row in weekly_rows:
            row.schedule = schedule
        WeeklyAvailability.objects.bulk_create(weekly_rows)
    if override_rows is not None:
        schedule.overrides.all().delete()
        for row in override_rows:
            row.schedule = schedule
        DateOverride.objects.bulk_create(override_rows)


def _hhmm(value: time | None) -> str:
    return value.strftime("%H:%M") if value is not None else "--:--"
