"""DST and odd-offset behaviour of the pure slot engine (eventtypes/availability.py).

Every transition is computed from the tz database (never hard-coded): the UTC offset of each
zone is scanned hour by hour over 2026 and 2027 and each change is bisected to the minute.
Weekly hours are local wall-clock times in the host's zone, so a 09:00-17:00 day must start at
09:00 local before, on and after a change, a skipped wall time must never be offered and a
repeated one must be offered exactly once.
"""

from __future__ import annotations

import functools
import time as time_module
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from eventtypes.availability import (
    OFF_GRID,
    EventRules,
    HostAvailability,
    compute_slots,
    explain_start,
)

DST_ZONES = (
    "Europe/London",
    "America/New_York",
    "America/Santiago",  # changes at local midnight
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
)
FIXED_ZONES = ("Asia/Kolkata", "Asia/Kathmandu")  # +05:30, +05:45, no DST
YEARS = (2026, 2027)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


# --- Transitions from the tz database -------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    zone_name: str
    instant: datetime  # first UTC instant with the new offset
    before: timedelta
    after: timedelta

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    @property
    def spring_forward(self) -> bool:
        return self.after > self.before

    @property
    def local_date(self) -> date:
        return self.instant.astimezone(self.zone).date()

    @property
    def jump(self) -> timedelta:
        return abs(self.after - self.before)

    @property
    def wall_before(self) -> datetime:
        """The wall clock just before the change (naive): start of the skipped/repeated times."""
        return (self.instant + self.before).replace(tzinfo=None)

    @property
    def wall_after(self) -> datetime:
        return (self.instant + self.after).replace(tzinfo=None)

    @property
    def kind(self) -> str:
        return "spring-forward" if self.spring_forward else "fall-back"

    def __str__(self) -> str:
        return f"{self.zone_name}-{self.local_date}-{self.kind}"


@functools.cache
def transitions(zone_name: str) -> tuple[Transition, ...]:
    """Every UTC-offset change of the zone in YEARS, to the minute."""
    zone = ZoneInfo(zone_name)
    moment = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    end = datetime(YEARS[-1] + 1, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(zone).utcoffset()
    found = []
    while moment < end:
        following = moment + timedelta(hours=1)
        offset = following.astimezone(zone).utcoffset()
        if offset != previous:
            low, high = moment, following  # offset(low) == previous, offset(high) == offset
            while high - low > MINUTE:
                middle = low + ((high - low) // MINUTE // 2) * MINUTE
                if middle.astimezone(zone).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            found.append(Transition(zone_name, high, previous, offset))
            previous = offset
        moment = following
    return tuple(found)


ALL_TRANSITIONS = [t for zone in DST_ZONES for t in transitions(zone)]
SPRING_FORWARD = [t for t in ALL_TRANSITIONS if t.spring_forward]
FALL_BACK = [t for t in ALL_TRANSITIONS if not t.spring_forward]


# --- Helpers ----------------------------------------------------------------------------------


def first_instant_showing(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first UTC instant at which the zone's clock reads `wall` or later (minute scan).

    Independent of zoneinfo's fold rules: for a skipped wall time this is the moment the clock
    jumps over it; for a repeated one, its first occurrence.
    """
    offsets = {zone.utcoffset(wall + timedelta(hours=h)) for h in range(-30, 31, 3)}
    moment = (wall - max(offsets)).replace(tzinfo=UTC)
    while moment.astimezone(zone).replace(tzinfo=None) < wall:
        moment += MINUTE
    return moment


def day_start(zone: ZoneInfo, day: date) -> datetime:
    return first_instant_showing(zone, datetime.combine(day, time(0)))


def wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def every_day(start: time, end: time) -> dict[int, list[tuple[time, time]]]:
    return {weekday: [(start, end)] for weekday in range(7)}


def host_in(zone_name: str, start: time, end: time) -> HostAvailability:
    return HostAvailability(host_id=1, time_zone=zone_name, weekly=every_day(start, end))


def slots_for_days(host, first: date, last: date, *, length=30, interval=None):
    """Slots whose start falls on the host's local dates first..last (inclusive)."""
    zone = ZoneInfo(host.time_zone)
    return compute_slots(
        EventRules(length=length, interval=interval),
        [host],
        range_start=day_start(zone, first),
        range_end=day_start(zone, last + timedelta(days=1)),
        now=LONG_AGO,
    )


def minutes_of(t: time) -> int:
    return t.hour * 60 + t.minute


def grid(day: date, start: time, end: time, step: int) -> list[datetime]:
    """Wall times start, start+step, ... before end on `day` (end 00:00 = midnight)."""
    first = datetime.combine(day, start)
    last = datetime.combine(day + timedelta(days=1) if end == time(0) else day, end)
    walls = []
    while first < last:
        walls.append(first)
        first += timedelta(minutes=step)
    return walls


def exists(zone: ZoneInfo, wall_time: datetime) -> bool:
    return wall(first_instant_showing(zone, wall_time), zone) == wall_time


# --- The tz data really has what these tests are about ----------------------------------------


@pytest.mark.parametrize("zone_name", DST_ZONES)
def test_every_dst_zone_changes_offset_twice_a_year(zone_name):
    found = transitions(zone_name)
    assert [t.instant.year for t in found] == [2026, 2026, 2027, 2027]
    assert {t.spring_forward for t in found} == {True, False}


@pytest.mark.parametrize("zone_name", FIXED_ZONES)
def test_fixed_offset_zone_has_no_transition(zone_name):
    assert transitions(zone_name) == ()


def test_lord_howe_and_chatham_have_the_odd_jumps_the_matrix_needs():
    assert {t.jump for t in transitions("Australia/Lord_Howe")} == {timedelta(minutes=30)}
    assert {t.wall_before.time() for t in transitions("America/Santiago") if t.spring_forward} == {
        time(0)
    }
    assert {t.after.total_seconds() % 3600 for t in transitions("Pacific/Chatham")} == {45 * 60}


# --- A day keeps its local shape around each transition --------------------------------------

SCHEDULES = {
    "09-17": (time(9), time(17)),
    "13-21": (time(13), time(21)),
    "14h30-18": (time(14, 30), time(18)),
    "23h30-midnight": (time(23, 30), time(0)),
}


@pytest.mark.parametrize("schedule", SCHEDULES, ids=str)
@pytest.mark.parametrize("transition", ALL_TRANSITIONS, ids=str)
def test_first_slot_stays_at_local_start_time_on_days_around_a_transition(transition, schedule):
    start, end = SCHEDULES[schedule]
    zone = transition.zone
    host = host_in(transition.zone_name, start, end)
    days = [transition.local_date + timedelta(days=k) for k in (-1, 0, 1)]
    together = slots_for_days(host, days[0], days[-1])

    for day in days:
        expected = [w for w in grid(day, start, end, 30) if exists(zone, w)]
        alone = slots_for_days(host, day, day)
        assert [s for s in together if wall(s.start, zone).date() == day] == alone
        assert alone, f"no slot on {day}"
        assert wall(alone[0].start, zone) == datetime.combine(day, start)
        assert [wall(s.start, zone) for s in alone] == expected
        window_end = first_instant_showing(
            zone, datetime.combine(day + timedelta(days=1) if end == time(0) else day, end)
        )
        for slot in alone:
            assert slot.end - slot.start == timedelta(minutes=30)
            assert wall(slot.start, zone).time() >= start
            assert slot.end <= window_end

    # Not vacuous: the same wall-clock time really is another UTC time across the change.
    before = together[0].start.astimezone(zone).utcoffset()
    after = together[-1].start.astimezone(zone).utcoffset()
    assert (before, after) == (transition.before, transition.after)


@pytest.mark.parametrize("start", [time(9), time(13), time(14, 30)], ids=str)
@pytest.mark.parametrize("transition", ALL_TRANSITIONS, ids=str)
def test_weekly_slot_keeps_its_wall_time_for_ten_weeks_across_a_transition(transition, start):
    zone = transition.zone
    weekday = transition.local_date.weekday()
    end = (datetime.combine(date(2026, 1, 1), start) + timedelta(hours=1)).time()
    host = HostAvailability(1, transition.zone_name, weekly={weekday: [(start, end)]})
    first = transition.local_date - timedelta(weeks=5)
    slots = slots_for_days(host, first, first + timedelta(weeks=10) - timedelta(days=1), length=60)

    assert [wall(s.start, zone) for s in slots] == [
        datetime.combine(first + timedelta(weeks=k), start) for k in range(10)
    ]
    assert {s.start.astimezone(zone).utcoffset() for s in slots} == {
        transition.before,
        transition.after,
    }


# --- Non-whole-hour offsets -------------------------------------------------------------------

ARBITRARY_DATES = [date(2026, 1, 15), date(2026, 3, 8), date(2026, 10, 25), date(2027, 6, 30)]


@pytest.mark.parametrize("length", [30, 60])
@pytest.mark.parametrize("schedule", ["09-17", "13-21"])
@pytest.mark.parametrize("day", ARBITRARY_DATES, ids=str)
@pytest.mark.parametrize("zone_name", FIXED_ZONES)
def test_odd_offset_zone_keeps_slots_on_local_hours_and_half_hours(
    zone_name, day, schedule, length
):
    start, end = SCHEDULES[schedule]
    zone = ZoneInfo(zone_name)
    slots = slots_for_days(host_in(zone_name, start, end), day, day, length=length)

    assert [wall(s.start, zone) for s in slots] == grid(day, start, end, length)
    allowed_minutes = {0} if length == 60 else {0, 30}
    assert {wall(s.start, zone).minute for s in slots} <= allowed_minutes
    # The offset is applied, not a UTC-aligned grid: 09:00 is 03:30 UTC in Kolkata, 03:15 in
    # Kathmandu.
    offset_minutes = zone.utcoffset(datetime.combine(day, start)) // MINUTE
    assert slots[0].start.minute == -offset_minutes % 60


# --- The transition hour itself ---------------------------------------------------------------

NIGHT_SCHEDULES = {"00-06": (time(0), time(6)), "whole-day": (time(0), time(0))}


@pytest.mark.parametrize("schedule", NIGHT_SCHEDULES)
@pytest.mark.parametrize("transition", SPRING_FORWARD, ids=str)
def test_spring_forward_day_never_offers_a_skipped_wall_time(transition, schedule):
    start, end = NIGHT_SCHEDULES[schedule]
    zone = transition.zone
    day = transition.local_date
    slots = slots_for_days(host_in(transition.zone_name, start, end), day, day)
    walls = [wall(s.start, zone) for s in slots]

    skipped = [w for w in grid(day, start, end, 30) if not exists(zone, w)]
    assert skipped, "the schedule does cover the skipped wall times"
    for w in walls:
        assert not transition.wall_before <= w < transition.wall_after
        assert w.replace(tzinfo=zone).astimezone(UTC) == w.replace(tzinfo=zone, fold=1).astimezone(
            UTC
        ), f"{w} is not an unambiguous existing wall time"
    assert walls == [w for w in grid(day, start, end, 30) if w not in skipped]
    # The day is shorter by the jump, and so is the number of slots.
    window = first_instant_showing(zone, grid(day, start, end, 30)[-1]) + timedelta(minutes=30)
    elapsed = window - first_instant_showing(zone, datetime.combine(day, start))
    assert len(slots) == elapsed // timedelta(minutes=30)


@pytest.mark.parametrize("schedule", NIGHT_SCHEDULES)
@pytest.mark.parametrize("transition", FALL_BACK, ids=str)
def test_fall_back_day_offers_each_repeated_wall_time_exactly_once(transition, schedule):
    start, end = NIGHT_SCHEDULES[schedule]
    zone = transition.zone
    day = transition.local_date
    slots = slots_for_days(host_in(transition.zone_name, start, end), day, day)
    walls = [wall(s.start, zone) for s in slots]

    assert walls == grid(day, start, end, 30)  # every wall time, each once, in order
    repeated = [w for w in walls if transition.wall_after <= w < transition.wall_before]
    if schedule == "whole-day":
        assert repeated, "the schedule does cover the repeated wall times"
    for slot in slots:
        if transition.wall_after <= wall(slot.start, zone) < transition.wall_before:
            # Offered at its first occurrence, i.e. before the clocks go back.
            assert slot.start < transition.instant
    assert len(set(s.start for s in slots)) == len(slots)


@pytest.mark.parametrize("transition", [t for t in SPRING_FORWARD if "Santiago" in t.zone_name])
def test_santiago_day_without_midnight_offers_no_00h_slot(transition):
    zone = transition.zone
    day = transition.local_date
    slots = slots_for_days(host_in(transition.zone_name, time(0), time(6)), day, day)

    assert slots
    assert all(wall(s.start, zone).hour != 0 for s in slots)
    assert wall(slots[0].start, zone) == datetime.combine(day, time(1))
    assert slots[0].start == transition.instant


def _mid_jump(transition: Transition) -> time:
    return (transition.wall_before + transition.jump / 2).time()


@pytest.mark.parametrize("transition", SPRING_FORWARD, ids=str)
def test_hours_starting_in_a_skipped_time_open_when_the_clock_jumps(transition):
    # e.g. New York 02:30-06:00 on the spring-forward Sunday: 02:30 never shows, so the
    # working time starts when the clock jumps (03:00), and 03:00 is offered.
    zone = transition.zone
    day = transition.local_date
    start = _mid_jump(transition)
    end = (datetime.combine(day, start) + timedelta(hours=3)).time()
    step = int(transition.jump / 2 / MINUTE)
    host = host_in(transition.zone_name, start, end)
    slots = slots_for_days(host, day, day, length=step)

    assert slots[0].start == transition.instant
    assert wall(slots[0].start, zone) == transition.wall_after


@pytest.mark.parametrize("transition", SPRING_FORWARD, ids=str)
def test_hours_ending_in_a_skipped_time_close_when_the_clock_jumps(transition):
    # e.g. New York 00:30-02:30 on the spring-forward Sunday: the clock passes 02:30 at the
    # jump (03:00 EDT), so a 60-minute event may not run on until 03:30 EDT.
    day = transition.local_date
    end = _mid_jump(transition)
    opening = max(datetime.combine(day, time(0)), datetime.combine(day, end) - timedelta(hours=2))
    start = opening.time()
    step = int(transition.jump / 2 / MINUTE)
    host = host_in(transition.zone_name, start, end)
    slots = slots_for_days(host, day, day, length=2 * step, interval=step)

    assert all(s.end <= transition.instant for s in slots)
    if opening < transition.wall_before:
        assert slots[-1].end == transition.instant
    else:  # Santiago: 00:00-00:30 never shows on that day, so there is nothing to offer.
        assert slots == []


@pytest.mark.parametrize("transition", FALL_BACK, ids=str)
def test_booking_the_second_occurrence_of_a_repeated_time_is_refused(transition):
    # The listed slot is the first occurrence; the same wall time an hour (or 30 min) later is
    # deterministically not bookable, whichever instant a client sends.
    host = host_in(transition.zone_name, time(0), time(0))
    repeated = [
        w
        for w in grid(transition.local_date, time(0), time(0), 30)
        if transition.wall_after <= w < transition.wall_before
    ]
    first = first_instant_showing(transition.zone, repeated[0])
    second = first + transition.jump
    assert wall(first, transition.zone) == wall(second, transition.zone)
    rules = EventRules(length=30)

    assert explain_start(rules, [host], first, now=LONG_AGO).bookable
    refused = explain_start(rules, [host], second, now=LONG_AGO)
    assert not refused.bookable
    assert refused.first_reason() == OFF_GRID


@pytest.mark.parametrize("transition", ALL_TRANSITIONS, ids=str)
def test_minimum_notice_ending_at_nine_on_transition_day_keeps_nine_oclock(transition):
    zone = transition.zone
    day = transition.local_date
    nine = first_instant_showing(zone, datetime.combine(day, time(9)))
    rules = EventRules(length=30, minimum_notice=6 * 60)
    host = host_in(transition.zone_name, time(9), time(17))
    found = compute_slots(
        rules,
        [host],
        range_start=day_start(zone, day),
        range_end=nine + timedelta(days=1),
        now=nine - timedelta(hours=6),
    )
    assert found[0].start == nine
    late = compute_slots(
        rules,
        [host],
        range_start=day_start(zone, day),
        range_end=nine + timedelta(days=1),
        now=nine - timedelta(hours=6) + MINUTE,
    )
    assert wall(late[0].start, zone) == datetime.combine(day, time(9, 30))


@pytest.mark.parametrize("transition", ALL_TRANSITIONS, ids=str)
def test_date_override_on_transition_day_applies_in_local_time(transition):
    zone = transition.zone
    day = transition.local_date
    host = HostAvailability(
        1,
        transition.zone_name,
        weekly=every_day(time(9), time(17)),
        overrides={day: [(time(13, 30), time(15))]},
    )
    found = slots_for_days(host, day - timedelta(days=1), day + timedelta(days=1))
    on_day = [wall(s.start, zone) for s in found if wall(s.start, zone).date() == day]
    assert on_day == grid(day, time(13, 30), time(15), 30)
    assert len(found) == 16 + 3 + 16


# --- The engine answers in UTC, whatever the caller's presentation ----------------------------

VIEWER_ZONES = ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu")


@pytest.mark.parametrize("zone_name", DST_ZONES + FIXED_ZONES)
def test_slot_instants_do_not_depend_on_the_zone_the_caller_works_in(zone_name, monkeypatch):
    host = host_in(zone_name, time(9), time(17))
    found = transitions(zone_name)
    around = found[0].instant if found else datetime(2026, 5, 1, tzinfo=UTC)
    range_start, range_end = around - timedelta(days=2), around + timedelta(days=2)
    now = range_start - timedelta(days=1)

    def run(viewer: str):
        viewer_zone = ZoneInfo(viewer)
        return compute_slots(
            EventRules(length=30, minimum_notice=60),
            [host],
            range_start=range_start.astimezone(viewer_zone),
            range_end=range_end.astimezone(viewer_zone),
            now=now.astimezone(viewer_zone),
        )

    reference = run("UTC")
    assert reference
    for slot in reference:
        assert slot.start.utcoffset() == timedelta(0)
        assert slot.end.utcoffset() == timedelta(0)
    for viewer in VIEWER_ZONES:
        assert run(viewer) == reference
    # Nor on the process's local time zone.
    try:
        for process_zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            monkeypatch.setenv("TZ", process_zone)
            time_module.tzset()
            assert run("UTC") == reference
    finally:
        monkeypatch.undo()
        time_module.tzset()
