"""Checks of what a caller asks for, before anything is written."""

import math
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from accounts.timezones import is_valid_time_zone
from bookings.errors import InvalidInput, InvalidMetadata
from eventtypes import booking_fields

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500
MAX_GUESTS = 30
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class AttendeeInput:
    name: str
    email: str
    time_zone: str = "UTC"
    phone_number: str = ""
    language: str = "en"
    time_format: str = "24h"


@dataclass
class BookingRequest:
    """What a caller asks for; the event type decides whether it becomes one booking, a
    series, a seat or an instant meeting."""

    start: datetime | None
    attendee: AttendeeInput
    length: int | None = None
    guests: list[str] = field(default_factory=list)
    location: dict | str | None = None
    meeting_url: str = ""
    metadata: dict | None = None
    responses: dict | None = None
    notes: str = ""
    host_ids: list[int] | None = None
    reservation_uid: uuid.UUID | str | None = None
    private_link_hash: str | None = None
    instant: bool = False
    recurrence_count: int | None = None
    skip_notifications: bool = False
    ics_title: str = ""
    ics_description: str = ""
    idempotency_key: str | None = None


@dataclass
class Prepared:
    """The request checked and completed, before anything is written."""

    uid: str
    length: int
    metadata: dict
    responses: dict
    guests: list[str]
    location: str
    meeting_url: str


def check_attendee(attendee: AttendeeInput) -> None:
    name = attendee.name
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("The attendee needs a name.", details={"field": "attendee.name"})
    if len(name) > MAX_NAME_LENGTH or any(c in name for c in "\r\n"):
        raise InvalidInput(
            f"The attendee name must be one line of at most {MAX_NAME_LENGTH} characters.",
            details={"field": "attendee.name"},
        )
    if not is_email(attendee.email):
        raise InvalidInput(
            f"'{attendee.email}' is not a valid email address.",
            details={"field": "attendee.email"},
        )
    if not is_valid_time_zone(attendee.time_zone):
        raise InvalidInput(
            f"'{attendee.time_zone}' is not an IANA time zone such as 'Europe/Berlin'.",
            details={"field": "attendee.timeZone"},
        )


def is_email(value) -> bool:
    if not isinstance(value, str) or len(value) > 254:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def check_metadata(metadata) -> dict:
    """At most 50 keys of at most 40 characters; string values of at most 500 characters."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise InvalidMetadata("Metadata must be an object.")
    if len(metadata) > METADATA_MAX_KEYS:
        raise InvalidMetadata(
            f"Metadata can have at most {METADATA_MAX_KEYS} keys; got {len(metadata)}.",
            details={"keys": len(metadata)},
        )
    for key, value in metadata.items():
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise InvalidMetadata(
                f"Metadata key '{key[:50]}' is longer than {METADATA_MAX_KEY_LENGTH} characters.",
                details={"key": key},
            )
        if isinstance(value, str):
            if len(value) > METADATA_MAX_VALUE_LENGTH:
                raise InvalidMetadata(
                    f"The value of metadata key '{key}' is longer than "
                    f"{METADATA_MAX_VALUE_LENGTH} characters.",
                    details={"key": key},
                )
        elif isinstance(value, float) and not math.isfinite(value):
            raise InvalidMetadata(
                f"The value of metadata key '{key}' must be a finite number.", details={"key": key}
            )
        elif value is not None and not isinstance(value, int | float | bool):
            raise InvalidMetadata(
                f"The value of metadata key '{key}' must be a string, number or boolean.",
                details={"key": key},
            )
    return dict(metadata)


def check_guests(event_type, guests, existing=()) -> list[str]:
    """Valid, new guest emails; at most 30 on a booking."""
    guests = list(guests or [])
    if guests and event_type is not None and event_type.disable_guests:
        raise InvalidInput("This event type does not allow guests.", details={"field": "guests"})
    for email in guests:
        if not is_email(email):
            raise InvalidInput(
                f"Guest '{email}' is not a valid email address.", details={"field": "guests"}
            )
    merged = list(dict.fromkeys([*existing, *(g.lower() for g in guests)]))
    if len(merged) > MAX_GUESTS:
        raise InvalidInput(
            f"A booking can have at most {MAX_GUESTS} guests.", details={"field": "guests"}
        )
    return merged


def check_length(event_type, length) -> int:
    if length is None:
        return event_type.length_minutes
    if length not in event_type.allowed_lengths:
        allowed = ", ".join(str(n) for n in event_type.allowed_lengths)
        raise InvalidInput(
            f"A length of {length} minutes is not offered; choose one of: {allowed}.",
            details={"field": "lengthInMinutes", "allowed": event_type.allowed_lengths},
        )
    return length


def check_responses(event_type, responses) -> dict:
    try:
        return booking_fields.clean_responses(event_type.booking_fields or [], responses)
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        text = "; ".join(m for msgs in messages.values() for m in msgs)
        raise InvalidInput(
            f"Booking field responses are invalid: {text}",
            details={"bookingFieldsResponses": messages},
        ) from None


def resolve_location(event_type, location, booking_uid: str) -> tuple[str, str]:
    """(location text, meeting URL) for a typed location object, or the event type's default.
    A plain string (older clients) is kept as given, an address or a link that is also the
    meeting URL, where the event type lets the attendee say where (or offers that very place)."""
    offered = event_type.locations or []
    if isinstance(location, str):
        values = {loc.get(loc["type"]) for loc in offered if loc["type"] in ("address", "link")}
        free_choice = not offered or any(loc["type"] == "attendeeDefined" for loc in offered)
        if not (free_choice or location in values):
            raise InvalidInput(
                "This event type does not let the attendee name the location; give one of its "
                'locations as an object, e.g. {"type": "address"}.',
                details={"field": "location"},
            )
        return location, location if is_link(location) else ""
    if location is None:
        if not offered:
            return "", ""
        location = offered[0]
        if location["type"].startswith("attendee"):
            return "", ""
    if not isinstance(location, dict) or "type" not in location:
        raise InvalidInput(
            'The location must be an object with a \'type\', e.g. {"type": "address"}.',
            details={"field": "location"},
        )
    kind = location["type"]
    offered_of_kind = [loc for loc in offered if loc.get("type") == kind]
    if offered and not offered_of_kind:
        kinds = ", ".join(sorted({loc["type"] for loc in offered}))
        raise InvalidInput(
            f"The location type '{kind}' is not offered by this event type; offered: {kinds}.",
            details={"field": "location.type"},
        )
    if kind in ("address", "link", "phone"):
        if not offered_of_kind:
            raise InvalidInput(f"This event type has no '{kind}' location.")
        value = offered_of_kind[0][kind]
        return value, value if kind == "link" else ""
    if kind == "integration":
        integration = location.get("integration")
        if offered_of_kind and integration not in [loc["integration"] for loc in offered_of_kind]:
            raise InvalidInput(f"The integration '{integration}' is not offered.")
        if integration == "cal-video":
            url = video_room_url()
            return url, url
        return f"integrations:{integration}", ""
    attendee_keys = {
        "attendeeAddress": "address",
        "attendeePhone": "phone",
        "attendeeDefined": "location",
    }
    if kind in attendee_keys:
        value = location.get(attendee_keys[kind])
        if not isinstance(value, str) or not value.strip() or len(value) > 1000:
            raise InvalidInput(
                f"A '{kind}' location needs a '{attendee_keys[kind]}' string.",
                details={"field": f"location.{attendee_keys[kind]}"},
            )
        return value.strip(), ""
    raise InvalidInput(f"Unknown location type '{kind}'.", details={"field": "location.type"})


def is_link(text: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        return False
    return True


def video_room_url() -> str:
    """A meeting room of its own for the built-in video location, on the Jitsi Meet server of
    VIDEO_ROOM_BASE_URL. The name is random, not the booking's uid: the uid lets whoever knows
    it cancel the booking, and the room link goes to every guest."""
    return f"{settings.VIDEO_ROOM_BASE_URL}/Rendezvous-{secrets.token_urlsafe(12)}"


def booking_title(event_type, organizer, attendee_name: str, location: str) -> str:
    template = event_type.custom_title or "{Event type title} between {Organiser} and {Scheduler}"
    values = {
        "{Event type title}": event_type.title,
        "{Organiser}": organizer.display_name,
        "{Organizer}": organizer.display_name,
        "{Scheduler}": attendee_name,
        "{Location}": location,
    }
    for variable, value in values.items():
        template = template.replace(variable, value)
    return template[:255]
