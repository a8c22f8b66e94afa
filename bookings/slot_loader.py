"""The slot engine's inputs read from the database in one statement, whatever the range, the
number of hosts or the number of bookings: the hosts of a team event type, their schedules,
weekly hours and the date overrides in range, the times they are taken (their blocking booking
rows and the busy times synced from their own calendars, merged on PostgreSQL), the unexpired
holds touching them, and when their calendars were last synced.

Written in SQL that PostgreSQL and SQLite both run: building this through the ORM cost several
times what the database spends on it, in five round trips (this is the one place that does).
Values are converted here to what the ORM would give: aware UTC datetimes, dates, times and
booleans. tests/domain/test_slot_loader.py compares the results with the ORM's on random data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import BigIntegerField
from django.db.models.expressions import RawSQL

from bookings.models import SlotReservation
from calendars import merging

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


@dataclass(frozen=True)
class ConnectionState:
    """One of the hosts' calendar connections: when it was last synced and tried."""

    id: int
    user_id: int
    synced_at: datetime | None
    attempted_at: datetime | None
    failures: int


@dataclass
class Inputs:
    hosts: list[HostRow]
    schedules: dict[int, ScheduleRow]  # by user id; none for a host without one
    # By user id: (start, end) blocked times, buffers included, in seconds since 1970 (UTC):
    # thousands of them, which the engine compares as numbers (no datetimes are made).
    busy: dict[int, list]
    users_of_booking: dict[int, list[int]]  # empty when the busy times come merged
    holds: list[Hold]
    # By user id: (start, end, calendar id) of the busy times from their own calendars, also
    # in `busy`; told only when the busy times do not come merged.
    external: dict[int, list] = field(default_factory=dict)
    connections: list[ConnectionState] = field(default_factory=list)
    # The row version of the event type asked for (with_row_version), None if it is gone.
    event_type_version: int | None = None


# The columns of every row of the statement, after its kind ("s" schedule, "w" weekly hours, "o"
# override, "h" team host, "b" busy time, "x" busy time from the host's calendar, "p" all of
# them merged and packed, "r" hold, "c" calendar connection), and their types. A kind leaves
# the columns it has no value for empty; "start" and "end" are instants (their type depends on
# the database).
COLUMNS = {
    "id": "bigint",  # the schedule's, the host's user, the booking's, the hold's, the connection's
    "other": "bigint",  # the schedule's owner, the host's schedule, the busy user, the hold's
    # type, the connection's user
    "host": "bigint",  # the host a hold names; a busy time's host row or calendar
    "type_host": "bigint",  # a host of the hold's event type
    "flag": "boolean",  # the schedule is the default; the host is fixed
    "number": "integer",  # the weekday; the host's priority; the hold's buffer before; the
    # connection's failures since its last sync
    "number2": "integer",  # the host's weight; the hold's buffer after
    "zone": "varchar",
    "day": "date",
    "opens": "time",
    "closes": "time",
    "start": None,
    "end": None,
    "data": "bytea",  # a host's merged busy times from their calendars, packed
}


# PostgreSQL's version of a row: the transaction that wrote it (its system column xmin), new with
# every update of the row, however it is made (the ORM's save or update, the admin, plain SQL).
ROW_VERSION_SQL = "CAST(CAST({table}.xmin AS text) AS bigint)"


def row_versions_readable() -> bool:
    return connection.vendor == "postgresql"


def with_row_version(queryset):
    """The queryset with each row's version as `row_version` (PostgreSQL)."""
    table = queryset.model._meta.db_table
    return queryset.annotate(
        row_version=RawSQL(ROW_VERSION_SQL.format(table=f'"{table}"'), [], BigIntegerField())
    )


def load_inputs(
    hosts: list[HostRow] | None,
    local_days: tuple[date, date],
    busy_range: tuple[datetime, datetime],
    *,
    now: datetime,
    team_event_type_id: int | None = None,
    event_type_id: int | None = None,
    exclude_booking_uid: str | None = None,
    own_reservation_uid=None,
    with_bookings: bool = True,
    merged: bool = False,
    with_row_version: bool = False,
) -> Inputs:
    """Everything the engine needs about the hosts, in one round trip.

    hosts: given (a personal event type's owner, a group's members), or None for those of the
    team event type `team_event_type_id` (read in the same statement, in user id order).
    local_days: the local dates whose overrides are read. A host without a schedule of their
    own on the event type or a default has none.
    busy_range: busy times and holds overlapping it are read.
    A hold names its host; a hold on a collective team type names none and holds every host of
    that type, so those hosts are busy for their other event types too: the join on the hold's
    event type's hosts says who they are. A hold on `event_type_id` concerns it whoever it names.
    exclude_booking_uid: a booking being moved does not block itself.
    own_reservation_uid: the caller's own hold does not block the caller.
    with_bookings: False when the event type ignores bookings (double booking allowed).
    merged: each user's busy times may come merged (bookings on PostgreSQL; the calendars'
    everywhere, merged at sync), which the slot engine does anyway; the users of each booking
    and the calendar of each busy time are then not told.
    with_row_version (PostgreSQL): the row version of the event type `event_type_id` is read
    too (see row_version), so that an event type kept from an earlier request is known to be
    the one in the database when the rest was read.
    """
    instant, to_datetime, to_seconds, instant_type = _instants()
    statement = _Statement()
    if hosts is None:
        # The team's id is written into the statement (an integer, checked), as ids are.
        team_hosts = f"FROM eventtypes_host WHERE event_type_id = {int(team_event_type_id)}"
        users = f"SELECT user_id {team_hosts}"
    else:
        team_hosts, users = None, _id_list(h.user_id for h in hosts) or "NULL"
    _add_calendars(statement, hosts, team_hosts, local_days, instant_type)
    start, end = busy_range
    if with_bookings:
        _add_busy_times(statement, users, start, end, exclude_booking_uid, merged, instant)
    _add_holds(statement, users, start, end, now, event_type_id, own_reservation_uid, instant)
    _add_connections(statement, users, instant)
    if with_row_version:
        statement.branch(
            "v",
            f"FROM eventtypes_eventtype WHERE id = {int(event_type_id)}",
            id=ROW_VERSION_SQL.format(table="eventtypes_eventtype"),
        )
    with connection.cursor() as cursor:
        cursor.execute(statement.text(), statement.params)
        rows = cursor.fetchall()
    return _read(rows, hosts, to_datetime, to_seconds, event_type_id, busy_range)


def _add_calendars(statement, hosts, team_hosts, local_days, instant_type) -> None:
    """The hosts' schedules (their own on the event type, else their default), weekly hours,
    overrides on local_days, and the team's hosts when they are not given."""
    if hosts is None:
        explicit = f"SELECT schedule_id {team_hosts}"
        defaults = f"SELECT user_id {team_hosts} AND schedule_id IS NULL"
    else:
        explicit = _id_list(h.schedule_id for h in hosts if h.schedule_id) or "NULL"
        defaults = _id_list(h.user_id for h in hosts if not h.schedule_id) or "NULL"
    statement.prefix = (
        "WITH chosen AS (SELECT id, owner_id, is_default, time_zone FROM eventtypes_schedule "
        f"WHERE id IN ({explicit}) OR (is_default AND owner_id IN ({defaults}))) "
    )
    # The first branch names the types of its empty columns: PostgreSQL resolves a UNION's
    # types branch by branch, and an untyped NULL against another would become text.
    statement.branch(
        "s",
        "FROM chosen",
        typed=instant_type,
        id="id",
        other="owner_id",
        flag="is_default",
        zone="time_zone",
    )
    statement.branch(
        "w",
        "FROM eventtypes_weeklyavailability w JOIN chosen ON chosen.id = w.schedule_id",
        id="w.schedule_id",
        number="w.weekday",
        opens="w.start_time",
        closes="w.end_time",
    )
    first_day, last_day = local_days
    adapt_date = connection.ops.adapt_datefield_value
    statement.branch(
        "o",
        "FROM eventtypes_dateoverride o JOIN chosen ON chosen.id = o.schedule_id "
        "WHERE o.date >= %s AND o.date <= %s",
        [adapt_date(first_day), adapt_date(last_day)],
        id="o.schedule_id",
        day="o.date",
        opens="o.start_time",
        closes="o.end_time",
    )
    if hosts is None:
        statement.branch(
            "h",
            team_hosts,
            id="user_id",
            other="schedule_id",
            flag="is_fixed",
            number="priority",
            number2="weight",
        )


def _add_busy_times(statement, users, start, end, exclude_booking_uid, merged, instant) -> None:
    """The users' blocking booking rows overlapping [start, end), and the busy times synced
    from their calendars that check conflicts (not the transparent ones): merged, one packed
    row per user; else one row per event, naming its calendar."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = (
        f"FROM bookings_bookinghost WHERE user_id IN ({users}) AND is_blocking "
        "AND blocked_start < %s AND blocked_end > %s"
    )
    params = [adapt(end), adapt(start)]
    if exclude_booking_uid:
        rows += " AND booking_id NOT IN (SELECT id FROM bookings_booking WHERE uid = %s)"
        params.append(exclude_booking_uid)
    if merged and connection.vendor == "postgresql":
        # Touching and overlapping times of a user as one: fewer rows to send and convert.
        statement.branch(
            "b",
            "FROM (SELECT user_id, unnest(range_agg(tstzrange(blocked_start, blocked_end))) "
            f"AS busy {rows} GROUP BY user_id) AS merged",
            params,
            other="user_id",
            start=instant("lower(busy)"),
            end=instant("upper(busy)"),
        )
    else:
        statement.branch(
            "b",
            rows,
            params,
            id="booking_id",
            other="user_id",
            host="id",  # the host row's id: a booking's users in the order its rows were written
            start=instant("blocked_start"),
            end=instant("blocked_end"),
        )
    if merged:  # one row per host, merged at sync (calendars/merging.py)
        statement.branch(
            "p",
            f"FROM calendars_mergedbusytimes WHERE user_id IN ({users})",
            other="user_id",
            data="intervals",
        )
        return
    statement.branch(
        "x",
        "FROM calendars_busytime t JOIN calendars_calendar c ON c.id = t.calendar_id "
        f"WHERE t.user_id IN ({users}) AND c.check_conflicts AND NOT t.transparent "
        'AND t.start < %s AND t."end" > %s',
        [adapt(end), adapt(start)],
        other="t.user_id",
        host="t.calendar_id",
        start=instant("t.start"),
        end=instant('t."end"'),
    )


def _add_holds(statement, users, start, end, now, event_type_id, own_uid, instant) -> None:
    """Unexpired holds near [start, end) naming the users, held for them through their event
    type, or on the event type."""
    adapt = connection.ops.adapt_datetimefield_value
    touching = f"r.host_id IN ({users}) OR (r.host_id IS NULL AND th.user_id IN ({users}))"
    params = [adapt(now), adapt(end + HOLD_BUFFER_REACH), adapt(start - HOLD_BUFFER_REACH)]
    if event_type_id is not None:
        touching += " OR r.event_type_id = %s"
        params.append(event_type_id)
    own = ""
    if own_uid:
        own = "AND r.uid <> %s"
        uid_field = SlotReservation._meta.get_field("uid")
        params.append(uid_field.get_db_prep_value(own_uid, connection))
    statement.branch(
        "r",
        "FROM bookings_slotreservation r "
        "JOIN eventtypes_eventtype et ON et.id = r.event_type_id "
        "LEFT JOIN eventtypes_host th ON th.event_type_id = r.event_type_id "
        f'WHERE r.expires_at > %s AND r.start < %s AND r."end" > %s AND ({touching}) {own}',
        params,
        id="r.id",
        other="r.event_type_id",
        host="r.host_id",
        type_host="th.user_id",
        number="et.before_event_buffer",
        number2="et.after_event_buffer",
        start=instant("r.start"),
        end=instant('r."end"'),
    )


def _add_connections(statement, users, instant) -> None:
    """The users' calendar connections: when each was last synced and tried."""
    statement.branch(
        "c",
        f"FROM calendars_connection WHERE user_id IN ({users})",
        id="id",
        other="user_id",
        number="failures",
        start=instant("synced_at"),
        end=instant("attempted_at"),
    )


class _Statement:
    """A UNION ALL of branches, each a row of COLUMNS, after a WITH clause (`prefix`), with the
    parameters in the order they appear."""

    def __init__(self):
        self.prefix, self.branches, self.params = "", [], []

    def branch(self, kind, source, params=(), *, typed=None, **values):
        """values: SQL for some of COLUMNS, the others NULL. typed: the SQL type of instants,
        to write each NULL as a typed one."""
        selected = [f"'{kind}'"]
        for column, sql_type in COLUMNS.items():
            value = values.pop(column, None)
            if value is None:
                value = f"CAST(NULL AS {sql_type or typed})" if typed else "NULL"
            selected.append(value)
        if values:
            raise ValueError(f"Unknown columns {sorted(values)}")
        self.branches.append(f"SELECT {', '.join(selected)} {source}")
        self.params += list(params)

    def text(self) -> str:
        return self.prefix + " UNION ALL ".join(self.branches)


def _read(rows, hosts, to_datetime, to_seconds, event_type_id, busy_range) -> Inputs:
    schedules: dict[int, ScheduleRow] = {}
    weekly_rows, override_rows, found_hosts = [], [], []
    busy, users_of_booking, holds = defaultdict(list), defaultdict(list), {}
    external, connections = defaultdict(list), []
    event_type_version = None
    # The columns in the order of COLUMNS: id, other, host, type_host, flag, number, number2,
    # zone, day, opens, closes, start, end, data.
    first_second, last_second = (moment.timestamp() for moment in busy_range)
    for kind, a, b, c, d, flag, n1, n2, text, day, t1, t2, i1, i2, data in rows:
        if kind == "b":
            busy[b].append((to_seconds(i1), to_seconds(i2)))
            if a is not None:
                users_of_booking[a].append((c, b))
        elif kind == "p":
            if data:
                busy[b] += merging.unpack_between(data, first_second, last_second)
        elif kind == "x":
            taken = (to_seconds(i1), to_seconds(i2))
            busy[b].append(taken)
            external[b].append((*taken, c))
        elif kind == "s":
            schedules[a] = ScheduleRow(a, b, bool(flag), text)
        elif kind == "w":
            weekly_rows.append((a, n1, t1, t2))
        elif kind == "o":
            override_rows.append((a, day, t1, t2))
        elif kind == "h":
            found_hosts.append(HostRow(a, b, bool(flag), n1, n2))
        elif kind == "c":
            synced = to_datetime(i1) if i1 is not None else None
            tried = to_datetime(i2) if i2 is not None else None
            connections.append(ConnectionState(a, b, synced, tried, n1))
        elif kind == "v":
            event_type_version = a
        else:  # "r": a hold, once per host of its event type
            if a not in holds:
                held_start, held_end = to_datetime(i1), to_datetime(i2)
                blocked = (held_start - timedelta(minutes=n1), held_end + timedelta(minutes=n2))
                holds[a] = (b, set(), held_start, blocked, [])
            holds[a][4].append((c, d))
    for schedule_id, weekday, start, end in weekly_rows:
        schedules[schedule_id].weekly[weekday].append((_time(start), _time(end)))
    for schedule_id, day, start, end in override_rows:
        intervals = schedules[schedule_id].overrides.setdefault(_date(day), [])
        if start is not None:
            intervals.append((_time(start), _time(end)))
    for booking_id, rows_of_booking in users_of_booking.items():
        users_of_booking[booking_id] = [user_id for _, user_id in sorted(rows_of_booking)]
    if hosts is None:
        hosts = sorted(found_hosts, key=lambda h: h.user_id)
    user_ids = [h.user_id for h in hosts]
    wanted = set(user_ids)
    found_holds = []
    for type_id, holders, held_start, blocked, named in holds.values():
        for host_id, type_host in named:
            if host_id is not None:
                holders.add(host_id)
            elif type_host in wanted:
                holders.add(type_host)
            elif event_type_id is not None and type_id == event_type_id:
                holders.update(user_ids)
        found_holds.append(Hold(type_id, frozenset(holders), held_start, blocked))
    return Inputs(
        hosts,
        _schedule_of_each(hosts, schedules),
        busy,
        users_of_booking,
        found_holds,
        external,
        connections,
        event_type_version,
    )


def _schedule_of_each(hosts, schedules) -> dict[int, ScheduleRow]:
    default_of = {s.owner_id: s for s in schedules.values() if s.is_default}
    chosen = {}
    for host in hosts:
        schedule = schedules.get(host.schedule_id) or default_of.get(host.user_id)
        if schedule is not None:
            chosen[host.user_id] = schedule
    return chosen


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
    """(SQL reading a timestamp column, the functions turning its value into an aware UTC
    datetime and into seconds since 1970, the SQL type of what the first gives) for this
    database."""
    if connection.vendor == "postgresql":
        return _epoch_seconds, _from_epoch_seconds, float, "float8"
    return _as_stored, _from_sqlite, _seconds_from_sqlite, "text"


def _epoch_seconds(column: str) -> str:
    # date_part gives float8 directly; EXTRACT gives numeric, which costs PostgreSQL about
    # 0.15 ms more per 1,000 values (the same float once cast: both are correctly rounded).
    return f"date_part('epoch', {column})"


def _from_epoch_seconds(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _as_stored(column: str) -> str:
    return column


def _from_sqlite(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def _seconds_from_sqlite(value) -> float:
    return _from_sqlite(value).timestamp()


def _time(value) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value


def _date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
