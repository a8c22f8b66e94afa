"""Instant meetings: a team meeting starting now with a free host."""

from datetime import timedelta

from django.contrib.auth import get_user_model

from bookings.errors import NoHostAvailable
from bookings.models import BookingHost, SlotReservation
from bookings.services.actors import Actor
from bookings.services.building import (
    ACCEPTED,
    CreatedBooking,
    attendee_row,
    build_booking,
    insert_booking,
    requested_details,
)
from bookings.services.recording import Action, record_change
from eventtypes import availability
from webhooks.models import Trigger


def create_instant(event_type, request, prepared, actor: Actor, now) -> CreatedBooking:
    """In the booking write of create_booking, the hosts locked: a host who is neither in
    another booking (buffers included) nor held by someone's reservation takes the meeting;
    working hours do not apply. Outbox: INSTANT_MEETING."""
    start = now.replace(second=0, microsecond=0)
    end = start + timedelta(minutes=prepared.length)
    blocked_start = start - timedelta(minutes=event_type.before_event_buffer)
    blocked_end = end + timedelta(minutes=event_type.after_event_buffer)
    hosts = list(event_type.hosts.all())
    user_ids = [h.user_id for h in hosts]
    busy = set(
        BookingHost.objects.filter(
            user_id__in=user_ids,
            is_blocking=True,
            blocked_start__lt=blocked_end,
            blocked_end__gt=blocked_start,
        ).values_list("user_id", flat=True)
    )
    held = SlotReservation.objects.active(now).filter(start__lt=end, end__gt=start)
    busy |= set(held.filter(host_id__in=user_ids).values_list("host_id", flat=True))
    if held.filter(event_type=event_type, host__isnull=True).exists():
        busy |= set(user_ids)
    candidates = [
        availability.HostAvailability(
            host_id=h.user_id, time_zone="UTC", weekly={}, priority=h.priority, weight=h.weight
        )
        for h in hosts
        if h.user_id not in busy and (request.host_ids is None or h.user_id in request.host_ids)
    ]
    if not candidates:
        raise NoHostAvailable("No host is free for an instant meeting right now.")
    organizer_id = availability.choose_round_robin_host(candidates).host_id
    organizer = get_user_model().objects.get(pk=organizer_id)
    booking = build_booking(
        event_type,
        organizer_id=organizer_id,
        start=start,
        length=prepared.length,
        status=ACCEPTED,
        channel=actor.channel,
        is_instant=True,
        **requested_details(event_type, request, prepared, organizer),
    )
    insert_booking(booking, [organizer_id], [attendee_row(request.attendee)])
    fresh = record_change(booking, Action.CREATED, actor, trigger=Trigger.INSTANT_MEETING)
    return CreatedBooking([fresh], "instant")
