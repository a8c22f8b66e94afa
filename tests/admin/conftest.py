"""What the admin tests share: the hosts group seed_demo gives hosts, staff hosts made from the
shared people of tests/conftest.py (or new ones), a signed-in client for any user, the seeded
demo, and the form data a browser posts from an admin page as it was rendered."""

from io import StringIO

import pytest
from django import forms
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from eventtypes.management.commands.seed_demo import (
    HOST_BOOKING_PERMISSIONS,
    HOST_PERMISSIONS,
    HOSTS_GROUP,
)
from tests.conftest import utc

START = utc(2049, 1, 4, 10, 0)  # Monday 10:00 UTC, in the hosts' 9-17 UTC hours, after NOW


@pytest.fixture
def hosts_group(db):
    """The group seed_demo gives hosts, with the same permissions."""
    group = Group.objects.create(name=HOSTS_GROUP)
    group.permissions.set(Permission.objects.filter(HOST_PERMISSIONS | HOST_BOOKING_PERMISSIONS))
    return group


@pytest.fixture
def make_staff(hosts_group):
    """make_staff(user) -> the user, now staff in the hosts group (as seed_demo makes hosts)."""

    def make(user, *, time_zone=None):
        user.is_staff = True
        if time_zone is not None:
            user.time_zone = time_zone
        user.save(update_fields=["is_staff", "time_zone"])
        user.groups.add(hosts_group)
        return user

    return make


@pytest.fixture
def make_host(factory, make_staff):
    def make(username, *, time_zone="UTC"):
        # Working hours stay 9-17 UTC whatever zone the host reads the admin in.
        return make_staff(factory.user(username), time_zone=time_zone)

    return make


@pytest.fixture
def host(make_host):
    return make_host("hana", time_zone="Asia/Tokyo")


@pytest.fixture
def other_host(make_host):
    return make_host("otto")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def host_client(host):
    return signed_in(host)


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())


def change_url(booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- What a browser posts -------------------------------------------------------------------------


def form_data(response) -> dict:
    """What the browser posts from an admin add or change page when nothing is typed: the main
    form's fields as shown, and each inline's management form and rows as shown."""
    data = {}
    _add_fields(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({field.html_name: field.value() for field in formset.management_form})
        for form in formset.forms:
            _add_fields(data, form)
    return data


def add_inline_row(data: dict, prefix: str, **fields) -> dict:
    """Add a row to the inline `prefix` of posted form data, as "Add another" and typing do."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})
    return data


def _add_fields(data: dict, form) -> None:
    for field in form:
        widget = field.field.widget
        value = field.value()
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            for suffix, part in zip(widget.widgets_names, parts, strict=True):
                if part not in (None, ""):
                    data[field.html_name + suffix] = part
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = value
        if field.field.show_hidden_initial and value is not None:
            data[field.html_initial_name] = value  # the hidden copy of a callable default
