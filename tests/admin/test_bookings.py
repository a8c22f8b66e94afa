"""The booking admin as hosts use it: which bookings each host sees (their own, their teams'
as a team admin) and how the list filters them, the actions on the list and the buttons on the
booking page that change a booking (always through the services, with their refusals shown),
and the private notes added on the booking page."""

import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import ActorRole, Booking, BookingHistory, BookingNote, Channel
from bookings.services import Actor, add_note, cancel_booking, reschedule_booking
from tests.admin.conftest import START, change_url, messages_of, signed_in
from tests.conftest import NOW, utc

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:bookings_booking_changelist")


def past_monday_at_ten():
    """A Monday 10:00 UTC one to two weeks before the real clock: the admin uses the real time,
    so bookings that have started must lie before it."""
    today = timezone.now().astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return utc(monday.year, monday.month, monday.day, 10, 0)


def book(factory, host, start=START, *, now=NOW, **settings):
    event_type = factory.event_type(host, **settings)
    return factory.book(event_type, start, now=now).booking


def pending(factory, host, **kwargs):
    return book(factory, host, requires_confirmation=True, **kwargs)


def cancelled(factory, host, **kwargs):
    booking = book(factory, host, **kwargs)
    [booking] = cancel_booking(booking, Actor.host(host), now=NOW)
    return booking


def started(factory, host):
    start = past_monday_at_ten()
    return book(factory, host, start, now=start - timedelta(hours=1))


def action_url(booking, slug) -> str:
    return reverse(f"admin:bookings_booking_{slug.replace('-', '_')}", args=[booking.pk])


def run_action(client, action, *bookings):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [b.pk for b in bookings]},
        follow=True,
    )


def status_of(booking) -> str:
    return Booking.objects.get(pk=booking.pk).status


# --- The list -----------------------------------------------------------------------------------


def test_superuser_sees_every_booking_with_its_lifecycle(admin_client, factory, host, other_host):
    mine = pending(factory, host)
    theirs = book(factory, other_host, START + timedelta(hours=1))

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine, theirs]
    page = response.content.decode()
    assert '<td class="field-lifecycle">Pending</td>' in page
    assert '<td class="field-lifecycle">Confirmed</td>' in page
    assert mine.attendees.get().name in page


def test_host_sees_the_start_in_their_own_zone_and_in_utc(host_client, factory, host):
    booking = book(factory, host)

    page = host_client.get(CHANGELIST).content.decode()

    assert "Start (Asia/Tokyo)" in page
    assert "2049-01-04 19:00 JST" in page
    assert "2049-01-04 10:00 UTC" in host_client.get(change_url(booking)).content.decode()


def test_today_lists_what_starts_today_in_the_hosts_zone(host_client, factory, host):
    today, later = book(factory, host), book(factory, host, START + timedelta(hours=1))
    now = timezone.now()
    Booking.objects.filter(pk=today.pk).update(start=now, end=now + timedelta(minutes=30))
    Booking.objects.filter(pk=later.pk).update(
        start=now + timedelta(days=2), end=now + timedelta(days=2, minutes=30)
    )
    listed = host_client.get(CHANGELIST + "?when=today").context["cl"].result_list
    assert list(listed) == [today]


def test_host_sees_only_the_bookings_they_host(host_client, factory, host, other_host):
    mine = book(factory, host)
    theirs = book(factory, other_host)

    response = host_client.get(CHANGELIST)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]
    assert theirs.attendees.get().email not in response.content.decode()


def test_another_hosts_booking_does_not_exist_for_a_host(host_client, factory, other_host):
    theirs = pending(factory, other_host)

    for url in [change_url(theirs), action_url(theirs, "confirm")]:
        response = host_client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == reverse("admin:index")
        assert any("doesn’t exist" in m for m in messages_of(response))

    response = host_client.post(action_url(theirs, "confirm"), follow=True)
    assert any("doesn’t exist" in m for m in messages_of(response))
    assert status_of(theirs) == Booking.Status.PENDING


def test_team_admins_see_the_bookings_of_their_teams_event_types(
    factory, make_staff, team, team_admin, cohost, member
):
    boss, worker, member = make_staff(team_admin), make_staff(cohost), make_staff(member)
    event_type = factory.event_type(team=team, scheduling_type="roundRobin", hosts=[worker])
    booking = factory.book(event_type, START, now=NOW).booking
    client = Client()

    client.force_login(boss)
    assert list(client.get(CHANGELIST).context["cl"].result_list) == [booking]
    assert client.get(change_url(booking)).status_code == 200

    client.force_login(member)
    assert list(client.get(CHANGELIST).context["cl"].result_list) == []


def test_list_filters_by_status_time_and_search(host_client, factory, host):
    waiting = pending(factory, host)
    done = started(factory, host)
    email = waiting.attendees.get().email

    def listed(query):
        return list(host_client.get(CHANGELIST, query).context["cl"].result_list)

    assert listed({"status__exact": "pending"}) == [waiting]
    assert listed({"when": "past"}) == [done]
    assert listed({"when": "upcoming"}) == [waiting]
    assert listed({"q": email}) == [waiting]
    assert listed({"q": waiting.uid}) == [waiting]
    assert listed({"event_type__id__exact": done.event_type_id}) == [done]
    assert listed({"channel__exact": Channel.API}) == [done, waiting]


def test_list_takes_the_same_number_of_queries_for_1_or_30_bookings(host_client, factory, host):
    event_type = factory.event_type(host)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = host_client.get(CHANGELIST)
        assert response.status_code == 200
        return len(queries), response.context["cl"].result_count

    # Monday to Thursday, 9:00 to 16:00 UTC, one an hour.
    starts = [utc(2049, 1, 4 + index // 8, 9 + index % 8) for index in range(30)]
    factory.book(event_type, starts[0], now=NOW)
    one, listed = count_queries()
    assert listed == 1
    for start in starts[1:]:
        factory.book(event_type, start, now=NOW)
    thirty, listed = count_queries()
    assert listed == 30
    assert thirty == one


# --- Actions on the list ------------------------------------------------------------------------


def test_confirm_action_confirms_through_the_service(host_client, factory, host):
    booking = pending(factory, host)

    response = run_action(host_client, "confirm_selected", booking)

    assert response.status_code == 200
    assert messages_of(response) == ["Confirmed 1 booking."]
    assert status_of(booking) == Booking.Status.ACCEPTED
    history = BookingHistory.objects.filter(booking=booking).last()
    assert (history.action, history.actor_email, history.actor_role, history.channel) == (
        "confirmed",
        host.email,
        ActorRole.HOST,
        Channel.ADMIN,
    )


def test_confirm_action_reports_each_refused_booking(host_client, factory, host):
    good = pending(factory, host)
    bad = cancelled(factory, host, start=START + timedelta(hours=2))

    response = run_action(host_client, "confirm_selected", good, bad)

    assert response.status_code == 200
    messages = messages_of(response)
    assert "Confirmed 1 booking." in messages
    [error] = [m for m in messages if "cannot" in m]
    assert bad.title in error
    assert "A cancelled booking cannot be confirmed." in error
    assert status_of(good) == Booking.Status.ACCEPTED
    assert status_of(bad) == Booking.Status.CANCELLED


ACTION_CASES = {
    # action: (valid booking, what changed, invalid booking, the service's error)
    "decline_selected": (
        pending,
        lambda b: b.status == Booking.Status.REJECTED,
        cancelled,
        "A cancelled booking cannot be declined.",
    ),
    "cancel_selected": (
        book,
        lambda b: b.status == Booking.Status.CANCELLED and b.cancelled_by_role == ActorRole.HOST,
        cancelled,
        "A cancelled booking cannot be cancelled.",
    ),
    "mark_attended": (
        started,
        lambda b: b.attendance_confirmed_at is not None,
        book,
        "Attendance can be recorded once the booking has started.",
    ),
    "mark_no_show": (
        started,
        lambda b: b.lifecycle_label() == "NO_SHOW" and all(a.absent for a in b.attendees.all()),
        cancelled,
        "Attendance is recorded on accepted bookings; this one is cancelled.",
    ),
}


@pytest.mark.parametrize("action", ACTION_CASES)
def test_action_changes_a_valid_booking(host_client, factory, host, action):
    make_valid, changed, _, _ = ACTION_CASES[action]
    booking = make_valid(factory, host)

    response = run_action(host_client, action, booking)

    assert response.status_code == 200
    assert len(messages_of(response)) == 1 and " 1 booking." in messages_of(response)[0]
    assert changed(Booking.objects.get(pk=booking.pk))
    assert BookingHistory.objects.filter(booking=booking, channel=Channel.ADMIN).exists()


@pytest.mark.parametrize("action", ACTION_CASES)
def test_action_reports_the_services_refusal(host_client, factory, host, action):
    _, _, make_invalid, error = ACTION_CASES[action]
    booking = make_invalid(factory, host)
    history = BookingHistory.objects.filter(booking=booking).count()

    response = run_action(host_client, action, booking)

    assert response.status_code == 200
    # The start as the host reads it (Asia/Tokyo), so they can tell bookings of one title apart.
    assert messages_of(response) == [f"{booking.title} (2049-01-04 19:00 JST): {error}"]
    assert BookingHistory.objects.filter(booking=booking).count() == history


@pytest.mark.parametrize(
    ("action", "status"),
    [("confirm_selected", Booking.Status.ACCEPTED), ("decline_selected", Booking.Status.REJECTED)],
)
def test_selecting_every_occurrence_of_a_pending_series(host_client, factory, host, action, status):
    event_type = factory.event_type(
        host,
        requires_confirmation=True,
        recurrence_frequency="weekly",
        recurrence_max_occurrences=3,
    )
    occurrences = factory.book(event_type, START, now=NOW, recurrence_count=3).bookings
    assert {o.status for o in occurrences} == {Booking.Status.PENDING}

    response = run_action(host_client, action, *occurrences)

    # The service changes the series as a whole; the other occurrences are no errors.
    assert len(messages_of(response)) == 1 and " 3 bookings." in messages_of(response)[0]
    assert {status_of(o) for o in occurrences} == {status}


def test_actions_apply_only_to_visible_bookings(host_client, factory, other_host):
    theirs = pending(factory, other_host)

    run_action(host_client, "confirm_selected", theirs)

    assert status_of(theirs) == Booking.Status.PENDING


def test_bookings_cannot_be_added_or_deleted_in_the_admin(admin_client, factory, host):
    booking = book(factory, host)

    assert admin_client.get(reverse("admin:bookings_booking_add")).status_code == 403
    delete = reverse("admin:bookings_booking_delete", args=[booking.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    actions = admin_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert "delete_selected" not in dict(actions)
    assert Booking.objects.filter(pk=booking.pk).exists()


# --- The booking page and its buttons -----------------------------------------------------------


def test_booking_page_shows_the_booking_read_only(host_client, factory, host):
    booking = pending(factory, host)

    response = host_client.get(change_url(booking))

    assert response.status_code == 200
    page = response.content.decode()
    assert booking.uid in page and booking.ics_uid in page
    assert "2049-01-04 19:00 JST" in page
    assert booking.attendees.get().email in page
    assert action_url(booking, "confirm") in page
    assert action_url(booking, "decline") in page
    assert action_url(booking, "mark-attended") not in page
    assert response.context["adminform"].form.fields == {}


def test_booking_page_links_both_ends_of_a_reschedule(admin_client, factory, host):
    old = book(factory, host)
    new = reschedule_booking(old, START + timedelta(hours=2), Actor.host(host), now=NOW).booking

    assert change_url(new) in admin_client.get(change_url(old)).content.decode()
    assert change_url(old) in admin_client.get(change_url(new)).content.decode()


@pytest.mark.parametrize("slug", ["confirm", "decline", "cancel", "mark-attended"])
def test_a_get_only_asks_for_confirmation(host_client, factory, host, slug):
    booking = pending(factory, host)

    response = host_client.get(action_url(booking, slug))

    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert status_of(booking) == Booking.Status.PENDING
    assert not BookingHistory.objects.filter(booking=booking).exclude(action="created").exists()


def test_confirm_button_confirms(host_client, factory, host):
    booking = pending(factory, host)

    response = host_client.post(action_url(booking, "confirm"), follow=True)

    assert response.redirect_chain[-1][0] == change_url(booking)
    assert messages_of(response) == [f"Confirmed: {booking.title}."]
    assert status_of(booking) == Booking.Status.ACCEPTED


def test_decline_button_records_the_reason(host_client, factory, host):
    booking = pending(factory, host)

    host_client.post(action_url(booking, "decline"), {"reason": "Fully booked that week"})

    booking.refresh_from_db()
    assert booking.status == Booking.Status.REJECTED
    assert booking.rejection_reason == "Fully booked that week"


def test_cancel_button_records_the_reason_and_who_cancelled(host_client, factory, host):
    booking = book(factory, host)

    host_client.post(action_url(booking, "cancel"), {"reason": "Sick"})

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert (booking.cancellation_reason, booking.cancelled_by_email) == ("Sick", host.email)
    assert booking.history.last().channel == Channel.ADMIN


def test_mark_attended_button(host_client, factory, host):
    booking = started(factory, host)

    response = host_client.post(action_url(booking, "mark-attended"), follow=True)

    assert messages_of(response) == [f"Marked as attended: {booking.title}."]
    assert Booking.objects.get(pk=booking.pk).attendance_confirmed_at is not None


def test_a_refused_button_shows_the_services_message(host_client, factory, host):
    booking = cancelled(factory, host)

    response = host_client.post(action_url(booking, "confirm"), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == change_url(booking)
    assert messages_of(response) == ["A cancelled booking cannot be confirmed."]


def test_buttons_refuse_other_methods_and_posts_without_csrf(host_client, host, factory):
    booking = pending(factory, host)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(host)

    assert host_client.put(action_url(booking, "confirm")).status_code == 405
    assert host_client.delete(action_url(booking, "cancel")).status_code == 405
    assert strict.post(action_url(booking, "confirm")).status_code == 403
    assert status_of(booking) == Booking.Status.PENDING


# --- Notes --------------------------------------------------------------------------------------


def change_form_data(client, booking) -> dict:
    """What the browser posts from the booking page when nothing is typed: the inlines'
    management forms, the ids of the rows shown, the blank note form as it comes."""
    response = client.get(change_url(booking))
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({field.html_name: field.value() for field in formset.management_form})
        for form in formset.initial_forms:
            data[form.add_prefix("id")] = form.instance.pk
        for form in formset.extra_forms:
            for field in form:
                value = field.value()
                if value is True:
                    data[field.html_name] = "on"  # a ticked checkbox
                elif value not in (None, False):
                    data[field.html_name] = value
    return data


def test_adding_a_private_note_goes_through_the_service(host_client, factory, host):
    booking = book(factory, host)
    data = change_form_data(host_client, booking)
    data.update({"notes-0-content": "  Prefers German.  ", "notes-0-is_private": "on"})

    response = host_client.post(change_url(booking), data)

    assert response.status_code == 302
    note = BookingNote.objects.get(booking=booking)
    assert (note.content, note.is_private, note.author) == ("Prefers German.", True, host)
    history = booking.history.get(action="note_added")
    assert (history.actor, history.channel) == (host, Channel.ADMIN)
    assert history.after == {"noteId": note.pk, "private": True}


def test_existing_notes_are_read_only(host_client, factory, host):
    booking = book(factory, host)
    note = add_note(booking, "First impression: good", Actor.host(host))
    data = change_form_data(host_client, booking)
    data.update({"notes-0-content": "tampered", "notes-0-is_private": ""})  # the note shown

    response = host_client.post(change_url(booking), data)

    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.content, note.is_private) == ("First impression: good", True)
    assert BookingNote.objects.filter(booking=booking).count() == 1


def test_saving_the_page_without_a_note_changes_nothing(host_client, factory, host):
    booking = pending(factory, host)
    data = change_form_data(host_client, booking)
    data.update({"status": "accepted", "title": "Renamed"})

    response = host_client.post(change_url(booking), data)

    assert response.status_code == 302
    fresh = Booking.objects.get(pk=booking.pk)
    assert (fresh.status, fresh.title, fresh.updated_at) == (
        Booking.Status.PENDING,
        booking.title,
        booking.updated_at,
    )
    assert not BookingNote.objects.exists()


def test_every_link_on_a_booking_a_host_opens_leads_somewhere(factory, host, other_host):
    """No dead ends: the organizer, the note authors and every other link on the page open for
    the host (none answers 403 or 404)."""
    event_type = factory.event_type(host, slug="linked")
    booking = factory.book(event_type, START).booking
    add_note(booking, "Bring the contract", Actor.host(host))
    client = signed_in(host)
    page = client.get(change_url(booking)).content.decode()
    links = {
        link
        for link in re.findall(r'href="(/[^"#]*)"', page)
        if not link.startswith(("/static/", "/admin/logout/"))
    }
    assert any(f"/booking/{booking.uid}/" in link for link in links)
    for link in sorted(links):
        status = client.get(link.replace("&amp;", "&")).status_code
        assert status in (200, 302), (link, status)


def test_the_first_page_shows_a_host_their_day_week_requests_and_no_shows(
    factory, host, other_host
):
    now = timezone.now()
    event_type = factory.event_type(host, slug="dash", minimum_booking_notice=0)
    confirm = factory.event_type(host, slug="confirm", requires_confirmation=True)
    theirs = factory.event_type(other_host, slug="theirs")
    Booking.objects.all().delete()
    starts = free_starts(event_type, now)
    soon = next(
        s
        for s in starts
        if s - now > timedelta(days=1, hours=12)
        and {s + timedelta(hours=1), s + timedelta(hours=2)} <= set(starts)
    )
    week = factory.book(event_type, soon, now=now, email="week@example.com").booking
    pending = factory.book(confirm, soon + timedelta(hours=1), now=now).booking
    past = factory.book(event_type, soon + timedelta(hours=2), now=now).booking
    Booking.objects.filter(pk=past.pk).update(start=now - timedelta(days=3))
    past.attendees.update(absent=True)
    not_mine = factory.book(theirs, soon, now=now).booking

    page = signed_in(host).get(reverse("admin:index")).content.decode()
    dashboard = page[page.index('id="dashboard"') : page.index('id="content-main"')]
    assert change_url(week) in dashboard.split('id="week"')[1].split("</section>")[0]
    assert change_url(pending) in dashboard.split('id="pending"')[1].split("</section>")[0]
    assert change_url(past) in dashboard.split('id="no-shows"')[1].split("</section>")[0]
    assert (
        "No meetings today." in dashboard
        or change_url(week) not in dashboard.split('id="today"')[1].split("</section>")[0]
    )
    assert change_url(not_mine) not in page
    assert "Attendee" in dashboard  # who booked


def free_starts(event_type, now):
    from bookings import slots

    return [s.start for s in slots.find_slots(event_type, now, now + timedelta(days=14)).slots]


def test_a_host_books_for_an_attendee_through_the_booking_service(factory, host, other_host):
    """The host reads the admin in Asia/Tokyo: the start typed is a Tokyo wall time."""
    event_type = factory.event_type(host, slug="phone", minimum_booking_notice=0)
    theirs = factory.event_type(other_host, slug="theirs")
    client = signed_in(host)
    listing = client.get(reverse("admin:bookings_booking_changelist")).content.decode()
    assert reverse("admin:bookings_booking_book") in listing

    soon = (timezone.now() + timedelta(days=7)).astimezone(ZoneInfo("Asia/Tokyo"))
    monday = soon - timedelta(days=soon.weekday())
    wall = monday.replace(hour=19, minute=0, second=0, microsecond=0)  # 10:00 UTC
    form = {
        "event_type": event_type.pk,
        "start": wall.strftime("%Y-%m-%dT%H:%M"),
        "name": "Phone Caller",
        "email": "caller@example.com",
        "time_zone": "Europe/Paris",
        "notes": "Called in",
    }
    response = client.post(reverse("admin:bookings_booking_book"), form)
    booking = Booking.objects.get(attendees__email="caller@example.com")
    assert response.status_code == 302 and response["Location"] == change_url(booking)
    assert booking.start == wall.astimezone(UTC)
    assert (booking.channel, booking.organizer) == (Channel.ADMIN, host)
    assert booking.history.get().actor == host

    taken = client.post(reverse("admin:bookings_booking_book"), {**form, "email": "b@x.org"})
    assert taken.status_code == 200
    assert "already has a booking" in taken.content.decode()
    foreign = client.post(reverse("admin:bookings_booking_book"), {**form, "event_type": theirs.pk})
    assert "Select a valid choice" in foreign.content.decode()
    assert Booking.objects.count() == 1
