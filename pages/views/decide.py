"""The one-click links of a host's "Please confirm" email: a page with the booking and two
buttons; only the button (a POST) confirms or declines. The link is signed for one booking and
one host and expires."""

from django.shortcuts import render
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from bookings.errors import BookingError, InvalidToken
from bookings.models import Booking, Channel
from bookings.services import Actor, confirm_booking, decline_booking, host_of_decision_token
from pages.views import responses
from pages.views.manage import find_booking, when_text


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def decide(request, uid):
    booking = find_booking(uid)
    if booking is None:
        return responses.not_found(request, "There is no booking with this link.")
    params = request.POST if request.method == "POST" else request.GET
    token = params.get("token", "")
    try:
        host = host_of_decision_token(token, booking)
    except InvalidToken as error:
        return responses.message_page(request, "This link does not work", error.message, status=400)
    done, error = "", ""
    if request.method == "POST":
        actor = Actor.host(host, Channel.PAGE)
        try:
            if params.get("decision") == "decline":
                decline_booking(booking, actor, reason=params.get("reason", "").strip()[:1000])
                done = "You declined the booking. The attendee is told."
            else:
                confirm_booking(booking, actor)
                done = "You confirmed the booking. The attendee is told."
        except BookingError as refusal:
            error = refusal.message
        booking = find_booking(uid)
    context = {
        "booking": booking,
        "token": token,
        "host": host,
        "when": when_text(booking, host.time_zone or "UTC", host.time_format),
        "zone": host.time_zone or "UTC",
        "waiting": booking.status == Booking.Status.PENDING
        and booking.pending_on == Booking.PendingOn.HOST,
        "done": done,
        "error": error,
        "attendees": list(booking.attendees.all()),
    }
    return render(request, "pages/decide.html", context, status=400 if error else 200)
