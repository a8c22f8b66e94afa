"""The hosts' own calendars against a real CalDAV server (Radicale) and a real ICS feed server:
their events block slots after a sync, bookings are written back into them, and a dead server
never stops slots from being served."""

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar as ICalendar

from bookings.errors import SlotUnavailable
from bookings.models import Booking
from bookings.services import Actor, cancel_booking, reschedule_booking
from bookings.slots import explain_start, find_slots
from calendars import caldav, connections, credentials, merging, syncing, tasks
from calendars.models import BookingReference, BusyTime, Calendar, Connection
from tests.calendar_server import PASSWORD, USER
from tests.conftest import NOW, utc


@pytest.fixture
def host(factory):
    return factory.user("hana", time_zone="Europe/Berlin")


@pytest.fixture
def event_type(factory, host):
    return factory.event_type(host, slug="intro", length_minutes=60)


def starts(event_type, day_start, days=1):
    search = find_slots(event_type, day_start, day_start + timedelta(days=days), now=NOW)
    return {slot.start for slot in search.slots}


def vevent(uid, start, end, extra=""):
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20490101T000000Z", start, end]
    return "\r\n".join(lines + [line for line in extra.splitlines() if line] + ["END:VEVENT"])


def connect(host, radicale):
    return connections.connect_caldav(host, radicale.url, USER, PASSWORD, now=NOW)


def sync(connection):
    return syncing.sync(Connection.objects.select_related("user").get(pk=connection.pk), now=NOW)


# --- Busy times from a CalDAV calendar ----------------------------------------------------------


def test_an_event_blocks_its_slots_after_a_sync_and_frees_them_once_deleted(
    host, event_type, radicale
):
    work = radicale.make_calendar("work", "Work")
    tuesday = utc(2049, 1, 5)
    before = starts(event_type, tuesday)
    assert utc(2049, 1, 5, 10) in before  # 11:00 in Berlin

    radicale.put_event(
        work, "dentist", vevent("dentist", "DTSTART:20490105T103000Z", "DTEND:20490105T111500Z")
    )
    connection = connect(host, radicale)
    calendar = connection.calendars.get()
    assert calendar.name == "Work" and calendar.add_bookings and calendar.check_conflicts
    after = starts(event_type, tuesday)
    assert before - after == {utc(2049, 1, 5, 10), utc(2049, 1, 5, 11)}

    # The start is refused with the calendar named as the reason.
    explanation = explain_start(event_type, utc(2049, 1, 5, 10), now=NOW)
    assert explanation.reasons[host.pk] == ["calendar_busy"]
    assert explanation.calendars[host.pk] == [calendar.pk]

    radicale.delete_event(work, "dentist")
    result = sync(connection)
    assert result.ok and result.calendars_read == 1
    assert starts(event_type, tuesday) == before
    # Nothing changed on the server (same getctag): the events are not read again.
    assert sync(connection).calendars_read == 0


def test_a_weekly_event_with_exceptions_blocks_the_right_occurrences_across_dst(
    host, event_type, radicale
):
    work = radicale.make_calendar("work", "Work")
    # Mondays 10:00-11:00 in Berlin from March 15th; Berlin moves to summer time on March 28th.
    # March 22nd is moved to 14:00 and April 5th is cancelled (EXDATE).
    radicale.put_event(
        work,
        "standup",
        vevent(
            "standup",
            "DTSTART;TZID=Europe/Berlin:20490315T100000",
            "DTEND;TZID=Europe/Berlin:20490315T110000",
            "RRULE:FREQ=WEEKLY;COUNT=5\nEXDATE;TZID=Europe/Berlin:20490405T100000",
        )
        + "\r\n"
        + vevent(
            "standup",
            "DTSTART;TZID=Europe/Berlin:20490322T140000",
            "DTEND;TZID=Europe/Berlin:20490322T150000",
            "RECURRENCE-ID;TZID=Europe/Berlin:20490322T100000",
        ),
    )
    connect(host, radicale)
    blocked = {(b.start, b.end) for b in BusyTime.objects.filter(uid="standup").order_by("start")}
    assert blocked == {
        (utc(2049, 3, 15, 9), utc(2049, 3, 15, 10)),  # 10:00 CET
        (utc(2049, 3, 22, 13), utc(2049, 3, 22, 14)),  # moved to 14:00 CET
        (utc(2049, 3, 29, 8), utc(2049, 3, 29, 9)),  # 10:00 CEST
        (utc(2049, 4, 12, 8), utc(2049, 4, 12, 9)),
    }
    march_29 = starts(event_type, utc(2049, 3, 29))
    assert utc(2049, 3, 29, 8) not in march_29  # 10:00 local, summer time
    assert utc(2049, 3, 29, 9) in march_29  # 11:00 local is free
    assert utc(2049, 3, 29, 7) in march_29  # 09:00 local is free
    assert utc(2049, 4, 5, 8) in starts(event_type, utc(2049, 4, 5))  # cancelled occurrence
    march_22 = starts(event_type, utc(2049, 3, 22))
    assert utc(2049, 3, 22, 9) in march_22 and utc(2049, 3, 22, 13) not in march_22


def test_an_all_day_event_blocks_the_day_and_a_free_one_blocks_nothing(host, event_type, radicale):
    work = radicale.make_calendar("work", "Work")
    radicale.put_event(
        work,
        "holiday",
        vevent("holiday", "DTSTART;VALUE=DATE:20490107", "DTEND;VALUE=DATE:20490108"),
    )
    radicale.put_event(
        work,
        "focus",
        vevent("focus", "DTSTART:20490106T090000Z", "DTEND:20490106T120000Z", "TRANSP:TRANSPARENT"),
    )
    radicale.put_event(
        work,
        "declined",
        vevent(
            "declined",
            "DTSTART:20490108T090000Z",
            "DTEND:20490108T120000Z",
            "ATTENDEE;PARTSTAT=DECLINED:mailto:hana@example.com",
        ),
    )
    thursday_before = starts(event_type, utc(2049, 1, 6))
    friday_before = starts(event_type, utc(2049, 1, 8))
    connect(host, radicale)
    # The whole Friday in Berlin (23:00 UTC on the 6th to 23:00 on the 7th) is blocked.
    holiday = BusyTime.objects.get(uid="holiday")
    assert (holiday.start, holiday.end) == (utc(2049, 1, 6, 23), utc(2049, 1, 7, 23))
    assert starts(event_type, utc(2049, 1, 7)) == set()
    assert starts(event_type, utc(2049, 1, 6)) == thursday_before  # the free event
    assert starts(event_type, utc(2049, 1, 8)) == friday_before  # the declined invitation


# --- Writing bookings back ----------------------------------------------------------------------


def server_event(radicale, reference):
    status, data = radicale.get(reference.href)
    if status == 404:
        return None
    assert status == 200
    return next(iter(ICalendar.from_ical(data).walk("VEVENT")))


def test_a_booking_is_written_into_the_chosen_calendar_moved_and_removed(factory, host, radicale):
    event_type = factory.event_type(host, slug="half-hourly", length_minutes=60, slot_interval=30)
    radicale.make_calendar("work", "Work")
    radicale.make_calendar("private", "Private")
    connection = connect(host, radicale)
    chosen = connection.calendars.get(name="Private")
    connections.choose_destination(chosen)

    booking = factory.book(event_type, utc(2049, 1, 5, 9)).booking
    tasks.sweep()
    reference = BookingReference.objects.get()
    assert (reference.calendar, reference.state) == (chosen, "written")
    assert reference.href.startswith(radicale.calendar_url("private"))
    event = server_event(radicale, reference)
    assert str(event["UID"]) == booking.ics_uid
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].dt == utc(2049, 1, 5, 9)

    # Read back by the next sync, the booking's own event does not block twice: a move by
    # half an hour is still possible.
    sync(connection)
    assert BusyTime.objects.get(uid=booking.ics_uid).transparent
    moved = reschedule_booking(booking, utc(2049, 1, 5, 9, 30), Actor.host(host), now=NOW)
    tasks.sweep()
    reference.refresh_from_db()
    assert (reference.booking_id, reference.state) == (moved.booking.pk, "written")
    event = server_event(radicale, reference)
    assert str(event["UID"]) == booking.ics_uid
    assert int(event["SEQUENCE"]) == 1
    assert event["DTSTART"].dt == utc(2049, 1, 5, 9, 30)

    cancel_booking(Booking.objects.get(pk=moved.booking.pk), Actor.host(host), now=NOW)
    tasks.sweep()
    reference.refresh_from_db()
    assert reference.state == "removed"
    assert server_event(radicale, reference) is None


def test_a_failed_write_is_recorded_and_retried_without_blocking_the_booking(
    factory, host, event_type, radicale
):
    radicale.make_calendar("work", "Work")
    connect(host, radicale)
    radicale.stop()
    factory.book(event_type, utc(2049, 1, 5, 9))  # the booking itself is not held up
    tasks.sweep()
    reference = BookingReference.objects.get()
    assert reference.state == "to_write" and reference.attempts == 1
    assert "refused" in reference.last_error.lower()
    radicale.start()
    BookingReference.objects.update(next_attempt_at=None)  # the pause is over
    tasks.sweep()
    reference.refresh_from_db()
    assert (reference.state, reference.last_error) == ("written", "")
    assert server_event(radicale, reference) is not None


# --- A dead server ------------------------------------------------------------------------------


def test_a_stopped_server_leaves_slots_on_the_last_sync_and_recovers(
    host, event_type, radicale, settings
):
    work = radicale.make_calendar("work", "Work")
    radicale.put_event(
        work, "dentist", vevent("dentist", "DTSTART:20490105T100000Z", "DTEND:20490105T110000Z")
    )
    connection = connect(host, radicale)
    radicale.stop()
    Connection.objects.update(synced_at=NOW - timedelta(hours=2), attempted_at=None)

    began = time.monotonic()
    search = find_slots(
        event_type, utc(2049, 1, 5), utc(2049, 1, 6), now=NOW, refresh_calendars=True
    )
    assert time.monotonic() - began < settings.CALENDAR_REFRESH_TIMEOUT_SECONDS + 1
    assert utc(2049, 1, 5, 10) not in {s.start for s in search.slots}  # the last synced data
    assert search.calendars_synced_at == NOW - timedelta(hours=2)
    connection.refresh_from_db()
    assert connection.failures == 1 and "refused" in connection.last_error.lower()

    # Just tried and failed: the next slots request does not try again.
    with CaptureQueriesContext(db) as queries:
        find_slots(event_type, utc(2049, 1, 5), utc(2049, 1, 6), now=NOW, refresh_calendars=True)
    assert len(queries) == 1

    radicale.start()
    assert sync(connection).ok
    connection.refresh_from_db()
    assert (connection.failures, connection.last_error, connection.synced_at) == (0, "", NOW)


# --- ICS feeds ----------------------------------------------------------------------------------


class FeedServer:
    """Serves one ICS file with an ETag, answering 304 to a matching If-None-Match."""

    def __init__(self, body: bytes):
        self.body, self.etag, self.requests, self.delay = body, '"v1"', [], 0.0
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                feed.requests.append(dict(self.headers))
                time.sleep(feed.delay)
                if self.headers.get("If-None-Match") == feed.etag:
                    self.send_response(304)
                    self.send_header("ETag", feed.etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("ETag", feed.etag)
                self.send_header("Content-Length", str(len(feed.body)))
                self.end_headers()
                self.wfile.write(feed.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/busy.ics"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def feed_body(*events):
    inner = "\r\n".join(events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Feed//EN\r\n{inner}\r\nEND:VCALENDAR\r\n"


def test_an_ics_feed_is_imported_and_not_parsed_again_while_its_etag_holds(
    host, event_type, settings, monkeypatch
):
    settings.CALENDAR_ALLOW_PRIVATE_NETWORKS = True
    feed = FeedServer(
        feed_body(vevent("gym", "DTSTART:20490105T100000Z", "DTEND:20490105T110000Z")).encode()
    )
    try:
        connection = connections.add_ics_feed(host, feed.url, now=NOW)
        assert connection.etag == '"v1"'
        assert utc(2049, 1, 5, 10) not in starts(event_type, utc(2049, 1, 5))

        parsed = []
        monkeypatch.setattr(syncing.events, "parse", lambda data: parsed.append(data))
        result = sync(connection)
        assert result.ok and result.calendars_read == 0 and parsed == []
        assert feed.requests[-1]["If-None-Match"] == '"v1"'
        assert BusyTime.objects.filter(uid="gym").count() == 1
        monkeypatch.undo()

        feed.body = feed_body(
            vevent("gym", "DTSTART:20490105T140000Z", "DTEND:20490105T150000Z")
        ).encode()
        feed.etag = '"v2"'
        assert sync(connection).calendars_read == 1
        assert utc(2049, 1, 5, 10) in starts(event_type, utc(2049, 1, 5))
        assert utc(2049, 1, 5, 14) not in starts(event_type, utc(2049, 1, 5))
    finally:
        feed.stop()


def test_a_slow_feed_never_makes_slots_slow(host, event_type, settings):
    settings.CALENDAR_ALLOW_PRIVATE_NETWORKS = True
    settings.CALENDAR_REFRESH_TIMEOUT_SECONDS = 0.5
    feed = FeedServer(
        feed_body(vevent("gym", "DTSTART:20490105T100000Z", "DTEND:20490105T110000Z")).encode()
    )
    try:
        connections.add_ics_feed(host, feed.url, now=NOW)
        feed.delay, feed.etag = 5, '"v2"'
        Connection.objects.update(synced_at=NOW - timedelta(hours=1), attempted_at=None)
        began = time.monotonic()
        search = find_slots(
            event_type, utc(2049, 1, 5), utc(2049, 1, 6), now=NOW, refresh_calendars=True
        )
        assert time.monotonic() - began < 1.5
        assert utc(2049, 1, 5, 10) not in {s.start for s in search.slots}
        assert "deadline" in Connection.objects.get().last_error
    finally:
        feed.delay = 0
        feed.stop()


def test_a_feed_that_is_not_a_calendar_is_refused_and_not_kept(host, settings):
    settings.CALENDAR_ALLOW_PRIVATE_NETWORKS = True
    feed = FeedServer(b"<html>not a calendar</html>")
    try:
        with pytest.raises(connections.CalendarUnreachable):
            connections.add_ics_feed(host, feed.url, now=NOW)
    finally:
        feed.stop()
    assert not Connection.objects.exists()


# --- Cost and secrets ---------------------------------------------------------------------------


@pytest.mark.parametrize("events", [0, 1000])
def test_slot_queries_do_not_grow_with_synced_events(host, event_type, events):
    connection = Connection.objects.create(
        user=host, kind="ics", url="https://example.com/a.ics", synced_at=NOW
    )
    calendar = Calendar.objects.create(connection=connection, user=host, url=connection.url)
    busy = [
        (
            utc(2049, 1, 5) + timedelta(minutes=97 * i),
            utc(2049, 1, 5) + timedelta(minutes=97 * i + 30),
        )
        for i in range(events)
    ]
    BusyTime.objects.bulk_create(
        BusyTime(calendar=calendar, user=host, uid=f"e{i}", start=start, end=end)
        for i, (start, end) in enumerate(busy)
    )
    merging.lock(host.pk)
    merging.rebuild(host.pk)
    with CaptureQueriesContext(db) as queries:
        search = find_slots(
            event_type, utc(2049, 1, 5), utc(2049, 2, 4), now=NOW, refresh_calendars=True
        )
    assert len(queries) == 1
    assert search.slots
    assert not any(
        slot.start < end and slot.end > start for slot in search.slots for start, end in busy
    )


def test_passwords_are_stored_encrypted_and_keys_rotate(host, radicale, settings):
    radicale.make_calendar("work", "Work")
    first, second = credentials.new_key(), credentials.new_key()
    settings.CALENDAR_ENCRYPTION_KEYS = [first]
    connection = connect(host, radicale)
    stored = Connection.objects.get(pk=connection.pk).encrypted_password
    assert PASSWORD not in stored and credentials.decrypt(stored) == PASSWORD

    from django.core.management import call_command

    settings.CALENDAR_ENCRYPTION_KEYS = [second, first]
    call_command("rotate_calendar_keys")
    settings.CALENDAR_ENCRYPTION_KEYS = [second]
    assert (
        credentials.decrypt(Connection.objects.get(pk=connection.pk).encrypted_password) == PASSWORD
    )
    assert sync(connection).ok


def test_a_booking_at_a_time_of_the_hosts_own_calendar_is_refused_naming_it(
    factory, host, event_type, radicale
):
    work = radicale.make_calendar("work", "Work")
    radicale.put_event(
        work, "dentist", vevent("dentist", "DTSTART:20490105T100000Z", "DTEND:20490105T110000Z")
    )
    connect(host, radicale)
    with pytest.raises(SlotUnavailable) as refused:
        factory.book(event_type, utc(2049, 1, 5, 10))
    assert refused.value.details["reason"] == "calendar_busy"
    assert not Booking.objects.exists()


def test_the_event_types_buffers_apply_around_the_hosts_own_events(factory, host, radicale):
    buffered = factory.event_type(
        host, slug="buffered", length_minutes=60, before_event_buffer=0, after_event_buffer=30
    )
    work = radicale.make_calendar("work", "Work")
    radicale.put_event(
        work, "dentist", vevent("dentist", "DTSTART:20490105T100000Z", "DTEND:20490105T110000Z")
    )
    before = starts(buffered, utc(2049, 1, 5))
    connect(host, radicale)
    # 09:00-10:00 UTC would end with its 30-minute buffer inside the dentist's hour.
    assert before - starts(buffered, utc(2049, 1, 5)) == {utc(2049, 1, 5, 9), utc(2049, 1, 5, 10)}
    explanation = explain_start(buffered, utc(2049, 1, 5, 9), now=NOW)
    assert explanation.reasons[host.pk] == ["buffer_conflict"]


def test_a_feed_larger_than_the_cap_is_refused(host, settings):
    settings.CALENDAR_ALLOW_PRIVATE_NETWORKS = True
    settings.CALENDAR_MAX_BYTES = 1000
    events = [
        vevent(f"e{i}", "DTSTART:20490105T100000Z", "DTEND:20490105T110000Z") for i in range(50)
    ]
    feed = FeedServer(feed_body(*events).encode())
    try:
        with pytest.raises(connections.CalendarUnreachable, match="larger than the allowed"):
            connections.add_ics_feed(host, feed.url, now=NOW)
    finally:
        feed.stop()


def test_a_change_while_the_event_is_being_written_is_pushed_after_it(
    factory, host, radicale, monkeypatch
):
    """A cancellation planned while the first write is in flight: that write finishes, then
    the event is removed (never left on the server for a cancelled booking)."""
    event_type = factory.event_type(host, slug="raced", length_minutes=60)
    radicale.make_calendar("work", "Work")
    connect(host, radicale)
    booking = factory.book(event_type, utc(2049, 1, 5, 9)).booking
    original_put = caldav.Client.put_event
    cancelled = []

    def put_then_cancel(client, *args, **kwargs):
        answer = original_put(client, *args, **kwargs)
        if not cancelled:
            cancelled.append(True)
            cancel_booking(Booking.objects.get(pk=booking.pk), Actor.host(host), now=NOW)
            tasks.sweep()  # plans the removal; the push in flight still holds the reference
        return answer

    monkeypatch.setattr(caldav.Client, "put_event", put_then_cancel)
    tasks.sweep()
    reference = BookingReference.objects.get()
    assert reference.state == "removed" and reference.pushing_until is None
    assert server_event(radicale, reference) is None


def test_another_hosts_invite_in_the_calendar_still_blocks(factory, host, event_type, radicale):
    """An event whose UID is a booking's blocks unless the calendar's owner hosts that booking
    (then the booking itself blocks the time)."""
    other = factory.user("otto")
    theirs = factory.book(factory.event_type(other, slug="theirs"), utc(2049, 1, 5, 10)).booking
    work = radicale.make_calendar("work", "Work")
    radicale.put_event(
        work,
        "invite",
        vevent(theirs.ics_uid, "DTSTART:20490105T100000Z", "DTEND:20490105T110000Z"),
    )
    connect(host, radicale)
    assert not BusyTime.objects.get(uid=theirs.ics_uid).transparent
    assert utc(2049, 1, 5, 10) not in starts(event_type, utc(2049, 1, 5))


def test_switching_a_calendar_off_or_disconnecting_frees_its_times_at_once(
    host, event_type, radicale
):
    work = radicale.make_calendar("work", "Work")
    radicale.put_event(
        work, "dentist", vevent("dentist", "DTSTART:20490105T100000Z", "DTEND:20490105T110000Z")
    )
    connection = connect(host, radicale)
    calendar = connection.calendars.get()
    ten = utc(2049, 1, 5, 10)
    assert ten not in starts(event_type, utc(2049, 1, 5))
    connections.set_check_conflicts(calendar, False)
    assert ten in starts(event_type, utc(2049, 1, 5))
    connections.set_check_conflicts(calendar, True)
    sync(connection)
    assert ten not in starts(event_type, utc(2049, 1, 5))
    connections.disconnect(connection)
    assert ten in starts(event_type, utc(2049, 1, 5))


def test_an_event_written_before_is_removed_even_once_no_calendar_receives_bookings(
    factory, host, event_type, radicale
):
    radicale.make_calendar("work", "Work")
    connection = connect(host, radicale)
    booking = factory.book(event_type, utc(2049, 1, 5, 9)).booking
    tasks.sweep()
    reference = BookingReference.objects.get()
    assert server_event(radicale, reference) is not None
    Calendar.objects.filter(connection=connection).update(add_bookings=False)
    cancel_booking(Booking.objects.get(pk=booking.pk), Actor.host(host), now=NOW)
    tasks.sweep()
    reference.refresh_from_db()
    assert reference.state == "removed"
    assert server_event(radicale, reference) is None
