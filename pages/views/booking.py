"""The booking page of an event type: a personal one, a team's, or one opened by a private
link. It calls the same slot search and the same booking service as the API."""

import re
import uuid
from urllib.parse import urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.timezones import iso_utc
from bookings import lookup
from bookings.errors import BookingError, InvalidInput
from bookings.models import Channel
from bookings.services import Actor, create_booking
from bookings.services.series import occurrence_starts
from eventtypes.errors import EventTypeNotFound
from eventtypes.models import EventType, Host, PrivateLink
from pages import booking_form, throttle
from pages.picker import date_time_label
from pages.views import choosing, responses
from pages.views.errors import TIME_ERRORS

PAGE_TEMPLATE = "pages/booking_page.html"
# The form's token (uuid4 hex): a form sent twice is one booking.
IDEMPOTENCY_TOKEN = re.compile(r"[0-9a-f]{32}")


def event_type_for_page(**lookup_args) -> EventType:
    event_type = lookup.find_event_type(**lookup_args)
    return (
        EventType.objects.select_related("owner", "team")
        .prefetch_related(
            Prefetch("hosts", queryset=Host.objects.select_related("user").order_by("id"))
        )
        .get(pk=event_type.pk)
    )


def hosts_of(event_type: EventType) -> list[User]:
    if event_type.team_id:
        return [host.user for host in event_type.hosts.all()]
    return [event_type.owner]


def default_zone(event_type: EventType) -> str:
    hosts = hosts_of(event_type)
    return hosts[0].time_zone if hosts and hosts[0].time_zone else "UTC"


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def user_event(request, username, slug):
    return public_event(request, username=username, slug=slug)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def team_event(request, team_slug, slug):
    return public_event(request, team_slug=team_slug, slug=slug)


def public_event(request, **lookup_args):
    try:
        event_type = event_type_for_page(**lookup_args)
    except EventTypeNotFound:
        return responses.not_found(request, "There is no such event to book.")
    return booking_page(request, event_type)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def private_link_event(request, link_hash, slug):
    link = (
        PrivateLink.objects.select_related("event_type")
        .filter(link_hash=link_hash, event_type__slug=slug)
        .first()
    )
    if link is None:
        return responses.not_found(request, "This private link is unknown.")
    if not link.is_usable(timezone.now()):
        return responses.message_page(
            request,
            "This link has been used",
            "This private link has expired or has already been used. Ask the host for a new one.",
            status=410,
        )
    event_type = event_type_for_page(event_type_id=link.event_type_id)
    return booking_page(request, event_type, private_link_hash=link_hash)


def booking_page(request, event_type: EventType, *, private_link_hash=None):
    zone = default_zone(event_type)
    asked = booking_form.questions(event_type)
    state = {"asked": asked, "status": 200}
    if request.method != "POST":
        choice = choosing.read_choice(request.GET, default_zone=zone, event_type=event_type)
    else:
        allowed, retry_after = throttle.allow(request, "book")
        if not allowed:
            return responses.too_many(request, retry_after)
        choice = choosing.read_posted_choice(request.POST, default_zone=zone, event_type=event_type)
        booking_form.read_answers(request.POST, asked)
        state["chosen_location"] = request.POST.get("location", "0")
        state["location_detail"] = request.POST.get("locationDetail", "")
        token = request.POST.get("idempotencyToken", "")
        token = token if IDEMPOTENCY_TOKEN.fullmatch(token) else ""
        try:
            created = create_booking(
                event_type,
                booking_form.booking_request(
                    event_type,
                    asked,
                    request.POST,
                    start=choice.start,
                    length=choice.length,
                    zone=choice.zone,
                    hour_format=choice.hour_format,
                    idempotency_key=f"page:{token}" if token else None,
                    private_link_hash=private_link_hash,
                ),
                Actor.attendee(request.POST.get("email", ""), Channel.PAGE),
            )
        except BookingError as error:
            state.update(refusal(error, asked))
            if state.get("time_error"):
                state["keep_form"] = True
                choice.forget_start()
        else:
            return after_booking(event_type, created, choice.zone, choice.hour_format)

    chosen_picker = choosing.build(event_type, choice)
    if request.method != "POST" and choice.start is not None and chosen_picker.chosen is None:
        state["time_error"] = "That time is no longer free. Please choose another."
        state["status"] = 409
    context = page_context(
        event_type, choice, chosen_picker, state, private_link_hash=private_link_hash
    )
    if choosing.wants_fragment(request):
        return render(request, "pages/_picker.html", context)
    return render(request, PAGE_TEMPLATE, context, status=state["status"])


def refusal(error: BookingError, asked) -> dict:
    """The page state for a refused booking: where to show the service's message."""
    if type(error) in TIME_ERRORS:
        return {"time_error": TIME_ERRORS[type(error)], "status": 409}
    if isinstance(error, InvalidInput) and (error.details or {}).get("field") == "start":
        return {"time_error": "Choose a time first.", "status": 400}
    if isinstance(error, InvalidInput):
        location_error, form_error = booking_form.field_errors(error, asked)
        return {"location_error": location_error, "form_error": form_error, "status": 400}
    return {"form_error": error.message, "status": 400}


def after_booking(event_type: EventType, created, zone: str, hour_format: str):
    booking = created.bookings[0] if created.kind == "recurring" else created.booking
    if event_type.success_redirect_url:
        return HttpResponseRedirect(success_redirect(event_type, booking, created.seat_uid))
    query = {"timeZone": zone, "format": hour_format}
    if created.seat_uid:
        query["seatUid"] = created.seat_uid
    url = reverse("pages:booking", args=[booking.uid]) + "?" + urlencode(query)
    return HttpResponseRedirect(url, status=303)


def success_redirect(event_type: EventType, booking, seat_uid) -> str:
    url = event_type.success_redirect_url
    if not event_type.success_redirect_forward_params:
        return url
    attendee = booking.attendees.order_by("id").first()
    params = {
        "uid": booking.uid,
        "title": booking.title,
        "eventTypeSlug": event_type.slug,
        "startTime": iso_utc(booking.start),
        "endTime": iso_utc(booking.end),
        "status": booking.status,
        "attendeeName": attendee.name if attendee else "",
        "email": attendee.email if attendee else "",
    }
    if seat_uid:
        params["seatUid"] = seat_uid
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


def occurrence_labels(event_type, chosen_picker) -> list[str]:
    """The dates of every occurrence of a recurring type, for the chosen time."""
    chosen = chosen_picker.chosen
    if chosen is None or not event_type.is_recurring:
        return []
    slot = chosen_picker.search.slot_at(chosen.start)
    host = chosen_picker.search.hosts.get(slot.host_ids[0]) if slot and slot.host_ids else None
    host_zone = host.time_zone if host else chosen_picker.zone
    count = event_type.recurrence_max_occurrences or 1
    zone = ZoneInfo(chosen_picker.zone)
    return [
        date_time_label(start, zone, chosen_picker.hour_format)
        for start in occurrence_starts(event_type, chosen.start, count, host_zone)
    ]


def page_context(event_type, choice, chosen_picker, state, *, private_link_hash=None) -> dict:
    locations = booking_form.location_choices(event_type)
    links = picker_links(choice, chosen_picker)
    return {
        "event_type": event_type,
        "hosts": hosts_of(event_type),
        "choice": choice,
        "picker": chosen_picker,
        "links": links,
        "month_times": month_times(chosen_picker, links["slot_base"]),
        "lengths": event_type.allowed_lengths,
        "locations": locations,
        "location_asks": next((loc.asks_for for loc in locations if loc.asks_for), ""),
        "chosen_location": state.get("chosen_location", "0"),
        "location_detail": state.get("location_detail", ""),
        "keep_form": state.get("keep_form", False),
        "questions": state["asked"],
        "occurrences": occurrence_labels(event_type, chosen_picker),
        "time_error": state.get("time_error", ""),
        "form_error": state.get("form_error", ""),
        "location_error": state.get("location_error", ""),
        "idempotency_token": uuid.uuid4().hex,
        "time_zone_options": choosing.time_zone_options(),
        "private_link_hash": private_link_hash,
        "action_label": "Book",
    }


def picker_links(choice, chosen_picker) -> dict:
    """Give every day of the calendar, and every time of the selected day, its link; return the
    other links."""
    month = chosen_picker.month.strftime("%Y-%m")
    for day in chosen_picker.days_with_times:
        day.href = choice.query(month=month, date=day.iso)
    slot_base = choice.query(month=None, date=None)
    if chosen_picker.selected:
        for time in chosen_picker.selected.times:
            time.href = f"{slot_base}&{urlencode({'slot': time.iso})}"
    previous, following = chosen_picker.previous_month, chosen_picker.next_month
    return {
        "previous": choice.query(month=previous.strftime("%Y-%m"), date=None) if previous else "",
        "next": choice.query(month=following.strftime("%Y-%m"), date=None) if following else "",
        "slot_base": slot_base,
    }


def month_times(chosen_picker, slot_base: str) -> dict:
    """Every free time of the month, for the page's script to show any day without a request."""
    return {
        "slotBase": slot_base,
        "chosen": chosen_picker.chosen.iso if chosen_picker.chosen else "",
        "days": {
            day.iso: {
                "heading": f"{day.date:%A %-d %B}",
                "times": [[t.iso, t.label, t.seats_remaining] for t in day.times],
            }
            for day in chosen_picker.days_with_times
        },
    }
