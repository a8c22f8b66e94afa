"""Booking list filters with the lifecycle's meaning (DESIGN "Booking lifecycle")."""

from django.db.models import Exists, OuterRef, Q

from bookings.models import Attendee, Booking, BookingHost

STATUS_FILTERS = (
    "upcoming",
    "recurring",
    "past",
    "cancelled",
    "unconfirmed",
    "pending",
    "accepted",
    "confirmed",
    "rejected",
    "completed",
    "no_show",
)
CLOSED = (Booking.Status.CANCELLED, Booking.Status.REJECTED)


def status_condition(name: str, now) -> Q:
    absent_attendee = Exists(Attendee.objects.filter(booking=OuterRef("pk"), absent=True))
    absent_host = Exists(BookingHost.objects.filter(booking=OuterRef("pk"), absent=True))
    open_ = ~Q(status__in=CLOSED)
    return {
        "upcoming": open_ & Q(end__gte=now),
        "recurring": open_ & Q(end__gte=now, recurring_series__isnull=False),
        "past": open_ & Q(end__lte=now),
        "cancelled": Q(status__in=CLOSED),
        "unconfirmed": Q(status=Booking.Status.PENDING, end__gte=now),
        "pending": Q(status=Booking.Status.PENDING),
        "accepted": Q(status=Booking.Status.ACCEPTED),
        "confirmed": Q(status=Booking.Status.ACCEPTED),
        "rejected": Q(status=Booking.Status.REJECTED),
        "completed": Q(status=Booking.Status.ACCEPTED, end__lte=now)
        & ~Q(absent_attendee)
        & ~Q(absent_host),
        "no_show": Q(absent_attendee),
    }[name]


def filter_by_statuses(bookings, names, now):
    condition = Q()
    for name in names:
        condition |= status_condition(name, now)
    return bookings.filter(condition)
