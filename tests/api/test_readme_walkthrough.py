"""The README's curl walkthrough, extracted from README.md and run as it is printed (in bash,
each curl failing on an error answer) against a live server with fresh demo data: the README
cannot say what the service does not do."""

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.tasks.conftest import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# Every curl of the walkthrough fails on an error answer (and prints it), as a reader would see.
STRICT_CURL = 'curl() { command curl -sS --fail-with-body "$@"; echo; }'


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Main flows with curl") :]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_readme_walkthrough_runs_as_printed(live_server, settings):
    settings.SITE_URL = live_server.url
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo_bookings", stdout=io.StringIO())
    script = walkthrough().replace("http://127.0.0.1:8000", live_server.url)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),  # the test's database, for manage.py create_api_key
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    result = subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{STRICT_CURL}\n{script}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert "BEGIN:VCALENDAR" in result.stdout  # the invite
    assert '"status":"success"' in result.stdout.replace(" ", "")
