"""Form fields that let hosts edit an event type's list and object settings as plain text
instead of JSON. Each reads what a host types into the value the model keeps, and writes that
value back the same way, so an unchanged box is an unchanged setting; the services check the
result as they check the API's."""

from django import forms
from django.core.exceptions import ValidationError

from eventtypes.availability import LIMIT_PERIODS
from eventtypes.booking_fields import FIELD_TYPES


class MinutesField(forms.CharField):
    """ "15, 30, 60" <-> [15, 30, 60]"""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(minutes) for minutes in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise ValidationError(
                "Give whole minutes separated by commas, e.g. 15, 30, 60."
            ) from None

    def has_changed(self, initial, data):
        return self.prepare_value(initial or []) != self.prepare_value(self.to_python(data))


class LimitsWidget(forms.MultiWidget):
    template_name = "eventtypes/limits_widget.html"

    def __init__(self):
        super().__init__([forms.NumberInput(attrs={"min": 1, "style": "width:6em"})] * 4)

    def decompress(self, value):
        value = value or {}
        return [value.get(period) for period in LIMIT_PERIODS]


class LimitsField(forms.MultiValueField):
    """Per day, week, month and year <-> {"day": 2, "week": 5}"""

    widget = LimitsWidget

    def __init__(self, **kwargs):
        fields = [forms.IntegerField(required=False, min_value=1) for _ in LIMIT_PERIODS]
        kwargs.pop("max_length", None)
        super().__init__(fields, required=False, require_all_fields=False, **kwargs)

    def compress(self, values):
        return {p: v for p, v in zip(LIMIT_PERIODS, values or [], strict=False) if v is not None}

    def has_changed(self, initial, data):
        return (initial or {}) != self.clean(data)


LOCATION_HELP = (
    "One per line: video · address: 1 Main St · link: https://meet.example.com/me · "
    "phone: +4930123456 · integration: zoom · attendee address · attendee phone · attendee choice"
)
ATTENDEE_KINDS = {
    "attendee address": "attendeeAddress",
    "attendee phone": "attendeePhone",
    "attendee choice": "attendeeDefined",
}


class LocationsField(forms.CharField):
    """One location a line <-> [{"type": "address", "address": "..."}, ...]"""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 60})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", LOCATION_HELP)
        kwargs.pop("encoder", None), kwargs.pop("decoder", None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if not isinstance(value, list):
            return value
        return "\n".join(_location_line(location) for location in value)

    def to_python(self, value):
        lines = [line.strip() for line in (super().to_python(value) or "").splitlines()]
        return [_location(line) for line in lines if line]

    def has_changed(self, initial, data):
        try:
            return self.prepare_value(initial or []) != self.prepare_value(self.to_python(data))
        except ValidationError:
            return True


def _location_line(location: dict) -> str:
    kind = location.get("type", "")
    if kind == "integration" and location.get("integration") == "cal-video":
        return "video"
    for text, attendee_kind in ATTENDEE_KINDS.items():
        if kind == attendee_kind:
            return text
    return f"{kind}: {location.get(kind, '')}"


def _location(line: str) -> dict:
    lowered = line.lower()
    if lowered == "video":
        return {"type": "integration", "integration": "cal-video"}
    if lowered in ATTENDEE_KINDS:
        return {"type": ATTENDEE_KINDS[lowered]}
    kind, _, value = line.partition(":")
    kind = kind.strip().lower()
    if kind not in ("address", "link", "phone", "integration") or not value.strip():
        raise ValidationError(f"'{line}' is not a location. {LOCATION_HELP}")
    return {"type": kind, kind: value.strip()}


QUESTION_HELP = (
    "One question a line: slug | type | label | required, optional or hidden | options "
    f"(for choices, separated by commas). Types: {', '.join(sorted(FIELD_TYPES))}. "
    "E.g. role | select | Which role? | required | Engineering, Design"
)
FLAGS = ("required", "optional", "hidden")


class QuestionsField(forms.CharField):
    """One question a line <-> the booking fields' definitions."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 80})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", QUESTION_HELP)
        kwargs.pop("encoder", None), kwargs.pop("decoder", None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if not isinstance(value, list):
            return value
        return "\n".join(_question_line(question) for question in value)

    def to_python(self, value):
        lines = [line.strip() for line in (super().to_python(value) or "").splitlines()]
        return [_question(line) for line in lines if line]

    def has_changed(self, initial, data):
        try:
            return self.prepare_value(initial or []) != self.prepare_value(self.to_python(data))
        except ValidationError:
            return True


def _question_line(question: dict) -> str:
    flag = (
        "hidden"
        if question.get("hidden")
        else "required"
        if question.get("required")
        else "optional"
    )
    parts = [question.get("slug", ""), question.get("type", ""), question.get("label", ""), flag]
    if question.get("options"):
        parts.append(", ".join(question["options"]))
    return " | ".join(parts)


def _question(line: str) -> dict:
    parts = [part.strip() for part in line.split("|")]
    if len(parts) < 3:
        raise ValidationError(
            f"'{line}' needs at least a slug, a type and a label. {QUESTION_HELP}"
        )
    slug, kind, label = parts[:3]
    flag = (parts[3] if len(parts) > 3 and parts[3] else "optional").lower()
    if flag not in FLAGS:
        raise ValidationError(f"'{parts[3]}' in '{line}': say required, optional or hidden.")
    question = {"slug": slug, "type": kind.lower(), "label": label, "required": flag == "required"}
    if flag == "hidden":
        question["hidden"] = True
    if len(parts) > 4 and parts[4]:
        question["options"] = [option.strip() for option in parts[4].split(",") if option.strip()]
    return question
