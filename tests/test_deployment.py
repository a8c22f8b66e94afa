"""Production settings: Django's deployment checks pass with a production-like environment, and
the responses carry the security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]


def test_the_deployment_checks_pass_in_a_production_environment():
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "book.example.com",
        "SITE_URL": "https://book.example.com",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
        # Choices of the domain's owner (every subdomain on https; the browsers' preload list).
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }
    for test_only in ("SECURE_COOKIES", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the browser tests' own
        environment.pop(test_only, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_the_pages_forbid_inline_script_and_framing(factory, owner):
    factory.event_type(owner, slug="intro")
    response = Client().get(f"/{owner.username}/intro/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_sites_listed_may_frame_the_booking_pages(factory, owner, settings):
    settings.PAGES_FRAME_ANCESTORS = ["https://www.example.com"]
    factory.event_type(owner, slug="intro")
    response = Client().get(f"/{owner.username}/intro/")
    assert "frame-ancestors https://www.example.com" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


@pytest.mark.django_db
def test_the_admin_still_may_not_be_framed():
    response = Client().get("/admin/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" not in response
