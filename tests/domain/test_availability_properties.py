"""Properties of the pure slot engine (eventtypes/availability.py), checked with Hypothesis.

Random hosts in zones with DST, 30-minute DST, midnight transitions, +05:30/+05:45/+12:45
offsets and both ends of the date line; random daily hours (any start minute, any length),
random busy times, buffers, notice, `now` and requested range. Half the ranges are drawn
around a DST transition of the host's zone, computed from the tz database.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtypes.availability import EventRules, HostAvailability, compute_slots

ZONES = (
    "Europe/London",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
TWO_YEARS = 2 * 365 * 24 * 60  # minutes

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def transition_instants(zone_name: str) -> tuple[datetime, ...]:
    """UTC instants at which the zone's offset changes in 2026-2027 (hour scan, then bisect)."""
    zone = ZoneInfo(zone_name)
    found, moment = [], EPOCH
    previous = moment.astimezone(zone).utcoffset()
    while moment < EPOCH + TWO_YEARS * MINUTE:
        following = moment + timedelta(hours=1)
        if following.astimezone(zone).utcoffset() != previous:
            low, high = moment, following
            while high - low > MINUTE:
                middle = low + (high - low) // MINUTE // 2 * MINUTE
                if middle.astimezone(zone).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            found.append(high)
            previous = following.astimezone(zone).utcoffset()
        moment = following
    return tuple(found)


def first_instant_showing(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first UTC instant at which the zone's clock reads `wall` or later.

    Found by scanning minutes, not through zoneinfo's fold rules: for a skipped wall time it is
    the moment the clock jumps over it, for a repeated one its first occurrence.
    """
    offsets = {zone.utcoffset(wall + k * DAY) for k in (-1, 0, 1)}
    moment = (wall - max(offsets)).replace(tzinfo=UTC)
    if len(offsets) == 1:
        return moment
    while moment.astimezone(zone).replace(tzinfo=None) < wall:
        moment += MINUTE
    return moment


def local_wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def to_time(minute_of_day: int) -> time:
    return time(0) if minute_of_day == 24 * 60 else time(*divmod(minute_of_day, 60))


@dataclass(frozen=True)
class Scenario:
    host: HostAvailability
    rules: EventRules
    range_start: datetime
    range_end: datetime
    now: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.host.time_zone)

    def run(self, range_start=None, range_end=None):
        return compute_slots(
            self.rules,
            [self.host],
            range_start=range_start or self.range_start,
            range_end=range_end or self.range_end,
            now=self.now,
        )

    def intervals_on(self, day: date):
        """(wall start, wall end) intervals the host works on a local date; end may be next day."""
        if day in self.host.overrides:
            local = self.host.overrides[day]
        else:
            local = self.host.weekly.get(day.weekday(), ())
        for start, end in local:
            end_day = day + DAY if end == time(0) else day
            yield datetime.combine(day, start), datetime.combine(end_day, end)

    def window_of(self, slot_start: datetime):
        """The working interval (as walls and instants) a slot starting then belongs to."""
        wall = local_wall(slot_start, self.zone)
        for wall_start, wall_end in self.intervals_on(wall.date()):
            if wall_start <= wall < wall_end:
                opens = first_instant_showing(self.zone, wall_start)
                closes = first_instant_showing(self.zone, wall_end)
                return wall_start, wall_end, opens, closes
        return None


@st.composite
def hours(draw):
    """Daily hours; often starting or ending in the small hours, where the clocks change."""
    start = draw(st.integers(0, 24 * 60 - 1) | st.integers(0, 5 * 60))
    end = start + draw(st.integers(1, 24 * 60 - start) | st.integers(1, min(180, 24 * 60 - start)))
    return to_time(start), to_time(end)


@st.composite
def scenarios(draw, with_busy=True):
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    weekly_hours = draw(hours())
    weekdays = draw(st.sets(st.integers(0, 6), min_size=1))
    length = draw(st.sampled_from([5, 15, 20, 30, 45, 60, 90, 120]))
    rules = EventRules(
        length=length,
        interval=draw(st.none() | st.sampled_from([5, 10, 15, 20, 30, 60])),
        minimum_notice=draw(st.sampled_from([0, 0, 30, 90, 1440]) | st.integers(0, 3 * 1440)),
        before_buffer=draw(st.sampled_from([0, 0, 5, 15, 30])),
        after_buffer=draw(st.sampled_from([0, 0, 10, 30])),
    )

    near = transition_instants(zone_name)
    uniform = st.integers(0, TWO_YEARS).map(lambda m: EPOCH + m * MINUTE)
    anchor = draw(st.sampled_from(near) | uniform if near else uniform)
    range_start = anchor + draw(st.integers(-3 * 1440, 1440)) * MINUTE
    span = draw(st.integers(1, 4 * 1440))
    range_end = range_start + span * MINUTE
    now = range_start + draw(st.integers(-2 * 1440, 2 * 1440)) * MINUTE
    now += draw(st.integers(0, 59)) * timedelta(seconds=1)

    overrides = {}
    if draw(st.booleans()):
        day = local_wall(range_start, zone).date() + draw(st.integers(0, 3)) * DAY
        overrides[day] = draw(st.just([]) | hours().map(lambda h: [h]))

    busy = []
    if with_busy:
        for offset, minutes in draw(
            st.lists(st.tuples(st.integers(-1440, span + 1440), st.integers(1, 600)), max_size=6)
        ):
            start = range_start + offset * MINUTE
            busy.append((start, start + minutes * MINUTE))
    host = HostAvailability(
        host_id=1,
        time_zone=zone_name,
        weekly={weekday: [weekly_hours] for weekday in weekdays},
        overrides=overrides,
        busy=busy,
    )
    return Scenario(host, rules, range_start, range_end, now)


# --- (1) inside the working hours -------------------------------------------------------------


@PROPERTY
@given(scenarios())
def test_every_slot_lies_inside_the_hosts_local_working_hours(scenario):
    for slot in scenario.run():
        window = scenario.window_of(slot.start)
        assert window is not None, f"{local_wall(slot.start, scenario.zone)} is outside hours"
        _, _, opens, closes = window
        assert opens <= slot.start
        assert slot.end <= closes, "the slot runs past the end of the working hours"
        assert slot.end - slot.start == scenario.rules.length * MINUTE


# --- (2) no skipped wall time, each wall time once, on the grid -------------------------------


@PROPERTY
@given(scenarios())
def test_no_slot_starts_at_a_skipped_or_second_occurrence_wall_time(scenario):
    zone = scenario.zone
    found = scenario.run()
    walls = [local_wall(slot.start, zone) for slot in found]
    assert len(set(walls)) == len(walls), "a wall-clock time is offered twice"
    for slot, wall in zip(found, walls, strict=True):
        # The grid is laid in wall-clock time from the start of the working hours: a wall
        # time the clock skips would have to surface as another, off-grid wall time.
        wall_start, _, _, _ = scenario.window_of(slot.start)
        assert (wall - wall_start) % (scenario.rules.step * MINUTE) == timedelta(0)
        # The first instant showing that wall time, i.e. it exists and is not a repeat.
        assert first_instant_showing(zone, wall) == slot.start


# --- (3) no overlap with busy times -----------------------------------------------------------


@PROPERTY
@given(scenarios())
def test_no_slot_overlaps_a_busy_time_including_buffers(scenario):
    before = scenario.rules.before_buffer * MINUTE
    after = scenario.rules.after_buffer * MINUTE
    for slot in scenario.run():
        for busy_start, busy_end in scenario.host.busy:
            assert not (busy_start < slot.end + after and busy_end > slot.start - before)


# --- (4) order, range and notice --------------------------------------------------------------


@PROPERTY
@given(scenarios())
def test_slots_are_sorted_unique_inside_the_range_and_after_the_notice(scenario):
    starts = [slot.start for slot in scenario.run()]
    assert starts == sorted(set(starts))
    earliest = scenario.now + scenario.rules.minimum_notice * MINUTE
    for start in starts:
        assert scenario.range_start <= start < scenario.range_end
        assert start >= earliest
        assert start.utcoffset() == timedelta(0)


# --- (5) a long range is the union of its parts -----------------------------------------------


@PROPERTY
@given(scenarios(), st.floats(0, 1), st.integers(0, 59))
def test_splitting_the_range_anywhere_gives_the_same_slots(scenario, fraction, seconds):
    span = scenario.range_end - scenario.range_start
    split = scenario.range_start + span * fraction + seconds * timedelta(seconds=1)
    split = min(split, scenario.range_end)
    whole = scenario.run()
    parts = scenario.run(range_end=split) + scenario.run(range_start=split)
    assert parts == whole


# --- Completeness: nothing that should be offered is missing ----------------------------------


def expected_starts(scenario: Scenario) -> list[datetime]:
    """Every bookable start, computed independently: wall grid, minute-scanned instants."""
    zone = scenario.zone
    rules = scenario.rules
    length = rules.length * MINUTE
    before, after = rules.before_buffer * MINUTE, rules.after_buffer * MINUTE
    earliest = max(scenario.now + rules.minimum_notice * MINUTE, scenario.range_start)
    day = local_wall(scenario.range_start, zone).date() - DAY
    last_day = local_wall(scenario.range_end, zone).date() + DAY
    found = set()
    while day <= last_day:
        for wall_start, wall_end in scenario.intervals_on(day):
            opens = first_instant_showing(zone, wall_start)
            closes = first_instant_showing(zone, wall_end)
            wall = wall_start
            while wall < wall_end:
                start = first_instant_showing(zone, wall)
                if (
                    local_wall(start, zone) == wall  # the wall time exists
                    and opens <= start
                    and start + length <= closes
                    and earliest <= start < scenario.range_end
                    and not any(
                        b_start < start + length + after and b_end > start - before
                        for b_start, b_end in scenario.host.busy
                    )
                ):
                    found.add(start)
                wall += rules.step * MINUTE
        day += DAY
    return sorted(found)


@PROPERTY
@given(scenarios())
def test_every_free_wall_time_on_the_grid_is_offered(scenario):
    assert [slot.start for slot in scenario.run()] == expected_starts(scenario)
