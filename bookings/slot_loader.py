"""The slot engine's inputs read from the database in two round trips, whatever the range, the
number of hosts or the number of bookings.

1. `load_calendars`: the hosts of a team event type, their schedules, weekly hours and the date
   overrides in range, as one statement.
2. `load_busy`: the times the hosts are taken (their blocking booking rows) and the unexpired
   holds touching them, as one statement.

Written in SQL that PostgreSQL and SQLite both run: building these through the ORM cost several
times what the database spends on them (this is the one place that does). Values are converted
here to what the ORM would give: aware UTC datetimes, dates, times and booleans.
tests/domain/test_slot_loader.py compares the results with the ORM's on random data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection

from bookings.models import SlotReservation

# Where the hosts of a team event type come from (their rows are read in the same statement).
TEAM_HOSTS = "SELECT user_id, schedule_id FROM eventtypes_host WHERE event_type_id = %s"

# A hold is fetched a little wider than the range: its buffers reach beyond its own times.
HOLD_BUFFER_REACH = timedelta(hours=12)


@dataclass(frozen=True)
class HostRow:
    """A host of the event type: their user, their schedule on it (None: their default), their
    round-robin settings."""

    user_id: int
    schedule_id: int | None
    is_fixed: bool = True
    priority: int = 2
    weight: int = 100


@dataclass
class ScheduleRow:
    id: int
    owner_id: int
    is_default: bool
    time_zone: str
    weekly: dict = field(default_factory=lambda: defaultdict(list))
    overrides: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Hold:
    """Another client's unexpired reservation: the event type it is on, the hosts it keeps
    busy, its start, and the times it blocks (its buffers included)."""

    event_type_id: int
    holders: frozenset[int]
    start: datetime
    blocked: tuple[datetime, datetime]


def load_calendars(
    hosts: list[HostRow] | None,
    first_day: date,
    last_day: date,
    *,
    team_event_type_id: int | None = None,
) -> tuple[list[HostRow], dict[int, ScheduleRow]]:
    """(hosts, each host's schedule by user id) with weekly hours and overrides of local days
    first_day..last_day. A host without a schedule of their own or a default has none.

    hosts: given (a personal event type's owner, a group's members), or None to read those of
    the team event type `team_event_type_id` in the same statement (in user id order).
    """
    params: list = []
    if hosts is None:
        explicit = f"SELECT schedule_id FROM ({TEAM_HOSTS}) AS h"
        defaults = f"SELECT user_id FROM ({TEAM_HOSTS}) AS h WHERE schedule_id IS NULL"
        params += [team_event_type_id, team_event_type_id]
    else:
        explicit = _id_list([h.schedule_id for h in hosts if h.schedule_id]) or "NULL"
        defaults = _id_list([h.user_id for h in hosts if not h.schedule_id]) or "NULL"
    chosen = (
        "SELECT id, owner_id, is_default, time_zone FROM eventtypes_schedule "
        f"WHERE id IN ({explicit}) OR (is_default AND owner_id IN ({defaults}))"
    )
    parts = [
        # The first branch names the types of its empty columns: PostgreSQL resolves a UNION's
        # types branch by branch, and an untyped NULL against another would become text.
        "SELECT 's', id, owner_id, is_default, CAST(NULL AS integer), CAST(NULL AS integer), "
        "time_zone, CAST(NULL AS date), CAST(NULL AS time), CAST(NULL AS time) FROM chosen",
        "SELECT 'w', w.schedule_id, NULL, NULL, w.weekday, NULL, NULL, NULL, w.start_time, "
        "w.end_time FROM eventtypes_weeklyavailability w JOIN chosen ON chosen.id = w.schedule_id",
        "SELECT 'o', o.schedule_id, NULL, NULL, NULL, NULL, NULL, o.date, o.start_time, "
        "o.end_time FROM eventtypes_dateoverride o JOIN chosen ON chosen.id = o.schedule_id "
        "WHERE o.date >= %s AND o.date <= %s",
    ]
    operations = connection.ops
    params += [
        operations.adapt_datefield_value(first_day),
        operations.adapt_datefield_value(last_day),
    ]
    if hosts is None:
        parts.append(
            "SELECT 'h', user_id, schedule_id, is_fixed, priority, weight, NULL, NULL, NULL, NULL "
            "FROM eventtypes_host WHERE event_type_id = %s"
        )
        params.append(team_event_type_id)
    sql = f"WITH chosen AS ({chosen}) " + " UNION ALL ".join(parts)

    schedules: dict[int, ScheduleRow] = {}
    weekly_rows, override_rows, found_hosts = [], [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, a, b, flag, n1, n2, text, day, start, end in cursor.fetchall():
            if kind == "s":
                schedules[a] = ScheduleRow(a, b, bool(flag), text)
            elif kind == "w":
                weekly_rows.append((a, n1, start, end))
            elif kind == "o":
                override_rows.append((a, day, start, end))
            else:
                found_hosts.append(HostRow(a, b, bool(flag), n1, n2))
    for schedule_id, weekday, start, end in weekly_rows:
        schedules[schedule_id].weekly[weekday].append((_time(start), _time(end)))
    for schedule_id, day, start, end in override_rows:
        intervals = schedules[schedule_id].overrides.setdefault(_date(day), [])
        if start is not None:
            intervals.append((_time(start), _time(end)))
    if hosts is None:
        hosts = sorted(found_hosts, key=lambda h: h.user_id)
    return hosts, _schedule_of_each(hosts, schedules)


def _schedule_of_each(hosts, schedules) -> dict[int, ScheduleRow]:
    default_of = {s.owner_id: s for s in schedules.values() if s.is_default}
    chosen = {}
    for host in hosts:
        schedule = schedules.get(host.schedule_id) or default_of.get(host.user_id)
        if schedule is not None:
            chosen[host.user_id] = schedule
    return chosen


def load_busy(
    user_ids: list[int],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    event_type_id: int | None = None,
    exclude_booking_uid: str | None = None,
    own_reservation_uid=None,
    with_bookings: bool = True,
    merged: bool = False,
) -> tuple[dict[int, list], dict[int, list[int]], list[Hold]]:
    """(each user's blocked (start, end) times overlapping [start, end), the users of each of
    those bookings, the unexpired holds touching the users or the event type).

    A hold names its host; a hold on a collective team type names none and holds every host of
    that type, so those hosts are busy for their other event types too: the join on the hold's
    event type's hosts says who they are.
    exclude_booking_uid: a booking being moved does not block itself.
    own_reservation_uid: the caller's own hold does not block the caller.
    with_bookings: False when the event type ignores bookings (double booking allowed).
    merged: each user's busy times may come merged (on PostgreSQL), which the slot engine does
    anyway; the users of each booking are then not told.
    """
    users = _id_list(user_ids)
    adapt = connection.ops.adapt_datetimefield_value
    instant, to_datetime = _instants()
    parts, params = [], []
    if with_bookings:
        excluded = ""
        if exclude_booking_uid:
            excluded = "AND booking_id NOT IN (SELECT id FROM bookings_booking WHERE uid = %s)"
        rows = (
            f"FROM bookings_bookinghost WHERE user_id IN ({users}) AND is_blocking "
            f"AND blocked_start < %s AND blocked_end > %s {excluded}"
        )
        if merged and connection.vendor == "postgresql":
            # Touching and overlapping times of a user as one: fewer rows to send and convert.
            rows = (
                "FROM (SELECT user_id, unnest(range_agg(tstzrange(blocked_start, blocked_end))) "
                f"AS busy {rows} GROUP BY user_id) AS merged"
            )
            booking, busy_start, busy_end = "CAST(NULL AS bigint)", "lower(busy)", "upper(busy)"
        else:
            booking, busy_start, busy_end = "booking_id", "blocked_start", "blocked_end"
        parts.append(
            f"SELECT 'b', {booking}, user_id, CAST(NULL AS bigint), {instant(busy_start)}, "
            f"{instant(busy_end)}, CAST(NULL AS bigint), CAST(NULL AS integer), "
            f"CAST(NULL AS integer) {rows}"
        )
        params += [adapt(end), adapt(start)]
        if exclude_booking_uid:
            params.append(exclude_booking_uid)
    touching = f"r.host_id IN ({users}) OR (r.host_id IS NULL AND th.user_id IN ({users}))"
    if event_type_id is not None:
        touching += " OR r.event_type_id = %s"
    own, hold_end = "", instant('r."end"')
    if own_reservation_uid:
        own = "AND r.uid <> %s"
    parts.append(
        f"SELECT 'r', r.id, r.event_type_id, r.host_id, {instant('r.start')}, {hold_end}, "
        "th.user_id, "
        "et.before_event_buffer, et.after_event_buffer "
        "FROM bookings_slotreservation r "
        "JOIN eventtypes_eventtype et ON et.id = r.event_type_id "
        "LEFT JOIN eventtypes_host th ON th.event_type_id = r.event_type_id "
        f'WHERE r.expires_at > %s AND r.start < %s AND r."end" > %s AND ({touching}) {own}'
    )
    params += [adapt(now), adapt(end + HOLD_BUFFER_REACH), adapt(start - HOLD_BUFFER_REACH)]
    if event_type_id is not None:
        params.append(event_type_id)
    if own_reservation_uid:
        uid_field = SlotReservation._meta.get_field("uid")
        params.append(uid_field.get_db_prep_value(own_reservation_uid, connection))

    busy, users_of_booking = defaultdict(list), defaultdict(list)
    found: dict[int, tuple] = {}
    wanted = set(user_ids)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    for kind, a, b, c, row_start, row_end, type_host, before, after in rows:
        if kind == "b":
            busy[b].append((to_datetime(row_start), to_datetime(row_end)))
            if a is not None:
                users_of_booking[a].append(b)
            continue
        if a not in found:
            held_start, held_end = to_datetime(row_start), to_datetime(row_end)
            blocked = (held_start - timedelta(minutes=before), held_end + timedelta(minutes=after))
            found[a] = (b, set(), held_start, blocked)
        holders = found[a][1]
        if c is not None:
            holders.add(c)
        elif type_host in wanted:
            holders.add(type_host)
        elif event_type_id is not None and b == event_type_id:
            holders.update(user_ids)
    holds = [
        Hold(type_id, frozenset(holders), held_start, blocked)
        for type_id, holders, held_start, blocked in found.values()
    ]
    return busy, users_of_booking, holds


def _id_list(ids) -> str:
    """Ids (integers, checked) written into the statement: their number varies, and neither
    database takes a list as one parameter in the same way."""
    return ", ".join(str(int(i)) for i in dict.fromkeys(ids))


# --- Values as the ORM gives them -----------------------------------------------------------------
# Busy times are read by the thousand (5,000 bookings of 20 hosts in a month): PostgreSQL sends
# them as seconds since 1970, which become datetimes many times faster than timestamp text
# through the driver's Python loader. SQLite keeps UTC text, which Python parses quickly; it
# may also hand back a naive datetime where it still sees the column's declared type.


def _instants():
    """(SQL reading a timestamp column, the function turning its value into an aware UTC
    datetime) for this database."""
    if connection.vendor == "postgresql":
        return _epoch_seconds, _from_epoch_seconds
    return _as_stored, _from_sqlite


def _epoch_seconds(column: str) -> str:
    return f"EXTRACT(EPOCH FROM {column})::float8"


def _from_epoch_seconds(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _as_stored(column: str) -> str:
    return column


def _from_sqlite(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def _time(value) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value


def _date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
