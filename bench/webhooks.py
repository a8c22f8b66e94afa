"""Webhook benchmark: gunicorn, a Celery worker with its beat, Redis and a receiver, on loopback.

    python bench/webhooks.py [--server postgres://postgres@127.0.0.1:5432/postgres]
                             [--bookings 500] [--rate 50] [--workers 4]

Creates a scratch database and starts a Redis server of its own, gunicorn and `celery worker
--beat`; subscribes a local HTTP receiver through the API; then creates bookings through the API
at a steady rate and prints:
- the bookings made per second (the rate asked for, or less where the machine cannot keep up)
  and the booking requests' p50/p99 latency;
- commit-to-receipt latency p50/p99: from the outbox event's creation (in the booking's
  transaction, just before its commit, so this is an upper bound) to the receiver reading the
  request;
- deliveries per second while the bookings were being made;
- events lost: bookings created whose event never arrived (must be 0).
Everything is stopped and dropped at the end.
"""

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

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

CLIENT_THREADS = 8
WAIT_FOR_STRAGGLERS = 60  # seconds after the last booking


class Receiver:
    """Records when each webhook-id first arrived; answers 200 at once."""

    def __init__(self):
        self.first_seen: dict[str, float] = {}
        self.requests = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                with receiver.lock:
                    receiver.requests += 1
                    receiver.first_seen.setdefault(self.headers["webhook-id"], arrived)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50, help="bookings per second")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()

    redis_port = free_port()
    with scratch_database(
        args.server,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        WEBHOOKS_ALLOW_PRIVATE_NETWORKS="true",
    ) as env:
        run(env, args, redis_port)


def run(env, args, redis_port):
    database_url = env["DATABASE_URL"]
    scratch = tempfile.TemporaryDirectory()
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    scratch.name,
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        python = sys.executable
        # Every day, all day: enough 15-minute slots for any number of bookings.
        seeded = seed(env, seed_script(weekdays=7, start_hour=0, end_hour=0, length=15))
        port = free_port()
        processes.append(start_gunicorn(env, args.workers, port))
        worker_log = open(Path(scratch.name) / "worker.log", "w")  # noqa: SIM115
        processes.append(
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--beat",
                    "--schedule",
                    str(Path(scratch.name) / "beat"),
                    "--pool",
                    "threads",
                    "--concurrency",
                    "16",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
        )
        wait_for_port(port)
        receiver = Receiver()
        subscribe(port, seeded["key"], receiver.url)
        time.sleep(3)  # the worker connects to Redis
        print(
            f"gunicorn {args.workers} workers, Celery worker (16 threads) + beat, Redis, "
            f"PostgreSQL, {os.cpu_count()} CPUs; {args.bookings} bookings at {args.rate:g}/s"
        )
        booked, latencies, began, ended = make_bookings(port, seeded, args.bookings, args.rate)
        expected = {f"evt_{event_id}" for event_id in booked}
        deadline = time.monotonic() + WAIT_FOR_STRAGGLERS
        while time.monotonic() < deadline and not expected <= set(receiver.first_seen):
            time.sleep(0.1)
        report(database_url, receiver, booked, latencies, began, ended, expected)
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        scratch.cleanup()


def subscribe(port, key, url):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = {"subscriberUrl": url, "active": True, "triggers": ["BOOKING_CREATED"]}
    connection.request(
        "POST",
        "/v2/webhooks",
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    response = connection.getresponse()
    assert response.status == 201, response.read()
    response.read()


def make_bookings(port, seeded, count, rate):
    """`count` bookings, the i-th sent at start + i / rate (spread over a few client threads).
    Returns the booking ids created, the requests' latencies (ms), and when it began and ended."""
    first = (datetime.now(UTC) + timedelta(days=2)).replace(hour=0, minute=0, second=0)
    booked, latencies, lock = [], [], threading.Lock()
    began = time.time()

    def client(indexes):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for index in indexes:
            delay = began + index / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            body = {
                "eventTypeId": seeded["eventTypeId"],
                "start": (first + timedelta(minutes=15 * index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "attendee": {
                    "name": f"Guest {index}",
                    "email": f"guest{index}@example.com",
                    "timeZone": "Europe/Berlin",
                },
            }
            sent = time.perf_counter()
            connection.request(
                "POST",
                "/v2/bookings",
                body=json.dumps(body),
                headers={"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            answer = json.loads(response.read())
            with lock:
                latencies.append((time.perf_counter() - sent) * 1000)
                if response.status == 201:
                    booked.append(answer["data"]["id"])
        connection.close()

    threads = [
        threading.Thread(target=client, args=(range(n, count, CLIENT_THREADS),))
        for n in range(CLIENT_THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return booked, latencies, began, time.time()


def report(database_url, receiver, booked, latencies, began, ended, expected):
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT id, extract(epoch FROM created_at), booking_uid FROM webhooks_event "
            "WHERE type = 'BOOKING_CREATED'"
        ).fetchall()
    created_at = {f"evt_{event_id}": float(epoch) for event_id, epoch, _ in rows}
    expected = set(created_at)
    arrived = {message: at for message, at in receiver.first_seen.items() if message in expected}
    delays = [(arrived[m] - created_at[m]) * 1000 for m in arrived]
    during = [at for at in arrived.values() if at <= ended]
    last = max(arrived.values()) if arrived else ended
    print(
        f"{'POST /v2/bookings':<28} created={len(booked)}/{len(latencies)} in "
        f"{ended - began:.1f} s ({len(booked) / (ended - began):.1f}/s)  "
        f"p50={statistics.median(latencies):7.1f} ms  p99={percentile(latencies, 0.99):7.1f} ms"
    )
    if delays:
        print(
            f"{'commit to receipt':<28} p50={statistics.median(delays):7.1f} ms  "
            f"p99={percentile(delays, 0.99):7.1f} ms  max={max(delays):7.1f} ms"
        )
    print(
        f"{'deliveries':<28} {len(during) / (ended - began):6.1f}/s while booking, "
        f"{len(arrived) / (last - began):6.1f}/s overall; {receiver.requests} requests for "
        f"{len(arrived)} events"
    )
    print(f"{'events lost':<28} {len(expected - set(arrived))} of {len(expected)}")


if __name__ == "__main__":
    main()
