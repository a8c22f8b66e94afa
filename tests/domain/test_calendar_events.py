"""Busy intervals read from iCalendar data (calendars/events.py), without any server: the edges
of the window, runaway rules, zones that are not zones, and the CalDAV client's refusal to
fall back to plain http."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendars import caldav, events


def calendar(*components, extra=""):
    body = "\r\n".join(components)
    return events.parse(
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\n{extra}{body}\r\nEND:VCALENDAR\r\n".encode()
    )


def vevent(uid, *lines):
    return "\r\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20490101T000000Z", *lines, "END:VEVENT"]
    )


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_events_near_the_end_of_the_window_are_all_found():
    # Read in Los Angeles, an all-day event on the 10th starts at 08:00 UTC, after a timed
    # event at 05:00 UTC; the library orders the day as if it began at 00:00 UTC.
    data = calendar(
        vevent("day", "DTSTART;VALUE=DATE:20490110", "DTEND;VALUE=DATE:20490111"),
        vevent("early", "DTSTART:20490110T050000Z", "DTEND:20490110T060000Z"),
    )
    found = events.busy_intervals(
        [data], (utc(2049, 1, 1), utc(2049, 1, 10, 9)), ZoneInfo("America/Los_Angeles")
    )
    assert {i.uid for i in found} == {"day", "early"}


def test_an_endless_series_of_instants_stops_at_the_limit():
    # No end: each occurrence is an instant, which blocks nothing; the series never ends.
    data = calendar(vevent("tick", "DTSTART:20490101T000000Z", "RRULE:FREQ=MINUTELY"))
    found = events.busy_intervals(
        [data], (utc(2049, 1, 1), utc(2049, 12, 1)), ZoneInfo("UTC"), limit=100
    )
    assert found == []


def test_a_zone_that_is_not_a_zone_falls_back_to_the_hosts():
    assert events.zone_named("America") is None
    assert events.zone_named("Nowhere/City") is None
    data = calendar(
        vevent("day", "DTSTART;VALUE=DATE:20490110", "DTEND;VALUE=DATE:20490111"),
        extra="X-WR-TIMEZONE:America\r\n",
    )
    (day,) = events.busy_intervals(
        [data], (utc(2049, 1, 1), utc(2049, 2, 1)), ZoneInfo("Europe/Berlin")
    )
    assert day.start == utc(2049, 1, 9, 23)


def test_the_client_never_falls_back_to_plain_http():
    client = caldav.Client("https://calendar.example.com/", "u", "p", timeout=1, read_limit=1000)
    with pytest.raises(caldav.CalDAVError, match="not https"):
        client.request("PROPFIND", "http://calendar.example.com/principal/")


def test_where_an_event_is_written():
    assert (
        caldav.event_url("https://x.example/cal/work", "a b@rendezvous")
        == "https://x.example/cal/work/a%20b%40rendezvous.ics"
    )
    assert timedelta(days=1) == events.ORDER_SLACK
