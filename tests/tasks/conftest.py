"""Real background parts for the tests marked `worker`: a Redis server of their own on a free
port, a Celery worker process (with its beat) against it and the test database, and this
process publishing to that Redis, as the web processes do."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.db import connection

from config.celery import app as celery_app
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


class RedisServer:
    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def pause(self) -> None:
        """SIGSTOP: connections stay open and nothing answers (a hung server)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def own_redis(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.resume()
    server.stop()


def _use_broker(url: str) -> None:
    # Close and forget every broker connection pool first: kombu keeps them in a registry of
    # its own, and a pool closed there stays closed for the next test that uses its URL.
    kombu.pools.reset()
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(own_redis, settings):
    """This process publishes tasks to the test's own Redis (nothing runs in-process)."""
    before = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = celery_app.conf.task_always_eager = False
    _use_broker(own_redis.url)
    yield own_redis
    celery_app.conf.task_always_eager = before[1]
    _use_broker(before[0])


def database_url() -> str:
    """The test database, as the worker process reaches it."""
    database = connection.settings_dict
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


class Worker:
    """`celery worker --beat` in a process of its own, started and killed by the test."""

    def __init__(self, broker_url: str, directory: Path, name: str, **settings):
        self.broker_url = broker_url
        self.directory = directory
        self.name = name
        self.settings = settings
        self.process = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        self.log = self.directory / f"{self.name}-run-{self.runs}.log"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.broker_url,
            "SECRET_KEY": "worker-tests",
            "DEBUG": "false",
            "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
            "WEBHOOKS_SWEEP_SECONDS": "1",
            "WEBHOOKS_LEASE_SECONDS": "4",
            "WEBHOOKS_TIMEOUT_SECONDS": "2",
            "CONN_MAX_AGE": "0",
            **{name: str(value) for name, value in self.settings.items()},
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--schedule",
            str(self.directory / f"{self.name}-beat-schedule"),
            "--pool",
            "threads",
            "--concurrency",
            "8",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with open(self.log, "w") as log:
            # A session of its own: the embedded beat is a child process, killed with it.
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while "ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The worker did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL to the worker and its beat: no goodbye, no acknowledgements, leases left
        behind."""
        self._signal_all(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self._signal_all(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(20)
        self._signal_all(signal.SIGKILL)  # whatever is left of the session

    def _signal_all(self, number) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, number)


@pytest.fixture
def start_worker(broker, transactional_db, tmp_path):
    """start_worker(**settings) -> a running worker (settings: environment overrides)."""
    workers = []

    def start(**settings):
        worker = Worker(broker.url, tmp_path, f"worker-{len(workers) + 1}", **settings)
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
