"""The read-only booking pages around the bookings in the admin: holds on slots (listed for the
host whose time they hold, never added) and recurring series (listed for their host, with links
to their occurrences, never added)."""

import pytest
from django.urls import reverse

from bookings.services import reserve_slot
from tests.admin.conftest import START, change_url
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_reservations_are_listed_read_only_for_their_host(host_client, factory, host, other_host):
    mine = reserve_slot(factory.event_type(host), START, now=NOW)
    reserve_slot(factory.event_type(other_host), START, now=NOW)

    response = host_client.get(reverse("admin:bookings_slotreservation_changelist"))

    assert list(response.context["cl"].result_list) == [mine]
    url = reverse("admin:bookings_slotreservation_change", args=[mine.pk])
    assert host_client.get(url).context["title"] == "View slot reservation"
    assert host_client.get(reverse("admin:bookings_slotreservation_add")).status_code == 403


def test_a_series_shows_its_occurrences(host_client, factory, host):
    event_type = factory.event_type(
        host, recurrence_frequency="weekly", recurrence_max_occurrences=3
    )
    occurrences = factory.book(event_type, START, now=NOW, recurrence_count=3).bookings
    series = occurrences[0].recurring_series

    listed = host_client.get(reverse("admin:bookings_recurringseries_changelist"))
    assert list(listed.context["cl"].result_list) == [series]
    page = host_client.get(reverse("admin:bookings_recurringseries_change", args=[series.pk]))

    assert page.status_code == 200
    for occurrence in occurrences:
        assert change_url(occurrence) in page.content.decode()
    add = reverse("admin:bookings_recurringseries_add")
    assert host_client.get(add).status_code == 403
