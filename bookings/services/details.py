"""Location, notes and metadata of a booking."""

from bookings.errors import InvalidInput, InvalidMetadata, InvalidTransition
from bookings.models import BookingNote
from bookings.services import inputs
from bookings.services.actors import Actor
from bookings.services.locking import booking_write
from bookings.services.recording import Action, record_change
from webhooks.models import Trigger

MAX_NOTE_LENGTH = 10000


def update_location(booking, location: dict, actor: Actor):
    """Change where the meeting happens (a typed location). Outbox: BOOKING_UPDATED."""
    with booking_write(booking_ids=[booking.pk]) as [booking]:
        if not booking.is_blocking:
            raise InvalidTransition(
                f"Cannot change the location of a {booking.status} booking.",
                details={"status": booking.status},
            )
        if booking.event_type is None:
            raise InvalidInput("The event type of this booking no longer exists.")
        if not isinstance(location, dict):  # only a new booking takes a plain string
            raise InvalidInput(
                'The location must be an object with a \'type\', e.g. {"type": "address"}.',
                details={"field": "location"},
            )
        before = {"location": booking.location, "meetingUrl": booking.meeting_url}
        text, url = inputs.resolve_location(booking.event_type, location, booking.uid)
        booking.location, booking.meeting_url = text, url
        booking.save(update_fields=["location", "meeting_url", "updated_at"])
        return record_change(
            booking,
            Action.LOCATION_UPDATED,
            actor,
            before=before,
            after={"location": text, "meetingUrl": url},
            trigger=Trigger.BOOKING_UPDATED,
        )


def add_note(booking, content: str, actor: Actor, *, private: bool = True) -> BookingNote:
    """A note on the booking; private notes are for hosts only. Outbox: BOOKING_UPDATED (for
    the hosts' own subscribers; the note itself is read through the API)."""
    if not isinstance(content, str) or not content.strip():
        raise InvalidInput("A note needs some content.", details={"field": "content"})
    if len(content) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"A note is at most {MAX_NOTE_LENGTH} characters.")
    with booking_write(booking_ids=[booking.pk]) as [booking]:
        note = BookingNote.objects.create(
            booking=booking, author=actor.user, content=content.strip(), is_private=private
        )
        record_change(
            booking,
            Action.NOTE_ADDED,
            actor,
            after={"noteId": note.pk, "private": private},
            trigger=Trigger.BOOKING_UPDATED,
        )
        return note


def update_metadata(booking, changes: dict, actor: Actor):
    """Merge keys into the metadata (a null value removes a key); the result must stay within
    the limits. Outbox: BOOKING_UPDATED."""
    if not isinstance(changes, dict):
        raise InvalidMetadata("metadata must be an object.", details={"field": "metadata"})
    with booking_write(booking_ids=[booking.pk]) as [booking]:
        before = {"metadata": dict(booking.metadata)}
        merged = {**booking.metadata, **changes}
        merged = {key: value for key, value in merged.items() if value is not None}
        booking.metadata = inputs.check_metadata(merged)
        booking.save(update_fields=["metadata", "updated_at"])
        return record_change(
            booking,
            Action.METADATA_UPDATED,
            actor,
            before=before,
            after={"metadata": booking.metadata},
            trigger=Trigger.BOOKING_UPDATED,
        )
