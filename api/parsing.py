"""Request bodies and addresses the API refuses before any view sees them."""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from api.errors import error_body

NUL = "\x00"


class StrictJSONParser(JSONParser):
    """JSON, refusing what the database could not store (NUL characters) and nesting deep
    enough to exhaust the parser, as 400 invalid_json instead of a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        if _contains_nul(data):
            raise ParseError("JSON parse error - NUL characters (\\u0000) are not allowed.")
        return data


def _contains_nul(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class ApiRequestGuardMiddleware:
    """Under /v2/: NUL characters in the path or the query string are a 400, a body larger
    than DATA_UPLOAD_MAX_MEMORY_SIZE a 413, both in the error envelope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/v2/"):
            return self.get_response(request)
        if (
            NUL in request.path
            or NUL in request.META.get("QUERY_STRING", "")
            or any(NUL in value for values in request.GET.lists() for value in values[1])
        ):
            return _refuse(request, 400, "invalid_request", "NUL characters are not allowed.")
        try:
            request.body  # noqa: B018 - read (and size-checked) once, before any view
        except RequestDataTooBig:
            return _refuse(request, 413, "request_too_large", "The request body is too large.")
        return self.get_response(request)


def _refuse(request, status, code, message):
    return JsonResponse(error_body(request, status, code, message), status=status)
