"""The web processes as deployed (gunicorn with gunicorn.conf.py): two of them against one Redis
count one rate-limit budget, as behind a load balancer; long query strings and headers reach the
API instead of gunicorn's own error page."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.tasks.conftest import ROOT, free_port

pytestmark = pytest.mark.worker


def status_of(url: str, headers=None) -> int:
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def start_web_process(redis_url: str, directory) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "shared-rate-limit-tests",
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{directory}/unused.sqlite3",
        "API_ANONYMOUS_CALLS_PER_MINUTE": "4",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v2/timezones"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
        except urllib.error.HTTPError:
            return process, url  # answering (a 404 for /v2/ itself)
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)


def test_two_web_processes_share_one_budget(own_redis, tmp_path):
    processes = []
    try:
        for _ in range(2):
            processes.append(start_web_process(own_redis.url, tmp_path))
        (_, first), (_, second) = processes
        if time.time() % 60 > 50:  # the counts start again each minute: not across one
            time.sleep(61 - time.time() % 60)
        statuses = [status_of(url) for url in (first, second, first, second, first, second)]
        assert statuses == [200, 200, 200, 200, 429, 429]
    finally:
        for process, _ in processes:
            process.terminate()
            process.wait(10)


def test_long_query_strings_and_headers_reach_the_api(own_redis, tmp_path):
    process, url = start_web_process(own_redis.url, tmp_path)
    try:
        assert status_of(f"{url}?note={'x' * 7000}") == 200
        assert status_of(url, headers={"X-Trace": "y" * 12000}) == 200
    finally:
        process.terminate()
        process.wait(10)
