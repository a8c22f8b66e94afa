"""Bookings made with the built-in video location pointed at /video/<uid>, a page that never
existed; they get a room of their own on the configured Jitsi Meet server."""

import secrets

from django.conf import settings
from django.db import migrations


def give_rooms(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    for booking in Booking.objects.filter(meeting_url__contains="/video/").iterator():
        if not booking.meeting_url.endswith(f"/video/{booking.uid}"):
            continue
        room = f"{settings.VIDEO_ROOM_BASE_URL}/Rendezvous-{secrets.token_urlsafe(12)}"
        if booking.location == booking.meeting_url:
            booking.location = room
        booking.meeting_url = room
        booking.save(update_fields=["location", "meeting_url"])


class Migration(migrations.Migration):
    dependencies = [("bookings", "0006_meeting_announcements")]

    operations = [migrations.RunPython(give_rooms, migrations.RunPython.noop)]
