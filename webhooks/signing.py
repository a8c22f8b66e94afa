"""The headers that let a subscriber check a delivery came from us, unchanged.

Two schemes on every request, over the exact bytes of the body:
- Cal.com's `X-Cal-Signature-256`: lower-case hex HMAC-SHA256 of the body, keyed with the
  secret string.
- Standard Webhooks' `webhook-id` (the event, the same on every retry), `webhook-timestamp`
  (this attempt, Unix seconds) and `webhook-signature` (`v1,<base64>` over
  `id.timestamp.body`), signed by the `standardwebhooks` library.

For a day after the secret is rotated, requests are signed with both secrets:
`webhook-signature` carries two entries, and `X-Cal-Signature-256-Previous` the old one.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from standardwebhooks import Webhook

from webhooks.secrets import signing_key


@dataclass(frozen=True)
class Keys:
    secret: str
    previous: str = ""


def calcom_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: datetime, body: bytes) -> str:
    return Webhook(signing_key(secret)).sign(message_id, timestamp, body.decode())


def signed_headers(
    keys: Keys,
    *,
    message_id: str,
    timestamp: datetime,
    body: bytes,
    content_type: str,
    version: str,
) -> dict[str, str]:
    """Every header of a delivery request. `timestamp` must be aware (it is sent in UTC)."""
    timestamp = timestamp.astimezone(UTC)
    secrets = [keys.secret] + ([keys.previous] if keys.previous else [])
    headers = {
        "Content-Type": content_type,
        "User-Agent": "Rendezvous-Webhooks/1",
        "X-Cal-Signature-256": calcom_signature(keys.secret, body),
        "X-Cal-Webhook-Version": version,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(
            standard_signature(secret, message_id, timestamp, body) for secret in secrets
        ),
    }
    if keys.previous:
        headers["X-Cal-Signature-256-Previous"] = calcom_signature(keys.previous, body)
    return headers
