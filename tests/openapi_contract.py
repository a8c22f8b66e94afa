"""Validate our responses against Cal.com's own OpenAPI document (tests/contract/)."""

import json
import re
from functools import cache
from pathlib import Path

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).parent / "contract" / "calcom-bookings-openapi.json"
SPEC_URI = "urn:calcom-api-v2"


# Where Cal.com's published document contradicts its own API, validate against what the API
# really answers: these two outputs type the envelope's "status" as an object.
STATUS_AS_STRING = ("CalendarLinksOutput_2024_08_13", "BookingReferencesOutput_2024_08_13")


@cache
def spec() -> dict:
    document = json.loads(SPEC_PATH.read_text())
    for name in STATUS_AS_STRING:
        document["components"]["schemas"][name]["properties"]["status"] = {
            "type": "string",
            "enum": ["success", "error"],
        }
    return document


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
