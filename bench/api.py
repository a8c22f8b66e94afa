"""HTTP benchmark: gunicorn on PostgreSQL, 16 concurrent clients over loopback.

    python bench/api.py [--server postgres://postgres@127.0.0.1:5432/postgres] [--workers 4]

Creates a scratch database, migrates and seeds it, starts gunicorn, then measures
- GET /v2/slots for 30 days (one host, Mon-Fri 09:00-17:00, 30-minute slots);
- POST /v2/bookings where all clients race for the same slots in different orders;
and prints p50/p99 latency, requests per second, the answers' status codes, and the number of
overlapping bookings found in the database afterwards (it must be 0). Everything is dropped at
the end.
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
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.setup import percentile  # noqa: E402

CLIENTS = 16
SLOT_REQUESTS_PER_CLIENT = 25
BOOKING_DAYS = 10


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    with scratch_database(args.server) as env:
        serve(env, args.workers)


def serve(env, workers):
    gunicorn = None
    database_url = env["DATABASE_URL"]
    try:
        seeded = seed(env, seed_script(weekdays=5, start_hour=9, end_hour=17, length=30))
        port = free_port()
        gunicorn = start_gunicorn(env, workers, port)
        wait_for_port(port)
        print(
            f"gunicorn {workers} workers, PostgreSQL, {CLIENTS} concurrent clients, "
            f"{os.cpu_count()} CPUs"
        )
        run_slots(port, seeded)
        run_bookings(port, seeded)
        print(f"overlapping bookings afterwards: {count_overlaps(database_url)}")
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)


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
    )


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


def run_clients(port, requests_per_client):
    """requests_per_client: one list of (method, path, body) per client. Returns results."""
    results, lock = [], threading.Lock()
    barrier = threading.Barrier(len(requests_per_client))

    def client(requests):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        for method, path, body in requests:
            payload = json.dumps(body) if body is not None else None
            headers = {"Content-Type": "application/json"} if payload else {}
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


def report(label, results, seconds):
    latencies = [ms for _, ms in results]
    statuses = ", ".join(
        f"{code}×{n}" for code, n in sorted(Counter(s for s, _ in results).items())
    )
    print(
        f"{label:<34} requests={len(results):>4}  p50={statistics.median(latencies):7.2f} ms  "
        f"p99={percentile(latencies, 0.99):7.2f} ms  {len(results) / seconds:7.1f} req/s  "
        f"[{statuses}]"
    )


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
    request = ("GET", f"/v2/slots?{query}", None)
    run_clients(port, [[request] * 2 for _ in range(CLIENTS)])  # warm-up
    results, seconds = run_clients(port, [[request] * SLOT_REQUESTS_PER_CLIENT] * CLIENTS)
    report("GET /v2/slots (30 days)", results, seconds)


def run_bookings(port, seeded):
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
        plans.append(
            [
                (
                    "POST",
                    "/v2/bookings",
                    {
                        "eventTypeId": seeded["eventTypeId"],
                        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "attendee": {
                            "name": f"Client {client}",
                            "email": f"client{client}@example.com",
                            "timeZone": "Europe/Berlin",
                        },
                    },
                )
                for start in order
            ]
        )
    results, seconds = run_clients(port, plans)
    report("POST /v2/bookings (racing)", results, seconds)
    created = sum(1 for status, _ in results if status == 201)
    print(f"{'':<34} slots={len(starts)}  booked={created}")


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
