"""A real browser for the page tests: Debian's Chromium driven by Playwright.

Without Chromium or Playwright the browser tests skip with the reason, except where
RENDEZVOUS_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's synchronous API keeps an event loop running in the test's thread; the ORM
# calls the tests make beside it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("RENDEZVOUS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(
    os.environ.get("RENDEZVOUS_SCREENSHOTS", Path(__file__).resolve().parents[2] / "screenshots")
)


def _missing_browser() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return ""


@pytest.fixture(scope="session")
def browser():
    missing = _missing_browser()
    if missing:
        if os.environ.get("RENDEZVOUS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Browser tests are required here: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server, settings):
    """open_page(path, zone=..., width=..., javascript=...) -> a Playwright page on the site."""
    settings.SITE_URL = live_server.url
    settings.PAGES_POSTS_PER_MINUTE = 10_000
    contexts = []
    script_errors = []

    def open_page(path, *, zone="America/Los_Angeles", width=1280, javascript=True):
        context = browser.new_context(
            timezone_id=zone,
            locale="en-US",
            viewport={"width": width, "height": 900},
            java_script_enabled=javascript,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and not message.text.startswith("Failed to load resource")
                and script_errors.append(message.text)
            ),
        )
        page.goto(live_server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert script_errors == [], "the pages' script failed"


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
