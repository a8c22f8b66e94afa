import orjson
from rest_framework import response
from rest_framework.renderers import JSONRenderer

# Keys that are not strings (ids) are written as strings, as the standard library does; dates
# and times go to the encoder of the API's other JSON, so they are written as everywhere else.
ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class Response(response.Response):
    """null_data: a success whose `data` is null, written out (otherwise no data is left out)."""

    def __init__(self, data=None, *, null_data=False, **kwargs):
        super().__init__(data, **kwargs)
        self.null_data = null_data


class EnvelopeRenderer(JSONRenderer):
    """Wraps successful responses as {"status": "success", "data": ...[, "pagination"]}.

    Error responses arrive already in the error envelope (see errors.handle_exception).
    Written with orjson (a month of slots is thousands of objects); what it cannot write (an
    integer beyond 64 bits) and indented output go through the standard library, as DRF does.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        if response is not None and response.status_code < 400:
            envelope = {"status": "success"}
            if data is not None or getattr(response, "null_data", False):
                envelope["data"] = data
            pagination = getattr(response, "pagination", None)
            if pagination is not None:
                envelope["pagination"] = pagination
            data = envelope
        if data is None:
            return b""
        if not self.get_indent(accepted_media_type, renderer_context):
            try:
                text = orjson.dumps(
                    data, default=self.encoder_class().default, option=ORJSON_OPTIONS
                )
            except orjson.JSONEncodeError:
                pass
            else:
                return escaped_separators(text)
        return super().render(data, accepted_media_type, renderer_context)


def escaped_separators(text: bytes) -> bytes:
    """As DRF writes them: U+2028 and U+2029 are valid in JSON but end a line in JavaScript."""
    return text.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
