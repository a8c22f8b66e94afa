"""The booking form: the questions an event type asks, read back from a POST into a
BookingRequest, and the service's refusals put next to the fields they are about.

Formats and required answers are checked in the browser (HTML attributes) and then by the
booking service alone, so that the message shown is always the service's.
"""

from dataclasses import dataclass, field

from bookings.errors import InvalidInput
from bookings.services import AttendeeInput, BookingRequest
from eventtypes.models import EventType

# Location kinds whose value the attendee types in, and the key the service reads it from.
ATTENDEE_LOCATIONS = {
    "attendeeAddress": "address",
    "attendeePhone": "phone",
    "attendeeDefined": "location",
}
INPUT_TYPES = {
    "text": "text",
    "name": "text",
    "address": "text",
    "email": "email",
    "url": "url",
    "phone": "tel",
    "number": "number",
    "multiemail": "text",
}
# The service's phone rule, written for the browser (patterns there use the `v` flag, where
# these punctuation characters must be escaped inside a class).
PHONE_PATTERN = r"\+?[0-9][0-9 \(\)\-\.]{4,24}"


@dataclass
class Question:
    slug: str
    label: str
    kind: str
    required: bool = False
    options: list[str] = field(default_factory=list)
    placeholder: str = ""
    help: str = ""
    value: object = ""
    error: str = ""

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.kind, "text")

    @property
    def pattern(self) -> str:
        return PHONE_PATTERN if self.kind == "phone" else ""

    @property
    def chosen(self) -> list:
        """The selected options of a choice question, as a list."""
        if isinstance(self.value, list):
            return self.value
        return [self.value] if self.value not in ("", None) else []


@dataclass
class LocationChoice:
    index: int
    label: str
    kind: str
    asks_for: str = ""


def location_label(location: dict) -> str:
    kind = location.get("type", "")
    if kind == "address":
        return f"In person: {location.get('address', '')}"
    if kind == "link":
        return "Online, at a link the host gives"
    if kind == "phone":
        return f"Phone call: {location.get('phone', '')}"
    if kind == "integration":
        name = location.get("integration", "")
        return "Video call" if name == "cal-video" else f"Online ({name.replace('-', ' ').title()})"
    if kind == "attendeeAddress":
        return "In person, at an address you give"
    if kind == "attendeePhone":
        return "Phone call: the host calls you"
    if kind == "attendeeDefined":
        return "A place you choose"
    return kind


def location_choices(event_type: EventType) -> list[LocationChoice]:
    return [
        LocationChoice(
            i, location_label(loc), loc.get("type", ""), ATTENDEE_LOCATIONS.get(loc.get("type"), "")
        )
        for i, loc in enumerate(event_type.locations or [])
    ]


def questions(event_type: EventType) -> list[Question]:
    """Name and email first, then the event type's own questions, guests and notes."""
    asked = [
        Question("name", "Your name", "name", required=True),
        Question("email", "Email address", "email", required=True),
    ]
    for definition in event_type.booking_fields or []:
        if definition.get("hidden"):
            continue
        asked.append(
            Question(
                definition["slug"],
                definition.get("label") or definition["slug"],
                definition["type"],
                required=bool(definition.get("required")),
                options=list(definition.get("options") or []),
                placeholder=definition.get("placeholder") or "",
                help="Several addresses, separated by commas."
                if definition["type"] == "multiemail"
                else "",
            )
        )
    if not event_type.disable_guests:
        asked.append(
            Question(
                "guests",
                "Guests",
                "multiemail",
                help="Email addresses of people to invite too, separated by commas.",
            )
        )
    asked.append(Question("notes", "Anything that will help prepare the meeting?", "textarea"))
    return asked


def _email_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text  # the service says it must be a number


def read_answers(post, asked: list[Question]) -> None:
    """Fill each question's value from the POST, typed as the service expects it."""
    for question in asked:
        if question.kind in ("multiselect", "checkbox"):
            question.value = post.getlist(question.slug)
        elif question.kind == "boolean":
            question.value = post.get(question.slug) == "true"
        else:
            text = post.get(question.slug, "").strip()
            if question.kind == "multiemail":
                question.value = text
            elif question.kind == "number" and text:
                question.value = _number(text)
            else:
                question.value = text


def booking_request(
    event_type: EventType,
    asked: list[Question],
    post,
    *,
    start,
    length: int,
    zone: str,
    hour_format: str,
    idempotency_key: str,
    private_link_hash: str | None = None,
) -> BookingRequest:
    values = {q.slug: q.value for q in asked}
    responses = {
        q.slug: (_email_list(q.value) if q.kind == "multiemail" else q.value)
        for q in asked
        if q.slug not in ("name", "email", "guests", "notes")
    }
    return BookingRequest(
        start=start,
        attendee=AttendeeInput(
            name=values["name"], email=values["email"], time_zone=zone, time_format=hour_format
        ),
        length=length,
        guests=_email_list(values.get("guests", "")),
        location=chosen_location(event_type, post),
        responses=responses,
        notes=values.get("notes", ""),
        private_link_hash=private_link_hash,
        idempotency_key=idempotency_key,
    )


def chosen_location(event_type: EventType, post) -> dict | None:
    offered = event_type.locations or []
    if not offered:
        return None
    try:
        index = int(post.get("location", "0"))
    except ValueError:
        index = 0
    if not 0 <= index < len(offered):
        index = 0
    location = dict(offered[index])
    key = ATTENDEE_LOCATIONS.get(location.get("type"))
    if key:
        location[key] = post.get("locationDetail", "").strip()
    return location


def field_errors(error: InvalidInput, asked: list[Question]) -> tuple[str, str]:
    """Put the service's message next to the question it is about. Returns (the message
    about the location, the message that concerns no single field), either may be empty."""
    by_slug = {q.slug: q for q in asked}
    details = error.details or {}
    per_question = details.get("bookingFieldsResponses")
    if isinstance(per_question, dict):
        placed = False
        for slug, messages in per_question.items():
            if slug in by_slug:
                text = messages if isinstance(messages, str) else " ".join(messages)
                by_slug[slug].error = text.replace(f"'{slug}' ", "This answer ", 1)
                placed = True
        return "", "" if placed else error.message
    target = str(details.get("field", "")).removeprefix("attendee.")
    if target.startswith("location"):
        return error.message, ""
    if target in by_slug:
        by_slug[target].error = error.message
        return "", ""
    return "", error.message
