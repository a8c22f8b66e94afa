"""Who turned up: the host's and each attendee's absence, or everyone's attendance."""

from django.utils import timezone

from bookings.errors import InvalidInput, InvalidTransition
from bookings.models import Booking, BookingHost
from bookings.services.actors import Actor
from bookings.services.locking import booking_write
from bookings.services.recording import Action, record_change
from webhooks.models import Trigger


def _require_started(booking: Booking, now) -> None:
    if booking.status != Booking.Status.ACCEPTED:
        raise InvalidTransition(
            f"Attendance is recorded on accepted bookings; this one is {booking.status}.",
            details={"status": booking.status},
        )
    if booking.start > now:
        raise InvalidTransition("Attendance can be recorded once the booking has started.")


def _attendance(booking: Booking) -> dict:
    return {
        "absentHost": BookingHost.objects.filter(booking=booking, absent=True).exists(),
        "attendees": [
            {"email": email, "absent": absent}
            for email, absent in booking.attendees.order_by("id").values_list("email", "absent")
        ],
    }


def mark_absent(
    booking: Booking, actor: Actor, *, host: bool | None = None, attendees=(), now=None
) -> Booking:
    """Set the hosts' and/or some attendees' absence (attendees: (email, absent) pairs).

    Outbox: BOOKING_NO_SHOW_UPDATED.
    """
    now = now or timezone.now()
    attendees = list(attendees)
    if host is None and not attendees:
        raise InvalidInput("Say whether the host was absent, or which attendees were.")
    with booking_write(booking_ids=[booking.pk]) as [booking]:
        _require_started(booking, now)
        before = _attendance(booking)
        if host is not None:
            BookingHost.objects.filter(booking=booking).update(absent=host)
        known = {a.email: a for a in booking.attendees.all()}
        for email, absent in attendees:
            attendee = known.get((email or "").lower())
            if attendee is None:
                raise InvalidInput(
                    f"{email} is not an attendee of this booking.", details={"email": email}
                )
            attendee.absent = bool(absent)
            attendee.save(update_fields=["absent"])
        booking.save(update_fields=["updated_at"])
        return record_change(
            booking,
            Action.ATTENDANCE_MARKED,
            actor,
            before=before,
            after=_attendance(booking),
            trigger=Trigger.BOOKING_NO_SHOW_UPDATED,
        )


def mark_attended(booking: Booking, actor: Actor, *, now=None) -> Booking:
    """Everyone attended: clears every absence and records when. Outbox: BOOKING_NO_SHOW_UPDATED."""
    now = now or timezone.now()
    with booking_write(booking_ids=[booking.pk]) as [booking]:
        _require_started(booking, now)
        before = _attendance(booking)
        BookingHost.objects.filter(booking=booking).update(absent=False)
        booking.attendees.update(absent=False)
        booking.attendance_confirmed_at = now
        booking.save(update_fields=["attendance_confirmed_at", "updated_at"])
        return record_change(
            booking,
            Action.ATTENDED,
            actor,
            before=before,
            after=_attendance(booking),
            trigger=Trigger.BOOKING_NO_SHOW_UPDATED,
        )
