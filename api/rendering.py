from rest_framework.renderers import JSONRenderer


class EnvelopeRenderer(JSONRenderer):
    """Wraps successful responses as {"status": "success", "data": ...[, "pagination"]}.

    Error responses arrive already in the error envelope (see errors.handle_exception).
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code < 400:
            envelope = {"status": "success"}
            if data is not None:
                envelope["data"] = data
            pagination = getattr(response, "pagination", None)
            if pagination is not None:
                envelope["pagination"] = pagination
            data = envelope
        return super().render(data, accepted_media_type, renderer_context)
