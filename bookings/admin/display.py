"""How the booking admin pages show times, links and data, and their read-only parts."""

import json
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from accounts.timezones import is_valid_time_zone

UTC = ZoneInfo("UTC")


def user_zone(user) -> ZoneInfo:
    name = getattr(user, "time_zone", "") or "UTC"
    return ZoneInfo(name) if is_valid_time_zone(name) else UTC


def wall_time(moment, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def booking_change_url(booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


def booking_link(booking):
    if booking is None:
        return None
    return format_html('<a href="{}">{}</a>', booking_change_url(booking), booking)


def person(user):
    """A user as text with their address: hosts may not open other users' admin pages, so a
    link there would be a dead end."""
    if user is None:
        return None
    return format_html(
        '{} &lt;<a href="mailto:{}">{}</a>&gt;', user.display_name, user.email, user.email
    )


def pretty_json(value):
    if not value:
        return None
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


class ViewOnly:
    """Shown, never added, changed or deleted here: changes go through the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ViewOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields
