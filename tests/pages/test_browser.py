"""Attendees booking in Chromium: their own time zone, questions, managing a booking, the race
for a time, and the pages without JavaScript. Screenshots of every page are written to the
`screenshots/` folder (RENDEZVOUS_SCREENSHOTS) at 1280 and 375 pixels."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from bookings.models import Booking
from bookings.services import Actor, AttendeeInput, BookingRequest, create_booking
from eventtypes.models import EventType

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
VISIBLE_TIMES = "[data-times]:not([hidden]) [data-start]"


def twelve_hour(start_iso: str, zone=LOS_ANGELES) -> str:
    local = datetime.fromisoformat(start_iso).astimezone(zone)
    return f"{local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def api_booking(uid: str) -> dict:
    response = Client().get(f"/v2/bookings/{uid}", HTTP_CAL_API_VERSION="2024-08-13")
    return response.json()["data"]


def wait_for_zone(page, zone="America/Los_Angeles"):
    page.wait_for_selector(f'[data-picker][data-zone="{zone}"]')


def choose_first_time(page):
    """Click the first time shown; returns (its label, its UTC start)."""
    time = page.locator(VISIBLE_TIMES).first
    label = time.inner_text().split("\n")[0].strip()
    start = time.get_attribute("data-start")
    time.click()
    page.wait_for_selector(f'[data-picker][data-chosen="{start}"]')
    page.wait_for_selector("#details:not([hidden])")
    return label, start


def fill_attendee(page, name="Lee Park", email="lee@example.com"):
    page.fill("[name=name]", name)
    page.fill("[name=email]", email)


def submit(page):
    page.click("#submit-booking")
    page.wait_for_selector("[data-booking-uid]")
    return page.get_attribute("[data-booking-uid]", "data-booking-uid")


def next_dst_change(zone=LOS_ANGELES, after: date | None = None) -> date:
    """The first day, after `after`, whose noon has another UTC offset than the day before."""
    day = after or timezone.now().date() + timedelta(days=3)
    for _ in range(400):
        before = datetime(day.year, day.month, day.day, 12, tzinfo=zone).utcoffset()
        day += timedelta(days=1)
        if datetime(day.year, day.month, day.day, 12, tzinfo=zone).utcoffset() != before:
            return day
    raise AssertionError("no DST change within a year")


def weekday_near(day: date, step: int) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def test_a_time_clicked_in_los_angeles_is_stored_in_utc_and_shown_back(open_page, demo):
    page = open_page("/demo/intro/")
    wait_for_zone(page)
    assert page.input_value("[name=timeZone]") == "America/Los_Angeles"
    label, start = choose_first_time(page)
    assert label == twelve_hour(start)
    fill_attendee(page)
    uid = submit(page)

    stored = api_booking(uid)
    assert stored["start"] == start
    assert stored["attendees"][0]["timeZone"] == "America/Los_Angeles"
    assert label in page.inner_text(".when")
    assert "America/Los_Angeles" in page.inner_text(".booking-status")


def test_days_and_months_change_in_place_and_keep_what_was_typed(open_page, demo):
    page = open_page("/demo/intro/")
    wait_for_zone(page)
    choose_first_time(page)
    page.fill("[name=name]", "Kept Name")
    page.evaluate("window.notReloaded = true")

    shown = date.fromisoformat(page.get_attribute("[data-picker]", "data-month") + "-01")
    following = (shown + timedelta(days=31)).strftime("%Y-%m")
    page.click("a[data-nav][rel=next]")
    page.wait_for_selector(f'[data-picker][data-month="{following}"] a.day.free')
    days = page.locator("a.day.free")
    last = days.nth(days.count() - 1)
    day = last.get_attribute("data-day")
    last.click()
    assert page.get_attribute("[data-times]", "data-times") == day
    label, start = choose_first_time(page)
    assert datetime.fromisoformat(start).astimezone(LOS_ANGELES).date().isoformat() == day
    assert label == twelve_hour(start)

    page.fill("[name=timeZone]", "Asia/Tokyo")
    page.dispatch_event("[name=timeZone]", "change")
    wait_for_zone(page, "Asia/Tokyo")
    page.check("[name=format][value='24h']")
    page.wait_for_selector('[data-picker][data-format="24h"]')
    time = page.locator(VISIBLE_TIMES).first
    tokyo = datetime.fromisoformat(time.get_attribute("data-start")).astimezone(
        ZoneInfo("Asia/Tokyo")
    )
    assert time.inner_text().startswith(f"{tokyo:%H:%M}")
    assert page.evaluate("window.notReloaded") is True
    assert page.input_value("[name=name]") == "Kept Name"


def test_times_on_both_sides_of_a_dst_change_are_right(open_page, demo):
    change = next_dst_change()
    for day in (weekday_near(change - timedelta(days=1), -1), weekday_near(change, 1)):
        page = open_page(f"/demo/intro/?timeZone=America/Los_Angeles&format=12h&date={day}")
        assert page.get_attribute("a.day.selected", "data-day") == day.isoformat()
        label, start = choose_first_time(page)
        local = datetime.fromisoformat(start).astimezone(LOS_ANGELES)
        assert local.date() == day
        assert label == twelve_hour(start)
        fill_attendee(page, email=f"dst-{day}@example.com")
        uid = submit(page)
        assert api_booking(uid)["start"] == start
        assert label in page.inner_text(".when")


QUESTIONS = [
    {"slug": "topic", "type": "text", "label": "Topic", "required": True},
    {"slug": "context", "type": "textarea", "label": "Context"},
    {"slug": "size", "type": "number", "label": "Team size", "required": True},
    {"slug": "plan", "type": "select", "label": "Plan", "options": ["Free", "Pro"]},
    {"slug": "tools", "type": "multiselect", "label": "Tools", "options": ["Git", "Jira"]},
    {
        "slug": "days",
        "type": "checkbox",
        "label": "Good days",
        "required": True,
        "options": ["Mon", "Tue"],
    },
    {"slug": "level", "type": "radio", "label": "Level", "options": ["New", "Expert"]},
    {"slug": "terms", "type": "boolean", "label": "I accept the terms", "required": True},
    {"slug": "mobile", "type": "phone", "label": "Mobile"},
    {"slug": "office", "type": "address", "label": "Office"},
    {"slug": "site", "type": "url", "label": "Website"},
    {"slug": "cc", "type": "multiemail", "label": "Copy to"},
]


def test_questions_of_every_kind_are_asked_checked_and_kept(open_page, demo):
    EventType.objects.filter(slug="interview").update(booking_fields=QUESTIONS)
    page = open_page("/demo/interview/")
    wait_for_zone(page)
    choose_first_time(page)
    fill_attendee(page)

    # The browser refuses the form while required answers are missing.
    page.click("#submit-booking")
    assert page.locator("#booking-form :invalid").count() >= 3
    assert page.locator("[data-booking-uid]").count() == 0

    page.fill("[name=topic]", "Roadmap")
    page.fill("[name=size]", "12")
    page.check("[name=terms]")
    page.select_option("[name=plan]", "Pro")
    page.select_option("[name=tools]", ["Git", "Jira"])
    page.check("[name=level][value=Expert]")
    page.fill("[name=mobile]", "+1 415 555 0100")
    page.fill("[name=site]", "https://example.com")
    page.fill("[name=cc]", "boss@example.com, not-an-email")
    # What the browser cannot check, the service does; its message is next to the field.
    page.click("#submit-booking")
    page.wait_for_selector("#e-days")
    assert "required" in page.inner_text("#e-days")
    assert "list of emails" in page.inner_text("#e-cc")
    assert page.input_value("[name=topic]") == "Roadmap"
    assert page.input_value("[name=name]") == "Lee Park"

    page.check("[name=days][value=Tue]")
    page.fill("[name=cc]", "boss@example.com")
    choose_first_time(page)
    uid = submit(page)
    responses = Booking.objects.get(uid=uid).responses
    assert responses["topic"] == "Roadmap" and responses["size"] == 12
    assert responses["days"] == ["Tue"] and responses["tools"] == ["Git", "Jira"]
    assert responses["terms"] is True and responses["cc"] == ["boss@example.com"]


def test_reschedule_and_cancel_through_the_manage_links(open_page, demo):
    page = open_page("/demo/intro/")
    wait_for_zone(page)
    _, old_start = choose_first_time(page)
    fill_attendee(page)
    uid = submit(page)

    page.click("text=Reschedule")
    wait_for_zone(page)
    new_time = page.locator(f"{VISIBLE_TIMES}:not([data-start='{old_start}'])").first
    new_start = new_time.get_attribute("data-start")
    new_time.click()
    page.wait_for_selector(f'[data-picker][data-chosen="{new_start}"]')
    page.fill("[name=reason]", "A clash came up")
    page.click("#submit-booking")
    page.wait_for_selector(f"[data-booking-uid]:not([data-booking-uid='{uid}'])")
    new_uid = page.get_attribute("[data-booking-uid]", "data-booking-uid")
    assert api_booking(new_uid)["start"] == new_start
    assert api_booking(uid)["status"] == "cancelled"

    day = datetime.fromisoformat(old_start).astimezone(LOS_ANGELES).date()
    other = open_page(f"/demo/intro/?timeZone=America/Los_Angeles&date={day}")
    assert other.locator(f"[data-start='{old_start}']").count() == 1  # free again

    page.click("text=Cancel")
    page.fill("[name=reason]", "No longer needed")
    page.click("button:has-text('Cancel the booking')")
    page.wait_for_selector("[data-booking-uid][data-status=cancelled]")
    assert "No longer needed" in page.inner_text(".booking-status")
    assert api_booking(new_uid)["status"] == "cancelled"


def test_pending_seated_and_recurring_bookings_say_what_they_are(open_page, demo):
    page = open_page("/demo/discovery/")
    assert "confirms each request personally" in page.inner_text(".event-info")
    wait_for_zone(page)
    choose_first_time(page)
    fill_attendee(page)
    submit(page)
    assert "Awaiting the host's confirmation" in page.inner_text(".badge")

    page = open_page("/demo/workshop/")
    wait_for_zone(page)
    first = page.locator(VISIBLE_TIMES).first
    assert "5 seats left" in first.inner_text()
    start = first.get_attribute("data-start")
    choose_first_time(page)
    fill_attendee(page)
    submit(page)
    day = datetime.fromisoformat(start).astimezone(LOS_ANGELES).date()
    again = open_page(f"/demo/workshop/?timeZone=America/Los_Angeles&date={day}")
    assert "4 seats left" in again.inner_text(f"[data-start='{start}']")

    page = open_page("/demo/weekly-coaching/")
    wait_for_zone(page)
    choose_first_time(page)
    assert page.locator(".chosen .occurrences li").count() == 8
    fill_attendee(page)
    submit(page)
    assert page.locator(".booking-status .occurrences li").count() == 8


def test_a_time_taken_meanwhile_is_said_with_fresh_times_and_the_form_kept(open_page, demo):
    page = open_page("/demo/intro/")
    wait_for_zone(page)
    _, start = choose_first_time(page)
    fill_attendee(page)
    page.fill("[name=notes]", "Bring the slides")

    event_type = EventType.objects.get(slug="intro")
    attendee = AttendeeInput(name="Quick", email="quick@example.com")
    moment = datetime.fromisoformat(start).astimezone(UTC)
    create_booking(event_type, BookingRequest(start=moment, attendee=attendee), Actor.attendee())

    page.click("#submit-booking")
    page.wait_for_selector("#time-error")
    assert "that time was just taken" in page.inner_text("#time-error")
    assert page.locator(f"[data-start='{start}']").count() == 0
    assert page.locator(VISIBLE_TIMES).count() > 0
    assert page.input_value("[name=name]") == "Lee Park"
    assert page.input_value("[name=notes]") == "Bring the slides"

    choose_first_time(page)
    uid = submit(page)
    assert api_booking(uid)["attendees"][0]["name"] == "Lee Park"


def test_booking_works_without_javascript(open_page, demo):
    page = open_page("/demo/intro/?timeZone=America/Los_Angeles", javascript=False)
    assert page.locator("#details").is_hidden()
    time = page.locator(VISIBLE_TIMES).first
    start = time.get_attribute("data-start")
    time.click()
    page.wait_for_selector("#details")
    fill_attendee(page, email="nojs@example.com")
    uid = submit(page)
    assert api_booking(uid)["start"] == start


def test_the_page_is_usable_from_the_keyboard_and_labelled(open_page, demo):
    page = open_page("/demo/interview/")
    wait_for_zone(page)
    page.locator(VISIBLE_TIMES).first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#details:not([hidden])")
    assert page.evaluate("document.activeElement.name") == "name"
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')]
          .filter(el => el.labels.length === 0 && !el.closest('fieldset legend, fieldset'))
          .map(el => el.name)"""
    )
    assert unlabelled == []


PAGES = {
    "landing": "/",
    "profile": "/demo/",
    "team": "/team/demo-team/",
    "booking-page": "/demo/interview/",
    "not-found": "/demo/missing/",
}


@pytest.mark.parametrize("width", [1280, 375])
def test_screenshots_of_every_page(open_page, demo, screenshots, width):
    for name, path in PAGES.items():
        page = open_page(path, width=width)
        if name == "booking-page":
            wait_for_zone(page)
            choose_first_time(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=screenshots / f"{name}-{width}.png", full_page=True)

    page = open_page("/demo/weekly-coaching/", width=width)
    wait_for_zone(page)
    choose_first_time(page)
    fill_attendee(page, email=f"shots{width}@example.com")
    submit(page)
    pages = {"booked": None, "reschedule": "text=Reschedule", "cancel": "text=Cancel"}
    for name, link in pages.items():
        if link:
            page.go_back() if name == "cancel" else None
            page.click(link)
            page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=screenshots / f"{name}-{width}.png", full_page=True)
