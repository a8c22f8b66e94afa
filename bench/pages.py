"""Booking page benchmark: gunicorn (1 worker) on PostgreSQL, one client with keep-alive.

    python bench/pages.py [--server postgres://postgres@127.0.0.1:5432/postgres] [--runs 200]

Creates a scratch database with a host (Mon-Fri 09:00-17:00 UTC, 30-minute slots) and 60
bookings over the coming weeks, starts gunicorn, and measures
- the booking page's HTML as first opened (what is left of this month), and for a full month of
  times (GET /bench/bench/?timeZone=…&month=…);
- the calendar of the next month alone, as the page's script loads it (one request);
- the attendee's own booking page (GET /booking/<uid>/);
printing the median, p95 and p99 latency and the SQL queries per request. Everything is dropped
at the end.
"""

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.api import (  # noqa: E402
    free_port,
    scratch_database,
    seed,
    seed_script,
    start_gunicorn,
    wait_for_port,
)
from bench.setup import percentile  # noqa: E402

BOOKINGS = 60
BOOK_SCRIPT = f"""
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from datetime import timedelta
from django.utils import timezone
from bookings import slots
from bookings.services import Actor, AttendeeInput, BookingRequest, create_booking
from eventtypes.models import EventType
event_type = EventType.objects.get(slug="bench")
now = timezone.now()
free = slots.find_slots(event_type, now, now + timedelta(days=45)).slots
uid = None
for index, slot in enumerate(free[::5][:{BOOKINGS}]):
    attendee = AttendeeInput(name="Guest", email=f"guest{{index}}@example.com", time_zone="UTC")
    created = create_booking(event_type, BookingRequest(start=slot.start, attendee=attendee),
                             Actor.attendee(attendee.email))
    uid = uid or created.booking.uid
next_month = (now.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
print(json.dumps({{"uid": uid, "nextMonth": next_month}}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    with scratch_database(args.server) as env:
        serve(env, args.runs)


def serve(env, runs):
    gunicorn = None
    try:
        seed(env, seed_script(weekdays=5, start_hour=9, end_hour=17, length=30))
        booked = seed(env, BOOK_SCRIPT)
        port = free_port()
        gunicorn = start_gunicorn(env, 1, port)
        wait_for_port(port)
        print(f"gunicorn 1 worker, PostgreSQL, 1 client with keep-alive, {os.cpu_count()} CPUs")
        print(f"{'request':<44} {'median':>8} {'p95':>8} {'p99':>8} {'queries':>8} {'bytes':>8}")
        zone = "timeZone=America/Los_Angeles&format=12h"
        targets = [
            ("booking page as opened (this month)", f"/bench/bench/?{zone}", {}),
            (
                "booking page, a full month of times",
                f"/bench/bench/?{zone}&month={booked['nextMonth']}",
                {},
            ),
            (
                "next month's calendar (script request)",
                f"/bench/bench/?{zone}&month={booked['nextMonth']}",
                {"X-Rendezvous-Fragment": "picker"},
            ),
            ("attendee's booking page", f"/booking/{booked['uid']}/?{zone}", {}),
        ]
        queries = count_queries(env, targets)
        for (label, path, headers), count in zip(targets, queries, strict=True):
            timings, size = measure(port, path, headers, runs)
            print(
                f"{label:<44} {statistics.median(timings):>6.1f}ms "
                f"{percentile(timings, 0.95):>6.1f}ms {percentile(timings, 0.99):>6.1f}ms "
                f"{count:>8} {size:>8}"
            )
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=10)


def measure(port, path, headers, runs):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings, size = [], 0
    for run in range(runs + 10):
        began = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - began) * 1000
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        if run >= 10:  # the first requests warm up the worker
            timings.append(elapsed)
        size = len(body)
    connection.close()
    return timings, size


def count_queries(env, targets):
    """The SQL queries of each request, counted in this process against the same database."""
    script = """
import json, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client, counts = Client(HTTP_HOST="127.0.0.1"), []
for path, headers in json.loads(sys.argv[1]):
    client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        client.get(path, headers=headers)
    counts.append(len(captured))
print(json.dumps(counts))
"""
    import json

    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps([[p, h] for _, p, h in targets])],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
