"""Who may see and manage which bookings.

A uid identifies a booking; it never authorises more than what an attendee may do (read,
cancel, reschedule). Managing (confirm, decline, attendance, attendees, notes...) belongs to
the booking's hosts, the owner of its event type, and the owners and admins of its team.
"""

from django.db.models import Exists, OuterRef, Q

from bookings.models import Booking, BookingHost
from eventtypes.permissions import administered_team_ids


def managed_bookings(user):
    """Bookings the user manages, as a queryset (no duplicates, no joins that multiply rows)."""
    if user is None or not user.is_authenticated:
        return Booking.objects.none()
    if user.is_superuser:
        return Booking.objects.all()
    hosted = BookingHost.objects.filter(booking=OuterRef("pk"), user=user)
    return Booking.objects.filter(
        Q(Exists(hosted))
        | Q(event_type__owner=user)
        | Q(event_type__team_id__in=administered_team_ids(user))
    )


def can_manage(user, booking: Booking) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    event_type = booking.event_type
    if event_type is not None and event_type.owner_id == user.id:
        return True
    if booking.booking_hosts.filter(user=user).exists():
        return True
    return (
        event_type is not None
        and event_type.team_id is not None
        and administered_team_ids(user).filter(team_id=event_type.team_id).exists()
    )


def can_manage_all(user, booking: Booking) -> bool:
    """Whether the user manages the booking and, for a series, every one of its occurrences:
    an action that may reach several occurrences acts as host only then."""
    if not booking.recurring_series_id:
        return can_manage(user, booking)
    occurrences = Booking.objects.filter(recurring_series_id=booking.recurring_series_id)
    return (
        user is not None
        and user.is_authenticated
        and managed_bookings(user).filter(recurring_series_id=booking.recurring_series_id).count()
        == occurrences.count()
    )
