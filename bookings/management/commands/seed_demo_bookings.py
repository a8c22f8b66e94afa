"""Bookings for the demo host of seed_demo, to try the admin on: two past ones (record
attendance or a no-show), two requests to confirm, one to come and one cancelled.

Only for a demo host without bookings, so that running it again (as `make run` does on every
start) adds none. Only the requests email anyone (the host is asked to confirm them). Also the
demo host's webhook subscription to the local receiver of `manage.py receive_webhooks`.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bookings import slots
from bookings.models import Booking
from bookings.services import (
    Actor,
    AttendeeInput,
    BookingRequest,
    cancel_booking,
    create_booking,
)
from eventtypes.models import EventType
from webhooks.management.commands.receive_webhooks import DEFAULT_PORT as RECEIVER_PORT
from webhooks.management.commands.receive_webhooks import subscribe
from webhooks.subscriptions import update_subscription

FORTNIGHT = timedelta(days=14)


class Command(BaseCommand):
    help = "Add sample bookings to the demo host of seed_demo (once)."

    def handle(self, *args, **options):
        demo = User.objects.filter(username="demo").first()
        if demo is None:
            self.stdout.write("No demo host: run seed_demo first.")
            return
        if Booking.objects.filter(organizer=demo).exists():
            self.stdout.write("The demo host has bookings already; none added.")
            return
        with transaction.atomic():
            made = self.seed(demo, timezone.now())
            demo_subscription(demo)
        self.stdout.write(f"Sample bookings of demo: {made}.")

    def seed(self, demo, now) -> int:
        intro = EventType.objects.get(owner=demo, slug="intro")
        discovery = EventType.objects.get(owner=demo, slug="discovery")
        earlier = now - timedelta(days=10)
        past = free(intro, earlier + timedelta(days=1), now - timedelta(days=1), now=earlier)
        upcoming = free(intro, now + timedelta(days=1), now + FORTNIGHT)
        requests = free(discovery, now + timedelta(days=1), now + FORTNIGHT)
        made = 0
        if len(past) >= 20:
            book(intro, past[0], "Paula Past", now=earlier)
            book(intro, past[19], "Nick Noshow", now=earlier)
            made += 2
        if len(upcoming) >= 10 and len(requests) >= 12:
            book(intro, upcoming[0], "Ulla Upcoming")
            cancelled = book(intro, upcoming[9], "Carl Cancelled")
            cancel_booking(
                cancelled, Actor.attendee(cancelled.attendees.get().email), reason="Plans changed"
            )
            book(discovery, requests[3], "Petra Pending", quiet=False)
            book(discovery, requests[11], "Rita Request", quiet=False)
            made += 4
        return made


def demo_subscription(demo):
    """The demo host's subscription to the local receiver (`manage.py receive_webhooks`),
    paused until the receiver starts and resumes it. Only where webhooks may reach this
    machine (WEBHOOKS_ALLOW_PRIVATE_NETWORKS, on with DEBUG)."""
    if not settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        return
    subscription = subscribe(demo, f"http://127.0.0.1:{RECEIVER_PORT}/")
    update_subscription(subscription, active=False)


def free(event_type, start, end, **options):
    return [slot.start for slot in slots.find_slots(event_type, start, end, **options).slots]


def book(event_type, start, name, *, now=None, quiet=True):
    email = f"{name.split()[0].lower()}@example.com"
    attendee = AttendeeInput(name=name, email=email, time_zone="Europe/London")
    request = BookingRequest(start=start, attendee=attendee, skip_notifications=quiet)
    return create_booking(event_type, request, Actor.attendee(email), now=now).booking
