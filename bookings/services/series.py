"""Recurring series: every occurrence booked, all or none, at the same wall-clock time in the
organizer's own zone across DST changes."""

from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil import rrule
from django.contrib.auth import get_user_model

from accounts.timezones import iso_utc
from bookings.errors import BookingError, SlotUnavailable
from bookings.models import RecurringSeries
from bookings.services.actors import Actor
from bookings.services.building import (
    CreatedBooking,
    attendee_row,
    build_booking,
    initial_status,
    insert_booking,
    new_uid,
    requested_details,
)
from bookings.services.hosts import ranked_choices
from bookings.services.recording import Action, created_trigger, record_change
from bookings.services.slot_checks import require_slot
from eventtypes.models import EventType

FREQUENCIES = {"weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY, "yearly": rrule.YEARLY}


def occurrence_starts(event_type: EventType, start: datetime, count: int, zone: str):
    """Occurrences at the same local wall-clock time in the host's zone, across DST changes."""
    tz = ZoneInfo(zone)
    local = start.astimezone(tz).replace(tzinfo=None)
    rule = rrule.rrule(
        FREQUENCIES[event_type.recurrence_frequency],
        interval=event_type.recurrence_interval,
        count=count,
        dtstart=local,
    )
    return [wall.replace(tzinfo=tz).astimezone(start.tzinfo) for wall in rule]


def recurrence_rule(event_type: EventType, count: int) -> str:
    freq = event_type.recurrence_frequency.upper()
    return f"FREQ={freq};INTERVAL={event_type.recurrence_interval};COUNT={count}"


def create_series(event_type, request, prepared, actor: Actor, now) -> CreatedBooking:
    """In the booking write of create_booking, the hosts locked: all occurrences or none; an
    error names the first occurrence that cannot be booked. Outbox: one event per occurrence."""
    count = request.recurrence_count or event_type.recurrence_max_occurrences
    shown_zone = request.attendee.time_zone
    organizer_id, host_ids, starts = _plan(event_type, request, prepared, now, count)
    organizer = get_user_model().objects.get(pk=organizer_id)
    series = RecurringSeries.objects.create(
        event_type=event_type, rule=recurrence_rule(event_type, count)
    )
    # One answer for the whole series: a notice threshold is judged on its first occurrence.
    status = initial_status(event_type, starts[0], now)
    details = requested_details(event_type, request, prepared, organizer)
    created = []
    for index, start in enumerate(starts):
        # Checked again one by one: the occurrences written so far count towards the limits.
        _require_hosts_free(event_type, start, host_ids, prepared, now, shown_zone)
        occurrence = {**details, "uid": prepared.uid if index == 0 else new_uid()}
        if index:
            occurrence["idempotency_key"] = None  # the key finds the series by its first
        booking = build_booking(
            event_type,
            organizer_id=organizer_id,
            start=start,
            length=prepared.length,
            status=status,
            channel=actor.channel,
            recurring_series=series,
            **occurrence,
        )
        insert_booking(booking, host_ids, [attendee_row(request.attendee)])
        created.append(
            record_change(booking, Action.CREATED, actor, trigger=created_trigger(booking))
        )
    return CreatedBooking(created, "recurring")


def _plan(event_type, request, prepared, now, count):
    """(organizer, hosts, starts) for a series kept by one organizer, whose occurrences fall at
    the same wall-clock time in the organizer's own zone.

    Round robin tries the free hosts in the order they would be chosen, keeping the first who,
    with the fixed hosts, is free at every occurrence; otherwise the error names the first
    occurrence that cannot be booked.
    """
    shown_zone = request.attendee.time_zone
    first_slot, search = _require_occurrence(event_type, request.start, prepared, now, shown_zone)
    first_error = None
    for organizer_id, host_ids in ranked_choices(event_type, first_slot, search, request.host_ids):
        zone = search.hosts[organizer_id].time_zone
        starts = occurrence_starts(event_type, request.start, count, zone)
        try:
            for start in starts[1:]:
                _require_hosts_free(event_type, start, host_ids, prepared, now, shown_zone)
        except BookingError as error:
            first_error = first_error or error
            continue
        return organizer_id, host_ids, starts
    raise first_error


def _require_hosts_free(event_type, start, host_ids, prepared, now, shown_zone) -> None:
    slot, _ = _require_occurrence(event_type, start, prepared, now, shown_zone)
    if not set(host_ids) <= set(slot.host_ids):
        raise _occurrence_error(
            SlotUnavailable(f"The host is not free at {iso_utc(start)}."), start, shown_zone
        )


def _require_occurrence(event_type, start, prepared, now, shown_zone):
    try:
        return require_slot(event_type, start, now=now, length=prepared.length)
    except BookingError as error:
        raise _occurrence_error(error, start, shown_zone) from None


def _occurrence_error(error, start, shown_zone):
    """Name the occurrence by its date in the attendee's zone."""
    local = start.astimezone(ZoneInfo(shown_zone))
    error.message = (
        f"The occurrence on {local.date().isoformat()} cannot be booked: {error.message}"
    )
    error.args = (error.message,)
    error.details = {**error.details, "date": local.date().isoformat(), "start": iso_utc(start)}
    return error
