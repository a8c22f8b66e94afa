"""Slots against a peer: django-appointment 3.12.0 and Rendezvous on the same workload, one run.

    python bench/peer.py [--server postgres://postgres@127.0.0.1:5432/postgres]
                         [--runs 50] [--http-runs 300] [--no-postgres]

The workload is bench/slots.py case (a): one host, Mon-Fri 09:00-17:00 UTC, 30-minute slots,
a booking at 10:00 every weekday, 30 days from tomorrow. Prints
- django-appointment (../shared/peers/django_appointment_slots.py, in its own virtualenv
  .venv-peer, created with django-appointment==3.12.0 and psycopg on first use), on SQLite and
  on PostgreSQL (a scratch database, dropped afterwards): slots, SQL queries, median of --runs;
- Rendezvous computing the same slots in-process (`find_slots`, median of --runs), and serving
  them over HTTP (GET /v2/slots from one gunicorn worker to one keep-alive client, median of
  --http-runs sequential requests, as bench/api.py's A): slots, database round trips, median;
- the peer's median divided by ours, for each of the peer's databases.
The peer runs first, alone; then Rendezvous on a scratch PostgreSQL database.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.api import (  # noqa: E402
    django_in_process,
    measure_single_host,
    scratch_database,
    seed_single_host,
)

PEER = "django-appointment 3.12.0"
PEER_SCRIPT = ROOT.parent / "shared" / "peers" / "django_appointment_slots.py"
PEER_VENV = ROOT / ".venv-peer"
PEER_PACKAGES = ["django-appointment==3.12.0", "psycopg[binary]"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=50, help="peer and in-process runs")
    parser.add_argument("--http-runs", type=int, default=300, help="sequential HTTP requests")
    parser.add_argument("--no-postgres", action="store_true", help="the peer on SQLite only")
    args = parser.parse_args()

    peer_python = ensure_peer_venv()
    peers = {"SQLite": run_peer(peer_python, args.runs)}
    if not args.no_postgres:
        peers["PostgreSQL"] = run_peer_on_postgres(peer_python, args.runs, args.server)
    print(
        f"30 days of one host's slots (bench/slots.py case (a)), {os.cpu_count()} CPUs; "
        f"medians of {args.runs} runs ({args.http_runs} requests over HTTP)"
    )
    for database, peer in peers.items():
        print(
            f"{PEER + ', ' + database:<46} slots={peer['slots']:>4}  "
            f"queries={peer['queries']:>4}  median={peer['median_ms']:8.2f} ms"
        )
    with scratch_database(args.server) as env, django_in_process(env):
        single = seed_single_host()
        ours = measure_in_process(single, args.runs)
        compare("Rendezvous find_slots, in-process", *ours, peers)
        slots, trips, timings = measure_single_host(env, single, args.http_runs)
        compare("Rendezvous GET /v2/slots, HTTP, 1 worker", slots, trips, timings, peers)


def ensure_peer_venv() -> Path:
    """The peer's interpreter; its virtualenv is created on first use."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"Creating {PEER_VENV.name} with {' '.join(PEER_PACKAGES)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True)
    return python


def run_peer(python: Path, runs: int, **env) -> dict:
    """Runs the peer's script; its figures ({"slots", "queries", "median_ms", "p95_ms"})."""
    with tempfile.TemporaryDirectory(prefix="peer-") as folder:  # where it puts its files
        done = subprocess.run(
            [str(python), str(PEER_SCRIPT)],
            env={**os.environ, "RUNS": str(runs), "TMPDIR": folder, **env},
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
    line = done.stdout.strip().splitlines()[-1]
    fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
    return {
        "slots": int(fields["slots"]),
        "queries": int(fields["queries"]),
        "median_ms": float(fields["median_ms"]),
        "p95_ms": float(fields["p95_ms"]),
    }


def run_peer_on_postgres(python: Path, runs: int, server: str) -> dict:
    """The peer on a PostgreSQL database of its own, dropped afterwards. Its script connects
    as postgres to 127.0.0.1:5432 (`server` must be that server)."""
    database = f"peer_da_{os.getpid()}"
    address = urlparse(server)
    if (address.hostname, address.port or 5432) != ("127.0.0.1", 5432):
        raise SystemExit(f"The peer's script reaches PostgreSQL at 127.0.0.1:5432 only: {server}")
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    try:
        return run_peer(python, runs, PEER_DB="postgres", PEER_PGDB=database)
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def measure_in_process(single: dict, runs: int):
    """find_slots over the 30 days: (slots, round trips, milliseconds of each run)."""
    from bench.slots import time_find_slots
    from eventtypes.models import EventType

    event_type = EventType.objects.get(pk=single["eventTypeId"])
    slots, _, trips, timings = time_find_slots(event_type, single["start"], single["end"], runs)
    return slots, trips, timings


def compare(label, slots, trips, timings, peers):
    median = statistics.median(timings)
    ratios = ", ".join(f"{db} {peer['median_ms'] / median:.1f}×" for db, peer in peers.items())
    print(
        f"{label:<46} slots={slots:>4}  round trips={trips:>4.1f}  median={median:8.2f} ms  "
        f"peer/ours: {ratios}"
    )


if __name__ == "__main__":
    main()
