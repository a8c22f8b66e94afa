"""What the page tests share: the first free start of an event type by the real clock (the pages
use it), and a booking form's fields as the browser would post them."""

import re
from datetime import timedelta

from django.utils import timezone

from accounts.timezones import iso_utc
from bookings import slots

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_starts(event_type, days=40, **options):
    now = timezone.now()
    return [
        s.start
        for s in slots.find_slots(event_type, now, now + timedelta(days=days), **options).slots
    ]


def form_data(start, *, name="Ada Lovelace", email="ada@example.com", zone="Europe/Berlin", **more):
    return {
        "start": iso_utc(start),
        "attendeeTimeZone": zone,
        "format": "24h",
        "name": name,
        "email": email,
        **more,
    }
