"""One place that turns every failure of an API request into the error envelope.

    {"status": "error", "timestamp": ..., "path": ..., "error": {"code", "message", "details"}}

Domain errors keep their stable codes; DRF's and Django's get codes of the same style.
An exception nobody expected is logged and answered with a 500 in the same shape.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.plumbing import force_instance
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts.timezones import iso_utc
from eventtypes.errors import DomainError
from webhooks.errors import WebhookError

logger = logging.getLogger("api")

# HTTP status per domain error code; anything not listed is a 400.
DOMAIN_STATUS = {
    "slot_unavailable": 409,
    "lock_timeout": 409,
    "seats_full": 409,
    "reservation_held": 409,
    "invalid_transition": 409,
    "no_host_available": 409,
    "changes_disabled": 403,
    "reservation_not_found": 404,
    "too_many_reservations": 429,
    "not_found": 404,
    "event_type_not_found": 404,
    "booking_not_found": 404,
    "occurrence_not_found": 404,
    "team_not_found": 404,
    "schedule_not_found": 404,
    "private_link_not_found": 404,
    "not_team_admin": 403,
    "slug_taken": 409,
    "webhook_not_found": 404,
    "delivery_not_found": 404,
    "webhook_exists": 409,
    "webhook_inactive": 409,
    "delivery_in_progress": 409,
    "calendar_connection_not_found": 404,
    "calendar_not_found": 404,
    "calendar_credentials_refused": 422,
    "calendar_unreachable": 422,
    "calendar_read_only": 409,
}

DRF_CODES = {
    exceptions.ParseError: "invalid_json",
    exceptions.AuthenticationFailed: "unauthorized",
    exceptions.NotAuthenticated: "unauthorized",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "validation_error",
}


def error_body(request, status: int, code: str, message: str, details=None) -> dict:
    error = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {
        "status": "error",
        "timestamp": iso_utc(timezone.now()),
        "path": request.get_full_path(),
        "error": error,
    }


def error_response(request, status: int, code: str, message: str, details=None, headers=None):
    return Response(
        error_body(request, status, code, message, details), status=status, headers=headers
    )


def handle_exception(exc, context):
    """DRF's EXCEPTION_HANDLER."""
    request = context["request"]
    if isinstance(exc, DomainError | WebhookError):
        status = DOMAIN_STATUS.get(exc.code, 400)
        headers = {}
        if exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        return error_response(request, status, exc.code, exc.message, exc.details or None, headers)
    if isinstance(exc, OperationalError) and (busy := _database_busy(exc)):
        status, code, message = busy
        return error_response(request, status, code, message, headers={"Retry-After": "1"})
    if isinstance(exc, DjangoValidationError):
        exc = in_api_names(exc, context.get("view"))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        code = getattr(exc, "error_code", None) or _drf_code(exc)
        message, details = _describe(exc)
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        return error_response(request, exc.status_code, code, message, details, headers)
    logger.exception("Unhandled error in %s %s", request.method, request.get_full_path())
    request_id = getattr(request, "request_id", "-")
    message = f"Internal server error; quote the request id {request_id} when you report it."
    return error_response(request, 500, "internal_error", message)


# PostgreSQL's deadlock_detected and serialization_failure: the request lost to a concurrent
# one and changed nothing; trying again is safe.
RETRYABLE_SQLSTATES = {"40P01", "40001"}


def _database_busy(exc) -> tuple[int, str, str] | None:
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        logger.warning("Concurrent update refused: %s", exc)
        return 409, "concurrent_update", "A concurrent request changed the same data; retry."
    if "database is locked" in str(exc):
        return 503, "database_busy", "The database is busy; retry in a moment."
    return None


def _drf_code(exc) -> str:
    for exc_class, code in DRF_CODES.items():
        if isinstance(exc, exc_class):
            return code
    return "error"


def _describe(exc) -> tuple[str, object]:
    """A one-line message a developer understands, and the structured details."""
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        messages = list(_flatten(detail))
        message = "; ".join(messages[:5]) or "Invalid input."
        return f"Invalid input: {message}", detail
    return str(detail), None


def _flatten(detail, prefix=""):
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix
            yield from _flatten(value, name)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                yield from _flatten(value, f"{prefix}[{index}]")
            else:
                yield f"{prefix}: {value}" if prefix else str(value)
    else:
        yield f"{prefix}: {detail}" if prefix else str(detail)


def in_api_names(error: DjangoValidationError, view) -> exceptions.ValidationError:
    """A model's validation error (a rule of the services), with the fields named as the
    request named them: the operation's body serializer says which model field each sets."""
    if not hasattr(error, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": error.messages})
    names = model_field_names(getattr(getattr(view, "operation", None), "body", None))
    detail = {}
    for field, messages in error.message_dict.items():
        detail.setdefault(names.get(field, field), []).extend(messages)
    return exceptions.ValidationError(detail)


def model_field_names(body) -> dict[str, str]:
    """Model field -> API name, from a body serializer (or each of a polymorphic body's): a
    field's `source`, the `model_fields` of one that sets several, the fields of a nested
    object mapped onto the model (source "*")."""
    names = {"__all__": "non_field_errors"}
    for serializer in getattr(body, "serializers", None) or ([body] if body else []):
        for name, field in force_instance(serializer).fields.items():
            if hasattr(field, "model_fields"):
                sources = field.model_fields
            elif isinstance(field, serializers.Serializer) and field.source == "*":
                sources = [nested.source for nested in field.fields.values()]
            else:
                sources = [field.source]
            for source in sources:
                names[source] = name
                if source.endswith("_id"):
                    names[source.removesuffix("_id")] = name  # the foreign key itself
    return names


@csrf_exempt  # like every API view: a POST to an unknown path is a 404, not a CSRF page
def not_found_view(request, unknown_path=""):
    """Unknown paths under /v2/ answer in the envelope too."""
    body = error_body(request, 404, "not_found", f"No endpoint {request.method} {request.path}.")
    return JsonResponse(body, status=404)
