"""The public pages over plain HTTP: what each URL answers, what a booking form does and refuses,
and what the attendee's pages show. The browser tests (test_browser.py) drive the same pages in
Chromium."""

import html
import io
import json
import re
import time
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.timezones import iso_utc
from bookings.models import Booking, BookingHistory, Channel
from bookings.services import Actor, AttendeeInput, BookingRequest, create_booking
from eventtypes.models import EventType, PrivateLink
from tests.pages.helpers import form_data, free_starts


def book(event_type, start, email="someone@example.com", **fields):
    attendee = AttendeeInput(name="Someone", email=email, time_zone="UTC")
    return create_booking(
        event_type, BookingRequest(start=start, attendee=attendee, **fields), Actor.attendee(email)
    )


@pytest.fixture
def host(factory):
    return factory.user("hana", time_zone="Europe/Berlin")


@pytest.fixture
def intro(factory, host):
    return factory.event_type(host, slug="intro", title="Intro call", minimum_booking_notice=60)


# --- What each URL answers ---------------------------------------------------------------------


def test_every_url_make_run_prints_answers_with_its_page(db, client, settings):
    printed = io.StringIO()
    call_command("seed_demo", stdout=printed)
    urls = re.findall(rf"{re.escape(settings.SITE_URL)}(/\S*)", printed.getvalue())
    assert set(urls) == {"/admin/", "/", "/demo/intro/", "/team/demo-team/support/"}
    for path in urls:
        assert client.get(path, follow=True).status_code == 200, path  # the admin: its login
    pages = {
        "/": "Rendezvous",
        "/demo/": "Dana Demo",
        "/team/demo-team/": "Demo Team",
        "/demo/intro/": "Intro call",
        "/team/demo-team/support/": "Support call",
    }
    for path, title in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert title in response.content.decode(), path


def test_every_page_link_the_admin_shows_answers(db, client):
    call_command("seed_demo", stdout=io.StringIO())
    client.login(username="demo", password="demo")
    listing = client.get("/admin/eventtypes/eventtype/").content.decode()
    links = re.findall(r'<a href="(/(?:team/)?[\w-]+(?:/[\w-]+)?/)" target="_blank">', listing)
    assert len(links) == EventType.objects.count()
    index = client.get("/admin/").content.decode()
    assert 'href="/demo/">View site' in index  # a host's own public page
    for path in [*links, "/demo/"]:
        assert client.get(path).status_code == 200, path

    start = free_starts(EventType.objects.get(slug="intro"))[0]
    booking = book(EventType.objects.get(slug="intro"), start).booking
    change = client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()
    assert f'href="/booking/{booking.uid}/"' in change
    assert client.get(f"/booking/{booking.uid}/").status_code == 200

    client.login(username="admin", password="admin")
    assert 'href="/">View site' in client.get("/admin/").content.decode()


def test_the_profile_lists_listed_types_and_a_hidden_one_stays_bookable_by_link(
    client, factory, host, intro
):
    factory.event_type(host, slug="secret", title="Secret chat", hidden=True)
    profile = client.get("/hana/").content.decode()
    assert "Intro call" in profile and "Secret chat" not in profile
    assert client.get("/hana/secret/").status_code == 200


def test_unknown_people_events_and_bookings_are_404_pages(client, intro):
    for path in ("/nobody/", "/hana/nothing/", "/team/none/", "/booking/nope/", "/d/x/intro/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response["Content-Type"]


def test_a_private_link_books_once_then_says_it_was_used(client, intro):
    link = PrivateLink.objects.create(event_type=intro)
    path = f"/d/{link.link_hash}/intro/"
    assert client.get(path).status_code == 200
    start = free_starts(intro)[0]
    response = client.post(path, form_data(start, idempotencyToken=uuid.uuid4().hex))
    assert response.status_code == 303
    used = client.get(path)
    assert used.status_code == 410
    assert "already been used" in used.content.decode()


# --- Booking -----------------------------------------------------------------------------------


def test_a_booking_made_on_the_page_is_recorded_as_such_and_shown(client, intro):
    start = free_starts(intro)[0]
    response = client.post("/hana/intro/", form_data(start, idempotencyToken="t1"))
    assert response.status_code == 303
    booking = Booking.objects.get()
    assert booking.start == start
    assert booking.channel == Channel.PAGE
    assert BookingHistory.objects.get(booking=booking).channel == Channel.PAGE
    assert response["Location"].startswith(f"/booking/{booking.uid}/?timeZone=Europe%2FBerlin")
    page = client.get(response["Location"]).content.decode()
    assert f'data-booking-uid="{booking.uid}"' in page
    local = start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert f"{local:%H:%M}" in page


def test_a_form_sent_twice_makes_one_booking(client, intro):
    start = free_starts(intro)[0]
    data = form_data(start, idempotencyToken=uuid.uuid4().hex)
    first = client.post("/hana/intro/", data)
    second = client.post("/hana/intro/", data)
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1


def test_the_booking_form_is_protected_against_csrf(intro):
    client = Client(enforce_csrf_checks=True)
    start = free_starts(intro)[0]
    assert client.post("/hana/intro/", form_data(start)).status_code == 403
    assert not Booking.objects.exists()


def test_too_many_forms_from_one_address_get_a_429_page(client, intro, settings, monkeypatch):
    settings.PAGES_POSTS_PER_MINUTE = 2
    middle_of_a_minute = (time.time() // 60) * 60 + 30
    monkeypatch.setattr("accounts.rate_limits.time.time", lambda: middle_of_a_minute)
    address = f"198.51.100.{uuid.uuid4().int % 250}"
    starts = free_starts(intro)
    answers = [
        client.post(
            "/hana/intro/", form_data(start, email=f"a{i}@example.com"), REMOTE_ADDR=address
        )
        for i, start in enumerate(starts[:3])
    ]
    assert [a.status_code for a in answers] == [303, 303, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert "too many times" in answers[2].content.decode()
    assert Booking.objects.count() == 2


def test_the_services_message_is_shown_next_to_the_field_and_nothing_typed_is_lost(
    client, factory, host
):
    event_type = factory.event_type(
        host,
        slug="questions",
        booking_fields=[
            {"slug": "age", "type": "number", "label": "Age", "required": True},
            {"slug": "site", "type": "url", "label": "Website"},
        ],
    )
    start = free_starts(event_type)[0]
    response = client.post(
        "/hana/questions/",
        form_data(start, email="not-an-email", name="Grace", site="nope"),
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "'not-an-email' is not a valid email address." in page
    assert 'value="Grace"' in page
    response = client.post("/hana/questions/", form_data(start, site="nope", age="x"))
    page = response.content.decode()
    assert re.search(r'id="e-age">This answer must be a number<', page)
    assert re.search(r'id="e-site">This answer must be a URL<', page)
    assert not Booking.objects.exists()


def test_a_time_taken_meanwhile_is_said_next_to_fresh_times_and_the_form_is_kept(client, intro):
    start = free_starts(intro)[0]
    book(intro, start)
    response = client.post("/hana/intro/", form_data(start, notes="See you"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "that time was just taken" in page
    assert f'data-start="{iso_utc(start)}"' not in page
    assert 'value="Ada Lovelace"' in page and "See you</textarea>" in page
    # Without JavaScript each fresh time books with the answers already given.
    assert 'form="booking-form" name="start"' in page
    assert Booking.objects.count() == 1


HOSTILE_QUERIES = [
    "timeZone=Mars/Olympus&format=13h&length=-5",
    "month=9999-12&date=9999-12-31&slot=9999-12-31T23:59:59%2B00:00",
    "month=0001-01&date=0001-01-01&slot=0001-01-01T00:00:00Z",
    "timeZone=Pacific/Kiritimati&slot=2099-12-31T23:00:00%2B14:00",
    "slot=2026-13-45T99:00&date=garbage&month=2026-1",
    "length=99999999999999999999&timeZone=%00&format=%F0%9F%92%A5",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_whatever_the_query_string_the_page_answers_with_a_page(client, intro, query):
    uid = book(intro, free_starts(intro)[0]).booking.uid
    for path in ("/hana/intro/", f"/booking/{uid}/", f"/booking/{uid}/reschedule"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 409), (path, query)
        fragment = client.get(f"{path}?{query}", HTTP_X_RENDEZVOUS_FRAGMENT="picker")
        assert fragment.status_code in (200, 409)


def test_whatever_the_form_carries_the_answer_is_a_page_and_nothing_half_written(client, intro):
    start = iso_utc(free_starts(intro)[0])
    bodies = [
        {"start": start, "name": "A\r\nBcc: x@example.com", "email": "a@example.com"},
        {"start": start, "name": "A", "email": "a@example.com", "idempotencyToken": "x" * 500},
        {"start": "9999-12-31T23:59:59Z", "name": "A", "email": "a@example.com"},
        {"start": start, "name": "A", "email": "a@example.com", "guests": "b@example.com, nope"},
        {"start": start, "name": "A", "email": "a@example.com", "location": "7"},
        {"start": "", "name": "", "email": ""},
        {},
    ]
    for body in bodies:
        response = client.post("/hana/intro/", body)
        assert response.status_code in (303, 400, 409), body
    assert Booking.objects.count() <= 2  # the long token and the unknown location are ignored


def test_a_chosen_time_no_longer_free_is_said_on_the_page(client, intro):
    start = free_starts(intro)[0]
    book(intro, start)
    response = client.get(f"/hana/intro/?slot={iso_utc(start)}&timeZone=UTC")
    assert response.status_code == 409
    assert "no longer free" in response.content.decode()


def test_a_success_redirect_url_gets_the_booking_when_it_asks_for_it(client, factory, host):
    event_type = factory.event_type(
        host,
        slug="redirected",
        success_redirect_url="https://example.com/thanks?from=rdv",
        success_redirect_forward_params=True,
    )
    start = free_starts(event_type)[0]
    response = client.post("/hana/redirected/", form_data(start))
    booking = Booking.objects.get()
    location = response["Location"]
    assert location.startswith("https://example.com/thanks?from=rdv&uid=" + booking.uid)
    assert f"startTime={iso_utc(start).replace(':', '%3A')}" in location


def test_the_page_costs_the_same_queries_whatever_the_bookings(client, intro):
    month = free_starts(intro, days=70)[-1].strftime("%Y-%m")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/hana/intro/?timeZone=UTC&month={month}").status_code == 200
        return len(captured)

    empty = queries()
    in_month = [s for s in free_starts(intro, days=70) if s.strftime("%Y-%m") == month]
    for start in in_month[:30]:
        book(intro, start, email=f"x{start.timestamp():.0f}@example.com")
    assert queries() == empty <= 8


def test_a_month_of_times_comes_in_one_response(client, intro):
    start = free_starts(intro)[0]
    month = start.strftime("%Y-%m")
    response = client.get(
        f"/hana/intro/?timeZone=UTC&month={month}", HTTP_X_RENDEZVOUS_FRAGMENT="picker"
    )
    fragment = response.content.decode()
    assert "<html" not in fragment
    data = json.loads(re.search(r'id="month-times"[^>]*>(.*?)</script>', fragment).group(1))
    shown = {time[0] for day in data["days"].values() for time in day["times"]}
    in_month = {iso_utc(s) for s in free_starts(intro, days=62) if s.strftime("%Y-%m") == month}
    assert shown == in_month


# --- The attendee's pages ----------------------------------------------------------------------


def test_a_seated_attendee_sees_only_their_own_seat(client, factory, host):
    workshop = factory.event_type(host, slug="workshop", seats_per_time_slot=5)
    start = free_starts(workshop)[0]
    first = book(workshop, start, email="first@example.com")
    book(workshop, start, email="second@example.com")
    page = client.get(f"/booking/{first.booking.uid}/?seatUid={first.seat_uid}").content.decode()
    assert page.count("Someone") == 1  # the seat holder's own name; never the other seat
    assert "second@example.com" not in page and "first@example.com" not in page
    assert f"seatUid={first.seat_uid}" in page


def test_cancelling_is_refused_plainly_when_the_event_type_does_not_allow_it(client, factory, host):
    event_type = factory.event_type(host, slug="firm", disable_cancelling=True)
    booking = book(event_type, free_starts(event_type)[0]).booking
    page = client.get(f"/booking/{booking.uid}/cancel")
    assert page.status_code == 403
    assert "does not allow attendees to cancel" in page.content.decode()
    client.post(f"/booking/{booking.uid}/cancel", {"reason": "x"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ACCEPTED
    assert "Cancel</a>" not in client.get(f"/booking/{booking.uid}/").content.decode()


def test_cancel_and_reschedule_over_plain_forms(client, intro):
    first, second = free_starts(intro)[:2]
    booking = book(intro, first).booking
    response = client.post(
        f"/booking/{booking.uid}/reschedule",
        {"start": iso_utc(second), "attendeeTimeZone": "UTC", "reason": "Clash"},
    )
    assert response.status_code == 303
    moved = Booking.objects.get(rescheduled_from=booking)
    assert moved.start == second and moved.rescheduling_reason == "Clash"
    assert moved.channel == Channel.PAGE
    page = client.get(f"/hana/intro/?timeZone=UTC&slot={iso_utc(first)}")
    assert page.status_code == 200  # the old time is free again
    response = client.post(f"/booking/{moved.uid}/cancel", {"reason": "Ill"})
    assert response.status_code == 303
    moved.refresh_from_db()
    assert moved.status == Booking.Status.CANCELLED and moved.cancellation_reason == "Ill"
    assert "This booking was cancelled" in client.get(response["Location"]).content.decode()


def test_a_wall_time_that_happens_twice_names_its_zone():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from pages.picker import time_label

    zone = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, an hour later
    assert time_label(first, zone, "12h") == "1:30am EDT"
    assert time_label(second, zone, "24h") == "01:30 EST"
    assert time_label(datetime(2026, 11, 2, 14, tzinfo=UTC), zone, "12h") == "9:00am"


def test_a_seat_holder_cancels_only_their_own_seat(client, factory, host):
    workshop = factory.event_type(host, slug="workshop", seats_per_time_slot=5)
    start = free_starts(workshop)[0]
    first = book(workshop, start, email="first@example.com")
    book(workshop, start, email="second@example.com")
    path = f"/booking/{first.booking.uid}/cancel"
    assert "send your seatUid" in html.unescape(client.post(path, {"reason": "x"}).content.decode())
    response = client.post(path, {"seatUid": first.seat_uid, "reason": "Ill"})
    assert response.status_code == 303
    booking = Booking.objects.get(pk=first.booking.pk)
    assert booking.status == Booking.Status.ACCEPTED
    assert [a.email for a in booking.attendees.all()] == ["second@example.com"]
