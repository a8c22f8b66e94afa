"""The slot loader's SQL (bookings/slot_loader.py) against the straightforward ORM path, on random
hosts, schedules, overrides, bookings and holds: the same inputs, hence the same slots.

The ORM path below is how the inputs were read before the loader existed: one query per table,
each value converted by the ORM. It is the reference, not used by the product.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Team, User
from bookings import slot_loader
from bookings.models import Booking, BookingHost, SlotReservation
from bookings.slots import LOCAL_MARGIN, event_rules, find_slots
from eventtypes import availability
from eventtypes.availability import _merge
from eventtypes.models import DateOverride, EventType, Host, Schedule, WeeklyAvailability

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe")
# A range that crosses the end of European and American summer time.
BASE = datetime(2049, 10, 20, tzinfo=UTC)
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- The reference: the ORM, one query per table ---------------------------------------------


@dataclass(frozen=True)
class OrmSchedule:
    time_zone: str
    weekly: dict
    overrides: dict


def orm_hosts(event_type) -> list[dict]:
    if not event_type.is_team_event:
        return [{"user_id": event_type.owner_id, "schedule_id": event_type.schedule_id}]
    return list(
        event_type.hosts.order_by("user_id").values(
            "user_id", "schedule_id", "is_fixed", "priority", "weight"
        )
    )


def orm_schedules(hosts, range_start, range_end) -> dict[int, OrmSchedule]:
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
        sid: OrmSchedule(zone, dict(weekly[sid]), overrides[sid]) for sid, _, _, zone in rows
    }
    default_of = {owner: sid for sid, owner, is_default, _ in rows if is_default}
    result = {}
    for host in hosts:
        sid = host["schedule_id"] if host["schedule_id"] in schedules else None
        sid = sid or default_of.get(host["user_id"])
        if sid is not None:
            result[host["user_id"]] = schedules[sid]
    return result


def orm_busy(user_ids, start, end, exclude_booking_uid):
    """Each user's blocked times in seconds since 1970 (as the loader gives them), and each
    booking's users."""
    busy, users_of_booking = defaultdict(list), defaultdict(list)
    rows = BookingHost.objects.filter(
        user_id__in=user_ids, is_blocking=True, blocked_start__lt=end, blocked_end__gt=start
    )
    if exclude_booking_uid:
        rows = rows.exclude(booking__uid=exclude_booking_uid)
    for booking_id, user_id, blocked_start, blocked_end in rows.values_list(
        "booking_id", "user_id", "blocked_start", "blocked_end"
    ):
        busy[user_id].append((blocked_start.timestamp(), blocked_end.timestamp()))
        users_of_booking[booking_id].append(user_id)
    return busy, users_of_booking


def orm_holds(event_type, user_ids, start, end, now, own_reservation_uid) -> set:
    touching = Q(host_id__in=user_ids) | Q(
        host__isnull=True, event_type__hosts__user_id__in=user_ids
    )
    touching |= Q(event_type=event_type)
    reach = timedelta(hours=12)
    reservations = SlotReservation.objects.filter(
        touching, expires_at__gt=now, start__lt=end + reach, end__gt=start - reach
    )
    if own_reservation_uid:
        reservations = reservations.exclude(uid=own_reservation_uid)
    found = {}
    for (
        pk,
        type_id,
        host_id,
        held_start,
        held_end,
        type_host,
        before,
        after,
    ) in reservations.values_list(
        "pk",
        "event_type_id",
        "host_id",
        "start",
        "end",
        "event_type__hosts__user_id",
        "event_type__before_event_buffer",
        "event_type__after_event_buffer",
    ):
        blocked = (held_start - timedelta(minutes=before), held_end + timedelta(minutes=after))
        holders = found.setdefault(pk, (type_id, set(), held_start, blocked))[1]
        if host_id is not None:
            holders.add(host_id)
        elif type_host in user_ids:
            holders.add(type_host)
        elif type_id == event_type.id:
            holders.update(user_ids)
    return {(t, frozenset(h), s, b) for t, h, s, b in found.values()}


def orm_slots(event_type, range_start, range_end, now, exclude_booking_uid, own_uid):
    rules = event_rules(event_type)
    hosts = orm_hosts(event_type)
    schedules = orm_schedules(hosts, range_start, range_end)
    user_ids = [h["user_id"] for h in hosts]
    before = timedelta(minutes=rules.before_buffer)
    after = timedelta(minutes=rules.length + rules.after_buffer)
    busy, _ = orm_busy(user_ids, range_start - before, range_end + after, exclude_booking_uid)
    held = defaultdict(list)
    for _, holders, _, blocked in orm_holds(
        event_type, user_ids, range_start - before, range_end + after, now, own_uid
    ):
        for user_id in holders:
            held[user_id].append(blocked)
    inputs = [
        availability.HostAvailability(
            host_id=h["user_id"],
            time_zone=schedules[h["user_id"]].time_zone if h["user_id"] in schedules else "UTC",
            weekly=schedules[h["user_id"]].weekly if h["user_id"] in schedules else {},
            overrides=schedules[h["user_id"]].overrides if h["user_id"] in schedules else {},
            busy=busy[h["user_id"]],
            held=held[h["user_id"]],
            is_fixed=h.get("is_fixed", True),
            priority=h.get("priority", 2),
            weight=h.get("weight", 100),
        )
        for h in hosts
    ]
    return availability.compute_slots(
        rules, inputs, range_start=range_start, range_end=range_end, now=now
    )


# --- Random data -------------------------------------------------------------------------------

hours = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30]), st.integers(1, 16))


@st.composite
def worlds(draw):
    """A description of hosts, schedules, an event type, bookings and holds (not yet saved)."""
    host_count = draw(st.integers(1, 4))
    hosts = [
        {
            "zone": draw(st.sampled_from(ZONES)),
            "weekly": draw(st.lists(st.tuples(st.integers(0, 6), hours), min_size=3, max_size=10)),
            "overrides": draw(
                st.lists(st.tuples(st.integers(-3, 20), st.none() | hours), max_size=4)
            ),
            "own_schedule": draw(st.booleans()),
            "is_fixed": draw(st.booleans()),
            "bookings": draw(
                st.lists(
                    st.tuples(st.integers(-96, 14 * 96), st.integers(1, 12), st.booleans()),
                    min_size=5,
                    max_size=30,
                )
            ),
            "holds": draw(
                st.lists(
                    st.tuples(st.integers(-96, 14 * 96), st.booleans(), st.booleans()),
                    max_size=4,
                )
            ),
        }
        for _ in range(host_count)
    ]
    return {
        "hosts": hosts,
        "team": draw(st.sampled_from([None, "roundRobin", "roundRobin", "collective"])),
        "buffers": (draw(st.sampled_from([0, 10, 30])), draw(st.sampled_from([0, 15]))),
        "range": (draw(st.integers(0, 3)), draw(st.integers(3, 12))),
        "exclude_first_booking": draw(st.booleans()),
        "own_first_hold": draw(st.booleans()),
    }


def as_time(hour, minute):
    return time(hour, minute)


def end_of(hour, minute, length):
    total = min(hour * 60 + minute + length * 30, 24 * 60)
    return time(0) if total == 24 * 60 else time(total // 60, total % 60)


def make_schedule(owner, zone, weekly, overrides, *, is_default):
    schedule = Schedule.objects.create(owner=owner, time_zone=zone, is_default=is_default)
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(
            schedule=schedule,
            weekday=day,
            start_time=as_time(h, m),
            end_time=end_of(h, m, length),
        )
        for day, (h, m, length) in weekly
    )
    days = {}
    for offset, interval in overrides:
        days.setdefault(offset, interval)  # one row per day off, or intervals on a day
    DateOverride.objects.bulk_create(
        DateOverride(
            schedule=schedule,
            date=(BASE + timedelta(days=offset)).date(),
            start_time=None if interval is None else as_time(interval[0], interval[1]),
            end_time=None if interval is None else end_of(*interval),
        )
        for offset, interval in days.items()
    )
    return schedule


def build(world):
    """Save the world; returns (event type, a booking uid, a hold uid)."""
    users, own_schedules = [], {}
    for i, spec in enumerate(world["hosts"]):
        user = User.objects.create(username=f"u{i}", email=f"u{i}@example.com")
        make_schedule(user, spec["zone"], spec["weekly"], spec["overrides"], is_default=True)
        if spec["own_schedule"]:
            own_schedules[user.id] = make_schedule(
                user, "UTC", [(d, (9, 0, 16)) for d in range(5)], [], is_default=False
            )
        users.append(user)
    before, after = world["buffers"]
    common = {
        "length_minutes": 30,
        "minimum_booking_notice": 0,
        "before_event_buffer": before,
        "after_event_buffer": after,
        "title": "Random",
    }
    if world["team"]:
        team = Team.objects.create(name="Team", slug="team")
        event_type = EventType.objects.create(
            team=team, slug="random", scheduling_type=world["team"], **common
        )
        for user, spec in zip(users, world["hosts"], strict=True):
            Host.objects.create(
                event_type=event_type,
                user=user,
                is_fixed=spec["is_fixed"],
                schedule=own_schedules.get(user.id),
            )
        other = EventType.objects.create(
            team=team, slug="other", scheduling_type="collective", **common
        )
        Host.objects.create(event_type=other, user=users[0])
    else:
        event_type = EventType.objects.create(
            owner=users[0], slug="random", schedule=own_schedules.get(users[0].id), **common
        )
        other = EventType.objects.create(owner=users[0], slug="other", **common)
    booking_uid = hold_uid = None
    for i, (user, spec) in enumerate(zip(users, world["hosts"], strict=True)):
        taken = []
        for j, (quarter, quarters, blocking) in enumerate(spec["bookings"]):
            start = BASE + timedelta(minutes=15 * quarter)
            blocked = (
                start - timedelta(minutes=before),
                start + timedelta(minutes=15 * quarters + after),
            )
            # PostgreSQL refuses overlapping blocking rows of one host: those stay non-blocking.
            blocking = blocking and not any(a < blocked[1] and blocked[0] < b for a, b in taken)
            if blocking:
                taken.append(blocked)
            booking = Booking.objects.create(
                event_type=event_type,
                organizer=user,
                start=start,
                end=start + timedelta(minutes=15 * quarters),
                title="Busy",
                uid=f"b-{i}-{j}",
                ics_uid=f"b-{i}-{j}",
            )
            BookingHost.objects.create(
                booking=booking,
                user=user,
                blocked_start=blocked[0],
                blocked_end=blocked[1],
                is_blocking=blocking,
            )
            booking_uid = booking_uid or booking.uid
        for quarter, named, on_other in spec["holds"]:
            start = BASE + timedelta(minutes=15 * quarter)
            hold = SlotReservation.objects.create(
                event_type=other if on_other else event_type,
                host=user if named else None,
                start=start,
                end=start + timedelta(minutes=30),
                expires_at=NOW + timedelta(minutes=5 if quarter % 3 else -5),
            )
            hold_uid = hold_uid or hold.uid
    return event_type, booking_uid, hold_uid


NOW = BASE - timedelta(days=1)


@pytest.mark.django_db
@EXAMPLES
@given(world=worlds())
def test_the_loader_reads_what_the_orm_reads_and_the_slots_are_the_same(world):
    with transaction.atomic():
        event_type, booking_uid, hold_uid = build(world)
        offset, days = world["range"]
        start = BASE + timedelta(days=offset)
        end = start + timedelta(days=days)
        exclude = booking_uid if world["exclude_first_booking"] else None
        own = hold_uid if world["own_first_hold"] else None

        hosts = orm_hosts(event_type)
        if event_type.is_team_event:
            given, team_id = None, event_type.id
        else:
            given = [slot_loader.HostRow(event_type.owner_id, event_type.schedule_id)]
            team_id = None
        arguments = {
            "now": NOW,
            "team_event_type_id": team_id,
            "event_type_id": event_type.id,
            "exclude_booking_uid": exclude,
            "own_reservation_uid": own,
        }
        loaded = slot_loader.load_inputs(given, _days(start, end), (start, end), **arguments)

        assert [h.user_id for h in loaded.hosts] == [h["user_id"] for h in hosts]
        expected = orm_schedules(hosts, start, end)
        assert {
            user_id: (s.time_zone, _sorted_weekly(s.weekly), s.overrides)
            for user_id, s in loaded.schedules.items()
        } == {
            user_id: (s.time_zone, _sorted_weekly(s.weekly), s.overrides)
            for user_id, s in expected.items()
        }
        user_ids = [h["user_id"] for h in hosts]
        orm_busy_times, orm_users = orm_busy(user_ids, start, end, exclude)
        assert _sorted_values(loaded.busy) == _sorted_values(orm_busy_times)
        # A booking's users in the order of its host rows (the organizer's first).
        assert dict(loaded.users_of_booking) == dict(orm_users)
        assert all(
            type(t) is float for times in loaded.busy.values() for pair in times for t in pair
        )
        assert {
            (h.event_type_id, h.holders, h.start, h.blocked) for h in loaded.holds
        } == orm_holds(event_type, user_ids, start, end, NOW, own)
        merged = slot_loader.load_inputs(
            given, _days(start, end), (start, end), merged=True, **arguments
        )
        assert _merged_values(merged.busy) == _merged_values(orm_busy_times)

        found = find_slots(
            event_type, start, end, now=NOW, exclude_booking_uid=exclude, own_reservation_uid=own
        )
        assert found.slots == orm_slots(event_type, start, end, NOW, exclude, own)
        transaction.set_rollback(True)


def _days(start, end):
    return (start - LOCAL_MARGIN).date(), (end + LOCAL_MARGIN).date()


def _sorted_weekly(weekly):
    return {day: sorted(intervals) for day, intervals in weekly.items() if intervals}


def _merged_values(mapping):
    return {key: _merge(sorted(values)) for key, values in mapping.items() if values}


def _sorted_values(mapping):
    return {key: sorted(values) for key, values in mapping.items() if values}


@pytest.mark.django_db
@pytest.mark.usefixtures("postgres_only")
def test_on_postgresql_the_statement_is_prepared_when_a_connection_runs_it_again(factory):
    """Planning the statement costs several times running it: PostgreSQL plans it once per
    connection (config/settings.py), and the answers stay those of the statement run afresh."""
    from django.db import connection

    if connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        pytest.skip("prepared statements are off (DATABASE_PREPARED_STATEMENTS=false)")
    host = factory.user(hours=((9, 17),), days=range(7))
    event_type = factory.event_type(host)
    start, end = BASE, BASE + timedelta(days=7)

    def prepared_loaders() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'WITH chosen%%'"
            )
            return cursor.fetchone()[0]

    before = prepared_loaders()
    first = find_slots(event_type, start, end).slots
    assert prepared_loaders() == before
    second = find_slots(event_type, start, end).slots
    assert prepared_loaders() == before + 1
    factory.book(event_type, first[0].start)
    third = find_slots(event_type, start, end).slots

    assert first == second
    assert third == first[1:]
