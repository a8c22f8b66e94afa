"""`Idempotency-Key` on POST requests under /v2/ (modelled on Stripe and the IETF draft).

- The first request with a key runs; its response (status and body) is stored.
- The same key and the same request within 24 hours: that response again, nothing done again.
- The same key with another method, path or body: 422.
- The same key while the first request still runs: 409.
Responses a retry could change (5xx, 409 and 429) are not kept, so the client may try again.
A booking created under a key also carries it, so even a request cut off half-way cannot book
twice when retried.
"""

import hashlib
from contextlib import nullcontext
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from accounts.rate_limits import client_address
from api.errors import error_body
from api.models import IdempotentRequest

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255
NOT_KEPT = {409, 429}


def request_scope(request) -> str:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "key:" + hashlib.sha256(authorization.encode()).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    # Anonymous callers (public booking) each have their own keys: one cannot claim or replay
    # another's.
    return "address:" + client_address(request)


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/v2/"):
            return self.get_response(request)
        key = key.strip().strip('"')
        if not key or len(key) > MAX_KEY_LENGTH:
            return _error(
                request,
                400,
                "invalid_idempotency_key",
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.",
            )
        scope, print_ = request_scope(request), fingerprint(request)
        record, created = _claim(scope, key, print_)
        if not created:
            if record.fingerprint != print_:
                return _error(
                    request,
                    422,
                    "idempotency_key_reused",
                    f"{HEADER} '{key}' was used for a different request.",
                )
            if record.state == IdempotentRequest.State.IN_PROGRESS:
                response = _error(
                    request,
                    409,
                    "idempotency_key_in_use",
                    f"A request with {HEADER} '{key}' is still in progress.",
                )
                response["Retry-After"] = "1"
                return response
            return _replay(record)

        request.idempotency_key = f"{scope}:{key}"
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500 or response.status_code in NOT_KEPT:
            record.delete()
            return response
        IdempotentRequest.objects.filter(pk=record.pk).update(
            state=IdempotentRequest.State.DONE,
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
        )
        return response


def _claim(scope, key, print_):
    """The record for this key: newly claimed (created=True), or the one already there."""
    for _ in range(2):
        try:
            # On its own, a refused insert leaves nothing to undo (one round trip, no BEGIN or
            # COMMIT); inside a transaction a savepoint keeps that transaction usable.
            within = transaction.atomic() if connection.in_atomic_block else nullcontext()
            with within:
                return IdempotentRequest.objects.create(
                    scope=scope, key=key, fingerprint=print_
                ), True
        except IntegrityError:
            record = IdempotentRequest.objects.filter(scope=scope, key=key).first()
            if record is None:
                continue  # deleted in between: claim again
            if record.created_at < timezone.now() - RETENTION:
                record.delete()  # expired: the key may be used afresh
                continue
            return record, False
    raise RuntimeError("Could not claim an idempotency key.")


def _replay(record) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _error(request, status, code, message) -> JsonResponse:
    return JsonResponse(error_body(request, status, code, message), status=status)
