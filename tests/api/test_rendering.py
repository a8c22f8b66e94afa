"""The API's JSON is the JSON DRF's JSONRenderer writes, only written faster: the same bytes for
the kinds of values the API gives."""

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.rendering import EnvelopeRenderer


def rendered(data, status=200, media_type="application/json"):
    context = {"response": Response(status=status)}
    return EnvelopeRenderer().render(data, media_type, context)


def as_drf_writes(data, media_type="application/json"):
    return JSONRenderer().render(data, media_type, {})


def test_it_writes_the_same_bytes_as_drf():
    data = {
        "ünïcode": "Zoë 東京 ✓",
        "numbers": [0, -1, 2**63 - 1, 1.5, True, None],
        "nested": {"list": [{"a": "b"}], "empty": {}},
    }
    assert rendered(data, status=400) == as_drf_writes(data)


def test_successes_come_in_the_envelope():
    assert json.loads(rendered({"id": 1})) == {"status": "success", "data": {"id": 1}}
    assert rendered(None, status=400) == b""


def test_values_json_does_not_know_are_written_as_drf_writes_them():
    moment = datetime(2050, 9, 5, 9, 0, 0, 123456, tzinfo=UTC)
    data = {
        "moment": moment,
        "day": date(2050, 9, 5),
        "amount": Decimal("1.50"),
        "uid": uuid.UUID(int=7),
        "lazy": gettext_lazy("Hello"),
        1: "an integer key",
    }
    assert rendered(data, status=400) == as_drf_writes(data)


def test_an_integer_beyond_64_bits_is_written_too():
    huge = 2**70
    assert json.loads(rendered({"big": huge}))["data"] == {"big": huge}


def test_line_and_paragraph_separators_are_escaped_as_drf_does():
    data = {"text": "one\u2028two\u2029three"}
    text = rendered(data, status=400)
    assert b"\\u2028" in text and b"\\u2029" in text
    assert text == as_drf_writes(data)


def test_indented_output_when_asked_for():
    data = {"a": [1, 2]}
    media_type = "application/json; indent=2"
    assert rendered(data, status=400, media_type=media_type) == as_drf_writes(data, media_type)
    assert b"\n  " in rendered(data, status=400, media_type=media_type)
