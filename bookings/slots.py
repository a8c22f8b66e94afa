"""Loads what the slot engine needs from the database, in a fixed number of queries.

The number of queries depends on the event type's settings (limits, seats, round robin), never
on the length of the range or the number of bookings in it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, F, FloatField, Func, Q
from django.utils import timezone

from accounts.models import User
from bookings.errors import NotFound
from bookings.models import Booking, BookingHost, SlotReservation
from eventtypes import availability
from eventtypes.availability import BookingWindow, EventRules, HostAvailability, Slot
from eventtypes.models import DateOverride, EventType, Schedule, WeeklyAvailability

RECENT_BOOKINGS_DAYS = 30
# Time zones are at most 14 hours from UTC: a margin of two days covers any local period.
LOCAL_MARGIN = timedelta(days=2)
HOLD_BUFFER_REACH = timedelta(hours=12)


class EpochSeconds(Func):
    """A timestamp as seconds since 1970 (UTC).

    Busy times are read by the thousand; turning plain numbers into datetimes is many times
    cheaper than parsing timestamp text, which dominates the round-robin slot query otherwise.
    """

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps SQLite datetimes as UTC text; bookings start on whole seconds.
        return self.as_sql(
            compiler,
            connection,
            template="ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class SlotSearch:
    slots: list[Slot]
    hosts: dict[int, HostAvailability]
    inputs: _Inputs | None = None
    now: datetime | None = None
    length: int | None = None

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
) -> SlotSearch:
    """Bookable slots of an event type in [range_start, range_end).

    exclude_booking_uid: a booking being rescheduled does not block its own move.
    own_reservation_uid: the caller's reservation does not block the caller.
    all_hosts: list every free host of each slot (needed to choose a round-robin host).
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
        event_type, start, end, now, length, exclude_booking_uid, own_reservation_uid, True
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
) -> SlotSearch:
    """Starts in [range_start, range_end) at which every one of the users is free.

    Five queries (schedules, weekly hours, overrides, busy times, holds) whatever the range.
    """
    now = now or timezone.now()
    rules = EventRules(
        length=length, minimum_notice=GROUP_MINIMUM_NOTICE, scheduling=availability.COLLECTIVE
    )
    members = [
        {"user_id": user_id, "schedule_id": None, "is_fixed": True, "priority": 2, "weight": 100}
        for user_id in sorted(set(user_ids))
    ]
    ids = [member["user_id"] for member in members]
    schedules = _load_schedules(None, members, range_start, range_end)
    margin = timedelta(minutes=length)
    busy, _ = _load_busy(ids, range_start, range_end + margin, exclude_booking_uid)
    held = defaultdict(list)
    for _, holders, _, blocked in _other_reservations(
        None, ids, range_start, range_end + margin, now, None
    ):
        for user_id in holders:
            held[user_id].append(blocked)
    hosts = [
        _host_availability(
            member,
            schedules.get(member["user_id"]),
            busy=busy[member["user_id"]],
            held=held[member["user_id"]],
        )
        for member in members
    ]
    found = availability.compute_slots(
        rules, hosts, range_start=range_start, range_end=range_end, now=now, length=length
    )
    return SlotSearch(found, {host.host_id: host for host in hosts})


@dataclass(frozen=True)
class _Inputs:
    rules: EventRules
    hosts: list[HostAvailability]
    seated: list[availability.SeatedSlot]


def _gather(
    event_type,
    range_start,
    range_end,
    now,
    length,
    exclude_booking_uid,
    own_reservation_uid,
    all_hosts,
) -> _Inputs:
    rules = event_rules(event_type)
    length = length or rules.length
    margin_before = timedelta(minutes=rules.before_buffer)
    margin_after = timedelta(minutes=length + rules.after_buffer)

    hosts = _load_hosts(event_type)
    if not hosts:
        return _Inputs(rules, [], [])
    user_ids = [host["user_id"] for host in hosts]
    schedules = _load_schedules(event_type, hosts, range_start, range_end)

    held = defaultdict(list)
    if rules.allow_double_booking:
        busy, hosts_of_booking = defaultdict(list), defaultdict(list)
    else:
        busy, hosts_of_booking = _load_busy(
            user_ids, range_start - margin_before, range_end + margin_after, exclude_booking_uid
        )

    seat_holds = defaultdict(int)
    for held_type, holders, held_start, blocked in _other_reservations(
        event_type,
        user_ids,
        range_start - margin_before,
        range_end + margin_after,
        now,
        own_reservation_uid,
    ):
        if event_type.is_seated and held_type == event_type.id:
            seat_holds[held_start] += 1  # on a seated type a hold takes one seat
        elif not rules.allow_double_booking:
            for user_id in holders:
                held[user_id].append(blocked)

    counted = _load_counted(
        event_type, rules, user_ids, range_start, range_end, exclude_booking_uid
    )
    recent = _load_recent_counts(event_type, now) if all_hosts and hosts[0]["rr"] else {}

    host_inputs = [
        _host_availability(
            host,
            schedules.get(host["user_id"]),
            busy=busy[host["user_id"]],
            held=held[host["user_id"]],
            counted=counted[host["user_id"]],
            recent_bookings=recent.get(host["user_id"], 0),
        )
        for host in hosts
    ]
    seated = []
    if event_type.is_seated:
        seated = _load_seated(event_type, range_start, range_end, hosts_of_booking, seat_holds)
    return _Inputs(rules, host_inputs, seated)


def _host_availability(host: dict, schedule, **loaded) -> HostAvailability:
    """One host's side of the engine: their schedule (none: never available), their settings
    on the event type (host: a row of _load_hosts) and what was loaded for them."""
    return HostAvailability(
        host_id=host["user_id"],
        time_zone=schedule.time_zone if schedule else "UTC",
        weekly=schedule.weekly if schedule else {},
        overrides=schedule.overrides if schedule else {},
        is_fixed=host["is_fixed"],
        priority=host["priority"],
        weight=host["weight"],
        **loaded,
    )


def _load_busy(user_ids, start, end, exclude_booking_uid):
    """Each user's blocked times overlapping [start, end), and the users of each booking."""
    busy, hosts_of_booking = defaultdict(list), defaultdict(list)
    rows = BookingHost.objects.filter(
        user_id__in=user_ids, is_blocking=True, blocked_start__lt=end, blocked_end__gt=start
    )
    if exclude_booking_uid:
        rows = rows.exclude(booking__uid=exclude_booking_uid)
    rows = rows.annotate(
        start_epoch=EpochSeconds(F("blocked_start")), end_epoch=EpochSeconds(F("blocked_end"))
    )
    for booking_id, user_id, start_epoch, end_epoch in rows.values_list(
        "booking_id", "user_id", "start_epoch", "end_epoch"
    ):
        busy[user_id].append((from_epoch(start_epoch), from_epoch(end_epoch)))
        hosts_of_booking[booking_id].append(user_id)
    return busy, hosts_of_booking


def _load_hosts(event_type: EventType) -> list[dict]:
    if not event_type.is_team_event:
        return [
            {
                "user_id": event_type.owner_id,
                "schedule_id": event_type.schedule_id,
                "is_fixed": True,
                "priority": 2,
                "weight": 100,
                "rr": False,
            }
        ]
    is_rr = event_type.scheduling_type == EventType.SchedulingType.ROUND_ROBIN
    return [
        {
            "user_id": user_id,
            "schedule_id": schedule_id,
            "is_fixed": is_fixed,
            "priority": priority,
            "weight": weight,
            "rr": is_rr,
        }
        for user_id, schedule_id, is_fixed, priority, weight in event_type.hosts.order_by(
            "user_id"
        ).values_list("user_id", "schedule_id", "is_fixed", "priority", "weight")
    ]


@dataclass(frozen=True)
class _Schedule:
    time_zone: str
    weekly: dict
    overrides: dict


def _load_schedules(event_type, hosts, range_start, range_end) -> dict[int, _Schedule]:
    """Each host's schedule with its weekly hours and the overrides in range: three queries."""
    explicit = {h["schedule_id"] for h in hosts if h["schedule_id"]}
    defaults_for = [h["user_id"] for h in hosts if not h["schedule_id"]]
    rows = list(
        Schedule.objects.filter(
            Q(id__in=explicit) | Q(owner_id__in=defaults_for, is_default=True)
        ).values_list("id", "owner_id", "is_default", "time_zone")
    )
    ids = [row[0] for row in rows]
    weekly, overrides = defaultdict(lambda: defaultdict(list)), defaultdict(dict)
    for schedule_id, weekday, start, end in WeeklyAvailability.objects.filter(
        schedule_id__in=ids
    ).values_list("schedule_id", "weekday", "start_time", "end_time"):
        weekly[schedule_id][weekday].append((start, end))
    for schedule_id, day, start, end in DateOverride.objects.filter(
        schedule_id__in=ids,
        date__gte=(range_start - LOCAL_MARGIN).date(),
        date__lte=(range_end + LOCAL_MARGIN).date(),
    ).values_list("schedule_id", "date", "start_time", "end_time"):
        intervals = overrides[schedule_id].setdefault(day, [])
        if start is not None:
            intervals.append((start, end))

    schedules = {
        schedule_id: _Schedule(zone, dict(weekly[schedule_id]), overrides[schedule_id])
        for schedule_id, _, _, zone in rows
    }
    default_of = {owner_id: sid for sid, owner_id, is_default, _ in rows if is_default}
    result = {}
    for host in hosts:
        schedule_id = host["schedule_id"] if host["schedule_id"] in schedules else None
        schedule_id = schedule_id or default_of.get(host["user_id"])
        if schedule_id is not None:
            result[host["user_id"]] = schedules[schedule_id]
    return result


def _other_reservations(event_type, user_ids, start, end, now, own_reservation_uid):
    """Others' unexpired holds touching these users, as (event type, holders, start, (blocked
    start, blocked end)): what the booking would block, its buffers included.

    A hold names its host; a hold on a collective team type names none and holds every host
    of that type, so those hosts are busy for their other event types too. One query: the
    join on the hold's event type's hosts says who they are.
    """
    touching = Q(host_id__in=user_ids) | Q(
        host__isnull=True, event_type__hosts__user_id__in=user_ids
    )
    if event_type is not None:
        touching |= Q(event_type=event_type)
    # Fetched a little wider than the range: a hold's buffers reach beyond its own times.
    reservations = SlotReservation.objects.active(now).filter(
        touching, start__lt=end + HOLD_BUFFER_REACH, end__gt=start - HOLD_BUFFER_REACH
    )
    if own_reservation_uid:
        reservations = reservations.exclude(uid=own_reservation_uid)
    found = {}
    rows = reservations.values_list(
        "pk",
        "event_type_id",
        "host_id",
        "start",
        "end",
        "event_type__hosts__user_id",
        "event_type__before_event_buffer",
        "event_type__after_event_buffer",
    )
    for pk, type_id, host_id, held_start, held_end, type_host, before, after in rows:
        # A hold keeps what the booking would block: its times widened by its buffers.
        blocked = (held_start - timedelta(minutes=before), held_end + timedelta(minutes=after))
        holders = found.setdefault(pk, (type_id, set(), held_start, blocked))[1]
        if host_id is not None:
            holders.add(host_id)
        elif type_host in user_ids:
            holders.add(type_host)
        elif event_type is not None and type_id == event_type.id:
            holders.update(user_ids)
    return list(found.values())


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
