"""The demo host's personal calendar: an ICS file that Rendezvous serves as a published feed
(pages: /calendars/demo.ics), so that the demo shows slots blocked by a host's own calendar
without any outside server."""

from pathlib import Path

DEMO_FEED = Path(__file__).parent / "demo" / "busy.ics"


def demo_feed_bytes() -> bytes:
    return DEMO_FEED.read_bytes()
