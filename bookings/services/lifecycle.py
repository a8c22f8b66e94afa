"""Confirm, decline, cancel, reschedule, and the attendee's double opt-in."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.timezones import iso_utc
from bookings.errors import (
    ChangesDisabled,
    CutoffPassed,
    EventTypeNotBookable,
    InvalidInput,
    InvalidToken,
    InvalidTransition,
    SeatsFull,
)
from bookings.models import Attendee, Booking, BookingHost, Channel
from bookings.services.actors import Actor
from bookings.services.creation import (
    CreatedBooking,
    choose_hosts,
    claim_reservation,
    host_user_ids,
    insert_booking,
    lock_open_seated,
    raise_if_overlap,
    status_fields_for,
)
from bookings.services.locking import lock_booking, lock_bookings, lock_hosts
from bookings.services.recording import record_change, snapshot
from bookings.services.slot_checks import require_slot
from webhooks import triggers

OPT_IN_SALT = "rendezvous.attendee-opt-in"
OPT_IN_MAX_AGE = timedelta(days=7)


class CancelScope:
    THIS = "this"
    FOLLOWING = "following"
    SERIES = "series"


def _require_status(booking: Booking, allowed, action: str) -> None:
    if booking.status not in allowed:
        article = "An" if booking.status[0] in "aeiou" else "A"
        raise InvalidTransition(
            f"{article} {booking.status} booking cannot be {action}.",
            details={"status": booking.status},
        )


def _lock_with_series(booking: Booking, occurrences=None) -> tuple[Booking, list[Booking]]:
    """Lock the booking and the given occurrences of its series together, in id order (the
    fixed order of locking.py), and return them re-read under the lock."""
    ids = {booking.pk, *(b.pk for b in occurrences or [])}
    locked = {b.pk: b for b in lock_bookings(ids)}
    return locked[booking.pk], [locked[pk] for pk in sorted(ids) if pk != booking.pk]


# --- Confirm and decline ------------------------------------------------------------------------


def _pending_series(booking: Booking, pending_on) -> tuple[Booking, list[Booking]]:
    """The booking locked, and the other occurrences of its series still pending on one of
    `pending_on`, locked too: a series is confirmed or declined as a whole, as Cal.com does."""
    others = []
    if booking.recurring_series_id:
        others = Booking.objects.filter(
            recurring_series_id=booking.recurring_series_id,
            status=Booking.Status.PENDING,
            pending_on__in=pending_on,
        ).exclude(pk=booking.pk)
    booking, others = _lock_with_series(booking, others)
    still_pending = [
        b for b in others if b.status == Booking.Status.PENDING and b.pending_on in pending_on
    ]
    return booking, still_pending


def confirm_booking(booking: Booking, actor: Actor, *, now=None) -> Booking:
    """Host accepts a pending booking (every pending occurrence of a series).

    Locks the bookings. Outbox: BOOKING_CREATED per booking. Returns the booking asked for.
    """
    with transaction.atomic():
        booking, others = _pending_series(booking, [Booking.PendingOn.HOST])
        _require_status(booking, [Booking.Status.PENDING], "confirmed")
        if booking.pending_on == Booking.PendingOn.ATTENDEE:
            raise InvalidTransition(
                "The attendee has not confirmed their email address yet.",
                details={"status": booking.status, "pendingOn": "attendee"},
            )
        changed = {}
        for target in [booking, *others]:
            before = snapshot(target)
            target.status = Booking.Status.ACCEPTED
            target.pending_on = Booking.PendingOn.NOTHING
            target.save(update_fields=["status", "pending_on", "updated_at"])
            changed[target.pk] = record_change(
                target, "confirmed", actor, before=before, trigger=triggers.BOOKING_CREATED
            )
        return changed[booking.pk]


def decline_booking(booking: Booking, actor: Actor, *, reason: str = "", now=None) -> Booking:
    """Host rejects a pending booking (every pending occurrence of a series); the time is free
    again. Locks the bookings. Outbox: BOOKING_REJECTED per booking."""
    with transaction.atomic():
        # Pending on the attendee's opt-in or on the host: the host may decline either way.
        booking, others = _pending_series(
            booking, [Booking.PendingOn.HOST, Booking.PendingOn.ATTENDEE]
        )
        _require_status(booking, [Booking.Status.PENDING], "declined")
        changed = {}
        for target in [booking, *others]:
            before = snapshot(target)
            target.status = Booking.Status.REJECTED
            target.pending_on = Booking.PendingOn.NOTHING
            target.rejection_reason = reason or ""
            target.idempotency_key = None
            target.save(
                update_fields=[
                    "status",
                    "pending_on",
                    "rejection_reason",
                    "idempotency_key",
                    "updated_at",
                ]
            )
            _release_time([target.pk])
            changed[target.pk] = record_change(
                target, "declined", actor, before=before, trigger=triggers.BOOKING_REJECTED
            )
        return changed[booking.pk]


# --- Double opt-in ------------------------------------------------------------------------------


def attendee_opt_in_token(booking: Booking) -> str:
    """The token the attendee's confirmation email carries (signed, expires in 7 days)."""
    return signing.dumps({"uid": booking.uid}, salt=OPT_IN_SALT)


def confirm_attendee_email(
    token: str, *, channel=Channel.API, booking_uid: str | None = None
) -> Booking:
    """The attendee confirms their address: the booking (every occurrence of a series) awaits
    the host next, or is accepted.

    booking_uid: the booking the caller means; a token signed for another one is refused.
    """
    try:
        data = signing.loads(token, salt=OPT_IN_SALT, max_age=OPT_IN_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidToken("This confirmation link has expired.") from None
    except signing.BadSignature:
        raise InvalidToken("This confirmation link is not valid.") from None
    if booking_uid is not None and data.get("uid") != booking_uid:
        raise InvalidToken("This confirmation token belongs to another booking.")
    with transaction.atomic():
        found = Booking.objects.filter(uid=data.get("uid")).first()
        if found is None:
            raise InvalidToken("This confirmation link is not valid.")
        booking, others = _pending_series(found, [Booking.PendingOn.ATTENDEE])
        _require_status(booking, [Booking.Status.PENDING], "confirmed by the attendee")
        if booking.pending_on != Booking.PendingOn.ATTENDEE:
            raise InvalidTransition(
                "The attendee has already confirmed this booking.",
                details={"status": booking.status},
            )
        attendee = booking.attendees.order_by("id").first()
        actor = Actor.attendee(attendee.email if attendee else "", channel)
        changed = {}
        for target in [booking, *others]:  # every occurrence of a series at once
            before = snapshot(target)
            if target.requires_host_confirmation:
                target.pending_on = Booking.PendingOn.HOST
                trigger = triggers.BOOKING_REQUESTED
            else:
                target.pending_on = Booking.PendingOn.NOTHING
                target.status = Booking.Status.ACCEPTED
                trigger = triggers.BOOKING_CREATED
            target.save(update_fields=["status", "pending_on", "updated_at"])
            changed[target.pk] = record_change(
                target, "attendee_confirmed", actor, before=before, trigger=trigger
            )
        return changed[booking.pk]


# --- Cancel -------------------------------------------------------------------------------------


def _require_seat_for_attendee(booking: Booking, actor: Actor, seat_uid, verb: str) -> None:
    """On a seated booking an attendee changes only their own seat: every attendee knows the
    booking's uid, so the uid alone must not move or cancel everybody's seats."""
    event_type = booking.event_type
    if actor.is_attendee and event_type is not None and event_type.is_seated and not seat_uid:
        raise InvalidInput(
            f"This is a seated booking: send your seatUid to {verb} your seat.",
            details={"field": "seatUid"},
        )


def _check_attendee_cutoff(booking: Booking, cutoff_minutes, disabled: bool, now, verb: str):
    """verb: "cancel" or "reschedule"."""
    if disabled:
        raise ChangesDisabled(f"This event type does not allow attendees to {verb} bookings.")
    if booking.start <= now:
        raise CutoffPassed(f"The booking has already started; attendees can no longer {verb} it.")
    if cutoff_minutes and booking.start - now < timedelta(minutes=cutoff_minutes):
        raise CutoffPassed(
            f"Attendees can {verb} until {cutoff_minutes} minutes before the start.",
            details={"cutoffMinutes": cutoff_minutes},
        )


def cancel_booking(
    booking: Booking,
    actor: Actor,
    *,
    reason: str = "",
    scope: str = CancelScope.THIS,
    seat_uid: str | None = None,
    now=None,
) -> list[Booking]:
    """Cancel a booking, a part of its series, or one seat of it.

    scope (recurring series): THIS occurrence, THIS and all FOLLOWING, or the whole SERIES
    (every occurrence not yet started). Attendees are held to the cancellation cut-off and to
    `disable_cancelling`; hosts are not. Locks the bookings in id order.
    Outbox: BOOKING_CANCELLED per cancelled booking; BOOKING_UPDATED when one seat leaves.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking, others = _lock_with_series(booking, _series_targets(booking, scope, now))
        _require_status(booking, Booking.BLOCKING_STATUSES, "cancelled")
        event_type = booking.event_type
        _require_seat_for_attendee(booking, actor, seat_uid, "cancel")
        if actor.is_attendee and event_type:
            _check_attendee_cutoff(
                booking,
                event_type.cancellation_cutoff_minutes,
                event_type.disable_cancelling,
                now,
                "cancel",
            )
        if seat_uid:
            return [_cancel_seat(booking, seat_uid, actor, reason, now)]
        targets = [booking, *(b for b in others if b.status in Booking.BLOCKING_STATUSES)]
        if scope != CancelScope.THIS and booking.start < now:
            targets = targets[1:] or targets  # a series is cancelled from now on
        targets.sort(key=lambda b: (b.start, b.pk))
        return [_cancel_locked(b, actor, reason, now) for b in targets]


def cancel_bookings(bookings, actor: Actor, *, reason: str = "", now=None) -> list[Booking]:
    """Cancel several bookings together (e.g. the occurrences of a series from a date on):
    all of them, or none when one may not be cancelled.

    Each is held to the rules of cancel_booking: it must be pending or accepted, and attendees
    to the cancellation cut-off and `disable_cancelling`. Locks the bookings in id order.
    Outbox: BOOKING_CANCELLED per booking. Returns them in start order.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = sorted(lock_bookings([b.pk for b in bookings]), key=lambda b: (b.start, b.pk))
        for booking in locked:
            _require_status(booking, Booking.BLOCKING_STATUSES, "cancelled")
            _require_seat_for_attendee(booking, actor, None, "cancel")
            event_type = booking.event_type
            if actor.is_attendee and event_type:
                _check_attendee_cutoff(
                    booking,
                    event_type.cancellation_cutoff_minutes,
                    event_type.disable_cancelling,
                    now,
                    "cancel",
                )
        return [_cancel_locked(b, actor, reason, now) for b in locked]


def _series_targets(booking: Booking, scope: str, now) -> list[Booking]:
    if scope not in (CancelScope.THIS, CancelScope.FOLLOWING, CancelScope.SERIES):
        raise InvalidInput(f"Unknown cancel scope '{scope}'.")
    if scope == CancelScope.THIS or not booking.recurring_series_id:
        return [booking]
    occurrences = Booking.objects.filter(
        recurring_series_id=booking.recurring_series_id,
        status__in=Booking.BLOCKING_STATUSES,
    )
    if scope == CancelScope.FOLLOWING:
        occurrences = occurrences.filter(start__gte=max(now, booking.start))
    else:
        occurrences = occurrences.filter(start__gte=now)
    return list(occurrences.order_by("start")) or [booking]


def _cancel_locked(booking: Booking, actor: Actor, reason: str, now) -> Booking:
    before = snapshot(booking)
    booking.status = Booking.Status.CANCELLED
    booking.pending_on = Booking.PendingOn.NOTHING
    booking.cancellation_reason = reason or ""
    booking.cancelled_by_email = actor.email or ""
    booking.cancelled_by_role = actor.role
    booking.cancelled_at = now
    booking.ics_sequence += 1
    booking.idempotency_key = None
    booking.save(
        update_fields=[
            "status",
            "pending_on",
            "cancellation_reason",
            "cancelled_by_email",
            "cancelled_by_role",
            "cancelled_at",
            "ics_sequence",
            "idempotency_key",
            "updated_at",
        ]
    )
    _release_time([booking.pk])
    return record_change(
        booking, "cancelled", actor, before=before, trigger=triggers.BOOKING_CANCELLED
    )


def _cancel_seat(booking: Booking, seat_uid: str, actor: Actor, reason: str, now) -> Booking:
    attendee = _seat(booking, seat_uid)
    remaining = booking.attendees.exclude(pk=attendee.pk).count()
    if remaining == 0:
        return _cancel_locked(booking, actor, reason, now)
    attendee.delete()
    return record_change(
        booking,
        "seat_cancelled",
        actor,
        after={"seatUid": seat_uid, "email": attendee.email, "reason": reason},
        trigger=triggers.BOOKING_UPDATED,
    )


def _seat(booking: Booking, seat_uid) -> Attendee:
    try:
        attendee = booking.attendees.filter(seat_uid=uuid.UUID(str(seat_uid))).first()
    except ValueError:
        attendee = None
    if attendee is None:
        raise InvalidInput(f"No seat {seat_uid} in this booking.", details={"field": "seatUid"})
    return attendee


def _release_time(booking_ids) -> None:
    BookingHost.objects.filter(booking_id__in=booking_ids).update(is_blocking=False)


# --- Reschedule ---------------------------------------------------------------------------------


def reschedule_booking(
    booking: Booking,
    new_start: datetime,
    actor: Actor,
    *,
    reason: str = "",
    rescheduled_by_email: str = "",
    seat_uid: str | None = None,
    reservation_uid=None,
    now=None,
) -> CreatedBooking:
    """Move a booking: a new booking at `new_start`, the old one cancelled, linked both ways.

    The calendar invite keeps its UID with SEQUENCE + 1. The new booking is pending again if the
    event type needs confirmation and no host did the move. For a seated booking with
    `seat_uid`, only that attendee moves. Locks the hosts, then the booking.
    Outbox: BOOKING_RESCHEDULED (payload: the new booking).
    """
    now = now or timezone.now()
    if new_start.tzinfo is None:
        raise InvalidInput("The start must carry a time zone (UTC).", details={"field": "start"})
    event_type = booking.event_type
    if event_type is None:
        raise EventTypeNotBookable("The event type of this booking no longer exists.")
    try:
        with transaction.atomic():
            lock_hosts(host_user_ids(event_type))
            booking = lock_booking(booking.pk)
            _require_status(booking, Booking.BLOCKING_STATUSES, "rescheduled")
            _require_seat_for_attendee(booking, actor, seat_uid, "reschedule")
            if actor.is_attendee:
                _check_attendee_cutoff(
                    booking,
                    event_type.reschedule_cutoff_minutes,
                    event_type.disable_rescheduling,
                    now,
                    "reschedule",
                )
            if seat_uid:
                return _move_seat(booking, seat_uid, new_start, actor, reservation_uid, now)
            return _move_booking(
                booking, new_start, actor, reason, rescheduled_by_email, reservation_uid, now
            )
    except IntegrityError as error:
        raise_if_overlap(error)
        raise


def _move_booking(booking, new_start, actor, reason, rescheduled_by_email, reservation_uid, now):
    event_type = booking.event_type
    length = booking.duration_minutes
    own_reservation = claim_reservation(event_type, reservation_uid, new_start, now)
    slot, search = require_slot(
        event_type,
        new_start,
        now=now,
        length=length,
        exclude_booking_uid=booking.uid,
        own_reservation_uid=own_reservation,
    )
    if slot.booking_uid == booking.uid:
        raise InvalidInput("The booking is already at that time.", details={"field": "start"})
    if slot.booking_uid:
        return _merge_seats(booking, slot, actor, reason, rescheduled_by_email, now)
    current_hosts = list(booking.booking_hosts.values_list("user_id", flat=True))
    if set(current_hosts) <= set(slot.host_ids):
        organizer_id, host_ids = booking.organizer_id, current_hosts
    else:
        organizer_id, host_ids = choose_hosts(event_type, slot, search)

    host_emails = {h.user.email.lower() for h in booking.booking_hosts.select_related("user")}
    by_host = actor.is_host or (rescheduled_by_email or "").lower() in host_emails
    status = status_fields_for(event_type, new_start, now, confirmed_by_host=by_host)
    if booking.pending_on == Booking.PendingOn.ATTENDEE:
        status["status"], status["pending_on"] = Booking.Status.PENDING, Booking.PendingOn.ATTENDEE
    elif status["pending_on"] == Booking.PendingOn.ATTENDEE:
        # The attendee confirmed their address already; only the host's confirmation may remain.
        needs_host = status["requires_host_confirmation"]
        status["pending_on"] = Booking.PendingOn.HOST if needs_host else ""
        status["status"] = Booking.Status.PENDING if needs_host else Booking.Status.ACCEPTED

    old_before = _retire_rescheduled(booking, actor, reason, rescheduled_by_email, now)

    new = Booking(
        event_type=event_type,
        organizer_id=organizer_id,
        start=new_start,
        end=new_start + timedelta(minutes=length),
        title=booking.title,
        description=booking.description,
        location=booking.location,
        meeting_url=booking.meeting_url,
        metadata=booking.metadata,
        responses=booking.responses,
        guests=booking.guests,
        ics_title=booking.ics_title,
        ics_description=booking.ics_description,
        skip_notifications=booking.skip_notifications,
        ics_uid=booking.ics_uid,
        ics_sequence=booking.ics_sequence + 1,
        recurring_series_id=booking.recurring_series_id,
        rescheduled_from=booking,
        rescheduling_reason=reason or "",
        rescheduled_by_email=booking.rescheduled_by_email,
        channel=actor.channel,
        **status,
    )
    if event_type.is_seated:
        # Seats move with their attendees, so that every seat uid keeps working.
        insert_booking(new, host_ids, [])
        booking.attendees.update(booking=new)
    else:
        insert_booking(new, host_ids, [_copy_attendee(a) for a in booking.attendees.all()])
    record_change(
        booking,
        "rescheduled_away",
        actor,
        before=old_before,
        after={**snapshot(booking), "rescheduledToUid": new.uid},
    )
    fresh = record_change(
        new,
        "rescheduled",
        actor,
        after={**snapshot(new), "rescheduledFromUid": booking.uid},
        trigger=triggers.BOOKING_RESCHEDULED,
    )
    return CreatedBooking([fresh], "single")


def _retire_rescheduled(booking, actor, reason, rescheduled_by_email, now) -> dict:
    """Cancel the booking being moved and free its time; returns its state before."""
    before = snapshot(booking)
    booking.status = Booking.Status.CANCELLED
    booking.pending_on = Booking.PendingOn.NOTHING
    booking.cancelled_at = now
    booking.cancelled_by_email = actor.email or rescheduled_by_email or ""
    booking.cancelled_by_role = actor.role
    booking.rescheduling_reason = reason or ""
    booking.rescheduled_by_email = rescheduled_by_email or actor.email or ""
    booking.idempotency_key = None
    booking.save()
    _release_time([booking.pk])
    return before


def _copy_attendee(attendee: Attendee) -> Attendee:
    return Attendee(
        name=attendee.name,
        email=attendee.email,
        time_zone=attendee.time_zone,
        phone_number=attendee.phone_number,
        language=attendee.language,
        responses=attendee.responses,
        metadata=attendee.metadata,
    )


def _merge_seats(booking, slot, actor, reason, rescheduled_by_email, now) -> CreatedBooking:
    """Move a whole seated booking onto the booking that already meets at the new time."""
    target = lock_open_seated(slot.booking_uid)
    moving = list(booking.attendees.all())
    # Counted again under the lock: seats may have gone since the slot check.
    free = booking.event_type.seats_per_time_slot - target.attendees.count()
    if len(moving) > free:
        raise SeatsFull(
            f"Only {max(free, 0)} seats are free at {iso_utc(target.start)}; "
            f"{len(moving)} attendees would move.",
        )
    before = _retire_rescheduled(booking, actor, reason, rescheduled_by_email, now)
    booking.attendees.update(booking=target)
    record_change(
        booking,
        "rescheduled_away",
        actor,
        before=before,
        after={**snapshot(booking), "mergedIntoUid": target.uid},
    )
    fresh = record_change(
        target,
        "seats_merged",
        actor,
        after={"fromUid": booking.uid, "emails": [a.email for a in moving]},
        trigger=triggers.BOOKING_RESCHEDULED,
    )
    return CreatedBooking([fresh], "seated")


def _move_seat(booking, seat_uid, new_start, actor, reservation_uid, now) -> CreatedBooking:
    event_type = booking.event_type
    attendee = _seat(booking, seat_uid)
    if new_start == booking.start:
        raise InvalidInput("The seat is already at that time.", details={"field": "start"})
    own_reservation = claim_reservation(event_type, reservation_uid, new_start, now)
    slot, search = require_slot(
        event_type,
        new_start,
        now=now,
        length=booking.duration_minutes,
        own_reservation_uid=own_reservation,
    )
    if booking.attendees.count() == 1:
        _cancel_locked(booking, actor, "Rescheduled", now)
    if slot.booking_uid:
        target = lock_open_seated(slot.booking_uid)
        if target.attendees.count() >= event_type.seats_per_time_slot:
            raise SeatsFull(f"All seats at {iso_utc(new_start)} are taken.")
    else:
        organizer_id, host_ids = choose_hosts(event_type, slot, search)
        target = Booking(
            event_type=event_type,
            organizer_id=organizer_id,
            start=new_start,
            end=new_start + timedelta(minutes=booking.duration_minutes),
            title=booking.title,
            description=booking.description,
            location=booking.location,
            meeting_url=booking.meeting_url,
            ics_uid=f"{booking.uid}-{seat_uid}@rendezvous",
            channel=actor.channel,
            **status_fields_for(event_type, new_start, now, confirmed_by_host=actor.is_host),
        )
        insert_booking(target, host_ids, [])
    attendee.booking = target
    attendee.save(update_fields=["booking"])
    record_change(
        booking, "seat_moved_away", actor, after={"seatUid": seat_uid, "toUid": target.uid}
    )
    fresh = record_change(
        target,
        "seat_moved_in",
        actor,
        after={"seatUid": seat_uid, "fromUid": booking.uid, "at": iso_utc(new_start)},
        trigger=triggers.BOOKING_RESCHEDULED,
        seat_uid=str(seat_uid),
    )
    return CreatedBooking([fresh], "seated", seat_uid=str(seat_uid))
