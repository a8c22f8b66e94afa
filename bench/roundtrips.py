"""Database round trips, counted exactly: every exchange of messages with PostgreSQL, BEGIN,
COMMIT, SAVEPOINT and Django's connection health check included.

    python bench/roundtrips.py [--server postgres://postgres@127.0.0.1:5432/postgres]

runs small cases on a scratch database and prints, for each, its round trips, the first message
of each, and two figures from `psycopg.Connection.wait` alone that show why those are not
enough. In a benchmark:

    with counting_round_trips() as trips:
        ...
    trips.count

How it counts: every exchange of a synchronous psycopg 3 connection goes through
`psycopg.Connection.wait`, which is patched meanwhile. The first time a connection passes
through it, libpq's own trace of the protocol messages is switched on for that connection
(PQtrace, into a temporary file); at the end, every run of messages sent that gets an answer is
one round trip. `wait` alone is not exact:
- some calls send nothing: switching autocommit off and on (Django's `atomic()` does both) and a
  commit or rollback with no transaction open (an empty `atomic()`: 3 calls, no round trip);
- one call can hold two round trips: with autocommit off and no transaction open, psycopg sends
  `BEGIN` and waits for its answer before it sends the statement (the first statement inside
  `atomic()`), and a server-side cursor (`iterator()`) sends DECLARE, then describes the portal;
- a pipeline (database/pipelining.py) calls it several times for one exchange.
The calls that waited on the socket, plus one for each such BEGIN (the "estimate"), match the
trace except for server-side cursors. New connections (`psycopg.connect`: start-up,
authentication, session settings) are counted apart, as `connects`.

`server_request` makes a request through Django's test client the way a WSGI server does: the
test client leaves out closing old connections as a request starts and ends, which is what arms
the health check (`CONN_HEALTH_CHECKS`: a `SELECT 1` before the request's first query).
"""

import argparse
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import psycopg
from psycopg import pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class RoundTrips:
    count: int = 0  # exchanges with the server (libpq's trace), BEGIN and COMMIT included
    connects: int = 0  # new connections, not in `count`
    waits: int = 0  # calls of Connection.wait, whether they talked to the server or not
    talked: int = 0  # the estimate from `wait` alone: calls that talked, plus psycopg's BEGINs
    sent: list = field(default_factory=list)  # the first message of each exchange


def _watched(generator, talked: list):
    """Runs `generator` for `wait`, noting whether it waited on the socket."""
    try:
        wanted = next(generator)
        talked.append(True)
        while True:
            ready = yield wanted
            wanted = generator.send(ready)
    except StopIteration as done:
        return done.value


def _start_trace(connection, path: Path) -> int:
    """libpq's trace of `connection` into the file `path`; returns the descriptor it writes to."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    connection.pgconn.trace(descriptor)
    connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
    return descriptor


def _end_trace(connection, path: Path, descriptor: int, trips: RoundTrips) -> None:
    """Adds the exchanges of the trace: runs of messages sent ("F") followed by an answer."""
    try:
        if connection.closed:
            raise RuntimeError("A connection closed while its round trips were counted.")
        connection.pgconn.untrace()  # flushes
        lines = path.read_text().splitlines()
    finally:
        os.close(descriptor)  # libpq no longer writes to it
    for before, after in pairwise(lines):
        if after[:1] == "B" and before[:1] == "F":
            trips.count += 1
    trips.sent += [
        first_message(line)
        for before, line in pairwise(["", *lines])
        if line[:1] == "F" and before[:1] != "F"
    ]


def first_message(line: str) -> str:
    """A trace line ("F", length, type, contents) as "contents" for a Query, else "type …"."""
    _, _, kind, contents = (line.split("\t", 3) + ["", "", ""])[:4]
    return contents.strip() if kind == "Query" else f"{kind} {contents.strip()}"


@contextmanager
def counting_round_trips():
    """Counts the round trips of every psycopg connection of this process that talks to the
    server meanwhile (each is traced from its first exchange on)."""
    trips, traced = RoundTrips(), {}
    original_wait, original_connect = psycopg.Connection.wait, psycopg.connect
    folder = tempfile.TemporaryDirectory(prefix="roundtrips-")

    def wait(connection, generator, *args, **kwargs):
        if id(connection) not in traced and not connection.closed:
            path = Path(folder.name, f"{len(traced)}.trace")
            traced[id(connection)] = (connection, path, _start_trace(connection, path))
        trips.waits += 1
        begins = (
            not connection.autocommit
            and connection.pgconn.transaction_status == pq.TransactionStatus.IDLE
        )
        talked = []
        try:
            return original_wait(connection, _watched(generator, talked), *args, **kwargs)
        finally:
            if talked:
                trips.talked += 2 if begins else 1

    def connect(*args, **kwargs):
        trips.connects += 1
        return original_connect(*args, **kwargs)

    psycopg.Connection.wait, psycopg.connect = wait, connect
    with folder:
        try:
            yield trips
        finally:
            psycopg.Connection.wait, psycopg.connect = original_wait, original_connect
            for connection, path, descriptor in traced.values():
                _end_trace(connection, path, descriptor, trips)


def server_request(client, method: str, path: str, **kwargs):
    """One request through Django's test client, with the connection handling of a server."""
    from django.db import close_old_connections

    close_old_connections()  # request_started
    try:
        return getattr(client, method.lower())(path, **kwargs)
    finally:
        close_old_connections()  # request_finished


def per_request(send, runs: int = 5) -> float:
    """Mean round trips of `send()` after two warm-up calls (the second prepares the slot
    engine's statement on the connection: config/settings.py); new connections are an error."""
    send()
    send()
    with counting_round_trips() as trips:
        for _ in range(runs):
            send()
    if trips.connects:
        raise RuntimeError(f"{trips.connects} new connections while counting round trips")
    return trips.count / runs


def check(label: str, action) -> None:
    """Runs `action`, printing its round trips and the estimates from `wait` alone."""
    with counting_round_trips() as trips:
        action()
    print(
        f"{label:<46} {trips.count:>3} {trips.talked:>8} {trips.waits:>8}"
        + (f"   {trips.connects} connects" if trips.connects else "")
    )
    if 0 < trips.count <= 6:
        print(f"{'':<6}{' | '.join(sent[:32] for sent in trips.sent)}")
    elif trips.count:
        for number, sent in enumerate(trips.sent, 1):
            print(f"{number:>8}. {sent[:100]}")


def experiments() -> None:
    from django.db import connection, transaction

    from accounts.models import User
    from bench.api import (
        create_request,
        open_slots,
        seed_open_host,
        seed_single_host,
        server_request,
        single_slots_request,
    )

    def plain_select():
        User.objects.filter(pk=0).exists()

    def atomic_one_statement():
        with transaction.atomic():
            plain_select()

    def atomic_nested():
        with transaction.atomic():
            plain_select()
            with transaction.atomic():
                plain_select()

    def server_side_cursor():
        for _ in User.objects.filter(pk=0).iterator():
            pass

    def empty_atomic():
        with transaction.atomic():
            pass

    def health_checked_select():
        connection.close_if_unusable_or_obsolete()  # what a server does as a request starts
        plain_select()

    print(f"{'':<46} {'trips':>3} {'estimate':>8} {'waits':>8}  (Connection.wait calls)")
    slots = single_slots_request(seed_single_host())
    host = seed_open_host("checked")
    starts = open_slots(host["start"], 0, 1)
    for _ in range(2):  # warm-up; the second run prepares the slot engine's statement
        server_request(*slots)
        server_request(*create_request(host["eventTypeId"], next(starts), 0))
    plain_select()  # the health check armed by the end of the last request
    check("a plain SELECT (autocommit)", plain_select)
    check("atomic() around one SELECT", atomic_one_statement)
    check("atomic() with a nested atomic(), two SELECTs", atomic_nested)
    check("an empty atomic()", empty_atomic)
    check("iterator() (a server-side cursor)", server_side_cursor)
    check("a SELECT as a request starts (health check)", health_checked_select)
    check("GET /v2/slots, 30 days, 1 host", lambda: server_request(*slots))
    check(
        "POST /v2/bookings",
        lambda: server_request(*create_request(host["eventTypeId"], next(starts), 0)),
    )
    check(
        "POST /v2/bookings with Idempotency-Key",
        lambda: server_request(
            *create_request(host["eventTypeId"], next(starts), 0, key="checked-1")
        ),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    from bench.api import django_in_process, scratch_database

    with scratch_database(args.server) as env, django_in_process(env):
        print(f"psycopg {psycopg.__version__} ({pq.__impl__}), libpq {pq.version()}")
        experiments()


if __name__ == "__main__":
    main()
