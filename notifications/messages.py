"""An email as it is sent: subject, plain text and HTML from templates, times in the recipient's
zone, the links the recipient needs, and the calendar invite (RFC 5546) where the email creates,
changes or cancels an event."""

from dataclasses import replace
from email.mime.text import MIMEText
from email.utils import formataddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.timezones import is_valid_time_zone, time_label
from bookings import ics
from bookings.calendar import calendar_event
from bookings.models import Booking
from bookings.services import attendee_opt_in_token, host_decision_token
from notifications.models import Notification
from webhooks.models import Event

Kind = Notification.Kind

SUBJECTS = {
    Kind.BOOKED: "Booked: {title}, {when}",
    Kind.REQUEST_RECEIVED: "Request received: {title}, {when}",
    Kind.CONFIRM_EMAIL: "Confirm your email address to book {title}",
    Kind.CONFIRMED: "Confirmed: {title}, {when}",
    Kind.DECLINED: "Declined: {title}, {when}",
    Kind.CANCELLED: "Cancelled: {title}, {when}",
    Kind.RESCHEDULED: "Moved: {title}, now {when}",
    Kind.NEW_BOOKING: "New booking: {title}, {when}",
    Kind.CONFIRM_REQUEST: "Please confirm: {title}, {when}",
    Kind.REMINDER: "Reminder: {title}, {when}",
    Kind.NO_SHOW: "No-show: {title}, {when}",
    Kind.SEAT_CANCELLED: "Cancelled: your seat at {title}, {when}",
}
HEADLINES = {
    Kind.BOOKED: "You are booked.",
    Kind.REQUEST_RECEIVED: "Your request was sent. The host confirms it, and you hear back.",
    Kind.CONFIRM_EMAIL: "Please confirm your email address: your booking is made once you do.",
    Kind.CONFIRMED: "Your booking is confirmed.",
    Kind.DECLINED: "The host declined your booking.",
    Kind.CANCELLED: "This booking was cancelled.",
    Kind.RESCHEDULED: "This booking has moved to a new time.",
    Kind.NEW_BOOKING: "You have a new booking.",
    Kind.CONFIRM_REQUEST: "A booking waits for your confirmation.",
    Kind.REMINDER: "Your meeting is coming up.",
    Kind.NO_SHOW: "Another host recorded that an attendee did not come.",
    Kind.SEAT_CANCELLED: "Your seat was cancelled.",
}
# The emails that add, change or remove the event in the recipient's calendar.
WITH_INVITE = frozenset(
    {
        Kind.BOOKED,
        Kind.CONFIRMED,
        Kind.DECLINED,
        Kind.CANCELLED,
        Kind.RESCHEDULED,
        Kind.NEW_BOOKING,
        Kind.SEAT_CANCELLED,
    }
)


def zone_of(notification: Notification) -> ZoneInfo:
    name = notification.time_zone
    return ZoneInfo(name if is_valid_time_zone(name) else "UTC")


def when(start, end, zone: ZoneInfo, clock: str = "24h") -> str:
    """e.g. "Tuesday 5 January 2027, 11:00–11:30 (Europe/Paris)", or 11:00am–11:30am"""
    return (
        f"{start.astimezone(zone):%A %-d %B %Y}, {time_label(start, zone, clock)}–"
        f"{time_label(end, zone, clock)} ({zone.key})"
    )


def compose(
    notification: Notification, booking: Booking, event: Event | None
) -> EmailMultiAlternatives:
    """event: the outbox event the email tells of (None for a reminder)."""
    zone = zone_of(notification)
    title = ics.one_line(booking.title)
    payload = event.payload if event is not None else {}
    context = {
        "notification": notification,
        "booking": booking,
        "headline": HEADLINES[notification.kind],
        "title": title,
        "when": when(booking.start, booking.end, zone, notification.time_format),
        "previous_when": _previous_when(booking, zone, notification.time_format),
        "reason": booking.cancellation_reason or booking.rejection_reason,
        "cancelled_by": payload.get("cancelledBy", ""),
        "place": booking.meeting_place,
        "hosts": [ics.one_line(row.user.display_name) for row in booking.host_rows()],
        "attendees": _shown_attendees(notification, booking),
        "absent": [a.name for a in booking.attendees.all() if a.absent]
        if notification.kind == Kind.NO_SHOW
        else [],
        "links": _links(notification, booking),
    }
    subject = SUBJECTS[notification.kind].format(
        title=title, when=when(booking.start, booking.end, zone, notification.time_format)
    )
    message = EmailMultiAlternatives(
        subject=ics.one_line(subject)[:250],
        body=render_to_string("notifications/email.txt", context),
        to=[formataddr((ics.one_line(notification.recipient_name), notification.recipient))],
        reply_to=[booking.organizer.email] if booking.organizer.email else None,
    )
    message.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    if notification.kind in WITH_INVITE:
        message.attach(
            invite(
                booking,
                show_attendees=_shows_attendees(notification, booking),
                withdrawn=notification.kind == Kind.SEAT_CANCELLED,
            )
        )
    return message


def invite(booking: Booking, *, show_attendees: bool, withdrawn: bool = False) -> MIMEText:
    """The calendar file as a text/calendar part whose `method` matches its METHOD.
    withdrawn: the event is gone for this recipient though the booking stands (a seat given
    up), so their calendar is sent a CANCEL."""
    event = calendar_event(booking, show_attendees=show_attendees)
    if withdrawn:
        event = replace(event, status=ics.CANCELLED)
    body = ics.build_calendar(event, timezone.now()).decode()
    method = "CANCEL" if "METHOD:CANCEL" in body else "REQUEST"
    part = MIMEText(body, "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def _shows_attendees(notification: Notification, booking: Booking) -> bool:
    if notification.is_host or not booking.is_seated:
        return True
    return bool(booking.event_type and booking.event_type.seats_show_attendees)


def _shown_attendees(notification: Notification, booking: Booking) -> list[str]:
    attendees = list(booking.attendees.order_by("id"))
    if not _shows_attendees(notification, booking):
        attendees = [a for a in attendees if a.email == notification.recipient]
    return [ics.one_line(a.name) for a in attendees]


def _previous_when(booking: Booking, zone: ZoneInfo, clock: str) -> str:
    previous = booking.rescheduled_from
    return when(previous.start, previous.end, zone, clock) if previous else ""


def _links(notification: Notification, booking: Booking) -> dict:
    site = settings.SITE_URL
    if notification.is_host:
        links = {"admin": site + reverse("admin:bookings_booking_change", args=[booking.pk])}
        host = next((u for u in booking.host_users if u.email == notification.recipient), None)
        if notification.kind == Kind.CONFIRM_REQUEST and host is not None:
            token = host_decision_token(booking, host)
            links["decide"] = f"{site}/booking/{booking.uid}/decide?token={token}"
        return links
    query = f"?seatUid={notification.seat_uid}" if notification.seat_uid else ""
    if notification.kind == Kind.SEAT_CANCELLED:
        return {}
    links = {
        "booking": f"{site}/booking/{booking.uid}/{query}",
        "reschedule": f"{site}/booking/{booking.uid}/reschedule{query}",
        "cancel": f"{site}/booking/{booking.uid}/cancel{query}",
    }
    if notification.kind == Kind.CONFIRM_EMAIL:
        token = attendee_opt_in_token(booking)
        links["confirm_email"] = f"{site}/booking/{booking.uid}/confirm-email?token={token}"
    return links
