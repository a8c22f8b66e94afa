"""Slots of an event type: what the engine needs, loaded in a fixed number of queries
(bookings/slot_loader.py), and the engine run on it.

Two queries for the calendars and busy times; one more each for booking limits, seats and
round-robin load when the event type has them. Never more for a longer range or more bookings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from bookings import slot_loader
from bookings.errors import NotFound
from bookings.models import Booking, BookingHost
from calendars import syncing as calendar_syncing
from eventtypes import availability
from eventtypes.availability import BookingWindow, EventRules, HostAvailability, Slot
from eventtypes.models import EventType

RECENT_BOOKINGS_DAYS = 30
# Time zones are at most 14 hours from UTC: a margin of two days covers any local period.
LOCAL_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class SlotSearch:
    slots: list[Slot]
    hosts: dict[int, HostAvailability]
    inputs: _Inputs | None = None
    now: datetime | None = None
    length: int | None = None

    @property
    def has_calendars(self) -> bool:
        return bool(self.inputs and self.inputs.connections)

    @property
    def calendars_synced_at(self) -> datetime | None:
        """When the hosts' calendars were last synced (the oldest of them; None if one never
        was or there are none)."""
        synced = [c.synced_at for c in self.inputs.connections] if self.inputs else []
        return None if not synced or None in synced else min(synced)

    def explain(self, start: datetime) -> availability.Explanation:
        """Why `start` is or is not bookable, from the inputs already loaded (no queries).

        Exact for a search whose range held `start`, as the check before a booking does."""
        inputs = self.inputs
        return availability.explain_start(
            inputs.rules,
            inputs.hosts,
            start,
            now=self.now,
            length=self.length,
            seated=inputs.seated,
        )

    def slot_at(self, start: datetime) -> Slot | None:
        for slot in self.slots:
            if slot.start == start:
                return slot
        return None


class EventTypeChanged(Exception):
    """The event type's row is not the version the caller read (changed or deleted since)."""


def event_rules(event_type: EventType) -> EventRules:
    if event_type.is_team_event:
        scheduling = event_type.scheduling_type
    else:
        scheduling = availability.SINGLE
    return EventRules(
        length=event_type.length_minutes,
        interval=event_type.slot_interval,
        minimum_notice=event_type.minimum_booking_notice,
        before_buffer=event_type.before_event_buffer,
        after_buffer=event_type.after_event_buffer,
        window=BookingWindow(
            kind=event_type.booking_window_type,
            days=event_type.booking_window_days,
            start_date=event_type.booking_window_start,
            end_date=event_type.booking_window_end,
        ),
        limits_count=event_type.booking_limits_count or {},
        limits_duration=event_type.booking_limits_duration or {},
        seats=event_type.seats_per_time_slot,
        allow_double_booking=event_type.allow_double_booking,
        scheduling=scheduling,
    )


def find_slots(
    event_type: EventType,
    range_start: datetime,
    range_end: datetime,
    *,
    now: datetime | None = None,
    length: int | None = None,
    exclude_booking_uid: str | None = None,
    own_reservation_uid=None,
    all_hosts: bool = False,
    refresh_calendars: bool = False,
    separate_calendars: bool = False,
    row_version: int | None = None,
) -> SlotSearch:
    """Bookable slots of an event type in [range_start, range_end).

    exclude_booking_uid: a booking being rescheduled does not block its own move.
    own_reservation_uid: the caller's reservation does not block the caller.
    all_hosts: list every free host of each slot (needed to choose a round-robin host).
    refresh_calendars: sync the hosts' calendars first when their data is stale (never inside
    a transaction: it calls their servers).
    separate_calendars: keep the busy times of the hosts' own calendars apart from their
    bookings (not merged), so that `explain` can tell them apart.
    row_version: the version of the event type's row when it was read (PostgreSQL, see
    kept_event_types.py); EventTypeChanged is raised, before any slot is computed, when the
    statement that reads the hosts' availability finds another.
    """
    now = now or timezone.now()
    inputs = _gather(
        event_type,
        range_start,
        range_end,
        now,
        length,
        exclude_booking_uid,
        own_reservation_uid,
        all_hosts,
        merged=not separate_calendars,
        refresh_calendars=refresh_calendars,
        row_version=row_version,
    )
    if not inputs.hosts:
        return SlotSearch([], {}, inputs, now, length)
    slots = availability.compute_slots(
        inputs.rules,
        inputs.hosts,
        range_start=range_start,
        range_end=range_end,
        now=now,
        length=length,
        seated=inputs.seated,
        all_hosts=all_hosts,
    )
    return SlotSearch(slots, {h.host_id: h for h in inputs.hosts}, inputs, now, length)


def explain_start(
    event_type: EventType,
    start: datetime,
    *,
    now: datetime | None = None,
    length: int | None = None,
    exclude_booking_uid: str | None = None,
    own_reservation_uid=None,
) -> availability.Explanation:
    """Whether one start is bookable, and every reason it is not, host by host."""
    now = now or timezone.now()
    end = start + timedelta(seconds=1)
    inputs = _gather(
        event_type,
        start,
        end,
        now,
        length,
        exclude_booking_uid,
        own_reservation_uid,
        True,
        merged=False,  # to tell the host's own calendars from the bookings
    )
    return availability.explain_start(
        inputs.rules, inputs.hosts, start, now=now, length=length, seated=inputs.seated
    )


# --- Dynamic groups -------------------------------------------------------------------------------

# A meeting with two or more people and no event type: each member's default schedule, all of
# them free (collective), the lengths and the two hours' notice of Cal.com's dynamic event.
GROUP_LENGTHS = (15, 30, 45, 60, 90)
GROUP_DEFAULT_LENGTH = 30
GROUP_MINIMUM_NOTICE = 120


def group_members(usernames, organization_slug=None) -> list[User]:
    """The active users with these usernames (in an organization when given), in the order
    named; NotFound naming the usernames that match nobody."""
    users = User.objects.filter(username__in=usernames, is_active=True)
    if organization_slug:
        users = users.filter(organization__slug=organization_slug)
    by_name = {user.username: user for user in users}
    missing = [name for name in usernames if name not in by_name]
    if missing:
        within = f" in organization {organization_slug}" if organization_slug else ""
        raise NotFound(
            f"No user named {', '.join(missing)}{within}.", details={"usernames": missing}
        )
    return [by_name[name] for name in usernames]


def find_group_slots(
    user_ids,
    range_start: datetime,
    range_end: datetime,
    *,
    now: datetime | None = None,
    length: int = GROUP_DEFAULT_LENGTH,
    exclude_booking_uid: str | None = None,
    refresh_calendars: bool = False,
) -> SlotSearch:
    """Starts in [range_start, range_end) at which every one of the users is free.

    One query (bookings/slot_loader.py) whatever the range; refresh_calendars: as find_slots.
    """
    now = now or timezone.now()
    rules = EventRules(
        length=length, minimum_notice=GROUP_MINIMUM_NOTICE, scheduling=availability.COLLECTIVE
    )
    members = [slot_loader.HostRow(user_id, None) for user_id in sorted(set(user_ids))]

    def load():
        return slot_loader.load_inputs(
            members,
            _local_days(range_start, range_end),
            (range_start, range_end + timedelta(minutes=length)),
            now=now,
            exclude_booking_uid=exclude_booking_uid,
            merged=True,
        )

    loaded = _loaded(load, refresh_calendars, now)
    schedules, busy = loaded.schedules, loaded.busy
    held = defaultdict(list)
    for hold in loaded.holds:
        for user_id in hold.holders:
            held[user_id].append(hold.blocked)
    hosts = [
        _host_availability(
            member,
            schedules.get(member.user_id),
            busy=busy[member.user_id],
            held=held[member.user_id],
        )
        for member in members
    ]
    found = availability.compute_slots(
        rules, hosts, range_start=range_start, range_end=range_end, now=now, length=length
    )
    inputs = _Inputs(rules, hosts, [], loaded.connections)
    return SlotSearch(found, {host.host_id: host for host in hosts}, inputs, now, length)


@dataclass(frozen=True)
class _Inputs:
    rules: EventRules
    hosts: list[HostAvailability]
    seated: list[availability.SeatedSlot]
    connections: list[slot_loader.ConnectionState] = field(default_factory=list)


def _gather(
    event_type,
    range_start,
    range_end,
    now,
    length,
    exclude_booking_uid,
    own_reservation_uid,
    all_hosts,
    *,
    merged: bool = True,
    refresh_calendars: bool = False,
    row_version: int | None = None,
) -> _Inputs:
    rules = event_rules(event_type)
    length = length or rules.length
    margin_before = timedelta(minutes=rules.before_buffer)
    margin_after = timedelta(minutes=length + rules.after_buffer)

    if event_type.is_team_event:
        given, team_id = None, event_type.id
    else:
        given, team_id = [slot_loader.HostRow(event_type.owner_id, event_type.schedule_id)], None

    def load():
        return slot_loader.load_inputs(
            given,
            _local_days(range_start, range_end),
            (range_start - margin_before, range_end + margin_after),
            now=now,
            team_event_type_id=team_id,
            event_type_id=event_type.id,
            exclude_booking_uid=exclude_booking_uid,
            own_reservation_uid=own_reservation_uid,
            with_bookings=not rules.allow_double_booking,
            # a seated slot's booking names its hosts
            merged=merged and not event_type.is_seated,
            with_row_version=row_version is not None,
        )

    loaded = _loaded(load, refresh_calendars, now)
    if row_version is not None and loaded.event_type_version != row_version:
        raise EventTypeChanged(event_type.id)
    hosts, schedules, busy = loaded.hosts, loaded.schedules, loaded.busy
    if not hosts:
        return _Inputs(rules, [], [])
    user_ids = [host.user_id for host in hosts]
    held = defaultdict(list)
    seat_holds = defaultdict(int)
    for hold in loaded.holds:
        if event_type.is_seated and hold.event_type_id == event_type.id:
            seat_holds[hold.start] += 1  # on a seated type a hold takes one seat
        elif not rules.allow_double_booking:
            for user_id in hold.holders:
                held[user_id].append(hold.blocked)

    counted = _load_counted(
        event_type, rules, user_ids, range_start, range_end, exclude_booking_uid
    )
    round_robin = event_type.scheduling_type == EventType.SchedulingType.ROUND_ROBIN
    recent = {}
    if all_hosts and event_type.is_team_event and round_robin:
        recent = _load_recent_counts(event_type, now)

    host_inputs = [
        _host_availability(
            host,
            schedules.get(host.user_id),
            busy=busy[host.user_id],
            external=loaded.external.get(host.user_id, ()),
            held=held[host.user_id],
            counted=counted[host.user_id],
            recent_bookings=recent.get(host.user_id, 0),
        )
        for host in hosts
    ]
    seated = []
    if event_type.is_seated:
        seated = _load_seated(
            event_type, range_start, range_end, loaded.users_of_booking, seat_holds
        )
    return _Inputs(rules, host_inputs, seated, loaded.connections)


def _loaded(load, refresh_calendars: bool, now) -> slot_loader.Inputs:
    """load()'s inputs; with refresh_calendars, read again once the hosts' stale calendars
    are synced (the statement names when each connection was synced)."""
    loaded = load()
    if refresh_calendars and calendar_syncing.refresh_stale(loaded.connections, now):
        loaded = load()
    return loaded


def _host_availability(host: slot_loader.HostRow, schedule, **loaded) -> HostAvailability:
    """One host's side of the engine: their schedule (none: never available), their settings
    on the event type and what was loaded for them."""
    return HostAvailability(
        host_id=host.user_id,
        time_zone=schedule.time_zone if schedule else "UTC",
        weekly=schedule.weekly if schedule else {},
        overrides=schedule.overrides if schedule else {},
        is_fixed=host.is_fixed,
        priority=host.priority,
        weight=host.weight,
        **loaded,
    )


def _local_days(range_start: datetime, range_end: datetime) -> tuple[date, date]:
    """The dates whose overrides may matter for a range, whatever the schedule's zone."""
    return (range_start - LOCAL_MARGIN).date(), (range_end + LOCAL_MARGIN).date()


def _limit_window(rules: EventRules, range_start, range_end) -> tuple[datetime, datetime] | None:
    periods = set(rules.limits_count) | set(rules.limits_duration)
    if not periods:
        return None
    start, end = range_start - LOCAL_MARGIN, range_end + LOCAL_MARGIN
    if "year" in periods:
        start = start.replace(month=1, day=1)
        end = end.replace(year=end.year + 1, month=1, day=1)
    elif "month" in periods:
        start = start.replace(day=1)
        end = (end.replace(day=1) + timedelta(days=32)).replace(day=1)
    elif "week" in periods:
        start -= timedelta(days=7)
        end += timedelta(days=7)
    return start - LOCAL_MARGIN, end + LOCAL_MARGIN


def _load_counted(event_type, rules, user_ids, range_start, range_end, exclude_booking_uid):
    counted = defaultdict(list)
    window = _limit_window(rules, range_start, range_end)
    if window is None:
        return counted
    rows = BookingHost.objects.filter(
        user_id__in=user_ids,
        booking__event_type=event_type,
        booking__status__in=Booking.BLOCKING_STATUSES,
        booking__start__gte=window[0],
        booking__start__lt=window[1],
    )
    if exclude_booking_uid:
        rows = rows.exclude(booking__uid=exclude_booking_uid)
    for user_id, start, end in rows.values_list("user_id", "booking__start", "booking__end"):
        counted[user_id].append((start, int((end - start).total_seconds() // 60)))
    return counted


def _load_recent_counts(event_type, now) -> dict[int, int]:
    """Round-robin load: each host's bookings of this type from 30 days ago onwards."""
    since = now - timedelta(days=RECENT_BOOKINGS_DAYS)
    rows = (
        Booking.objects.blocking()
        .filter(event_type=event_type, start__gte=since)
        .values("organizer_id")
        .annotate(n=Count("id"))
    )
    return {row["organizer_id"]: row["n"] for row in rows}


def _load_seated(event_type, range_start, range_end, hosts_of_booking, seat_holds):
    """Seated bookings starting in range, with the seats taken by attendees and by holds."""
    bookings = (
        Booking.objects.blocking()
        .filter(event_type=event_type, start__gte=range_start, start__lt=range_end)
        .annotate(taken=Count("attendees"))
        .values_list("id", "uid", "start", "taken", "organizer_id")
    )
    seated = [
        availability.SeatedSlot(
            start=start,
            booking_uid=uid,
            taken=taken + seat_holds.get(start, 0),
            host_ids=tuple(hosts_of_booking.get(booking_id) or (organizer_id,)),
        )
        for booking_id, uid, start, taken, organizer_id in bookings
    ]
    booked = {slot.start for slot in seated}
    seated.extend(
        availability.SeatedSlot(start=start, booking_uid=None, taken=held, host_ids=())
        for start, held in seat_holds.items()
        if start not in booked and range_start <= start < range_end
    )
    return seated
