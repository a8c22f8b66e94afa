"""Which emails an outbox event calls for, and to whom.

    event                attendees (and guests)         hosts
    BOOKING_CREATED      booked                         new booking
    BOOKING_REQUESTED    request received, or           request to confirm (not while the
                         confirm your email (opt-in)    attendee's email is unconfirmed)
    BOOKING_CONFIRMED    confirmed                      new booking, if the attendee confirmed
    BOOKING_REJECTED     declined                       -
    BOOKING_CANCELLED    cancelled                      cancelled
    BOOKING_RESCHEDULED  rescheduled                    rescheduled
    BOOKING_NO_SHOW_...  -                              no-show, to the hosts who did not record it
    BOOKING_UPDATED      seat given up (to that seat's attendee only)

A confirmation writes BOOKING_CREATED beside BOOKING_CONFIRMED (as Cal.com's subscribers
expect); its emails go with BOOKING_CONFIRMED alone. An event about one seat (`seatUid` in its
payload) goes to that seat's attendee only; the others never learn of it. Nothing is sent for a
booking made with `skipNotifications`; an event type can turn off the emails to attendees (and
their reminders) or to hosts.
"""

from dataclasses import dataclass

from bookings.models import Booking, BookingHistory
from notifications.models import Notification
from webhooks.models import Event, Trigger

Kind = Notification.Kind
Action = BookingHistory.Action

CONFIRMING = (Action.CONFIRMED, Action.ATTENDEE_CONFIRMED)


@dataclass(frozen=True)
class Planned:
    kind: str
    recipient: str
    name: str
    time_zone: str
    is_host: bool = False
    seat_uid: str = ""
    time_format: str = "24h"


def plan(event: Event, booking: Booking) -> list[Planned]:
    if booking.skip_notifications:
        return []
    seat_uid = str(event.payload.get("seatUid") or "")
    event_type = booking.event_type
    to_attendees = _attendees(booking, seat_uid)
    to_hosts = _hosts(booking)
    if event_type is not None and not event_type.emails_to_attendees:
        to_attendees = _nobody
    if event_type is not None and not event_type.emails_to_hosts:
        to_hosts = _nobody
    trigger = event.type
    if trigger == Trigger.BOOKING_CREATED:
        if _confirmed_by(booking):
            return []  # the companion of BOOKING_CONFIRMED
        return to_attendees(Kind.BOOKED) + to_hosts(Kind.NEW_BOOKING)
    if trigger == Trigger.BOOKING_REQUESTED:
        if booking.pending_on == Booking.PendingOn.ATTENDEE:
            return to_attendees(Kind.CONFIRM_EMAIL, guests=False)
        return to_attendees(Kind.REQUEST_RECEIVED) + to_hosts(Kind.CONFIRM_REQUEST)
    if trigger == Trigger.BOOKING_CONFIRMED:
        by_attendee = _confirmed_by(booking) == Action.ATTENDEE_CONFIRMED
        return to_attendees(Kind.CONFIRMED) + (to_hosts(Kind.NEW_BOOKING) if by_attendee else [])
    if trigger == Trigger.BOOKING_REJECTED:
        return to_attendees(Kind.DECLINED)
    if trigger == Trigger.BOOKING_CANCELLED:
        return to_attendees(Kind.CANCELLED) + to_hosts(Kind.CANCELLED)
    if trigger == Trigger.BOOKING_RESCHEDULED:
        return to_attendees(Kind.RESCHEDULED) + to_hosts(Kind.RESCHEDULED)
    if trigger == Trigger.BOOKING_UPDATED and event.payload.get("change") == Action.SEAT_CANCELLED:
        return _seat_holder_who_left(booking, event_type)
    if trigger == Trigger.BOOKING_NO_SHOW_UPDATED:
        if not any(a.get("noShow") for a in event.payload.get("attendees", [])):
            return []
        recorded_by = _attendance_recorded_by(booking)
        return [p for p in to_hosts(Kind.NO_SHOW) if p.recipient != recorded_by]
    return []


def _seat_holder_who_left(booking: Booking, event_type) -> list[Planned]:
    """The attendee of a seat given up is no longer on the booking: the history says who."""
    if event_type is not None and not event_type.emails_to_attendees:
        return []
    left = (
        booking.history.filter(action=Action.SEAT_CANCELLED)
        .order_by("-created_at", "-id")
        .values_list("after", flat=True)
        .first()
    ) or {}
    if not left.get("email"):
        return []
    zone = booking.organizer.time_zone
    return [Planned(Kind.SEAT_CANCELLED, left["email"], "", zone, seat_uid=left.get("seatUid", ""))]


def _attendance_recorded_by(booking: Booking) -> str:
    return (
        booking.history.filter(action=Action.ATTENDANCE_MARKED)
        .order_by("-created_at", "-id")
        .values_list("actor_email", flat=True)
        .first()
        or ""
    )


def _nobody(kind, **options) -> list[Planned]:
    return []


def _confirmed_by(booking: Booking) -> str | None:
    """How the booking was confirmed, if it waited for a confirmation."""
    return (
        booking.history.filter(action__in=CONFIRMING)
        .order_by("-created_at", "-id")
        .values_list("action", flat=True)
        .first()
    )


def _attendees(booking: Booking, seat_uid: str):
    people = list(booking.attendees.order_by("id"))
    if seat_uid:
        people = [a for a in people if str(a.seat_uid) == seat_uid]
    zone = people[0].time_zone if people else booking.organizer.time_zone

    def planned(kind, *, guests=True):
        rows = [
            Planned(
                kind, a.email, a.name, a.time_zone, seat_uid=seat_uid, time_format=a.time_format
            )
            for a in people
        ]
        clock = people[0].time_format if people else "24h"
        if guests and not seat_uid:
            rows += [
                Planned(kind, email, "", zone, time_format=clock) for email in booking.guests or []
            ]
        return rows

    return planned


def _hosts(booking: Booking):
    users = [row.user for row in booking.booking_hosts.select_related("user").order_by("id")]

    def planned(kind):
        return [
            Planned(
                kind,
                user.email,
                user.display_name,
                user.time_zone,
                is_host=True,
                time_format=user.time_format,
            )
            for user in users
            if user.email
        ]

    return planned
