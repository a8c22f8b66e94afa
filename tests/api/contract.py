"""The contract checks of the API tests: validate our responses against Cal.com's own OpenAPI
document (tests/contract/), and every response against our own (/v2/openapi.json)."""

import json
import re
from functools import cache
from pathlib import Path

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).parent.parent / "contract" / "calcom-bookings-openapi.json"
SPEC_URI = "urn:calcom-api-v2"


STATUS_AS_STRING = ("CalendarLinksOutput_2024_08_13", "BookingReferencesOutput_2024_08_13")


@cache
def spec() -> dict:
    return _correct(json.loads(SPEC_PATH.read_text()))


@cache
def _registry() -> Registry:
    resource = Resource.from_contents(spec(), default_specification=DRAFT4)
    return Registry().with_resource(SPEC_URI, resource)


def operation_for(method: str, path: str) -> tuple[str, dict]:
    """The operation of Cal.com's document that a concrete path answers to."""
    method = method.lower()
    for template, operations in spec()["paths"].items():
        pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method in operations:
            return template, operations[method]
    raise LookupError(f"Cal.com's document has no operation {method.upper()} {path}")


def assert_matches_contract(response, method: str | None = None, path: str | None = None):
    """Raise AssertionError unless the response body fits Cal.com's schema for that operation
    and status code."""
    method = method or response.request["REQUEST_METHOD"]
    path = path or response.request["PATH_INFO"]
    template, operation = operation_for(method, path)
    responses = operation["responses"]
    status = str(response.status_code)
    assert status in responses, (
        f"{method} {template}: Cal.com documents {sorted(responses)}, we answered {status}"
    )
    schema = responses[status]["content"]["application/json"]["schema"]
    pointer = f"{SPEC_URI}#/paths/{_escape(template)}/{method.lower()}/responses/{status}"
    validator = OAS30Validator(
        {"$ref": pointer + "/content/application~1json/schema"}, registry=_registry()
    )
    try:
        validator.validate(response.json())
    except ValidationError as error:
        location = "/".join(str(p) for p in error.absolute_path)
        raise AssertionError(
            f"{method} {template} {status} does not match Cal.com's schema at "
            f"'{location}': {error.message}"
        ) from None
    return schema


def _escape(template: str) -> str:
    return template.replace("~", "~0").replace("/", "~1")


def assert_matches_component(data, schema_name: str) -> None:
    """Raise AssertionError unless `data` fits one named schema of Cal.com's document."""
    validator = OAS30Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}, registry=_registry()
    )
    try:
        validator.validate(data)
    except ValidationError as error:
        location = "/".join(str(p) for p in error.absolute_path)
        raise AssertionError(
            f"{schema_name} does not match at '{location}': {error.message}"
        ) from None


# --- Our own document ------------------------------------------------------------------------

OUR_URI = "urn:rendezvous-api"


@cache
def our_spec() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


@cache
def _our_registry() -> Registry:
    resource = Resource.from_contents(our_spec(), default_specification=DRAFT4)
    return Registry().with_resource(OUR_URI, resource)


def our_operation(method: str, path: str) -> tuple[str, dict] | None:
    """The operation a concrete path answers to; fixed segments before parameters
    (/v2/schedules/time-zones before /v2/schedules/{id}), as the routes are matched."""
    method = method.lower()
    templates = sorted(our_spec()["paths"].items(), key=lambda item: item[0].count("{"))
    for template, operations in templates:
        pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method in operations:
            return template, operations[method]
    return None


def assert_matches_our_document(response) -> None:
    """Raise AssertionError unless the response is no server error, is JSON (or the file its
    operation documents), and fits our own document for its operation and status. Paths and
    methods the document does not have (answered 404 or 405) need only be JSON."""
    method, path = response.request["REQUEST_METHOD"], response.request["PATH_INFO"]
    assert response.status_code < 500, f"{method} {path} answered {response.status_code}"
    content_type = response.get("Content-Type", "").split(";")[0]
    found = our_operation(method, path)
    if content_type != "application/json":
        documented = found and found[1]["responses"].get(str(response.status_code), {})
        assert documented and content_type in documented.get("content", {}), (
            f"{method} {path} answered {content_type or 'no content type'}, not JSON"
        )
        return
    if found is None:
        return
    template, operation = found
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{method} {template}: our document has {sorted(operation['responses'])}, "
        f"we answered {status}"
    )
    pointer = f"{OUR_URI}#/paths/{_escape(template)}/{method.lower()}/responses/{status}"
    validator = OAS30Validator(
        {"$ref": pointer + "/content/application~1json/schema"}, registry=_our_registry()
    )
    try:
        validator.validate(response.json())
    except ValidationError as error:
        location = "/".join(str(p) for p in error.absolute_path)
        raise AssertionError(
            f"{method} {template} {status} does not match our document at '{location}': "
            f"{error.message}"
        ) from None


# --- Corrections where Cal.com's document contradicts Cal.com's API --------------------------
#
# The generated document describes some outputs wrongly: Cal.com's source declares (and its
# API returns) a user object per `users` entry, one booking window object, numbers and
# strings for `T | null` properties the generator wrote as `type: object`, booleans for
# `isDefault`, and "HH:MM" times where the generator wrote the name of the regex constant.
# Responses are validated against the document with exactly these corrections, and these
# two outputs' envelope "status", which the document types as an object.

HH_MM_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
NULL = {"enum": [None], "nullable": True}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str) -> dict:
    return {"type": kind, "nullable": True}


USER = {
    "type": "object",
    "properties": {
        "id": {"type": "number"},
        "name": _nullable("string"),
        "username": _nullable("string"),
        "avatarUrl": _nullable("string"),
        "weekStart": {"type": "string"},
        "brandColor": _nullable("string"),
        "darkBrandColor": _nullable("string"),
        "metadata": {"type": "object"},
    },
    "required": ["id", "name", "username", "avatarUrl", "weekStart"],
}
HOST = {
    "type": "object",
    "properties": {
        "userId": {"type": "number"},
        "name": {"type": "string"},
        "mandatory": {"type": "boolean"},
        "priority": {"type": "string", "enum": ["lowest", "low", "medium", "high", "highest"]},
        "avatarUrl": _nullable("string"),
    },
    "required": ["userId", "name"],
}


def _correct(document: dict) -> dict:
    for name in STATUS_AS_STRING:
        document["components"]["schemas"][name]["properties"]["status"] = {
            "type": "string",
            "enum": ["success", "error"],
        }
    schemas = document["components"]["schemas"]
    for name in ("EventTypeOutput_2024_06_14", "TeamEventTypeOutput_2024_06_14"):
        props = schemas[name]["properties"]
        # One window, not a list; its members share one `type` enum, so anyOf.
        props["bookingWindow"] = {"anyOf": props["bookingWindow"]["items"]["oneOf"]}
        for prop, kind in {
            "slotInterval": "number",
            "seatsPerTimeSlot": "number",
            "successRedirectUrl": "string",
            "forwardParamsSuccessRedirect": "boolean",
        }.items():
            props[prop] = _nullable(kind)
        props["recurrence"] = {"anyOf": [_ref("Recurrence_2024_06_14"), NULL]}
        # The members differ only by a `type` the document leaves unconstrained.
        for prop in ("bookingFields", "locations"):
            props[prop]["items"] = {"anyOf": props[prop]["items"]["oneOf"]}
    schemas["EventTypeOutput_2024_06_14"]["properties"]["users"]["items"] = USER
    team = schemas["TeamEventTypeOutput_2024_06_14"]["properties"]
    team["hosts"]["items"] = HOST
    team["ownerId"] = _nullable("number")
    team["parentEventTypeId"] = _nullable("number")
    for prop in ("bannerUrl", "logoUrl", "brandColor", "darkBrandColor", "theme"):
        schemas["EventTypeTeam"]["properties"][prop] = _nullable("string")
    for name, schema in schemas.items():
        if name.endswith("FieldOutput_2024_06_14"):
            schema["properties"]["isDefault"] = {"type": "boolean"}
    availability = schemas["ScheduleAvailabilityInput_2024_06_11"]["properties"]
    del availability["days"]["enum"]
    for name in ("ScheduleAvailabilityInput_2024_06_11", "ScheduleOverrideInput_2024_06_11"):
        for prop in ("startTime", "endTime"):
            schemas[name]["properties"][prop]["pattern"] = HH_MM_PATTERN
    return document
