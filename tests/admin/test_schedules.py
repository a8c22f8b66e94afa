"""The schedule admin: schedules with weekly hours and date overrides, saved through
eventtypes/services.py, so that a user keeps exactly one default schedule: a new default
replaces the old one, a user's first schedule becomes the default, and the default cannot be
unset (another schedule must become the default instead)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from eventtypes.models import Schedule
from tests.admin.conftest import form_data, messages_of, signed_in

pytestmark = pytest.mark.django_db

ADD = reverse("admin:eventtypes_schedule_add")


def schedule_form(owner, name, **changes):
    """What the add form posts for a schedule with Wednesday mornings and no overrides."""
    data = {
        "owner": owner.pk,
        "name": name,
        "time_zone": "Europe/Paris",
        "weekly-TOTAL_FORMS": "1",
        "weekly-INITIAL_FORMS": "0",
        "weekly-0-weekday": "2",
        "weekly-0-start_time": "08:00",
        "weekly-0-end_time": "11:00",
        "overrides-TOTAL_FORMS": "0",
        "overrides-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def defaults_of(user) -> list[str]:
    return list(Schedule.objects.filter(owner=user, is_default=True).values_list("name", flat=True))


def test_admin_creates_a_schedule_with_weekly_hours(admin_client, owner):
    form = {
        "owner": owner.pk,
        "name": "Mornings",
        "time_zone": "Asia/Tokyo",
        "weekly-TOTAL_FORMS": "1",
        "weekly-INITIAL_FORMS": "0",
        "weekly-0-weekday": "2",
        "weekly-0-start_time": "08:00",
        "weekly-0-end_time": "11:00",
        "overrides-TOTAL_FORMS": "1",
        "overrides-INITIAL_FORMS": "0",
        "overrides-0-date": "2027-03-03",
        "overrides-0-start_time": "",
        "overrides-0-end_time": "",
    }

    response = admin_client.post(reverse("admin:eventtypes_schedule_add"), form)

    assert response.status_code == 302
    schedule = Schedule.objects.get(owner=owner, name="Mornings")
    assert [str(w) for w in schedule.weekly.all()] == ["Wednesday 08:00–11:00"]
    assert [str(o) for o in schedule.overrides.all()] == ["2027-03-03: unavailable"]

    form["name"], form["weekly-0-end_time"] = "Backwards", "07:00"
    response = admin_client.post(reverse("admin:eventtypes_schedule_add"), form)
    assert response.status_code == 200
    assert "The end time must be after the start time." in response.content.decode()


def test_a_new_default_schedule_replaces_the_old_one(make_staff, owner):
    client = signed_in(make_staff(owner))
    old = Schedule.objects.get(owner=owner, is_default=True)

    response = client.post(ADD, schedule_form(owner, "Evenings", is_default="on"))

    assert response.status_code == 302
    assert defaults_of(owner) == ["Evenings"]
    old.refresh_from_db()
    assert not old.is_default
    assert Schedule.objects.filter(owner=owner).count() == 2


def test_the_first_schedule_of_a_user_becomes_the_default(make_staff):
    newcomer = get_user_model().objects.create_user("nina", "nina@example.com", "secret")
    client = signed_in(make_staff(newcomer))

    response = client.post(ADD, schedule_form(newcomer, "Mornings"))  # is_default unticked

    assert response.status_code == 302
    assert defaults_of(newcomer) == ["Mornings"]
    schedule = Schedule.objects.get(owner=newcomer)
    assert [str(w) for w in schedule.weekly.all()] == ["Wednesday 08:00–11:00"]


def test_unticking_the_default_on_the_default_schedule_is_refused(make_staff, owner):
    client = signed_in(make_staff(owner))
    default = Schedule.objects.get(owner=owner, is_default=True)
    weekly = [str(w) for w in default.weekly.all()]
    url = reverse("admin:eventtypes_schedule_change", args=[default.pk])
    data = form_data(client.get(url))
    assert data.pop("is_default") == "on"

    response = client.post(url, data)

    assert response.status_code == 200
    error = (
        f"Schedule {default.pk} is your default; make another schedule the default instead of "
        "unsetting this one."
    )
    assert response.context["adminform"].form.errors["is_default"] == [error]
    assert error in response.content.decode()
    fresh = Schedule.objects.get(pk=default.pk)
    assert fresh.is_default and fresh.updated_at == default.updated_at
    assert [str(w) for w in fresh.weekly.all()] == weekly
    assert defaults_of(owner) == [default.name]


def test_the_default_schedule_cannot_be_deleted_while_there_are_others(make_staff, owner, factory):
    client = signed_in(make_staff(owner))
    default = Schedule.objects.get(owner=owner, is_default=True)
    factory.schedule(owner, name="Evenings")
    url = reverse("admin:eventtypes_schedule_delete", args=[default.pk])

    for response in (client.get(url, follow=True), client.post(url, {"post": "yes"}, follow=True)):
        assert response.redirect_chain[-1][0] == reverse(
            "admin:eventtypes_schedule_change", args=[default.pk]
        )
        assert messages_of(response) == [
            f"Schedule {default.pk} is your default; make another schedule the default before "
            "deleting this one."
        ]
    assert Schedule.objects.filter(pk=default.pk, is_default=True).exists()


def test_another_schedule_is_deleted_through_the_admin(make_staff, owner, factory):
    client = signed_in(make_staff(owner))
    evenings = factory.schedule(owner, name="Evenings")
    url = reverse("admin:eventtypes_schedule_delete", args=[evenings.pk])

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Schedule.objects.filter(pk=evenings.pk).exists()


def test_saving_a_schedule_without_touching_its_hours_keeps_them(make_staff, owner):
    client = signed_in(make_staff(owner))
    default = Schedule.objects.get(owner=owner, is_default=True)
    rows = list(default.weekly.values_list("pk", flat=True))
    url = reverse("admin:eventtypes_schedule_change", args=[default.pk])
    data = form_data(client.get(url))
    data["name"] = "Office hours"

    response = client.post(url, data)

    assert response.status_code == 302
    default.refresh_from_db()
    assert default.name == "Office hours"
    assert list(default.weekly.values_list("pk", flat=True)) == rows
