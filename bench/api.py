"""HTTP benchmark: gunicorn on PostgreSQL, the slots and booking API over loopback.

    python bench/api.py [--server postgres://postgres@127.0.0.1:5432/postgres]
                        [--workers 2*cores+1] [--runs 300] [--creates 12]

Creates a scratch database, migrates and seeds it, then prints:

A. GET /v2/slots, one host for 30 days (the workload of bench/slots.py case (a): Mon-Fri
   09:00-17:00 UTC, 30-minute slots, a booking at 10:00 every weekday, 30 days from tomorrow),
   from gunicorn with one sync worker to one client on a keep-alive connection sending one
   request after another: slots, database round trips per request, and the median, p95 and p99
   of --runs requests after a warm-up. Then, from --workers workers, 16 concurrent clients asking
   for 30 days of another host's slots: p50/p99 and requests per second.
C. POST /v2/bookings from gunicorn with --workers workers (default: gunicorn.conf.py's, 2 per
   CPU + 1):
   C1 32 concurrent clients, each booking --creates distinct free slots of one of 8 hosts (each
      with its own event type, available around the clock);
   C2 32 concurrent clients, each booking --creates distinct free slots of the same host;
   C3 16 clients racing for the same 160 slots, each in its own order (each slot is won once);
   with the creates, p50/p99 latency, creates per second, the answers' status codes and the
   overlapping bookings found in the database afterwards (must be 0); for C1 and C2, the CPU
   time gunicorn, PostgreSQL and the clients (this process) used per create, and the creates
   per second that would fully use the machine's CPUs at that cost; and the database round
   trips of one create, without and with an `Idempotency-Key` (a fresh key per request).

Round trips are counted in this process (bench/roundtrips.py: every exchange with PostgreSQL,
BEGIN, COMMIT and the connection health check included) through Django's test client, with the
server's settings, against the same database, averaged over a few requests after a warm-up;
latency is measured over HTTP. The servers run the embedded setup (no REDIS_URL: no broker;
the outbox is left to background sweeps, which do not run here). gunicorn's access log is
discarded. Servers are stopped and the database dropped at the end.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.setup import django_ready, percentile  # noqa: E402

CLIENTS = 16  # the concurrent slots requests and the racing bookings
SLOT_REQUESTS_PER_CLIENT = 25
BOOKING_DAYS = 10
CREATE_CLIENTS = 32
SPREAD_HOSTS = 8
WARM_UP = 20
COUNTED_REQUESTS = 5
SLOTS_VERSION = {"cal-api-version": "2024-09-04"}
BOOKINGS_VERSION = {"cal-api-version": "2024-08-13"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1)
    parser.add_argument("--runs", type=int, default=300, help="sequential GET /v2/slots")
    parser.add_argument("--creates", type=int, default=12, help="bookings per client (C1, C2)")
    args = parser.parse_args()

    with scratch_database(args.server) as env, django_in_process(env):
        seeded = seed_workloads(env)
        print(f"PostgreSQL, {os.cpu_count()} CPUs")
        run_single_worker(env, seeded, args.runs)
        run_workers(env, seeded, args.workers, args.creates)


def run_single_worker(env, seeded, runs):
    slots, trips, timings = measure_single_host(env, seeded["single"], runs)
    print(
        f"A. GET /v2/slots, 30 days of 1 host: gunicorn 1 worker, 1 keep-alive client, "
        f"{runs} sequential requests"
    )
    print(
        f"{'':<3}slots={slots}  round trips={trips:.1f}  "
        f"median={statistics.median(timings):.2f} ms  p95={percentile(timings, 0.95):.2f} ms  "
        f"p99={percentile(timings, 0.99):.2f} ms"
    )


def measure_single_host(env, single, runs):
    """GET /v2/slots of bench/slots.py case (a): (slots, round trips per request, milliseconds
    of `runs` sequential requests to one gunicorn worker)."""
    trips = per_request_round_trips(lambda: server_request(*single_slots_request(single)))
    with running_gunicorn(env, 1) as port:
        timings, slots = measure_sequential(port, single_slots_request(single), runs)
    return slots, trips, timings


def run_workers(env, seeded, workers, creates):
    counted = open_slots(seeded["counted"]["start"], 0, 1)
    plain = per_request_round_trips(
        lambda: server_create(seeded["counted"]["eventTypeId"], next(counted))
    )
    keyed = per_request_round_trips(
        lambda: server_create(seeded["counted"]["eventTypeId"], next(counted), uuid.uuid4().hex)
    )
    database_url = env["DATABASE_URL"]
    with running_gunicorn(env, workers) as port:
        print(f"gunicorn {workers} workers")
        run_slots(port, seeded["bench"])
        print(
            f"C. POST /v2/bookings, {CREATE_CLIENTS} clients × {creates}; round trips per "
            f"create: {plain:.1f}, with Idempotency-Key: {keyed:.1f}"
        )
        plans = spread_plans(seeded["spread"], creates)
        results, seconds, cpu = run_creates(port, plans)
        report_creates(f"C1 {SPREAD_HOSTS} hosts", results, seconds, database_url, cpu)
        plans = crowd_plans(seeded["crowd"], creates)
        results, seconds, cpu = run_creates(port, plans)
        report_creates("C2 1 host", results, seconds, database_url, cpu)
        run_bookings(port, seeded["bench"], database_url)


# --- The database and the servers -----------------------------------------------------------


@contextmanager
def scratch_database(server: str, **settings):
    """A new PostgreSQL database on `server`, migrated; yields the environment of the processes
    that use it (deployment settings, DEBUG off, plus `settings`); dropped afterwards."""
    database = f"rendezvous_bench_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    env = {
        **os.environ,
        "DATABASE_URL": urlparse(server)._replace(path=f"/{database}").geturl(),
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONN_MAX_AGE": "600",
        "PYTHONWARNINGS": "ignore::UserWarning",  # static files are not collected here
        # Load from one address and one key: measured without the rate limits.
        "API_CALLS_PER_MINUTE": "100000000",
        "API_ANONYMOUS_CALLS_PER_MINUTE": "100000000",
        **settings,
    }
    if "REDIS_URL" not in settings:
        env.pop("REDIS_URL", None)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        yield env
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def django_in_process(env):
    """Django in this process with the environment of the servers (same database, settings)."""
    os.environ.update(env)
    warnings.filterwarnings("ignore", category=UserWarning)  # static files are not collected
    django_ready()
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()


def seed_script(*, weekdays: int, start_hour: int, end_hour: int, length: int) -> str:
    """Python that seeds a host (hours start_hour-end_hour UTC on the first `weekdays` days of
    the week; end 0 is midnight), an event type of `length` minutes and an API key, and prints
    {"eventTypeId", "key"}."""
    return f"""
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from datetime import time
from accounts.models import ApiKey, User
from eventtypes.models import EventType, Schedule, WeeklyAvailability
host = User.objects.create_user("bench", "bench@example.com", name="Bench Host")
schedule = Schedule.objects.create(owner=host, time_zone="UTC", is_default=True)
for day in range({weekdays}):
    WeeklyAvailability.objects.create(schedule=schedule, weekday=day,
                                      start_time=time({start_hour}), end_time=time({end_hour}))
event_type = EventType.objects.create(owner=host, slug="bench", title="Bench",
                                      length_minutes={length}, minimum_booking_notice=0)
_, key = ApiKey.issue(host, name="bench")
print(json.dumps({{"eventTypeId": event_type.id, "key": key}}))
"""


def seed(env, script: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def tomorrow() -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def seed_single_host() -> dict:
    """bench/slots.py case (a): {"eventTypeId", "start", "end"} of its 30 days."""
    from bench.slots import DAYS, scenario_single

    start = tomorrow()
    event_type, _ = scenario_single(start)
    return {"eventTypeId": event_type.id, "start": start, "end": start + timedelta(days=DAYS)}


def seed_open_host(username: str) -> dict:
    """A host available around the clock every day (UTC) with a 30-minute event type."""
    from datetime import time as clock

    from accounts.models import User
    from eventtypes.models import EventType, Schedule, WeeklyAvailability

    host = User.objects.create(username=username, email=f"{username}@example.com")
    schedule = Schedule.objects.create(owner=host, time_zone="UTC", is_default=True)
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(schedule=schedule, weekday=d, start_time=clock(0), end_time=clock(0))
        for d in range(7)
    )
    event_type = EventType.objects.create(
        owner=host, slug=username, title=username, length_minutes=30, minimum_booking_notice=0
    )
    return {"eventTypeId": event_type.id, "start": tomorrow()}


def seed_workloads(env) -> dict:
    return {
        "bench": seed(env, seed_script(weekdays=5, start_hour=9, end_hour=17, length=30)),
        "single": seed_single_host(),
        "spread": [seed_open_host(f"spread{i}") for i in range(SPREAD_HOSTS)],
        "crowd": seed_open_host("crowd"),
        "counted": seed_open_host("counted"),
    }


def start_gunicorn(env, workers: int, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the access log (gunicorn.conf.py); errors go to stderr
    )


@contextmanager
def running_gunicorn(env, workers: int):
    """gunicorn on a free port (yielded), stopped afterwards."""
    port = free_port()
    gunicorn = start_gunicorn(env, workers, port)
    try:
        wait_for_port(port)
        yield port
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


# --- Requests -------------------------------------------------------------------------------


def utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def single_slots_request(seeded) -> tuple:
    """(method, path, body, headers) of the 30 days of bench/slots.py case (a)."""
    query = urlencode(
        {
            "eventTypeId": seeded["eventTypeId"],
            "start": utc(seeded["start"]),
            "end": utc(seeded["end"]),
            "timeZone": "UTC",
        }
    )
    return ("GET", f"/v2/slots?{query}", None, SLOTS_VERSION)


def create_request(event_type_id: int, start: datetime, client: int, key=None) -> tuple:
    headers = {**BOOKINGS_VERSION, **({"Idempotency-Key": key} if key else {})}
    body = {
        "eventTypeId": event_type_id,
        "start": utc(start),
        "attendee": {
            "name": f"Client {client}",
            "email": f"client{client}@example.com",
            "timeZone": "Europe/Berlin",
        },
    }
    return ("POST", "/v2/bookings", body, headers)


def open_slots(start: datetime, first: int, step: int):
    """Half-hour starts of a host available around the clock: first, first + step, …"""
    index = first
    while True:
        yield start + timedelta(minutes=30 * index)
        index += step


def spread_plans(hosts, creates):
    """Client c books on host c % len(hosts), its own lane of that host's slots."""
    lanes = CREATE_CLIENTS // len(hosts)
    plans = []
    for client in range(CREATE_CLIENTS):
        host = hosts[client % len(hosts)]
        starts = open_slots(host["start"], client // len(hosts), lanes)
        plans.append(
            [create_request(host["eventTypeId"], next(starts), client) for _ in range(creates)]
        )
    return plans


def crowd_plans(host, creates):
    """Every client on the same host, each with its own slots (interleaved in time)."""
    plans = []
    for client in range(CREATE_CLIENTS):
        starts = open_slots(host["start"], client, CREATE_CLIENTS)
        plans.append(
            [create_request(host["eventTypeId"], next(starts), client) for _ in range(creates)]
        )
    return plans


# --- Round trips, in this process -----------------------------------------------------------


def per_request_round_trips(send) -> float:
    from bench.roundtrips import per_request

    return per_request(send, runs=COUNTED_REQUESTS)


@cache
def test_client():
    from django.test import Client

    return Client(HTTP_HOST="127.0.0.1")


def server_request(method, path, body=None, headers=None):
    """The request through Django's test client, with the connection handling of a server;
    anything but a success is an error."""
    from bench.roundtrips import server_request as through_client

    extra = {"data": body, "content_type": "application/json"} if body is not None else {}
    response = through_client(test_client(), method, path, headers=headers or {}, **extra)
    if response.status_code >= 300:
        raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.content}")
    return response


def server_create(event_type_id, start, key=None):
    return server_request(*create_request(event_type_id, start, 0, key))


# --- Over HTTP ------------------------------------------------------------------------------


def measure_sequential(port, request, runs, warm_up=WARM_UP):
    """One keep-alive connection, one request after another: (milliseconds, slots answered)."""
    method, path, body, headers = request
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings, answer = [], None
    for run in range(warm_up + runs):
        began = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        elapsed = (time.perf_counter() - began) * 1000
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}: {answer[:300]}")
        if run >= warm_up:
            timings.append(elapsed)
    connection.close()
    days = json.loads(answer)["data"]
    return timings, sum(len(slots) for slots in days.values())


def run_clients(port, requests_per_client):
    """requests_per_client: one list of (method, path, body, headers) per client; all clients
    start together. Returns ([(status, ms)], seconds)."""
    results, lock = [], threading.Lock()
    barrier = threading.Barrier(len(requests_per_client))

    def client(requests):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        for method, path, body, headers in requests:
            payload = json.dumps(body) if body is not None else None
            if payload:
                headers = {**headers, "Content-Type": "application/json"}
            began = time.perf_counter()
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                results.append((response.status, elapsed))
        connection.close()

    threads = [threading.Thread(target=client, args=(r,)) for r in requests_per_client]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - began


def statuses(results) -> str:
    counts = sorted(Counter(status for status, _ in results).items())
    return ", ".join(f"{code}×{n}" for code, n in counts)


def report(label, results, seconds):
    latencies = [ms for _, ms in results]
    print(
        f"{label:<34} requests={len(results):>4}  p50={statistics.median(latencies):7.2f} ms  "
        f"p99={percentile(latencies, 0.99):7.2f} ms  {len(results) / seconds:7.1f} req/s  "
        f"[{statuses(results)}]"
    )


def report_creates(label, results, seconds, database_url, cpu):
    """cpu: the CPU seconds each kind of process used meanwhile (cpu_use)."""
    latencies = [ms for _, ms in results]
    created = sum(1 for status, _ in results if status == 201)
    print(
        f"{label:<34} creates={created:>4}  p50={statistics.median(latencies):7.2f} ms  "
        f"p99={percentile(latencies, 0.99):7.2f} ms  {created / seconds:7.1f} creates/s  "
        f"[{statuses(results)}]  overlaps={count_overlaps(database_url)}"
    )
    if not created:
        return
    each = {kind: used / created * 1000 for kind, used in cpu.items()}
    print(
        f"{'':<34} CPU per create: gunicorn {each['gunicorn']:.1f} ms, PostgreSQL "
        f"{each['postgres']:.1f} ms, clients {each['clients']:.1f} ms; {os.cpu_count()} CPUs "
        f"fully used allow {os.cpu_count() * 1000 / sum(each.values()):.0f} creates/s"
    )


def run_creates(port, plans):
    """run_clients, and the CPU seconds used meanwhile by gunicorn (on `port`), PostgreSQL
    and this process's clients: ([(status, ms)], seconds, {kind: CPU seconds})."""
    before = cpu_use(port)
    results, seconds = run_clients(port, plans)
    after = cpu_use(port)
    return results, seconds, {kind: after[kind] - before[kind] for kind in after}


def cpu_use(port) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn serving `port`, by PostgreSQL's processes (with
    those that ended: the server's own account of its children) and by this process."""
    ticks = os.sysconf("SC_CLK_TCK")
    bind = f"127.0.0.1:{port}".encode()
    use = {"gunicorn": 0.0, "postgres": 0.0, "clients": time.process_time()}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            command = Path(entry.path, "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        # utime, stime, cutime, cstime: the 14th to 17th fields
        times = stat[stat.rindex(")") + 2 :].split()[11:15]
        seconds = sum(int(t) for t in times) / ticks
        if name == "postgres":
            use["postgres"] += seconds
        elif b"gunicorn" in command and bind in command:
            use["gunicorn"] += seconds
    return use


def next_monday() -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7 - today.weekday())


def run_slots(port, seeded):
    start = next_monday()
    query = urlencode(
        {
            "eventTypeId": seeded["eventTypeId"],
            "start": start.strftime("%Y-%m-%d"),
            "end": (start + timedelta(days=29)).strftime("%Y-%m-%d"),
            "timeZone": "Europe/Berlin",
        }
    )
    request = ("GET", f"/v2/slots?{query}", None, SLOTS_VERSION)
    run_clients(port, [[request] * 2 for _ in range(CLIENTS)])  # warm-up
    results, seconds = run_clients(port, [[request] * SLOT_REQUESTS_PER_CLIENT] * CLIENTS)
    report(f"GET /v2/slots, {CLIENTS} clients", results, seconds)


def run_bookings(port, seeded, database_url):
    """Every client tries every slot of the next BOOKING_DAYS working days, in its own order:
    each slot can be won once; every other attempt must be refused."""
    monday = next_monday()
    starts = [
        monday + timedelta(days=day, hours=9, minutes=30 * half_hour)
        for day in range(14)
        if (monday + timedelta(days=day)).weekday() < 5
        for half_hour in range(16)
    ][: BOOKING_DAYS * 16]
    plans = []
    for client in range(CLIENTS):
        order = starts[:]
        random.Random(client).shuffle(order)
        plans.append([create_request(seeded["eventTypeId"], start, client) for start in order])
    results, seconds = run_clients(port, plans)
    report(f"C3 {CLIENTS} clients racing", results, seconds)
    created = sum(1 for status, _ in results if status == 201)
    print(
        f"{'':<34} slots={len(starts)}  booked={created}  overlaps={count_overlaps(database_url)}"
    )


def count_overlaps(database_url) -> int:
    with psycopg.connect(database_url) as connection:
        return connection.execute(
            """
            SELECT count(*) FROM bookings_bookinghost a JOIN bookings_bookinghost b
              ON a.user_id = b.user_id AND a.id < b.id AND a.is_blocking AND b.is_blocking
             AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end
            """
        ).fetchone()[0]


if __name__ == "__main__":
    main()
