"""Every change of a booking. The API, the pages, the admin and the tasks call only these.

Each change is one booking write (locking.py): a transaction with its locks taken in a fixed
order, in which the state is re-read, checked, changed, and recorded in the history and the
outbox (recording.py).
"""

from bookings.services.actors import Actor
from bookings.services.attendance import mark_absent, mark_attended
from bookings.services.building import CreatedBooking
from bookings.services.cancellation import CancelScope, cancel_booking, cancel_bookings
from bookings.services.confirmation import (
    attendee_opt_in_token,
    confirm_attendee_email,
    confirm_booking,
    decline_booking,
    host_decision_token,
    host_of_decision_token,
)
from bookings.services.creation import (
    consume_private_link,
    create_booking,
    create_booking_from_reservation,
)
from bookings.services.details import add_note, update_location, update_metadata
from bookings.services.inputs import AttendeeInput, BookingRequest
from bookings.services.participants import (
    add_attendee,
    add_guests,
    reassign_booking,
    remove_attendee,
)
from bookings.services.rescheduling import reschedule_booking
from bookings.services.reservations import (
    release_reservation,
    reserve_slot,
    update_reservation,
)

__all__ = [
    "Actor",
    "AttendeeInput",
    "BookingRequest",
    "CancelScope",
    "CreatedBooking",
    "add_attendee",
    "add_guests",
    "add_note",
    "attendee_opt_in_token",
    "cancel_booking",
    "cancel_bookings",
    "confirm_attendee_email",
    "confirm_booking",
    "consume_private_link",
    "create_booking",
    "create_booking_from_reservation",
    "decline_booking",
    "host_decision_token",
    "host_of_decision_token",
    "mark_absent",
    "mark_attended",
    "reassign_booking",
    "release_reservation",
    "remove_attendee",
    "reschedule_booking",
    "reserve_slot",
    "update_location",
    "update_metadata",
    "update_reservation",
]
