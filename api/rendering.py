from rest_framework import response
from rest_framework.renderers import JSONRenderer


class Response(response.Response):
    """null_data: a success whose `data` is null, written out (otherwise no data is left out)."""

    def __init__(self, data=None, *, null_data=False, **kwargs):
        super().__init__(data, **kwargs)
        self.null_data = null_data


class EnvelopeRenderer(JSONRenderer):
    """Wraps successful responses as {"status": "success", "data": ...[, "pagination"]}.

    Error responses arrive already in the error envelope (see errors.handle_exception).
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code < 400:
            envelope = {"status": "success"}
            if data is not None or getattr(response, "null_data", False):
                envelope["data"] = data
            pagination = getattr(response, "pagination", None)
            if pagination is not None:
                envelope["pagination"] = pagination
            data = envelope
        return super().render(data, accepted_media_type, renderer_context)
