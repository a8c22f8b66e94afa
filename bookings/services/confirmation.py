"""Pending bookings settled: the host confirms or declines, the attendee confirms their address
(double opt-in). A series is settled as a whole, as Cal.com does."""

from datetime import timedelta

from django.core import signing

from accounts.models import User
from bookings.errors import InvalidToken, InvalidTransition
from bookings.models import Booking, Channel
from bookings.services.actors import Actor
from bookings.services.closing import release_time
from bookings.services.locking import booking_write
from bookings.services.recording import Action, record_change, snapshot
from bookings.services.states import require_status
from webhooks.models import Trigger

OPT_IN_SALT = "rendezvous.attendee-opt-in"
OPT_IN_MAX_AGE = timedelta(days=7)
DECISION_SALT = "rendezvous.host-decision"
DECISION_MAX_AGE = timedelta(days=7)
PENDING = [Booking.Status.PENDING]
# A pending booking that becomes accepted: created, as Cal.com says, and confirmed, as we do.
CONFIRMED_TRIGGERS = (Trigger.BOOKING_CREATED, Trigger.BOOKING_CONFIRMED)


def confirm_booking(booking: Booking, actor: Actor, *, now=None) -> Booking:
    """Host accepts a pending booking (every pending occurrence of a series).

    Outbox: BOOKING_CREATED (Cal.com's) and BOOKING_CONFIRMED (ours) per booking. Returns the
    booking asked for.
    """

    def not_awaiting_attendee(booking):
        if booking.pending_on == Booking.PendingOn.ATTENDEE:
            raise InvalidTransition(
                "The attendee has not confirmed their email address yet.",
                details={"status": booking.status, "pendingOn": "attendee"},
            )

    def accept(target):
        target.status = Booking.Status.ACCEPTED
        target.pending_on = Booking.PendingOn.NOTHING
        return ["status", "pending_on"], CONFIRMED_TRIGGERS

    return _settle_pending(
        booking,
        actor,
        waiting_on=[Booking.PendingOn.HOST],
        verb="confirmed",
        action=Action.CONFIRMED,
        settle=accept,
        precondition=not_awaiting_attendee,
    )


def decline_booking(booking: Booking, actor: Actor, *, reason: str = "", now=None) -> Booking:
    """Host rejects a pending booking (every pending occurrence of a series); the time is free
    again. Pending on the attendee's opt-in or on the host: the host may decline either way.
    Outbox: BOOKING_REJECTED per booking."""

    def reject(target):
        target.status = Booking.Status.REJECTED
        target.pending_on = Booking.PendingOn.NOTHING
        target.rejection_reason = reason or ""
        target.idempotency_key = None
        release_time([target.pk])
        fields = ["status", "pending_on", "rejection_reason", "idempotency_key"]
        return fields, Trigger.BOOKING_REJECTED

    return _settle_pending(
        booking,
        actor,
        waiting_on=[Booking.PendingOn.HOST, Booking.PendingOn.ATTENDEE],
        verb="declined",
        action=Action.DECLINED,
        settle=reject,
    )


def host_decision_token(booking: Booking, host) -> str:
    """The token of the one-click Confirm and Decline links in a host's email (signed, for one
    booking and one host, expires in 7 days)."""
    return signing.dumps({"uid": booking.uid, "host": host.pk}, salt=DECISION_SALT)


def host_of_decision_token(token: str, booking: Booking):
    """The host a decision link was made for, while they still manage the booking; raises
    InvalidToken."""
    try:
        data = signing.loads(token, salt=DECISION_SALT, max_age=DECISION_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidToken("This link has expired; open the booking in the admin.") from None
    except signing.BadSignature:
        raise InvalidToken("This link is not valid.") from None
    host = User.objects.filter(pk=data.get("host"), is_active=True).first()
    if data.get("uid") != booking.uid or host is None or not booking.is_managed_by(host):
        raise InvalidToken("This link is not valid for this booking.")
    return host


def attendee_opt_in_token(booking: Booking) -> str:
    """The token the attendee's confirmation email carries (signed, expires in 7 days)."""
    return signing.dumps({"uid": booking.uid}, salt=OPT_IN_SALT)


def confirm_attendee_email(
    token: str, *, channel=Channel.API, booking_uid: str | None = None
) -> Booking:
    """The attendee confirms their address: the booking (every occurrence of a series) awaits
    the host next, or is accepted. Outbox: BOOKING_REQUESTED, or BOOKING_CREATED and
    BOOKING_CONFIRMED, per booking.

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
    booking = Booking.objects.filter(uid=data.get("uid")).first()
    if booking is None:
        raise InvalidToken("This confirmation link is not valid.")
    attendee = booking.attendees.order_by("id").first()
    actor = Actor.attendee(attendee.email if attendee else "", channel)

    def still_awaiting_attendee(booking):
        if booking.pending_on != Booking.PendingOn.ATTENDEE:
            raise InvalidTransition(
                "The attendee has already confirmed this booking.",
                details={"status": booking.status},
            )

    def confirm_address(target):
        if target.requires_host_confirmation:
            target.pending_on = Booking.PendingOn.HOST
            return ["status", "pending_on"], Trigger.BOOKING_REQUESTED
        target.pending_on = Booking.PendingOn.NOTHING
        target.status = Booking.Status.ACCEPTED
        return ["status", "pending_on"], CONFIRMED_TRIGGERS

    return _settle_pending(
        booking,
        actor,
        waiting_on=[Booking.PendingOn.ATTENDEE],
        verb="confirmed by the attendee",
        action=Action.ATTENDEE_CONFIRMED,
        settle=confirm_address,
        precondition=still_awaiting_attendee,
    )


def _settle_pending(booking, actor, *, waiting_on, verb, action, settle, precondition=None):
    """What confirm, decline and the opt-in share. The booking and the occurrences of its
    series still waiting on one of `waiting_on` are locked together; the booking must be
    pending (else InvalidTransition naming `verb`) and pass `precondition`. Each is changed
    by `settle(target) -> (changed fields, triggers)`, saved, and recorded as `action`.
    Returns the booking asked for, fresh."""
    others = []
    if booking.recurring_series_id:
        others = Booking.objects.filter(
            recurring_series_id=booking.recurring_series_id,
            status=Booking.Status.PENDING,
            pending_on__in=waiting_on,
        ).exclude(pk=booking.pk)
    ids = [booking.pk, *(other.pk for other in others)]
    with booking_write(booking_ids=ids) as locked:
        asked = next(b for b in locked if b.pk == booking.pk)
        require_status(asked, PENDING, verb)
        if precondition:
            precondition(asked)
        # Still pending under the lock: another request may have settled some meanwhile.
        series = [
            b
            for b in locked
            if b.pk != asked.pk
            and b.status == Booking.Status.PENDING
            and b.pending_on in waiting_on
        ]
        changed = {}
        for target in [asked, *series]:
            before = snapshot(target)
            fields, triggers = settle(target)
            target.save(update_fields=[*fields, "updated_at"])
            changed[target.pk] = record_change(
                target, action, actor, before=before, trigger=triggers
            )
        return changed[asked.pk]
