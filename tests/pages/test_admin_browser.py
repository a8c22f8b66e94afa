"""The admin as the demo host uses it, in Chromium: the dashboard, confirming a request from it,
recording a no-show, a private note, booking for an attendee, and the emails that follow."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from bookings.models import Booking, BookingNote
from eventtypes.models import EventType
from notifications.tasks import sweep


@pytest.fixture
def demo_bookings(demo):
    call_command("seed_demo_bookings", stdout=io.StringIO())
    sweep()  # the requests' emails
    mail.outbox.clear()


def signed_in(open_page, width=1280):
    page = open_page("/admin/login/", zone="Europe/Berlin", width=width)
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("input[type=submit]")
    page.wait_for_selector("#dashboard")
    return page


def test_a_host_confirms_a_request_from_the_dashboard(open_page, demo_bookings, screenshots):
    page = signed_in(open_page)
    page.screenshot(path=screenshots / "admin-dashboard-1280.png", full_page=True)
    waiting = page.locator("#pending a").first
    title = waiting.inner_text()
    waiting.click()
    page.click(".object-tools a:has-text('Confirm')")
    page.click("#content-main .submit-row input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    booking = Booking.objects.get(title=title)
    assert booking.status == Booking.Status.ACCEPTED
    sweep()
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Confirmed"]

    page.goto(page.url.split("/admin/")[0] + "/admin/")
    assert title not in page.inner_text("#pending")


def test_a_host_records_a_no_show_and_a_private_note(open_page, demo_bookings):
    page = signed_in(open_page)
    booking = Booking.objects.get(attendees__name="Nick Noshow")
    page.goto(page.url.split("/admin/")[0] + f"/admin/bookings/booking/{booking.pk}/change/")
    page.click(".object-tools a:has-text('Mark attendees as no-show')")
    page.click("#content-main .submit-row input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert booking.attendees.get().absent is True

    page.click("#notes-group .add-row a")
    page.fill("#notes-group textarea[name$='-content']:visible", "Did not answer the phone either.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    note = BookingNote.objects.get(booking=booking)
    assert (note.content, note.is_private, note.author.username) == (
        "Did not answer the phone either.",
        True,
        "demo",
    )
    page.goto(page.url.split("/admin/")[0] + "/admin/")
    assert "Nick Noshow" in page.inner_text("#no-shows")


def test_a_host_adds_a_booking_question_without_json(open_page, demo):
    page = signed_in(open_page)
    interview = EventType.objects.get(slug="interview")
    page.goto(page.url.split("/admin/")[0] + f"/admin/eventtypes/eventtype/{interview.pk}/change/")
    questions = page.locator("#id_booking_fields")
    questions.fill(questions.input_value() + "\nportfolio | url | Your portfolio | optional")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert EventType.objects.get(pk=interview.pk).booking_fields[-1]["slug"] == "portfolio"

    booking_page = open_page("/demo/interview/")
    booking_page.wait_for_selector('[data-picker][data-zone-given="true"]')
    booking_page.locator("[data-times] [data-start]").first.click()
    booking_page.wait_for_selector("#details:not([hidden])")
    assert booking_page.get_attribute("[name=portfolio]", "type") == "url"
    assert "Your portfolio" in booking_page.inner_text("#details")
