"""Payload templates: a subscriber's own body, with `{{dot.paths}}` filled in from the event.

The variables are those of Cal.com's payload templates: the payload's fields (`title`,
`startTime`, `organizer.name`, `attendees.0.email`, `metadata.videoCallUrl`, ...) and the
envelope's `triggerEvent` and `createdAt`. A path that leads nowhere renders as nothing; an
object or a list renders as JSON.

A template that is JSON stays JSON: placeholders are filled inside its strings, so a value
with quotes or line breaks cannot break the document, and the body is sent as
`application/json`. Any other template is rendered as text: if the result is JSON it is sent
as such, otherwise as `application/x-www-form-urlencoded` with each value percent-encoded.
"""

import json
import re
from urllib.parse import quote_plus

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MAX_LENGTH = 65536

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")


def lookup(variables: dict, path: str):
    value = variables
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def fill(text: str, variables: dict, escape=lambda text: text) -> str:
    return PLACEHOLDER.sub(lambda match: escape(as_text(lookup(variables, match[1]))), text)


def _fill_json(node, variables: dict):
    if isinstance(node, str):
        return fill(node, variables)
    if isinstance(node, list):
        return [_fill_json(item, variables) for item in node]
    if isinstance(node, dict):
        return {fill(key, variables): _fill_json(item, variables) for key, item in node.items()}
    return node


def _parses_as_json(text: str):
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def render(template: str, variables: dict) -> tuple[bytes, str]:
    """The body and its content type."""
    is_json, document = _parses_as_json(template)
    if is_json:
        filled = _fill_json(document, variables)
        return json.dumps(filled, separators=(",", ":"), ensure_ascii=False).encode(), JSON
    text = fill(template, variables)
    if _parses_as_json(text)[0]:
        return text.encode(), JSON
    return fill(template, variables, escape=quote_plus).encode(), FORM
