"""Custom booking questions: their definitions on an event type, and the answers to them."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

FIELD_TYPES = frozenset(
    {
        "name",
        "email",
        "phone",
        "address",
        "text",
        "textarea",
        "number",
        "select",
        "multiselect",
        "multiemail",
        "checkbox",
        "radio",
        "boolean",
        "url",
    }
)
CHOICE_TYPES = frozenset({"select", "multiselect", "checkbox", "radio"})
# Answers the booking itself keeps in its own columns; custom questions cannot take these slugs.
SYSTEM_SLUGS = frozenset(
    {
        "name",
        "email",
        "title",
        "notes",
        "guests",
        "rescheduleReason",
        "location",
        "attendeePhoneNumber",
    }
)
SLUG_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()\-.]{4,24}$")
TEXT_LIMITS = {"text": 1000, "name": 200, "address": 1000, "textarea": 10000, "phone": 30}


def validate_definitions(fields) -> None:
    if not isinstance(fields, list):
        raise ValidationError({"booking_fields": "Give a list of booking questions."})
    seen = set()
    for field in fields:
        if not isinstance(field, dict):
            raise ValidationError({"booking_fields": "Each booking question is an object."})
        slug = field.get("slug")
        if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
            raise ValidationError({"booking_fields": f"Invalid question slug {slug!r}."})
        if slug in SYSTEM_SLUGS:
            raise ValidationError({"booking_fields": f"The slug '{slug}' is reserved."})
        if slug in seen:
            raise ValidationError({"booking_fields": f"The slug '{slug}' is used twice."})
        seen.add(slug)
        if field.get("type") not in FIELD_TYPES:
            raise ValidationError(
                {"booking_fields": f"Question '{slug}' has an unknown type {field.get('type')!r}."}
            )
        options = field.get("options")
        valid_options = (
            isinstance(options, list) and options and all(isinstance(o, str) and o for o in options)
        )
        if field["type"] in CHOICE_TYPES and not valid_options:
            raise ValidationError({"booking_fields": f"Question '{slug}' needs a list of options."})
        for flag in ("required", "hidden"):
            if flag in field and not isinstance(field[flag], bool):
                raise ValidationError({"booking_fields": f"'{flag}' of '{slug}' is true or false."})


def _is_empty(value) -> bool:
    return value is None or value == "" or value == []


def _check_email(value) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _check_answer(field: dict, value) -> str | None:
    """Return a message when the answer does not fit the question, else None."""
    kind = field["type"]
    options = field.get("options") or []
    if kind in TEXT_LIMITS:
        if not isinstance(value, str):
            return "must be a string"
        if len(value) > TEXT_LIMITS[kind]:
            return f"must be at most {TEXT_LIMITS[kind]} characters"
        if kind == "phone" and not PHONE_PATTERN.match(value):
            return "must be a phone number such as +14155550123"
        return None
    if kind == "email":
        return None if isinstance(value, str) and _check_email(value) else "must be an email"
    if kind == "url":
        try:
            URLValidator()(value)
        except (ValidationError, TypeError):
            return "must be a URL"
        return None
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "must be a number"
    if kind == "boolean":
        return None if isinstance(value, bool) else "must be true or false"
    if kind in ("select", "radio"):
        return None if value in options else f"must be one of: {', '.join(options)}"
    if kind in ("multiselect", "checkbox"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of options"
        unknown = [v for v in value if v not in options]
        return f"has unknown options: {', '.join(unknown)}" if unknown else None
    if kind == "multiemail":
        if not isinstance(value, list) or not all(
            isinstance(v, str) and _check_email(v) for v in value
        ):
            return "must be a list of emails"
        return None
    return None


def clean_responses(fields: list[dict], responses) -> dict:
    """Check answers against the questions; returns the answers to keep.

    Raises ValidationError with one message per offending question slug.
    """
    if responses is None:
        responses = {}
    if not isinstance(responses, dict):
        raise ValidationError("bookingFieldsResponses must be an object keyed by question slug.")
    by_slug = {field["slug"]: field for field in fields}
    errors = {}
    for slug in responses:
        if slug not in by_slug and slug not in SYSTEM_SLUGS:
            errors[slug] = "is not a question of this event type"
    for slug, field in by_slug.items():
        value = responses.get(slug)
        if field["type"] == "boolean" and field.get("required") and value is False:
            errors[slug] = "must be accepted"
            continue
        if _is_empty(value):
            if field.get("required") and not field.get("hidden"):
                errors[slug] = "is required"
            continue
        message = _check_answer(field, value)
        if message:
            errors[slug] = message
    if errors:
        raise ValidationError({slug: f"'{slug}' {msg}" for slug, msg in errors.items()})
    return {slug: value for slug, value in responses.items() if not _is_empty(value)}
