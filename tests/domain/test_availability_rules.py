"""The booking rules of the pure slot engine (eventtypes/availability.py), one at a time.

Unless a test says otherwise the host works Monday-Friday 09:00-17:00 in New York (EDT, UTC-4,
in June 2026), the event lasts 30 minutes, and `now` is long before the dates looked at.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from eventtypes import availability
from eventtypes.availability import (
    BookingWindow,
    EventRules,
    HostAvailability,
    SeatedSlot,
    Slot,
    choose_round_robin_host,
    compute_slots,
    explain_start,
)

NEW_YORK = "America/New_York"
LONDON = "Europe/London"
TOKYO = "Asia/Tokyo"
MON = date(2026, 6, 15)
TUE, WED, THU, FRI, SAT, SUN = (MON + timedelta(days=k) for k in range(1, 7))
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
NINE_TO_FIVE = (time(9), time(17))
WEEKDAYS = {weekday: [NINE_TO_FIVE] for weekday in range(5)}
EVERY_DAY = {weekday: [NINE_TO_FIVE] for weekday in range(7)}
RULES = EventRules(length=30)


def at(day: date, hour: int, minute: int = 0, tz: str = NEW_YORK) -> datetime:
    """A local wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz)).astimezone(UTC)


def host(host_id: int = 1, tz: str = NEW_YORK, weekly=None, **fields) -> HostAvailability:
    return HostAvailability(
        host_id=host_id, time_zone=tz, weekly=WEEKDAYS if weekly is None else weekly, **fields
    )


def slots(rules, hosts, first: date, last: date | None = None, *, tz=NEW_YORK, now=LONG_AGO, **kw):
    """Slots starting on local dates first..last (in `tz`)."""
    last = last or first
    return compute_slots(
        rules,
        hosts,
        range_start=at(first, 0, tz=tz),
        range_end=at(last + timedelta(days=1), 0, tz=tz),
        now=now,
        **kw,
    )


def walls(found, tz: str = NEW_YORK) -> list[str]:
    return [s.start.astimezone(ZoneInfo(tz)).strftime("%H:%M") for s in found]


def dated_walls(found, tz: str = NEW_YORK) -> list[str]:
    return [s.start.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") for s in found]


def days_with_slots(found, tz: str = NEW_YORK) -> list[date]:
    return sorted({s.start.astimezone(ZoneInfo(tz)).date() for s in found})


def half_hours(start: str, end: str) -> list[str]:
    """'HH:MM' every 30 minutes from start up to (not including) end."""
    first = datetime.strptime(start, "%H:%M")
    last = datetime.strptime(end, "%H:%M")
    return [
        (first + timedelta(minutes=30 * k)).strftime("%H:%M")
        for k in range((last - first) // timedelta(minutes=30))
    ]


def test_the_calendar_these_tests_assume():
    assert MON.weekday() == 0 and SAT.weekday() == 5
    assert at(MON, 9) == datetime(2026, 6, 15, 13, 0, tzinfo=UTC)


def test_free_day_offers_every_half_hour_from_nine_to_half_past_four():
    found = slots(RULES, [host()], MON)
    assert walls(found) == half_hours("09:00", "17:00")
    assert all(s.end - s.start == timedelta(minutes=30) for s in found)
    assert all(s.host_ids == (1,) for s in found)
    assert slots(RULES, [host()], SAT, SUN) == []


# --- Busy times and buffers -------------------------------------------------------------------


def test_back_to_back_with_a_booking_is_allowed_without_buffers():
    busy = [(at(MON, 10), at(MON, 11))]
    found = walls(slots(RULES, [host(busy=busy)], MON))
    assert "09:30" in found and "11:00" in found  # end == busy start, start == busy end
    assert "10:00" not in found and "10:30" not in found


def test_busy_range_hides_only_the_slots_it_overlaps():
    busy = [(at(MON, 10, 10), at(MON, 10, 20))]
    found = walls(slots(RULES, [host(busy=busy)], MON))
    assert found == [w for w in half_hours("09:00", "17:00") if w != "10:00"]


def test_busy_range_including_the_other_bookings_buffers_hides_neighbouring_slots():
    # A 10:00-11:00 booking with 10-minute buffers arrives as 09:50-11:10.
    busy = [(at(MON, 9, 50), at(MON, 11, 10))]
    found = walls(slots(RULES, [host(busy=busy)], MON))
    assert found[:2] == ["09:00", "11:30"]


def test_before_buffer_hides_the_slot_right_after_a_booking():
    rules = EventRules(length=30, before_buffer=15)
    busy = [(at(MON, 10), at(MON, 11))]
    found = walls(slots(rules, [host(busy=busy)], MON))
    assert "11:00" not in found  # 10:45-11:30 with its buffer overlaps 10:00-11:00
    assert "11:30" in found  # 11:15-12:00 touches nothing
    assert "09:30" in found  # the before buffer does not reach forward


def test_after_buffer_hides_the_slot_right_before_a_booking():
    rules = EventRules(length=30, after_buffer=15)
    busy = [(at(MON, 10), at(MON, 11))]
    found = walls(slots(rules, [host(busy=busy)], MON))
    assert "09:30" not in found  # 09:30-10:15 with its buffer overlaps
    assert "09:00" in found  # 09:00-09:45 ends before the booking
    assert "11:00" in found  # the after buffer does not reach backwards


def test_buffer_that_just_touches_a_booking_is_allowed():
    rules = EventRules(length=30, before_buffer=30, after_buffer=30)
    busy = [(at(MON, 12), at(MON, 13))]
    found = walls(slots(rules, [host(busy=busy)], MON))
    assert "11:00" in found and "13:30" in found  # buffered ranges end/start exactly at busy
    assert "11:30" not in found and "13:00" not in found


def test_buffers_may_extend_outside_working_hours():
    rules = EventRules(length=30, before_buffer=30, after_buffer=30)
    found = walls(slots(rules, [host()], MON))
    assert found[0] == "09:00" and found[-1] == "16:30"


def test_reservation_held_by_someone_else_blocks_like_a_booking():
    held = [(at(MON, 10), at(MON, 10, 30))]
    found = walls(slots(RULES, [host(held=held)], MON))
    assert "10:00" not in found
    assert "09:30" in found and "10:30" in found


def test_double_booking_allowed_ignores_busy_times_and_reservations():
    rules = EventRules(length=30, allow_double_booking=True, before_buffer=10)
    busy = [(at(MON, 0), at(MON, 23))]
    held = [(at(MON, 9), at(MON, 17))]
    found = walls(slots(rules, [host(busy=busy, held=held)], MON))
    assert found == half_hours("09:00", "17:00")


# --- Minimum notice ---------------------------------------------------------------------------


def test_minimum_notice_boundary_exactly_at_now_plus_notice_is_offered():
    rules = EventRules(length=30, minimum_notice=60)
    found = walls(slots(rules, [host()], MON, now=at(MON, 9)))
    assert found[0] == "10:00"


def test_minimum_notice_hides_slots_even_a_second_too_early():
    rules = EventRules(length=30, minimum_notice=60)
    now = at(MON, 9) + timedelta(seconds=1)
    assert walls(slots(rules, [host()], MON, now=now))[0] == "10:30"


def test_minimum_notice_of_a_day_moves_first_slot_to_next_day():
    rules = EventRules(length=30, minimum_notice=24 * 60)
    found = slots(rules, [host()], MON, TUE, now=at(MON, 9))
    assert dated_walls(found)[0] == "2026-06-16 09:00"
    assert days_with_slots(found) == [TUE]


def test_past_slots_are_never_offered_even_without_notice():
    found = walls(slots(RULES, [host()], MON, now=at(MON, 12, 10)))
    assert found[0] == "12:30"


# --- Booking window ---------------------------------------------------------------------------


def test_calendar_days_window_counts_from_today_in_the_hosts_zone():
    # Sunday 20:00 UTC is already Monday 05:00 in Tokyo: "today" is Monday there.
    rules = EventRules(length=30, window=BookingWindow("calendarDays", days=2))
    now = datetime(2026, 6, 14, 20, 0, tzinfo=UTC)
    found = slots(rules, [host(tz=TOKYO, weekly=EVERY_DAY)], MON, FRI, tz=TOKYO, now=now)
    assert days_with_slots(found, TOKYO) == [MON, TUE, WED]


def test_calendar_days_window_of_zero_is_today_only():
    rules = EventRules(length=30, window=BookingWindow("calendarDays", days=0))
    found = slots(rules, [host()], MON, WED, now=at(MON, 8))
    assert days_with_slots(found) == [MON]


def test_business_days_window_skips_the_weekend():
    # Friday + 2 business days = Tuesday; weekend days before that remain bookable.
    rules = EventRules(length=30, window=BookingWindow("businessDays", days=2))
    found = slots(rules, [host(weekly=EVERY_DAY)], FRI, FRI + timedelta(days=7), now=at(FRI, 8))
    assert days_with_slots(found) == [FRI + timedelta(days=k) for k in range(5)]


def test_business_days_window_from_a_saturday_ends_on_monday():
    rules = EventRules(length=30, window=BookingWindow("businessDays", days=1))
    found = slots(rules, [host(weekly=EVERY_DAY)], SAT, SAT + timedelta(days=5), now=at(SAT, 8))
    assert days_with_slots(found) == [SAT, SUN, SAT + timedelta(days=2)]


def test_range_window_includes_both_its_start_and_end_dates():
    rules = EventRules(length=30, window=BookingWindow("range", start_date=TUE, end_date=THU))
    found = slots(rules, [host()], MON, FRI, now=at(MON, 8))
    assert days_with_slots(found) == [TUE, WED, THU]
    assert walls([s for s in found if s.start >= at(THU, 0)])[-1] == "16:30"


def test_unlimited_window_offers_slots_a_year_ahead():
    rules = EventRules(length=30, window=BookingWindow())
    later = date(2027, 6, 14)  # a Monday
    found = slots(rules, [host()], later, now=at(MON, 8))
    assert walls(found) == half_hours("09:00", "17:00")


@pytest.mark.parametrize(
    "window",
    [
        BookingWindow("range", start_date=date(1, 1, 1), end_date=date(9999, 12, 31)),
        BookingWindow("range", start_date=date(2026, 6, 1), end_date=date.max),
        BookingWindow("calendarDays", days=10**9),
        BookingWindow("businessDays", days=10**9),
    ],
    ids=["range-of-all-dates", "range-to-the-last-date", "calendar-days", "business-days"],
)
def test_windows_at_the_limits_of_the_calendar_limit_nothing_and_never_overflow(window):
    # Such values are refused when written; the engine must cope with them all the same.
    rules = EventRules(length=30, window=window)
    for zone in (NEW_YORK, TOKYO, "Pacific/Kiritimati", "Etc/GMT+12"):
        found = slots(rules, [host(tz=zone)], MON, TUE, tz=zone, now=at(MON, 0, tz=zone))
        assert walls(found, zone)[:2] == ["09:00", "09:30"]


# --- Slot interval and length -----------------------------------------------------------------


def test_hour_long_event_every_quarter_hour_last_starts_at_four():
    rules = EventRules(length=60, interval=15)
    found = slots(rules, [host()], MON)
    assert walls(found)[:3] == ["09:00", "09:15", "09:30"]
    assert walls(found)[-1] == "16:00"
    assert len(found) == 29
    assert all(s.end - s.start == timedelta(hours=1) for s in found)


def test_interval_longer_than_the_event_leaves_gaps():
    rules = EventRules(length=30, interval=60)
    assert walls(slots(rules, [host()], MON)) == [f"{h:02}:00" for h in range(9, 17)]


def test_chosen_length_changes_slot_ends_and_steps_without_an_interval():
    found = slots(RULES, [host()], MON, length=60)
    assert all(s.end - s.start == timedelta(minutes=60) for s in found)
    assert walls(found)[:2] == ["09:00", "10:00"]
    assert walls(found)[-1] == "16:00"
    found = slots(RULES, [host()], MON, length=45)
    assert walls(found)[-1] == "15:45"  # 16:30 + 45 min would run past 17:00
    stepped = slots(EventRules(length=30, interval=30), [host()], MON, length=60)
    assert walls(stepped)[:2] == ["09:00", "09:30"]  # an explicit interval is kept
    busy = [(at(MON, 10, 30), at(MON, 11))]
    assert "10:00" in walls(slots(RULES, [host(busy=busy)], MON))
    assert "10:00" not in walls(slots(RULES, [host(busy=busy)], MON, length=60))


# --- Date overrides and split days ------------------------------------------------------------


def test_date_override_replaces_that_days_hours_only():
    overrides = {MON: [(time(12), time(14))]}
    found = slots(RULES, [host(overrides=overrides)], MON, TUE)
    assert walls([s for s in found if s.start < at(TUE, 0)]) == half_hours("12:00", "14:00")
    assert walls([s for s in found if s.start >= at(TUE, 0)]) == half_hours("09:00", "17:00")


def test_date_override_with_no_hours_is_a_day_off():
    found = slots(RULES, [host(overrides={MON: []})], MON, TUE)
    assert days_with_slots(found) == [TUE]


def test_date_override_opens_a_day_the_weekly_hours_leave_closed():
    found = slots(RULES, [host(overrides={SAT: [(time(10), time(11))]})], SAT, SUN)
    assert dated_walls(found) == ["2026-06-20 10:00", "2026-06-20 10:30"]


def test_override_until_midnight_offers_the_last_half_hour_of_the_day():
    found = slots(RULES, [host(overrides={MON: [(time(22), time(0))]})], MON, TUE)
    assert dated_walls(found)[:4] == [
        "2026-06-15 22:00",
        "2026-06-15 22:30",
        "2026-06-15 23:00",
        "2026-06-15 23:30",
    ]
    assert found[3].end == at(TUE, 0)


def test_lunch_break_splits_the_day_and_no_slot_straddles_it():
    weekly = {0: [(time(9), time(12)), (time(13), time(17))]}
    found = walls(slots(EventRules(length=60, interval=30), [host(weekly=weekly)], MON))
    assert "11:00" in found and "13:00" in found
    assert not {"11:30", "12:00", "12:30"} & set(found)
    assert found[-1] == "16:00"


def test_two_override_intervals_on_one_day():
    overrides = {MON: [(time(8), time(9)), (time(18), time(19))]}
    found = walls(slots(RULES, [host(overrides=overrides)], MON))
    assert found == ["08:00", "08:30", "18:00", "18:30"]


# --- Limits -----------------------------------------------------------------------------------

# period -> (a day in the same period as MON's bookings, the first working day of the next one)
PERIOD_DAYS = {
    "day": (MON, TUE),
    "week": (FRI, MON + timedelta(days=7)),
    "month": (date(2026, 6, 30), date(2026, 7, 1)),
    "year": (date(2026, 12, 31), date(2027, 1, 1)),
}


@pytest.mark.parametrize("period", availability.LIMIT_PERIODS)
def test_booking_count_limit_closes_the_rest_of_the_period(period):
    rules = EventRules(length=30, limits_count={period: 2})
    same, following = PERIOD_DAYS[period]
    one = host(counted=[(at(MON, 9), 30)])
    two = host(counted=[(at(MON, 9), 30), (at(MON, 10), 30)])
    assert slots(rules, [one], same), "one booking under a limit of two leaves room"
    assert slots(rules, [two], same) == []
    assert walls(slots(rules, [two], following)) == half_hours("09:00", "17:00")


@pytest.mark.parametrize("period", availability.LIMIT_PERIODS)
def test_booked_duration_limit_counts_minutes_of_the_period(period):
    rules = EventRules(length=30, limits_duration={period: 90})
    same, following = PERIOD_DAYS[period]
    booked = host(counted=[(at(MON, 9), 60)])
    assert slots(rules, [booked], same), "60 booked + 30 = 90 minutes is still within 90"
    assert slots(rules, [booked], same, length=60) == []  # 60 + 60 > 90
    assert slots(rules, [booked], following, length=60)


# (tz, the booking's local date and time, a day it must block, a day it must leave open)
LOCAL_BOUNDARIES = {
    "day-late-evening-new-york": (NEW_YORK, "day", MON, time(23, 30), MON, TUE),
    "day-early-morning-tokyo": (TOKYO, "day", TUE, time(0, 30), TUE, MON),
    "week-sunday-night": (NEW_YORK, "week", SUN, time(23, 30), FRI, MON + timedelta(days=7)),
    "month-last-night": (
        NEW_YORK,
        "month",
        date(2026, 1, 31),
        time(23, 30),
        date(2026, 1, 30),
        date(2026, 2, 2),
    ),
    "year-new-years-eve": (
        NEW_YORK,
        "year",
        date(2026, 12, 31),
        time(23, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ),
}


@pytest.mark.parametrize("case", LOCAL_BOUNDARIES)
def test_limits_count_bookings_on_the_hosts_local_calendar(case):
    tz, period, booked_day, booked_time, blocked, free = LOCAL_BOUNDARIES[case]
    booked = at(booked_day, booked_time.hour, booked_time.minute, tz=tz)
    # The booking's UTC date is not its local date: that is the point.
    assert booked.date() != booked_day
    limited = host(tz=tz, counted=[(booked, 30)])
    for rules in (
        EventRules(length=30, limits_count={period: 1}),
        EventRules(length=30, limits_duration={period: 30}),
    ):
        assert slots(rules, [limited], blocked, tz=tz) == []
        assert slots(rules, [limited], free, tz=tz)


def test_no_limit_configured_ignores_counted_bookings():
    counted = [(at(MON, h), 30) for h in range(9, 17)]
    assert walls(slots(RULES, [host(counted=counted)], MON)) == half_hours("09:00", "17:00")


# --- Seats ------------------------------------------------------------------------------------

SEATED = EventRules(length=30, seats=3)


def test_seated_booking_with_free_seats_is_offered_with_its_attendees():
    seated = [SeatedSlot(at(MON, 10), "uid-1", taken=1, host_ids=(1,))]
    # The booking itself makes the host busy; joining it must still be possible.
    busy = [(at(MON, 10), at(MON, 10, 30))]
    found = {s.start: s for s in slots(SEATED, [host(busy=busy)], MON, seated=seated)}
    assert found[at(MON, 10)] == Slot(
        at(MON, 10),
        at(MON, 10, 30),
        (1,),
        seats_remaining=2,
        attendees_count=1,
        booking_uid="uid-1",
    )


def test_seated_booking_with_every_seat_taken_is_not_offered():
    seated = [SeatedSlot(at(MON, 10), "uid-1", taken=3, host_ids=(1,))]
    busy = [(at(MON, 10), at(MON, 10, 30))]
    found = walls(slots(SEATED, [host(busy=busy)], MON, seated=seated))
    assert "10:00" not in found and "09:30" in found and "10:30" in found


def test_new_seated_slot_offers_every_seat():
    found = slots(SEATED, [host()], MON)
    assert found[0].seats_remaining == 3
    assert found[0].attendees_count == 0
    assert found[0].booking_uid is None


def test_unseated_event_reports_no_seat_counts():
    found = slots(RULES, [host()], MON)
    assert (found[0].seats_remaining, found[0].attendees_count) == (None, None)


def test_seated_booking_respects_minimum_notice_and_window():
    seated = [
        SeatedSlot(at(MON, 10), "past", taken=1, host_ids=(1,)),
        SeatedSlot(at(FRI, 10), "too-far", taken=1, host_ids=(1,)),
    ]
    rules = EventRules(length=30, seats=3, window=BookingWindow("calendarDays", days=2))
    found = slots(rules, [host()], MON, FRI, now=at(MON, 10, 30), seated=seated)
    assert {s.booking_uid for s in found} == {None}


# --- Round robin ------------------------------------------------------------------------------

ROUND_ROBIN = EventRules(length=30, scheduling=availability.ROUND_ROBIN)
COLLECTIVE = EventRules(length=30, scheduling=availability.COLLECTIVE)


def by_wall(found, tz=NEW_YORK) -> dict[str, tuple[int, ...]]:
    return {s.start.astimezone(ZoneInfo(tz)).strftime("%H:%M"): s.host_ids for s in found}


def test_round_robin_slot_is_bookable_when_any_host_is_free():
    alice = host(1, busy=[(at(MON, 9), at(MON, 12))])
    bob = host(2, busy=[(at(MON, 9), at(MON, 10))])
    found = by_wall(slots(ROUND_ROBIN, [alice, bob], MON))
    assert "09:00" not in found and "09:30" not in found
    assert found["10:00"] == (2,)
    assert found["13:00"] == (1,)  # without all_hosts: the first free host found


def test_round_robin_with_all_hosts_lists_every_free_host():
    alice = host(1, busy=[(at(MON, 9), at(MON, 12))])
    bob = host(2, busy=[(at(MON, 9), at(MON, 10))])
    found = by_wall(slots(ROUND_ROBIN, [alice, bob], MON, all_hosts=True))
    assert found["10:00"] == (2,)
    assert found["13:00"] == (1, 2)


def test_round_robin_fixed_host_must_be_free():
    fixed = host(3, busy=[(at(MON, 14), at(MON, 15))], is_fixed=True)
    alice, bob = host(1), host(2)
    found = by_wall(slots(ROUND_ROBIN, [alice, fixed, bob], MON, all_hosts=True))
    assert "14:00" not in found and "14:30" not in found
    assert found["09:00"] == (3, 1, 2)


@pytest.mark.parametrize("seed", range(30))
def test_round_robin_lists_the_first_free_rotating_host_of_those_all_hosts_lists(seed):
    """Without all_hosts, a slot has the fixed hosts and the first free rotating one, in the
    hosts' order: the start of what all_hosts lists, whatever the mix of hosts and seats."""
    import random

    chance = random.Random(seed)
    hosts = []
    for host_id in range(1, chance.randint(2, 6)):
        busy = []
        for _ in range(chance.randint(0, 6)):
            begins = at(MON, chance.randint(9, 16), chance.choice((0, 15, 30)))
            busy.append((begins, begins + timedelta(minutes=chance.choice((30, 60, 90)))))
        zone = chance.choice((NEW_YORK, LONDON))
        hosts.append(host(host_id, zone, busy=busy, is_fixed=chance.random() < 0.25))
    rules = EventRules(
        length=30, scheduling=availability.ROUND_ROBIN, seats=chance.choice((None, 3))
    )
    if all(h.is_fixed for h in hosts):
        hosts[-1] = host(hosts[-1].host_id, hosts[-1].time_zone, busy=hosts[-1].busy)
    every = slots(rules, hosts, MON, all_hosts=True)
    fixed_count = sum(h.is_fixed for h in hosts)
    expected = [slot._replace(host_ids=slot.host_ids[: fixed_count + 1]) for slot in every]
    assert slots(rules, hosts, MON) == expected


def test_round_robin_needs_a_free_rotating_host_besides_the_fixed_one():
    fixed = host(3, is_fixed=True)
    alice = host(1, busy=[(at(MON, 9), at(MON, 10))])
    found = by_wall(slots(ROUND_ROBIN, [fixed, alice], MON))
    assert "09:00" not in found
    assert found["10:00"] == (3, 1)


def test_round_robin_hosts_in_different_zones_cover_the_union_of_their_hours():
    new_york = host(1)
    london = host(2, tz=LONDON)  # 09:00-17:00 BST is 04:00-12:00 EDT
    found = by_wall(slots(ROUND_ROBIN, [new_york, london], MON, all_hosts=True))
    assert list(found) == half_hours("04:00", "17:00")
    assert found["04:00"] == (2,)
    assert found["10:00"] == (1, 2)
    assert found["16:30"] == (1,)


def test_round_robin_with_no_free_host_offers_nothing():
    busy = [(at(MON, 0), at(TUE, 0))]
    assert slots(ROUND_ROBIN, [host(1, busy=busy), host(2, busy=busy)], MON) == []


def rr(host_id, priority=2, weight=100, recent=0):
    return host(host_id, priority=priority, weight=weight, recent_bookings=recent)


@pytest.mark.parametrize(
    "candidates, chosen",
    [
        pytest.param([rr(1, priority=2), rr(2, priority=3, recent=50)], 2, id="priority-first"),
        pytest.param([rr(1, weight=100, recent=10), rr(2, weight=20, recent=4)], 1, id="ratio"),
        pytest.param([rr(1, weight=50, recent=1), rr(2, weight=100, recent=2)], 2, id="weight"),
        pytest.param([rr(7), rr(3), rr(5)], 3, id="lowest-id"),
        pytest.param([rr(1, weight=0, recent=1), rr(2, weight=100, recent=50)], 2, id="weight-0"),
    ],
)
def test_round_robin_host_choice_order(candidates, chosen):
    assert choose_round_robin_host(candidates).host_id == chosen


def test_round_robin_host_choice_does_not_depend_on_input_order():
    candidates = [rr(4, recent=2), rr(2, recent=2), rr(9, weight=200, recent=4), rr(1, recent=3)]
    picks = {choose_round_robin_host(list(p)).host_id for p in itertools.permutations(candidates)}
    assert picks == {9}  # same ratio as 2 and 4, but the higher weight


# --- Collective -------------------------------------------------------------------------------


def test_collective_slot_needs_every_host_free():
    alice = host(1)
    bob = host(2, busy=[(at(MON, 10), at(MON, 11))])
    found = by_wall(slots(COLLECTIVE, [alice, bob], MON))
    assert "10:00" not in found and "10:30" not in found
    assert found["09:00"] == (1, 2)


def test_collective_hosts_in_different_zones_meet_in_the_overlap():
    new_york = host(1)
    london = host(2, tz=LONDON)  # 09:00-17:00 BST is 04:00-12:00 EDT
    found = by_wall(slots(COLLECTIVE, [new_york, london], MON))
    assert list(found) == half_hours("09:00", "12:00")
    assert set(found.values()) == {(1, 2)}


def test_collective_hosts_with_no_overlap_offer_nothing():
    new_york = host(1)
    tokyo = host(2, tz=TOKYO)  # 09:00-17:00 JST is 20:00-04:00 EDT
    assert slots(COLLECTIVE, [new_york, tokyo], MON, TUE) == []


def test_no_hosts_no_slots():
    assert slots(RULES, [], MON) == []


# --- Explaining one start ---------------------------------------------------------------------


def explain(rules=RULES, hosts=None, start=None, now=None, **kw):
    return explain_start(
        rules,
        hosts or [host()],
        start or at(MON, 10),
        now=now or at(MON, 0),
        **kw,
    )


def test_explain_free_start_is_bookable_with_no_reason():
    explanation = explain()
    assert explanation.bookable
    assert explanation.reasons == {1: []}
    assert explanation.first_reason() is None
    assert explanation.slot == slots(RULES, [host()], MON)[2]


EXPLAIN_CASES = {
    availability.MINIMUM_NOTICE: dict(
        rules=EventRules(length=30, minimum_notice=30), now=at(MON, 9, 45)
    ),
    availability.BOOKING_WINDOW: dict(
        rules=EventRules(length=30, window=BookingWindow("calendarDays", days=1)),
        start=at(WED, 10),
    ),
    availability.OUTSIDE_HOURS: dict(start=at(MON, 18)),
    availability.DATE_OVERRIDE: dict(hosts=[host(overrides={MON: [(time(12), time(14))]})]),
    availability.OFF_GRID: dict(start=at(MON, 10, 10)),
    availability.BUSY: dict(hosts=[host(busy=[(at(MON, 10, 15), at(MON, 10, 45))])]),
    availability.BUFFER_CONFLICT: dict(
        rules=EventRules(length=30, after_buffer=15),
        hosts=[host(busy=[(at(MON, 10, 30), at(MON, 11))])],
    ),
    availability.RESERVED: dict(hosts=[host(held=[(at(MON, 10), at(MON, 10, 30))])]),
    availability.LIMIT_REACHED: dict(
        rules=EventRules(length=30, limits_count={"day": 1}),
        hosts=[host(counted=[(at(MON, 15), 30)])],
    ),
    availability.SEATS_FULL: dict(
        rules=EventRules(length=30, seats=2),
        hosts=[host(busy=[(at(MON, 10), at(MON, 10, 30))])],
        seated=[SeatedSlot(at(MON, 10), "uid-full", taken=2, host_ids=(1,))],
    ),
}


@pytest.mark.parametrize("reason", EXPLAIN_CASES)
def test_explain_names_the_reason_a_start_is_not_bookable(reason):
    explanation = explain(**EXPLAIN_CASES[reason])
    assert not explanation.bookable
    assert explanation.slot is None
    assert explanation.reasons == {1: [reason]}
    assert explanation.first_reason() == reason


def test_explain_outside_hours_on_a_day_without_hours():
    explanation = explain(start=at(SAT, 10))
    assert explanation.first_reason() == availability.OUTSIDE_HOURS


def test_explain_reports_every_reason_and_picks_the_most_telling_first():
    explanation = explain(
        rules=EventRules(length=30, minimum_notice=60, limits_count={"day": 1}),
        hosts=[host(busy=[(at(MON, 10), at(MON, 11))], counted=[(at(MON, 15), 30)])],
        now=at(MON, 9, 30),
    )
    assert explanation.reasons == {
        1: [availability.MINIMUM_NOTICE, availability.BUSY, availability.LIMIT_REACHED]
    }
    assert explanation.first_reason() == availability.MINIMUM_NOTICE


def test_explain_reservation_in_the_buffer_is_a_buffer_conflict():
    explanation = explain(
        rules=EventRules(length=30, before_buffer=15),
        hosts=[host(held=[(at(MON, 9, 30), at(MON, 10))])],
    )
    assert not explanation.bookable
    assert explanation.first_reason() == availability.BUFFER_CONFLICT


def test_explain_seated_start_with_free_seats_is_bookable():
    seated = [SeatedSlot(at(MON, 10), "uid-1", taken=1, host_ids=(1,))]
    explanation = explain(rules=SEATED, seated=seated)
    assert explanation.bookable
    assert explanation.slot.booking_uid == "uid-1"
    assert explanation.slot.seats_remaining == 2


def test_explain_round_robin_lists_each_hosts_reasons_and_the_free_hosts():
    alice = host(1, busy=[(at(MON, 10), at(MON, 10, 30))])
    bob = host(2)
    carol = host(3, held=[(at(MON, 10), at(MON, 10, 30))])
    explanation = explain(rules=ROUND_ROBIN, hosts=[alice, bob, carol])
    assert explanation.bookable
    assert explanation.slot.host_ids == (2,)
    assert explanation.reasons == {1: [availability.BUSY], 2: [], 3: [availability.RESERVED]}


def test_explain_agrees_with_the_slot_list_for_every_minute_of_a_busy_day():
    """Booking runs explain_start for one start; the list a client sees runs compute_slots."""
    rules = EventRules(
        length=30,
        interval=15,
        minimum_notice=90,
        before_buffer=10,
        after_buffer=5,
        limits_count={"week": 3},
        window=BookingWindow("calendarDays", days=1),
    )
    hosts = [
        host(
            busy=[(at(MON, 11), at(MON, 11, 40)), (at(TUE, 15, 5), at(TUE, 15, 20))],
            held=[(at(MON, 13, 30), at(MON, 14)), (at(TUE, 9, 50), at(TUE, 10))],
            counted=[(at(WED, 9), 30), (at(THU, 9), 30)],
            overrides={TUE: [(time(9), time(12)), (time(14, 30), time(16))]},
        )
    ]
    now = at(MON, 8, 20)
    listed = {s.start: s for s in slots(rules, hosts, MON, WED, now=now)}
    assert listed
    start = at(MON, 0)
    while start < at(THU, 0):
        explanation = explain_start(rules, hosts, start, now=now)
        assert explanation.slot == listed.get(start), start
        if not explanation.bookable:
            assert explanation.first_reason() is not None, start
        start += timedelta(minutes=5)


@pytest.mark.parametrize("days", range(0, 13))
def test_a_business_days_window_ends_where_counting_day_by_day_does(days):
    def counted(today):
        day, remaining = today, days
        while remaining > 0:
            day += timedelta(days=1)
            if day.weekday() < 5:
                remaining -= 1
        return day

    for today in (MON + timedelta(days=k) for k in range(7)):
        window = BookingWindow("businessDays", days=days)
        assert availability._window_last_date(window, today) == counted(today), today


def test_expansions_kept_per_process_stay_within_their_number_of_starts(monkeypatch):
    kept = availability._KeptExpansions(most_starts=40)

    def expansion(size):
        return (), dict.fromkeys(range(size))

    kept.keep("a", expansion(10))
    kept.keep("b", expansion(10))
    kept.keep("c", expansion(11))  # more than a quarter of the budget: not kept
    assert list(kept.kept) == ["a", "b"] and kept.starts == 20
    kept.keep("c", expansion(10))
    kept.keep("d", expansion(10))
    kept.keep("e", expansion(5))  # the oldest goes
    assert list(kept.kept) == ["b", "c", "d", "e"] and kept.starts == 35

    monkeypatch.setattr(availability, "KEPT_EXPANSIONS", availability._KeptExpansions(1000))
    first = slots(RULES, [host(1)], MON)
    assert len(availability.KEPT_EXPANSIONS.kept) == 1
    assert slots(RULES, [host(1)], MON) == first  # from the kept expansion
    assert len(availability.KEPT_EXPANSIONS.kept) == 1
