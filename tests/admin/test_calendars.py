"""The hosts' calendar connections in the admin: added by URL and app password, listed with
their sync state (and the error while their server is down), calendars switched, and nothing
of another host's shown."""

from django.urls import reverse

from calendars.models import Calendar, Connection
from tests.admin.conftest import form_data, messages_of, signed_in
from tests.calendar_server import PASSWORD, USER


def test_a_host_connects_caldav_sees_its_state_and_the_error_while_it_is_down(
    host, host_client, other_host, radicale
):
    radicale.make_calendar("work", "Work")
    radicale.make_calendar("home", "Home")
    add_url = reverse("admin:calendars_connection_add")
    page = host_client.get(add_url)
    assert page.status_code == 200
    wrong = host_client.post(
        add_url, {"kind": "caldav", "url": radicale.url, "username": USER, "password": "nope"}
    )
    assert "refused the user name or password" in wrong.content.decode()
    added = host_client.post(
        add_url, {"kind": "caldav", "url": radicale.url, "username": USER, "password": PASSWORD}
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    connection = Connection.objects.get(user=host)
    assert connection.calendars.count() == 2
    assert PASSWORD not in connection.encrypted_password

    listing = host_client.get(reverse("admin:calendars_connection_changelist"))
    assert "OK, 0 min ago" in listing.content.decode()
    assert radicale.url in listing.content.decode()
    other = signed_in(other_host).get(reverse("admin:calendars_connection_changelist"))
    assert radicale.url not in other.content.decode()

    # Home receives bookings instead of Work, and Work stops blocking slots.
    change_url = reverse("admin:calendars_connection_change", args=[connection.pk])
    page = host_client.get(change_url)
    data = form_data(page)
    rows = {str(data[f"calendars-{i}-id"]): i for i in range(2)}
    home = Calendar.objects.get(name="Home")
    work = Calendar.objects.get(name="Work")
    data[f"calendars-{rows[str(home.pk)]}-add_bookings"] = "on"
    data.pop(f"calendars-{rows[str(work.pk)]}-add_bookings", None)
    data.pop(f"calendars-{rows[str(work.pk)]}-check_conflicts", None)
    saved = host_client.post(change_url, data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    home.refresh_from_db(), work.refresh_from_db()
    assert home.add_bookings and not work.add_bookings and not work.check_conflicts

    radicale.stop()
    synced = host_client.post(
        reverse("admin:calendars_connection_changelist"),
        {"action": "sync_now", "_selected_action": [connection.pk]},
        follow=True,
    )
    assert any("Connection refused" in m for m in messages_of(synced))
    listing = host_client.get(reverse("admin:calendars_connection_changelist"))
    assert "Failing (1 attempts): Connection refused" in listing.content.decode()
