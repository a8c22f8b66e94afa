"""Under /v2/, every error answers in the API's JSON envelope, whatever produced it: Django's own
pages for a disallowed Host header, a path no route matches, a CSRF refusal or a server error
outside the API's views are rewritten here, keeping their status. The docs page is HTML."""

from http import HTTPStatus

from django.http import JsonResponse

from api.errors import error_body

CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    431: "headers_too_large",
    500: "internal_error",
}
MESSAGES = {
    400: "Bad request: malformed, or sent to a Host this service does not answer to.",
    403: "Forbidden.",
    404: "No endpoint {method} {path}.",
    500: "Internal server error; quote the request id {request_id} when you report it.",
}
HTML_PATHS = ("/v2/docs",)


class JsonOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/v2/")
            or request.path.startswith(HTML_PATHS)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        return envelope_for(request, response)


def envelope_for(request, response) -> JsonResponse:
    status = response.status_code
    code = CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")
    message = MESSAGES.get(status, HTTPStatus(status).phrase + ".").format(
        method=request.method,
        path=request.path,
        request_id=getattr(request, "request_id", "-"),
    )
    rewritten = JsonResponse(error_body(request, status, code, message), status=status)
    for header, value in response.items():  # security headers, Allow, Retry-After, ...
        if header.lower() not in ("content-type", "content-length"):
            rewritten[header] = value
    rewritten.cookies = response.cookies
    return rewritten
