"""The event type admin: it shows every setting, creates event types from the form (emptied
JSON boxes meaning "none"), and saves through eventtypes/services.py, so it refuses what the
services refuse with the message in the form: the model's rules, a host who is not a member of
the team, a schedule that is not the owner's, and a private link with both an expiry time and a
number of uses (one with neither gets one use)."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from eventtypes.admin.event_types import EventTypeAdmin
from eventtypes.models import EventType, Host, PrivateLink
from tests.admin.conftest import add_inline_row, form_data, signed_in
from tests.conftest import utc

pytestmark = pytest.mark.django_db

ADD = reverse("admin:eventtypes_eventtype_add")


def change(event_type) -> str:
    return reverse("admin:eventtypes_eventtype_change", args=[event_type.pk])


def test_event_type_admin_shows_every_setting():
    fieldsets = admin.site._registry[EventType].get_fieldsets(request=None)
    shown = set()
    for _, options in fieldsets:
        for entry in options["fields"]:
            shown.update(entry if isinstance(entry, tuple) else [entry])
    editable = {f.name for f in EventType._meta.concrete_fields if f.editable and not f.primary_key}
    editable -= {"created_at", "updated_at"}
    assert editable <= shown, editable - shown
    assert isinstance(admin.site._registry[EventType], EventTypeAdmin)


def event_type_form(owner, **changes):
    """What the admin's add form posts when only the required boxes are filled in."""
    data = {
        "title": "Pairing session",
        "slug": "pairing",
        "owner": owner.pk,
        "description": "",
        "locations": "link: https://meet.example.com/pairing",
        "custom_title": "",
        "success_redirect_url": "",
        "length_minutes": "30",
        "length_options": "",
        "slot_interval": "",
        "schedule": "",
        "minimum_booking_notice": "60",
        "before_event_buffer": "0",
        "after_event_buffer": "0",
        "booking_window_type": "unlimited",
        "booking_window_days": "",
        "booking_window_start": "",
        "booking_window_end": "",
        "booking_limits_count_0": "2",
        **{f"booking_limits_count_{i}": "" for i in (1, 2, 3)},
        **{f"booking_limits_duration_{i}": "" for i in range(4)},
        "confirmation_threshold_minutes": "",
        "seats_per_time_slot": "",
        "seats_show_availability_count": "on",
        "recurrence_frequency": "",
        "recurrence_interval": "1",
        "recurrence_max_occurrences": "",
        "booking_fields": "",
        "cancellation_cutoff_minutes": "",
        "reschedule_cutoff_minutes": "",
        "reminder_offsets": "",
        "team": "",
        "scheduling_type": "",
        "hosts-TOTAL_FORMS": "0",
        "hosts-INITIAL_FORMS": "0",
        "private_links-TOTAL_FORMS": "0",
        "private_links-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_admin_creates_an_event_type_with_empty_boxes(admin_client, owner):
    response = admin_client.post(reverse("admin:eventtypes_eventtype_add"), event_type_form(owner))

    assert response.status_code == 302, response.context["adminform"].form.errors
    event_type = EventType.objects.get(owner=owner, slug="pairing")
    assert event_type.length_options == [] and event_type.reminder_offsets == []
    assert event_type.booking_limits_count == {"day": 2}
    assert event_type.booking_limits_duration == {}
    assert event_type.locations == [{"type": "link", "link": "https://meet.example.com/pairing"}]


def test_settings_are_plain_text_and_an_untouched_form_changes_nothing(host, make_staff, factory):
    event_type = factory.event_type(
        host,
        slug="rich",
        locations=[
            {"type": "integration", "integration": "cal-video"},
            {"type": "address", "address": "1 Main St"},
            {"type": "attendeePhone"},
        ],
        length_minutes=30,
        length_options=[15, 30, 60],
        reminder_offsets=[1440, 60],
        booking_limits_count={"day": 2, "week": 5},
        booking_fields=[
            {
                "slug": "role",
                "type": "select",
                "label": "Role",
                "required": True,
                "options": ["Engineering", "Design"],
            },
            {"slug": "ref", "type": "text", "label": "Referrer", "hidden": True},
        ],
    )
    client = signed_in(host)
    url = reverse("admin:eventtypes_eventtype_change", args=[event_type.pk])
    page = client.get(url)
    html = page.content.decode()
    assert (
        "video\naddress: 1 Main St\nattendee phone" in html.replace("&#x27;", "'").replace("\r", "")
        or "attendee phone" in html
    )
    data = form_data(page)
    assert data["length_options"] == "15, 30, 60" and data["reminder_offsets"] == "1440, 60"
    assert data["booking_fields"].splitlines() == [
        "role | select | Role | required | Engineering, Design",
        "ref | text | Referrer | hidden",
    ]
    assert not page.context["adminform"].form.__class__(data, instance=event_type).has_changed()
    settings = ("locations", "length_options", "reminder_offsets", "booking_fields")
    before = EventType.objects.filter(pk=event_type.pk).values(*settings).get()
    assert client.post(url, data).status_code == 302
    assert EventType.objects.filter(pk=event_type.pk).values(*settings).get() == before

    data["booking_fields"] += "\nteam | number | Team size | optional"
    data["reminder_offsets"] = "30"
    assert client.post(url, data).status_code == 302
    saved = EventType.objects.get(pk=event_type.pk)
    assert saved.booking_fields[-1] == {
        "slug": "team",
        "type": "number",
        "label": "Team size",
        "required": False,
    }
    assert saved.reminder_offsets == [30]
    assert saved.locations == event_type.locations

    data["booking_fields"] += "\nbad line"
    data["locations"] += "\nmoon base"
    refused = client.post(url, data)
    errors = refused.context["adminform"].form.errors
    assert "needs at least a slug" in errors["booking_fields"][0]
    assert "'moon base' is not a location" in errors["locations"][0]


def test_admin_refuses_an_event_type_that_breaks_the_rules(admin_client, owner):
    form = event_type_form(
        owner,
        seats_per_time_slot="5",
        recurrence_frequency="weekly",
        recurrence_max_occurrences="4",
    )

    response = admin_client.post(reverse("admin:eventtypes_eventtype_add"), form)

    assert response.status_code == 200
    assert "cannot be both recurring and seated" in response.content.decode()
    assert not EventType.objects.filter(slug="pairing").exists()


# --- Hosts of team event types --------------------------------------------------------------------


def not_members(users, team) -> str:
    return f"Users {', '.join(str(u.pk) for u in users)} are not members of team {team.pk}."


def host_row(user) -> dict:
    return {
        "user": user.pk,
        "priority": str(Host.Priority.MEDIUM),
        "weight": "100",
        "schedule": "",
    }


def test_adding_a_team_event_type_refuses_a_host_outside_the_team(
    admin_client, owner, team, cohost, outsider
):
    form = {**event_type_form(owner), "owner": "", "team": team.pk, "scheduling_type": "collective"}
    add_inline_row(form, "hosts", **host_row(cohost))
    add_inline_row(form, "hosts", **host_row(outsider))

    response = admin_client.post(ADD, form)

    assert response.status_code == 200
    assert not_members([outsider], team) in response.content.decode()
    assert not EventType.objects.filter(slug="pairing").exists()
    assert not Host.objects.exists()


def test_changing_a_team_event_type_refuses_a_host_outside_the_team(
    admin_client, factory, team, cohost, outsider
):
    event_type = factory.event_type(team=team, scheduling_type="collective", hosts=[cohost])
    data = form_data(admin_client.get(change(event_type)))
    add_inline_row(data, "hosts", **host_row(outsider))

    response = admin_client.post(change(event_type), data)

    assert response.status_code == 200
    assert not_members([outsider], team) in response.content.decode()
    assert [host.user for host in Host.objects.all()] == [cohost]


# --- The schedule of a personal event type ------------------------------------------------------


def not_yours(schedule) -> str:
    return f"Schedule {schedule.pk} does not exist or is not yours."


def test_adding_an_event_type_refuses_a_schedule_of_another_user(
    admin_client, factory, owner, outsider
):
    theirs = factory.schedule(outsider, name="Olga's evenings")

    response = admin_client.post(ADD, event_type_form(owner, schedule=theirs.pk))

    assert response.status_code == 200
    assert not_yours(theirs) in response.content.decode()
    assert not EventType.objects.filter(slug="pairing").exists()


def test_changing_an_event_type_refuses_a_schedule_of_another_user(
    admin_client, factory, owner, outsider
):
    event_type = factory.event_type(owner)
    theirs = factory.schedule(outsider, name="Olga's evenings")
    data = form_data(admin_client.get(change(event_type)))
    data["schedule"] = theirs.pk

    response = admin_client.post(change(event_type), data)

    assert response.status_code == 200
    assert not_yours(theirs) in response.content.decode()
    fresh = EventType.objects.get(pk=event_type.pk)
    assert (fresh.schedule_id, fresh.updated_at) == (None, event_type.updated_at)


# --- Private links ------------------------------------------------------------------------------


def test_a_private_link_with_an_expiry_and_a_number_of_uses_is_refused(factory, make_staff, owner):
    client = signed_in(make_staff(owner))
    event_type = factory.event_type(owner)
    expiry = timezone.localtime(timezone.now() + timedelta(days=30))
    data = form_data(client.get(change(event_type)))
    add_inline_row(
        data,
        "private_links",
        expires_at_0=expiry.strftime("%Y-%m-%d"),
        expires_at_1=expiry.strftime("%H:%M:%S"),
        max_uses="3",
    )

    response = client.post(change(event_type), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "A private link expires at a time or after a number of uses, not both." in page
    assert not PrivateLink.objects.exists()


def test_a_private_link_with_no_expiry_and_no_number_of_uses_gets_one_use(
    factory, make_staff, owner
):
    client = signed_in(make_staff(owner))
    event_type = factory.event_type(owner)
    data = form_data(client.get(change(event_type)))
    # The new row offers one use; the host empties the box.
    add_inline_row(data, "private_links", expires_at_0="", expires_at_1="", max_uses="")

    response = client.post(change(event_type), data)

    assert response.status_code == 302, response.context["inline_admin_formsets"]
    link = PrivateLink.objects.get(event_type=event_type)
    assert (link.expires_at, link.max_uses, link.uses) == (None, 1, 0)


def test_a_host_row_without_a_user_is_a_form_error(admin_client, factory, team, cohost):
    event_type = factory.event_type(team=team, scheduling_type="collective", hosts=[cohost])
    data = form_data(admin_client.get(change(event_type)))
    add_inline_row(data, "hosts", **{**host_row(cohost), "user": "", "priority": "3"})

    response = admin_client.post(change(event_type), data)

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert [host.user for host in Host.objects.all()] == [cohost]


def test_deleting_an_event_type_in_the_admin_keeps_its_bookings(admin_client, factory, owner):
    event_type = factory.event_type(owner)
    booking = factory.book(event_type, utc(2049, 1, 5, 10)).booking
    url = reverse("admin:eventtypes_eventtype_delete", args=[event_type.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not EventType.objects.filter(pk=event_type.pk).exists()
    booking.refresh_from_db()
    assert booking.event_type is None
