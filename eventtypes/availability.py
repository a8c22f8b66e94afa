"""The slot engine: which starts of an event type can be booked.

Pure: plain data and `now` in, slots out. No ORM, no clock. `bookings/slots.py` gathers the
inputs from the database; booking creation runs the same code for the one start it books, so
the slots a client sees and the check at booking time can never disagree.

Time model:
- Weekly hours and date overrides are local wall-clock times in the host's schedule zone.
- Slot starts step through wall-clock time from the start of each available interval, so a
  09:00-17:00 schedule starts at 09:00 local on both sides of a DST change. A wall-clock time
  that does not exist (spring forward) is skipped; one that happens twice (fall back) is
  offered once, at its first occurrence.
- Everything else (busy times, reservations, `now`, the requested range, the slots returned)
  is aware UTC. Busy times and holds may also come as seconds since 1970 (UTC), as the loader
  reads thousands of them: they are compared as such, never turned into datetimes.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

SINGLE = "single"
ROUND_ROBIN = "roundRobin"
COLLECTIVE = "collective"

LIMIT_PERIODS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class BookingWindow:
    """How far ahead one may book. `kind`: unlimited, calendarDays, businessDays or range."""

    kind: str = "unlimited"
    days: int | None = None
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class EventRules:
    """The settings of an event type that decide which starts are bookable (minutes)."""

    length: int
    interval: int | None = None
    minimum_notice: int = 0
    before_buffer: int = 0
    after_buffer: int = 0
    window: BookingWindow = BookingWindow()
    limits_count: Mapping[str, int] = field(default_factory=dict)
    limits_duration: Mapping[str, int] = field(default_factory=dict)
    seats: int | None = None
    allow_double_booking: bool = False
    scheduling: str = SINGLE

    @property
    def step(self) -> int:
        return self.interval or self.length


@dataclass(frozen=True)
class HostAvailability:
    """One host's side of the computation.

    weekly: weekday (0 = Monday) -> local (start, end) intervals; an end of 00:00 is midnight.
    overrides: date -> local intervals replacing the weekly ones; an empty list is a day off.
    busy: UTC (start, end) ranges the host is taken, buffers of those bookings included, and the
    busy times of the host's own calendars (the event type's buffers apply to all of them);
    aware datetimes or seconds since 1970.
    external: which of `busy` come from the host's own calendars, as (start, end, calendar id)
    in the same form; told only to explain a start.
    held: UTC (start, end) ranges other people's unexpired reservations hold (either form).
    counted: (UTC start, minutes) of this host's bookings of this event type, for the limits.
    """

    host_id: int
    time_zone: str
    weekly: Mapping[int, Sequence[tuple[time, time]]]
    overrides: Mapping[date, Sequence[tuple[time, time]]] = field(default_factory=dict)
    busy: Sequence[tuple[datetime | float, datetime | float]] = ()
    external: Sequence[tuple[datetime | float, datetime | float, int]] = ()
    held: Sequence[tuple[datetime | float, datetime | float]] = ()
    counted: Sequence[tuple[datetime, int]] = ()
    is_fixed: bool = False
    priority: int = 2
    weight: int = 100
    recent_bookings: int = 0


@dataclass(frozen=True)
class SeatedSlot:
    """A start of a seated event type with seats taken: by an existing booking's attendees and
    holds (others may join while seats last), or by holds alone (booking_uid None)."""

    start: datetime
    booking_uid: str | None
    taken: int
    host_ids: tuple[int, ...]


class Slot(NamedTuple):
    """A bookable start (a tuple: a month of a team's slots makes thousands of them)."""

    start: datetime
    end: datetime
    host_ids: tuple[int, ...]
    seats_remaining: int | None = None
    attendees_count: int | None = None
    booking_uid: str | None = None


def new_slot(start: datetime, end: datetime, host_ids: tuple[int, ...]) -> Slot:
    """Slot(start, end, host_ids) for a slot without seats, made as a plain tuple is: a
    NamedTuple's constructor is a Python function, the most a month of slots costs."""
    return _new_tuple(Slot, (start, end, host_ids, None, None, None))


_new_tuple = tuple.__new__


def compute_slots(
    rules: EventRules,
    hosts: Sequence[HostAvailability],
    *,
    range_start: datetime,
    range_end: datetime,
    now: datetime,
    length: int | None = None,
    seated: Iterable[SeatedSlot] = (),
    all_hosts: bool = False,
) -> list[Slot]:
    """Bookable starts in [range_start, range_end), ascending.

    `length` picks one of the event type's lengths (default: its default length).
    With `all_hosts`, each slot lists every host free for it (round robin needs that to
    choose one); otherwise a round-robin slot lists the first free host found.
    """
    if not hosts:
        return []
    length = length or rules.length
    plans = [_HostPlan(host, rules, length, range_start, range_end, now) for host in hosts]
    earliest = now + timedelta(minutes=rules.minimum_notice)
    seated = seated if rules.seats else ()
    seats_by_start = {s.start: s for s in seated if range_start <= s.start < range_end}

    # The starts by their seconds since 1970 (the hosts' grids mostly coincide: a union of
    # numbers is far cheaper than one of datetimes).
    moments: dict[float, datetime] = {}
    expansions = {id(plan.candidate_starts): plan.candidate_starts for plan in plans}
    for candidates in expansions.values():
        moments.update(candidates)
    moments.update((start.timestamp(), start) for start in seats_by_start)
    slot_length = timedelta(minutes=length)
    first = max(earliest, range_start).timestamp()
    beyond = range_end.timestamp()
    seconds = sorted(start for start in moments if first <= start < beyond)
    ordered = [moments[start] for start in seconds]
    # Each host's free starts, found once by walking their available intervals: far cheaper
    # than asking every host about every start when hosts work at different times of day.
    fixed_plans, optional_plans = _split_hosts(plans, rules.scheduling)
    fixed = [plan.free_starts(ordered, seconds) for plan in fixed_plans]
    fixed_ids = tuple(plan.host.host_id for plan in fixed_plans)
    optional = [(plan.host.host_id, plan.free_starts(ordered, seconds)) for plan in optional_plans]

    if fixed and not optional and not rules.seats:
        # Every host must be free (one host, or a collective): the starts free for all of them.
        return [
            new_slot(ordered[position], ordered[position] + slot_length, fixed_ids)
            for position in sorted(set.intersection(*fixed))
        ]
    if optional and not all_hosts:
        # Round robin, listing the first free host: found for every start at once.
        first_free = _first_free_hosts(fixed, fixed_ids, optional)
        if not rules.seats:
            return [
                new_slot(ordered[position], ordered[position] + slot_length, first_free[position])
                for position in sorted(first_free)
            ]
    slots = []
    for position, start in enumerate(ordered):
        seated_slot = seats_by_start.get(start)
        if seated_slot is not None and seated_slot.booking_uid is not None:
            remaining = rules.seats - seated_slot.taken
            if remaining > 0 and all(
                plan.in_window(start) for plan in plans if plan.host.host_id in seated_slot.host_ids
            ):
                slots.append(
                    Slot(
                        start,
                        start + slot_length,
                        seated_slot.host_ids,
                        seats_remaining=remaining,
                        attendees_count=seated_slot.taken,
                        booking_uid=seated_slot.booking_uid,
                    )
                )
            continue
        held_seats = seated_slot.taken if seated_slot is not None else 0
        if rules.seats and held_seats >= rules.seats:
            continue
        if optional and not all_hosts:
            free = first_free.get(position, ())
        else:
            free = _free_hosts(fixed, fixed_ids, optional, position, all_hosts)
        if free:
            slots.append(
                Slot(
                    start,
                    start + slot_length,
                    free,
                    seats_remaining=rules.seats - held_seats if rules.seats else None,
                    attendees_count=0 if rules.seats else None,
                )
            )
    return slots


def round_robin_rank(host: HostAvailability) -> tuple:
    """Highest priority first; then the fewest recent bookings for the weight; then by id."""
    return (-host.priority, host.recent_bookings / max(host.weight, 1), -host.weight, host.host_id)


def choose_round_robin_host(candidates: Sequence[HostAvailability]) -> HostAvailability:
    return min(candidates, key=round_robin_rank)


def _split_hosts(plans, scheduling):
    """(hosts that must all be free, hosts of which one must be free)."""
    if scheduling == SINGLE:
        return plans[:1], []
    fixed = [p for p in plans if p.host.is_fixed or scheduling == COLLECTIVE]
    return fixed, [p for p in plans if not (p.host.is_fixed or scheduling == COLLECTIVE)]


def _free_hosts(fixed, fixed_ids, optional, position, all_hosts) -> tuple[int, ...]:
    """fixed: the free starts of each host who must be free; optional: (host id, free starts)
    of the hosts of whom one must be free."""
    for free_starts in fixed:
        if position not in free_starts:
            return ()
    if not optional:
        return fixed_ids
    free = list(fixed_ids)
    for host_id, free_starts in optional:
        if position in free_starts:
            free.append(host_id)
            if not all_hosts:
                break
    return tuple(free) if len(free) > len(fixed_ids) else ()


def _first_free_hosts(fixed, fixed_ids, optional) -> dict[int, tuple[int, ...]]:
    """The positions free for every fixed host and for one of the optional ones, each with the
    fixed hosts' ids and the first free optional host's (as _free_hosts gives them)."""
    first: dict[int, tuple[int, ...]] = {}
    for host_id, free_starts in reversed(optional):  # the first host written last, so it wins
        first.update(dict.fromkeys(free_starts, (*fixed_ids, host_id)))
    if fixed:
        free_for_all = set.intersection(*fixed)
        first = {position: ids for position, ids in first.items() if position in free_for_all}
    return first


# --- One host ---------------------------------------------------------------------------------


class _HostPlan:
    """A host's available intervals, busy times and limit counters over the requested range."""

    def __init__(self, host, rules, length, range_start, range_end, now):
        self.host = host
        self.rules = rules
        self.length = timedelta(minutes=length)
        self.minutes = length
        self.zone = ZoneInfo(host.time_zone)
        last_date = _window_last_date(rules.window, now.astimezone(self.zone).date())
        first_date = rules.window.start_date if rules.window.kind == "range" else None
        self.window_opens = self._local_midnight(first_date)
        closing_day = last_date + timedelta(days=1) if last_date and last_date < date.max else None
        self.window_closes = self._local_midnight(closing_day)

        first_day = range_start.astimezone(self.zone).date() - timedelta(days=1)
        last_day = (range_end - self.length).astimezone(self.zone).date() + timedelta(days=1)
        # Without an interval of its own, slots step by the length chosen (as Cal.com does).
        step = rules.interval or length
        weekly, overrides = _hours_of(host, first_day, last_day)
        self.available, self.candidate_starts = _expansion(
            host.time_zone, weekly, overrides, first_day, last_day, step, length
        )
        self.available_starts = [a for a, _ in self.available]

        # The busy times and holds in seconds since 1970, by start, and the latest end of each
        # and all before it: a start is clear when the latest end of everything that begins
        # before it (and its buffer) is over, which needs no merging of overlapping times.
        taken = []
        if not rules.allow_double_booking:
            taken = sorted([*_in_seconds(host.busy), *_in_seconds(host.held)])
        self.busy_starts = list(map(itemgetter(0), taken))
        self.busy_reach = list(accumulate(map(itemgetter(1), taken), max))
        self.before = timedelta(minutes=rules.before_buffer)
        self.after = timedelta(minutes=rules.after_buffer)

        self.limit_counts = Counter()
        self.limit_minutes = Counter()
        if rules.limits_count or rules.limits_duration:
            for booked_start, booked_minutes in host.counted:
                for key in period_keys(booked_start.astimezone(self.zone).date()):
                    self.limit_counts[key] += 1
                    self.limit_minutes[key] += booked_minutes

    def _local_midnight(self, day: date | None) -> datetime | None:
        """None for no day. A day beyond the years slots are looked for in counts as the first or
        last of them (near datetime's limits the arithmetic would overflow)."""
        if day is None:
            return None
        day = min(max(day, FIRST_WINDOW_DAY), LAST_WINDOW_DAY)
        return _wall_to_utc(datetime.combine(day, time(0)), self.zone)

    def in_window(self, start: datetime) -> bool:
        """Within the booking window, whose dates are local to the host."""
        if self.window_opens is not None and start < self.window_opens:
            return False
        return self.window_closes is None or start < self.window_closes

    def free_starts(self, ordered_starts: list[datetime], seconds: list[float]) -> set[int]:
        """The positions of those of the (ascending) starts this host can take: inside an
        available interval (found by walking the intervals, not by searching for each start),
        within the booking window, clear of busy times and holds by the buffers, within the
        limits. `seconds`: the same starts in seconds since 1970, against which the busy times
        are compared. Written out in one loop: it runs for every start of every host."""
        length = self.length
        reach = (self.length + self.after).total_seconds()
        before = self.before.total_seconds()
        busy_starts, busy_reach = self.busy_starts, self.busy_reach
        opens, closes = self.window_opens, self.window_closes
        limited = self.rules.limits_count or self.rules.limits_duration
        free = set()
        for available_start, available_end in self.available:
            first = bisect.bisect_left(ordered_starts, available_start)
            last = bisect.bisect_right(ordered_starts, available_end - length)
            for position in range(first, last):
                start = ordered_starts[position]
                if (opens is not None and start < opens) or (
                    closes is not None and start >= closes
                ):
                    continue
                at = seconds[position]
                index = bisect.bisect_left(busy_starts, at + reach) - 1
                if index >= 0 and busy_reach[index] > at - before:
                    continue
                if limited and not self._within_limits(start):
                    continue
                free.add(position)
        return free

    def _inside_availability(self, start, end) -> bool:
        index = bisect.bisect_right(self.available_starts, start) - 1
        return index >= 0 and self.available[index][1] >= end

    def _within_limits(self, start) -> bool:
        rules = self.rules
        if not (rules.limits_count or rules.limits_duration):
            return True
        keys = period_keys(start.astimezone(self.zone).date())
        for period, key in zip(LIMIT_PERIODS, keys, strict=True):
            limit = rules.limits_count.get(period)
            if limit is not None and self.limit_counts[key] + 1 > limit:
                return False
            limit = rules.limits_duration.get(period)
            if limit is not None and self.limit_minutes[key] + self.minutes > limit:
                return False
        return True


def _hours_of(host, first_day: date, last_day: date) -> tuple:
    """The host's weekly hours and their overrides between the days, as a key."""
    weekly = tuple(sorted((day, tuple(hours)) for day, hours in host.weekly.items() if hours))
    overrides = tuple(
        sorted(
            (day, tuple(hours))
            for day, hours in host.overrides.items()
            if first_day <= day <= last_day
        )
    )
    return weekly, overrides


class _KeptExpansions:
    """Expansions of hours kept per process, by everything they are made from, up to a number
    of slot starts in all (the oldest go first); a larger one than a quarter of that is not
    kept. Shared by threads: changed under a lock."""

    def __init__(self, most_starts: int):
        self.most_starts = most_starts
        self.kept: dict[tuple, tuple] = {}
        self.starts = 0
        self.lock = threading.Lock()

    def get(self, key: tuple):
        found = self.kept.get(key)
        if found is None:
            found = _expanded(*key)
            self.keep(key, found)
        return found

    def keep(self, key: tuple, expansion: tuple) -> None:
        size = len(expansion[1])
        if size > self.most_starts // 4:
            return
        with self.lock:
            if key in self.kept:
                return
            self.kept[key] = expansion
            self.starts += size
            while self.starts > self.most_starts:
                oldest = next(iter(self.kept))
                self.starts -= len(self.kept.pop(oldest)[1])


# About 15 MB: a month of 30-minute slots is about 1,500 starts per set of hours.
KEPT_EXPANSIONS = _KeptExpansions(most_starts=100_000)


def _expansion(zone_name, weekly, overrides, first_day, last_day, step_minutes, length_minutes):
    """A host's hours between the days: their available UTC intervals, merged, and the slot
    starts on the wall-clock grid, as datetimes by their seconds since 1970 (never changed once
    made). Kept (KEPT_EXPANSIONS) by everything they are made from, so hosts of a team with the
    same hours share one, and so do later searches: the same datetime objects, whose hashes are
    kept (the API keeps their local texts by them)."""
    key = (zone_name, weekly, overrides, first_day, last_day, step_minutes, length_minutes)
    return KEPT_EXPANSIONS.get(key)


def _expanded(zone_name, weekly, overrides, first_day, last_day, step_minutes, length_minutes):
    zone = ZoneInfo(zone_name)
    weekly, overrides = dict(weekly), dict(overrides)
    step, length = timedelta(minutes=step_minutes), timedelta(minutes=length_minutes)
    intervals, starts = [], []
    day = first_day
    while day <= last_day:
        local_intervals = overrides[day] if day in overrides else weekly.get(day.weekday(), ())
        for start_time, end_time in local_intervals:
            wall_start = datetime.combine(day, start_time)
            wall_end = datetime.combine(
                day + timedelta(days=1) if end_time == time(0) else day, end_time
            )
            utc_start = _wall_to_utc(wall_start, zone)
            utc_end = _wall_to_utc(wall_end, zone)
            if utc_end <= utc_start:
                continue
            intervals.append((utc_start, utc_end))
            starts.extend(_grid(wall_start, wall_end, utc_start, utc_end, step, length, zone))
        day += timedelta(days=1)
    intervals.sort()
    return tuple(_merge(intervals)), {start: datetime.fromtimestamp(start, UTC) for start in starts}


def _grid(wall_start, wall_end, utc_start, utc_end, step, length, zone) -> list[float]:
    """Slot starts (seconds since 1970) stepping through wall-clock time within one available
    interval."""
    last_start = utc_end - length
    offset = wall_start - utc_start.replace(tzinfo=None)
    if wall_end - utc_end.replace(tzinfo=None) == offset:
        # No DST change inside the interval: every wall time exists once; plain arithmetic
        # (on whole seconds, exact in floats).
        first, last = utc_start.timestamp(), last_start.timestamp()
        every = step.total_seconds()
        count = int((last - first) // every) + 1 if last >= first else 0
        return [first + every * index for index in range(count)]
    starts = []
    wall = wall_start
    while wall < wall_end:
        if _exists(wall, zone):
            moment = _wall_to_utc(wall, zone)
            if utc_start <= moment <= last_start:
                starts.append(moment.timestamp())
        wall += step
    return starts


# --- Helpers on time ----------------------------------------------------------------------------


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    """False for wall-clock times skipped by a DST change (they do not survive a round trip)."""
    aware = wall.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


@lru_cache(maxsize=8192)
def _wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant showing this wall-clock time (fold=0). Cached: the hosts of a team
    mostly share zones and hours, so a search asks the same question many times (the answer
    depends only on the zone's rules).

    A skipped time maps to the moment the clock jumps over it (the end of the gap), not to
    fold=0's "as if no jump" instant, which lies up to a whole jump later: 02:30-06:00 on New
    York's spring-forward day opens at 03:00 EDT, and 00:00-02:30 closes at 03:00 EDT.
    """
    later = wall.replace(tzinfo=zone).astimezone(UTC)
    if _exists(wall, zone):
        return later
    # In a gap, fold=1 gives an instant before the jump and fold=0 one after it: bisect.
    low = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(later.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) < wall:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _in_seconds(intervals) -> list:
    """(start, end) pairs in seconds since 1970, given as such or as aware datetimes."""
    if not intervals or not isinstance(intervals[0][0], datetime):
        return list(intervals)
    return [(start.timestamp(), end.timestamp()) for start, end, *_ in intervals]


def _merge(intervals: Sequence[tuple]) -> list[tuple]:
    """Sorted (start, end) intervals with those that overlap or touch made one."""
    merged: list[tuple] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def period_keys(day: date) -> tuple:
    """The day, ISO week, month and year a local date falls in: the periods of the limits."""
    iso = day.isocalendar()
    return (
        ("day", day),
        ("week", iso.year, iso.week),
        ("month", day.year, day.month),
        ("year", day.year),
    )


# Window days beyond these do not limit anything a calendar shows.
FIRST_WINDOW_DAY, LAST_WINDOW_DAY = date(1970, 1, 1), date(2999, 12, 31)
MAX_WINDOW_DAYS = 3650


def _window_last_date(window: BookingWindow, today: date) -> date | None:
    if window.kind == "calendarDays":
        return today + timedelta(days=min(window.days, MAX_WINDOW_DAYS))
    if window.kind == "businessDays":
        days = min(window.days, MAX_WINDOW_DAYS)
        if days <= 0:
            return today
        # Whole weeks first (each holds five business days), the last one to five day by day.
        weeks, remaining = divmod(days - 1, 5)
        day, remaining = today + timedelta(weeks=weeks), remaining + 1
        while remaining > 0:
            day += timedelta(days=1)
            if day.weekday() < 5:
                remaining -= 1
        return day
    if window.kind == "range":
        return window.end_date
    return None


# --- Why a start is or is not bookable --------------------------------------------------------

MINIMUM_NOTICE = "minimum_notice"
BOOKING_WINDOW = "booking_window"
OUTSIDE_HOURS = "outside_hours"
DATE_OVERRIDE = "date_override"
OFF_GRID = "off_grid"
BUFFER_CONFLICT = "buffer_conflict"
BUSY = "busy"
CALENDAR_BUSY = "calendar_busy"
RESERVED = "reserved"
LIMIT_REACHED = "limit_reached"
SEATS_FULL = "seats_full"


class HostReasons(NamedTuple):
    host_id: int
    codes: list[str]


@dataclass(frozen=True)
class Explanation:
    start: datetime
    slot: Slot | None
    reasons: dict[int, list[str]]  # host id -> why that host cannot take the start
    scheduling: str = SINGLE
    # host id -> the ids of that host's calendars with an event at the start
    calendars: dict[int, list[int]] = field(default_factory=dict)

    @property
    def bookable(self) -> bool:
        return self.slot is not None

    def reasons_by_host(self) -> list[HostReasons]:
        """Each host's reasons, in host id order."""
        return [HostReasons(host_id, codes) for host_id, codes in sorted(self.reasons.items())]

    @property
    def refusal_reason(self) -> str | None:
        """The code a booking at this start is refused with (None when bookable): the first
        reason, or BUSY when no host names one."""
        return None if self.bookable else self.first_reason() or BUSY

    def first_reason(self) -> str | None:
        """The most telling reason, for an error message.

        Each host's own is its earliest in REASON_ORDER (the most fundamental). When any one
        host would do (round robin), the start is as close to bookable as the closest host, so
        the latest of those; when every host is needed, the earliest.
        """
        per_host = [
            min(reasons, key=REASON_ORDER.index) for reasons in self.reasons.values() if reasons
        ]
        if not per_host:
            return None
        pick = max if self.scheduling == ROUND_ROBIN else min
        return pick(per_host, key=REASON_ORDER.index)


REASON_ORDER = (
    MINIMUM_NOTICE,
    BOOKING_WINDOW,
    DATE_OVERRIDE,
    OUTSIDE_HOURS,
    OFF_GRID,
    SEATS_FULL,
    RESERVED,
    BUSY,
    CALENDAR_BUSY,
    BUFFER_CONFLICT,
    LIMIT_REACHED,
)


def explain_start(
    rules: EventRules,
    hosts: Sequence[HostAvailability],
    start: datetime,
    *,
    now: datetime,
    length: int | None = None,
    seated: Iterable[SeatedSlot] = (),
) -> Explanation:
    """Tell whether one start is bookable and, host by host, every reason it is not."""
    length = length or rules.length
    range_end = start + timedelta(seconds=1)
    seated = [s for s in seated if s.start == start]
    slots = compute_slots(
        rules,
        hosts,
        range_start=start,
        range_end=range_end,
        now=now,
        length=length,
        seated=seated,
        all_hosts=True,
    )
    slot = slots[0] if slots else None
    reasons: dict[int, list[str]] = {}
    calendars: dict[int, list[int]] = {}
    for host in hosts:
        plan = _HostPlan(host, rules, length, start, range_end, now)
        found = []
        if start < now + timedelta(minutes=rules.minimum_notice):
            found.append(MINIMUM_NOTICE)
        if not plan.in_window(start):
            found.append(BOOKING_WINDOW)
        if seated and seated[0].booking_uid is None and seated[0].taken >= (rules.seats or 0):
            found.append(RESERVED)  # every seat is held by others' reservations
        if seated and host.host_id in seated[0].host_ids:
            if rules.seats is not None and seated[0].taken >= rules.seats:
                found.append(SEATS_FULL)
            reasons[host.host_id] = found
            continue
        end = start + plan.length
        if not plan._inside_availability(start, end):
            local_day = start.astimezone(plan.zone).date()
            found.append(DATE_OVERRIDE if local_day in host.overrides else OUTSIDE_HOURS)
        elif start.timestamp() not in plan.candidate_starts:
            found.append(OFF_GRID)
        if not rules.allow_double_booking:
            if _overlaps(host.held, start, end):
                found.append(RESERVED)
            external = {(b_start, b_end) for b_start, b_end, _ in host.external}
            bookings = [interval for interval in host.busy if tuple(interval) not in external]
            in_calendars = sorted(
                {
                    c
                    for b_start, b_end, c in host.external
                    if _overlaps([(b_start, b_end)], start, end)
                }
            )
            if _overlaps(bookings, start, end):
                found.append(BUSY)
            if in_calendars:
                found.append(CALENDAR_BUSY)
                calendars[host.host_id] = in_calendars
            taken = BUSY in found or CALENDAR_BUSY in found
            reach = (start - plan.before, end + plan.after)
            if (
                not taken
                and RESERVED not in found
                and (_overlaps(host.busy, *reach) or _overlaps(host.held, *reach))
            ):
                # free_starts applies the buffers to reservations too: say so, not "no reason".
                found.append(BUFFER_CONFLICT)
        if not plan._within_limits(start):
            found.append(LIMIT_REACHED)
        reasons[host.host_id] = found
    return Explanation(start, slot, reasons, rules.scheduling, calendars)


def _overlaps(intervals, start: datetime, end: datetime) -> bool:
    start, end = start.timestamp(), end.timestamp()
    return any(b_start < end and b_end > start for b_start, b_end in _in_seconds(intervals))
