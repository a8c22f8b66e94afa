"""The attendee's pages for one booking: what was booked, rescheduling and cancelling. The uid
is the only key, as in the links of the confirmation email; a seat's holder adds `seatUid`."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from bookings.calendar import add_to_calendar_links
from bookings.errors import BookingError
from bookings.models import Attendee, Booking, Channel
from bookings.services import (
    Actor,
    CancelScope,
    cancel_booking,
    confirm_attendee_email,
    reschedule_booking,
)
from bookings.services.states import attendee_refusal
from eventtypes.models import Host
from pages import throttle
from pages.picker import date_time_label, time_label
from pages.views import choosing, responses
from pages.views.booking import page_context, refusal

STATUS_TEXT = {
    Booking.Status.ACCEPTED: ("confirmed", "This meeting is scheduled"),
    Booking.Status.REJECTED: ("rejected", "The host declined this booking"),
    Booking.Status.CANCELLED: ("cancelled", "This booking was cancelled"),
}


def find_booking(uid: str) -> Booking | None:
    return (
        Booking.objects.select_related("event_type__owner", "event_type__team", "organizer")
        .prefetch_related(
            Prefetch("attendees", queryset=Attendee.objects.order_by("id")),
            Prefetch("booking_hosts__user"),
            Prefetch(
                "event_type__hosts", queryset=Host.objects.select_related("user").order_by("id")
            ),
        )
        .filter(uid=uid)
        .first()
    )


def seat_of(booking: Booking, params) -> Attendee | None:
    seat_uid = params.get("seatUid", "")
    if not seat_uid or not booking.is_seated:
        return None
    return next((a for a in booking.attendees.all() if str(a.seat_uid) == seat_uid), None)


def shown_attendees(booking: Booking, seat: Attendee | None) -> list[Attendee]:
    """Everybody on a booking of one party; on a seated booking only the seat's holder, unless
    the event type shows attendees to each other."""
    attendees = list(booking.attendees.all())
    if booking.is_seated and not (booking.event_type and booking.event_type.seats_show_attendees):
        return [seat] if seat else []
    return attendees


def viewer_zone(booking: Booking, seat: Attendee | None, params) -> str:
    zone = params.get("timeZone", "")
    if zone in choosing.listed_time_zones() or zone == "UTC":
        return zone
    person = seat or next(iter(booking.attendees.all()), None)
    if person and person.time_zone in choosing.listed_time_zones():
        return person.time_zone
    return booking.organizer.time_zone or "UTC"


def status_of(booking: Booking) -> tuple[str, str]:
    if booking.status == Booking.Status.PENDING:
        if booking.pending_on == Booking.PendingOn.ATTENDEE:
            return "awaiting-email", "Confirm your email address to complete the booking"
        return "awaiting-host", "Awaiting the host's confirmation"
    return STATUS_TEXT[booking.status]


def when_text(booking: Booking, zone: str, hour_format: str) -> str:
    tz = ZoneInfo(zone)
    start = booking.start.astimezone(tz)
    return (
        f"{start:%A %-d %B %Y}, {time_label(booking.start, tz, hour_format)} – "
        f"{time_label(booking.end, tz, hour_format)}"
    )


def manage_query(seat: Attendee | None, zone: str, hour_format: str) -> str:
    query = {"timeZone": zone, "format": hour_format}
    if seat:
        query["seatUid"] = str(seat.seat_uid)
    return "?" + urlencode(query)


@require_safe
def booking_detail(request, uid):
    booking = find_booking(uid)
    if booking is None:
        return responses.not_found(request, "There is no booking with this link.")
    seat = seat_of(booking, request.GET)
    zone = viewer_zone(booking, seat, request.GET)
    hour_format = (
        request.GET.get("format") if request.GET.get("format") in ("12h", "24h") else "12h"
    )
    state, headline = status_of(booking)
    now = timezone.now()
    query = manage_query(seat, zone, hour_format)
    context = {
        "booking": booking,
        "event_type": booking.event_type,
        "seat": seat,
        "state": state,
        "headline": headline,
        "when": when_text(booking, zone, hour_format),
        "zone": zone,
        "hosts": [row.user for row in booking.host_rows()],
        "attendees": shown_attendees(booking, seat),
        "occurrences": occurrences(booking, zone, hour_format),
        "calendar_links": add_to_calendar(booking) if booking.is_blocking else [],
        "can_reschedule": not attendee_refusal(booking, "reschedule", now),
        "can_cancel": not attendee_refusal(booking, "cancel", now),
        "manage_query": query,
        "moved_to": getattr(booking, "rescheduled_to", None),
    }
    return render(request, "pages/booking.html", context)


def occurrences(booking: Booking, zone: str, hour_format: str) -> list[dict]:
    if booking.recurring_series_id is None:
        return []
    tz = ZoneInfo(zone)
    series = Booking.objects.filter(recurring_series_id=booking.recurring_series_id).order_by(
        "start"
    )
    return [
        {
            "uid": b.uid,
            "label": date_time_label(b.start, tz, hour_format),
            "status": b.get_status_display(),
            "current": b.pk == booking.pk,
        }
        for b in series
    ]


def add_to_calendar(booking: Booking):
    show = not booking.is_seated or booking.event_type.seats_show_attendees
    ics_url = settings.SITE_URL + reverse("booking-ics", args=[booking.uid])
    return add_to_calendar_links(booking, ics_url, show_attendees=show)


def attendee_actor(booking: Booking, seat: Attendee | None) -> Actor:
    person = seat or next(iter(booking.attendees.all()), None)
    return Actor.attendee(person.email if person else "", Channel.PAGE)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def cancel(request, uid):
    booking = find_booking(uid)
    if booking is None:
        return responses.not_found(request, "There is no booking with this link.")
    params = request.POST if request.method == "POST" else request.GET
    seat = seat_of(booking, params)
    zone = viewer_zone(booking, seat, params)
    hour_format = params.get("format") if params.get("format") in ("12h", "24h") else "12h"
    refused = attendee_refusal(booking, "cancel", timezone.now())
    error, status = "", 200
    if request.method == "POST" and not refused:
        allowed, retry_after = throttle.allow(request, "cancel")
        if not allowed:
            return responses.too_many(request, retry_after)
        later = params.get("scope") == "following" and booking.recurring_series_id is not None
        try:
            cancel_booking(
                booking,
                attendee_actor(booking, seat),
                reason=params.get("reason", "").strip(),
                scope=CancelScope.FOLLOWING if later else CancelScope.THIS,
                seat_uid=str(seat.seat_uid) if seat else None,
            )
        except BookingError as refusal_error:
            error, status = refusal_error.message, 400
        else:
            url = reverse("pages:booking", args=[booking.uid])
            return HttpResponseRedirect(url + manage_query(seat, zone, hour_format), status=303)
    context = {
        "booking": booking,
        "event_type": booking.event_type,
        "when": when_text(booking, zone, hour_format),
        "refused": refused,
        "error": error,
        "reason": params.get("reason", ""),
        "seat": seat,
        "zone": zone,
        "hour_format": hour_format,
        "manage_query": manage_query(seat, zone, hour_format),
    }
    return render(request, "pages/cancel.html", context, status=403 if refused else status)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def reschedule(request, uid):
    booking = find_booking(uid)
    if booking is None or booking.event_type is None:
        return responses.not_found(request, "There is no booking with this link.")
    event_type = booking.event_type
    params = request.POST if request.method == "POST" else request.GET
    seat = seat_of(booking, params)
    zone = viewer_zone(booking, seat, params)
    refused = attendee_refusal(booking, "reschedule", timezone.now())
    state = {"asked": [], "status": 403 if refused else 200}
    if request.method == "POST":
        choice = choosing.read_posted_choice(params, default_zone=zone, event_type=event_type)
    else:
        choice = choosing.read_choice(params, default_zone=zone, event_type=event_type)
        choice.zone_given = True
    if booking.duration_minutes in event_type.allowed_lengths:
        choice.length = booking.duration_minutes
    if request.method == "POST" and not refused:
        allowed, retry_after = throttle.allow(request, "reschedule")
        if not allowed:
            return responses.too_many(request, retry_after)
        if choice.start is None:
            state.update(time_error="Choose a new time.", status=400)
        else:
            try:
                moved = reschedule_booking(
                    booking,
                    choice.start,
                    attendee_actor(booking, seat),
                    reason=params.get("reason", "").strip(),
                    seat_uid=str(seat.seat_uid) if seat else None,
                )
            except BookingError as error:
                state.update(refusal(error, []))
                if state.get("time_error"):
                    choice.forget_start()
            else:
                query = {"timeZone": choice.zone, "format": choice.hour_format}
                if moved.seat_uid:
                    query["seatUid"] = moved.seat_uid
                url = reverse("pages:booking", args=[moved.booking.uid])
                return HttpResponseRedirect(f"{url}?{urlencode(query)}", status=303)
    chosen_picker = choosing.build(event_type, choice, exclude_booking_uid=booking.uid)
    context = page_context(event_type, choice, chosen_picker, state)
    context.update(
        booking=booking,
        rescheduling=True,
        refused=refused,
        seat=seat,
        current_when=when_text(booking, choice.zone, choice.hour_format),
        reason=params.get("reason", ""),
        action_label="Reschedule",
        form_error=state.get("form_error", ""),
    )
    if choosing.wants_fragment(request):
        return render(request, "pages/_picker.html", context)
    return render(request, "pages/booking_page.html", context, status=state["status"])


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def confirm_email(request, uid):
    """The link of the double opt-in email: a page with a button, never a change on GET."""
    booking = find_booking(uid)
    if booking is None:
        return responses.not_found(request, "There is no booking with this link.")
    token = (request.POST if request.method == "POST" else request.GET).get("token", "")
    if request.method == "POST":
        try:
            confirm_attendee_email(token, channel=Channel.PAGE, booking_uid=uid)
        except BookingError as error:
            return responses.message_page(
                request, "This link does not work", error.message, status=400
            )
        return HttpResponseRedirect(reverse("pages:booking", args=[uid]), status=303)
    context = {
        "booking": booking,
        "token": token,
        "when": when_text(booking, viewer_zone(booking, None, {}), "12h"),
    }
    return render(request, "pages/confirm_email.html", context)
