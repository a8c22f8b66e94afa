"""A request id for every request: taken from the client's `X-Request-Id` when it is a sane
token (a proxy or a client that already set one), made up otherwise; sent back in the response's
`X-Request-Id` and written on every log line of the request, so that a user's report of an
error can be matched with the server's log."""

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-Id"
SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request.request_id = given if SANE.match(given) else uuid.uuid4().hex
        token = current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response[HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Gives each log record a `request_id` ("-" outside a request, e.g. in a worker)."""

    def filter(self, record):
        # Django logs a request's error response after the middleware has returned; its records
        # carry the request.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or current.get()
        return True
