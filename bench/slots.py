"""Slot computation speed: `python bench/slots.py` (DATABASE_URL picks the database).

Prints, for each scenario, the number of slots, the SQL queries and the database round trips
per computation (bench/roundtrips.py: on PostgreSQL; none on SQLite), and the median and p95
wall-clock milliseconds over 50 runs (on PostgreSQL after ANALYZE, as autovacuum would).
(a) one host, Mon-Fri 09:00-17:00 UTC, 30-minute slots, a booking at 10:00 every weekday,
    30 days starting tomorrow;
(b) a 20-host round-robin event type (hosts in five time zones) with 5,000 existing bookings
    over those 30 days.
Then both again with 1,000 events synced from each host's own calendar, spread over the
CALENDAR_SYNC_DAYS (366) days a sync reads, and once more with 1,000 events packed into the
next 120 days (three times as many in the range), with the ratios to the figures without them.
"""

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import describe_database, django_ready, percentile, scratch_database  # noqa: E402

RUNS = 50
DAYS = 30
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


def make_host(username, zone):
    from datetime import time as clock

    from accounts.models import User
    from eventtypes.models import Schedule, WeeklyAvailability

    user = User.objects.create(username=username, email=f"{username}@example.com", time_zone=zone)
    schedule = Schedule.objects.create(owner=user, time_zone=zone, is_default=True)
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(schedule=schedule, weekday=d, start_time=clock(9), end_time=clock(17))
        for d in range(5)
    )
    return user


def write_bookings(event_type, rows):
    """rows: (host, start, minutes). Written directly: the benchmark measures reading."""
    from bookings.models import Attendee, Booking, BookingHost

    bookings = Booking.objects.bulk_create(
        Booking(
            event_type=event_type,
            organizer=host,
            start=start,
            end=start + timedelta(minutes=minutes),
            title="Existing",
            ics_uid=f"bench-{i}",
            uid=f"bench-{event_type.pk}-{i}",
        )
        for i, (host, start, minutes) in enumerate(rows)
    )
    BookingHost.objects.bulk_create(
        BookingHost(booking=b, user_id=b.organizer_id, blocked_start=b.start, blocked_end=b.end)
        for b in bookings
    )
    Attendee.objects.bulk_create(
        Attendee(booking=b, name="Guest", email=f"g{b.pk}@example.com") for b in bookings
    )


def scenario_single(tomorrow):
    from eventtypes.models import EventType

    host = make_host("solo", "UTC")
    event_type = EventType.objects.create(
        owner=host, slug="intro", title="Intro", length_minutes=30, minimum_booking_notice=0
    )
    rows = []
    for offset in range(DAYS):
        day = tomorrow + timedelta(days=offset)
        if day.weekday() < 5:
            rows.append((host, day.replace(hour=10), 30))
    write_bookings(event_type, rows)
    return event_type, len(rows)


def scenario_round_robin(tomorrow):
    from zoneinfo import ZoneInfo

    from accounts.models import Team
    from eventtypes.models import EventType, Host

    team = Team.objects.create(name="Support", slug="support")
    hosts = [make_host(f"agent{i}", ZONES[i % len(ZONES)]) for i in range(20)]
    event_type = EventType.objects.create(
        team=team,
        slug="support",
        title="Support",
        length_minutes=30,
        minimum_booking_notice=0,
        scheduling_type="roundRobin",
    )
    Host.objects.bulk_create(
        Host(event_type=event_type, user=h, priority=i % 5) for i, h in enumerate(hosts)
    )
    rng = random.Random(42)
    rows = []
    for host in hosts:
        zone = ZoneInfo(host.time_zone)
        cells = [
            (offset, half_hour)
            for offset in range(DAYS)
            for half_hour in range(16)
            if (tomorrow + timedelta(days=offset)).weekday() < 5
        ]
        for offset, half_hour in rng.sample(cells, 250):
            local_day = (tomorrow + timedelta(days=offset)).date()
            local = datetime(local_day.year, local_day.month, local_day.day, 9, tzinfo=zone)
            rows.append((host, (local + timedelta(minutes=30 * half_hour)).astimezone(UTC), 30))
    write_bookings(event_type, rows)
    return event_type, len(rows)


def time_find_slots(event_type, start, end, runs=RUNS):
    """find_slots over the range after a warm-up: (slots, SQL queries, database round trips
    (None on SQLite, which has none), milliseconds of each of `runs` runs)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.roundtrips import counting_round_trips
    from bookings.slots import find_slots

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The planner's statistics of the rows just seeded, as autovacuum gathers them
            # within a minute of such a load.
            cursor.execute("ANALYZE")
    find_slots(event_type, start, end)  # warm-up
    with CaptureQueriesContext(connection) as queries:
        slots = find_slots(event_type, start, end).slots
    trips = None
    if connection.vendor == "postgresql":
        with counting_round_trips() as counted:
            find_slots(event_type, start, end)
        trips = counted.count
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        find_slots(event_type, start, end)
        timings.append((time.perf_counter() - began) * 1000)
    return len(slots), len(queries), trips, timings


def add_calendar_events(users, tomorrow, days, per_host=1000):
    """`per_host` busy times synced from each user's own calendar (a fresh sync) over the
    next `days` days, replacing any from before."""
    from django.db import transaction

    from calendars import merging
    from calendars.models import BusyTime, Calendar, Connection

    rng = random.Random(7)
    minutes = days * 24 * 60
    for user in users:
        Connection.objects.filter(user=user).delete()
        connection = Connection.objects.create(
            user=user, kind="ics", url=f"https://example.com/{user.pk}.ics", synced_at=NOW()
        )
        calendar = Calendar.objects.create(connection=connection, user=user, url=connection.url)
        BusyTime.objects.bulk_create(
            BusyTime(
                calendar=calendar,
                user=user,
                uid=f"e{i}",
                start=(start := tomorrow + timedelta(minutes=rng.randrange(minutes))),
                end=start + timedelta(minutes=rng.choice((30, 45, 60, 90))),
            )
            for i in range(per_host)
        )
        with transaction.atomic():
            merging.lock(user.pk)
            merging.rebuild(user.pk)


def NOW():
    return datetime.now(UTC)


def measure(label, event_type, existing, start, end):
    slots, queries, trips, timings = time_find_slots(event_type, start, end)
    median = statistics.median(timings)
    print(
        f"{label:<46} bookings={existing:>5}  slots={slots:>5}  queries={queries:>2}  "
        f"round trips={'-' if trips is None else trips:>2}  "
        f"median={median:7.2f} ms  p95={percentile(timings, 0.95):7.2f} ms"
    )
    return median


def main():
    django_ready()
    with scratch_database():
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        tomorrow = today + timedelta(days=1)
        end = tomorrow + timedelta(days=DAYS)
        print(
            f"Slot computation, {DAYS} days from {tomorrow:%Y-%m-%d}, {RUNS} runs, "
            f"database: {describe_database()}"
        )
        single, single_count = scenario_single(tomorrow)
        a = measure("(a) 1 host, Mon-Fri 09-17 UTC, 30 min", single, single_count, tomorrow, end)
        team, team_count = scenario_round_robin(tomorrow)
        b = measure("(b) round robin, 20 hosts in 5 zones", team, team_count, tomorrow, end)

        from django.conf import settings

        from accounts.models import User

        for days in (settings.CALENDAR_SYNC_DAYS, 120):
            add_calendar_events(User.objects.all(), tomorrow, days)
            label = f"+ 1,000 calendar events/host in {days} d"
            a2 = measure(f"(a) {label}", single, single_count, tomorrow, end)
            b2 = measure(f"(b) {label}", team, team_count, tomorrow, end)
            print(
                f"With 1,000 calendar events per host over {days} days: "
                f"(a) {a2 / a:.2f}x, (b) {b2 / b:.2f}x the time without"
            )


if __name__ == "__main__":
    main()
