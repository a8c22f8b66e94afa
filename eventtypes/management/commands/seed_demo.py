"""Demo data for a fresh installation: an admin, two hosts, a team and one event type of each kind.

Idempotent: rows are looked up by username or slug and only created when missing, so running it
again (as `make run` does on every start) neither duplicates anything nor undoes edits made in
the admin since.
"""

from datetime import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Team
from calendars import syncing
from calendars.demo_feed import demo_feed_bytes
from calendars.models import Calendar, Connection
from eventtypes.models import EventType, Host, Schedule, WeeklyAvailability

WORKDAYS = range(5)  # Monday to Friday
CAL_VIDEO = [{"type": "integration", "integration": "cal-video"}]

HOSTS_GROUP = "Hosts"
# What a host manages in the admin; the admin classes narrow every list to the host's own rows.
HOST_PERMISSIONS = Q(content_type__app_label="eventtypes") | Q(
    content_type__app_label="accounts",
    content_type__model="apikey",
    codename__regex=r"^(view|add|change)_",
)
# Their bookings, and the outbox events about them (read only); their webhooks, and the
# deliveries of these (read, and sent again).
HOST_BOOKING_PERMISSIONS = (
    Q(content_type__app_label="bookings", codename__regex=r"^(view|change)_")
    | Q(content_type__app_label="webhooks", codename="view_event")
    | Q(content_type__app_label="webhooks", content_type__model="subscription")
    # Their calendar connections, the calendars found there, the bookings written into them.
    | Q(content_type__app_label="calendars", content_type__model="connection")
    | Q(
        content_type__app_label="calendars",
        content_type__model__in=["calendar", "bookingreference"],
        codename__regex=r"^(view|change)_",
    )
    | Q(
        content_type__app_label="webhooks",
        content_type__model__in=["delivery", "attempt"],
        codename__regex=r"^(view|change)_",
    )
)

INTERVIEW_QUESTIONS = [
    {
        "slug": "role",
        "type": "select",
        "label": "Which role are you applying for?",
        "required": True,
        "options": ["Engineering", "Design", "Product", "Support"],
    },
    {"slug": "company", "type": "text", "label": "Current company", "required": False},
    {
        "slug": "newsletter",
        "type": "boolean",
        "label": "Send me the monthly newsletter",
        "required": False,
    },
]


class Command(BaseCommand):
    help = "Create demo users, schedules, a team and event types (safe to run repeatedly)."

    def handle(self, *args, **options):
        with transaction.atomic():
            self.created = []
            self.seed()
        if self.created:
            self.stdout.write(f"Created: {', '.join(self.created)}.")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        site = settings.SITE_URL
        self.stdout.write(
            self.style.SUCCESS(f"Admin: {site}/admin/ user admin password admin")
            + f"\nHost login: {site}/admin/ user demo password demo"
            + f"\nStart page: {site}/"
            + "\nPublic booking pages:"
            + f"\n  {site}/demo/intro/"
            + f"\n  {site}/team/demo-team/support/"
        )

    def seed(self):
        self.user("admin", "admin", is_staff=True, is_superuser=True, name="Admin")
        demo = self.user(
            "demo",
            "demo",
            is_staff=True,
            name="Dana Demo",
            email="demo@example.com",
            time_zone="Europe/Berlin",
        )
        nora = self.user(
            "nora",
            None,
            name="Nora Newyork",
            email="nora@example.com",
            time_zone="America/New_York",
        )
        self.hosts_group(demo)

        self.schedule(demo, [(time(9), time(12, 30)), (time(13, 30), time(17))])
        self.demo_calendar(demo)
        self.schedule(nora, [(time(9), time(17))])

        team, created = Team.objects.get_or_create(
            slug="demo-team", organization=None, defaults={"name": "Demo Team"}
        )
        self.note(created, "team demo-team")
        Membership.objects.get_or_create(
            user=demo, team=team, defaults={"role": Membership.Role.OWNER}
        )
        Membership.objects.get_or_create(
            user=nora, team=team, defaults={"role": Membership.Role.MEMBER}
        )

        self.event_type(
            owner=demo,
            slug="intro",
            title="Intro call",
            description="A short first conversation.",
        )
        self.event_type(
            owner=demo,
            slug="consultation",
            title="Consultation",
            description="Pick the length that suits you.",
            length_minutes=30,
            length_options=[15, 30, 60],
        )
        self.event_type(
            owner=demo,
            slug="discovery",
            title="Discovery session",
            description="Dana confirms each request personally.",
            length_minutes=45,
            requires_confirmation=True,
        )
        self.event_type(
            owner=demo,
            slug="weekly-coaching",
            title="Weekly coaching",
            description="Eight weekly sessions at the same time.",
            length_minutes=60,
            recurrence_frequency=EventType.RecurrenceFrequency.WEEKLY,
            recurrence_interval=1,
            recurrence_max_occurrences=8,
        )
        self.event_type(
            owner=demo,
            slug="workshop",
            title="Group workshop",
            description="Up to five participants per session.",
            length_minutes=90,
            seats_per_time_slot=5,
            seats_show_attendees=False,
        )
        self.event_type(
            owner=demo,
            slug="interview",
            title="Job interview",
            description="Tell us a little about yourself before we meet.",
            length_minutes=45,
            booking_fields=INTERVIEW_QUESTIONS,
            before_event_buffer=10,
            after_event_buffer=15,
        )
        self.event_type(
            team=team,
            slug="support",
            title="Support call",
            description="Whoever of the team is free takes the call.",
            scheduling_type=EventType.SchedulingType.ROUND_ROBIN,
            hosts=[
                (demo, {"priority": Host.Priority.HIGH}),
                (nora, {"priority": Host.Priority.MEDIUM}),
            ],
        )
        self.event_type(
            team=team,
            slug="team-sync",
            title="Team sync",
            description="Meet the whole team at once.",
            scheduling_type=EventType.SchedulingType.COLLECTIVE,
            hosts=[(demo, {"is_fixed": True}), (nora, {"is_fixed": True})],
        )

    def note(self, created, label):
        if created:
            self.created.append(label)

    def user(self, username, password, *, is_staff=False, is_superuser=False, **profile):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={"is_staff": is_staff, "is_superuser": is_superuser, **profile},
        )
        if created:
            # Only on creation: a password changed since is left alone.
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.full_clean()
            user.save()
        self.note(created, f"user {username}")
        return user

    def hosts_group(self, user):
        group, created = Group.objects.get_or_create(name=HOSTS_GROUP)
        self.note(created, f"group {HOSTS_GROUP}")
        # A group seeded by an earlier version lacks what hosts have been given since.
        wanted = Permission.objects.filter(HOST_PERMISSIONS | HOST_BOOKING_PERMISSIONS)
        missing = list(wanted.exclude(pk__in=group.permissions.values("pk")))
        if missing:
            group.permissions.add(*missing)
            self.note(not created, f"permissions of group {HOSTS_GROUP}")
        user.groups.add(group)

    def demo_calendar(self, user):
        """Dana's personal calendar, an ICS feed Rendezvous serves itself: its events block
        her slots. Read from the file now; later syncs fetch it over HTTP like any feed."""
        url = settings.SITE_URL + reverse("pages:demo-calendar")
        connection, created = Connection.objects.get_or_create(
            user=user, kind=Connection.Kind.ICS, url=url
        )
        calendar, _ = Calendar.objects.get_or_create(
            connection=connection,
            user=user,
            url=url,
            defaults={"name": "Dana's personal calendar (demo feed)"},
        )
        now = timezone.now()
        syncing.store_feed(connection, calendar, demo_feed_bytes(), now)
        Connection.objects.filter(pk=connection.pk).update(synced_at=now, last_error="")
        self.note(created, "demo calendar feed")

    def schedule(self, owner, daily_intervals):
        schedule, created = Schedule.objects.get_or_create(
            owner=owner,
            is_default=True,
            defaults={"name": "Working hours", "time_zone": owner.time_zone},
        )
        if created:
            for weekday in WORKDAYS:
                for start, end in daily_intervals:
                    row = WeeklyAvailability(
                        schedule=schedule, weekday=weekday, start_time=start, end_time=end
                    )
                    row.full_clean()
                    row.save()
        self.note(created, f"schedule of {owner.username}")
        return schedule

    def event_type(self, *, slug, owner=None, team=None, hosts=(), **fields):
        lookup = {"owner": owner} if owner else {"team": team}
        event_type = EventType.objects.filter(slug=slug, **lookup).first()
        created = event_type is None
        if created:
            fields = {"minimum_booking_notice": 60, "locations": CAL_VIDEO, **fields}
            event_type = EventType(slug=slug, owner=owner, team=team, **fields)
            event_type.full_clean()
            event_type.save()
        for user, host_fields in hosts:
            Host.objects.get_or_create(event_type=event_type, user=user, defaults=host_fields)
        owner_path = owner.username if owner else f"team/{team.slug}"
        self.note(created, f"event type {owner_path}/{slug}")
        return event_type
