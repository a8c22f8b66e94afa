"""The first page of the admin for a host: today's meetings, the next seven days, requests
waiting for their confirmation, and recent no-shows, each linking to the booking."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch

from bookings.admin.display import booking_change_url, user_zone
from bookings.models import Attendee, Booking

ROWS = 10
NO_SHOW_DAYS = 30


@dataclass
class Row:
    booking: Booking
    when: str
    attendees: str

    @property
    def url(self) -> str:
        return booking_change_url(self.booking)


@dataclass
class Dashboard:
    zone: str
    today: list[Row]
    week: list[Row]
    pending: list[Row]
    no_shows: list[Row]

    @property
    def is_empty(self) -> bool:
        return not (self.today or self.week or self.pending or self.no_shows)


def dashboard_for(user, now: datetime) -> Dashboard:
    zone = user_zone(user)
    midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = (midnight + timedelta(days=1)).replace(tzinfo=zone)
    in_a_week = (midnight + timedelta(days=8)).replace(tzinfo=zone)
    bookings = (
        Booking.objects.managed_by(user)
        .select_related("event_type")
        .prefetch_related(Prefetch("attendees", queryset=Attendee.objects.order_by("id")))
        .order_by("start")
    )
    standing = bookings.blocking()
    absent = Attendee.objects.filter(booking=OuterRef("pk"), absent=True)

    def rows(queryset):
        return [
            Row(
                booking,
                booking.start.astimezone(zone).strftime("%a %-d %b, %H:%M"),
                ", ".join(a.name for a in booking.attendees.all()),
            )
            for booking in queryset[:ROWS]
        ]

    return Dashboard(
        zone=str(zone),
        today=rows(standing.filter(start__gte=midnight, start__lt=tomorrow)),
        week=rows(standing.filter(start__gte=tomorrow, start__lt=in_a_week)),
        pending=rows(
            bookings.filter(
                status=Booking.Status.PENDING,
                pending_on=Booking.PendingOn.HOST,
                end__gt=now,
            )
        ),
        no_shows=rows(
            bookings.filter(Exists(absent), start__gte=now - timedelta(days=NO_SHOW_DAYS)).order_by(
                "-start"
            )
        ),
    )
