"""Subscription secrets: generated in Standard Webhooks' form, and the keys they sign with.

A generated secret is `whsec_` + base64 of 24 random bytes. Any other string a subscriber
chooses is accepted too. The Standard Webhooks signature uses the bytes behind a `whsec_`
secret, and the UTF-8 bytes of any other secret; Cal.com's signature uses the secret string
itself, whatever its form.
"""

import base64
import binascii
import secrets

PREFIX = "whsec_"
RANDOM_BYTES = 24
MAX_LENGTH = 255


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(RANDOM_BYTES)).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key of the Standard Webhooks signature (what `standardwebhooks.Webhook`
    takes: the `whsec_` string itself, or the bytes of any other secret)."""
    if secret.startswith(PREFIX):
        return _decoded(secret[len(PREFIX) :])
    return secret.encode()


def _decoded(text: str) -> bytes:
    """Base64 with or without its padding (binascii.Error when it is not base64)."""
    text = text.rstrip("=")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def secret_problem(secret: str) -> str | None:
    """Why a secret a subscriber chose cannot be used, or None."""
    if not secret:
        return "The secret cannot be empty."
    if len(secret) > MAX_LENGTH:
        return f"The secret has at most {MAX_LENGTH} characters."
    if secret.startswith(PREFIX):
        try:
            key = _decoded(secret[len(PREFIX) :])
        except binascii.Error:
            return "A whsec_ secret is base64 after the prefix."
        if len(key) < RANDOM_BYTES:
            return f"A whsec_ secret carries at least {RANDOM_BYTES} bytes."
    return None


def hint(secret: str) -> str:
    """Enough of a secret to tell which one it is, never enough to use it."""
    if secret.startswith(PREFIX):
        return secret[: len(PREFIX) + 4] + "…"
    return f"a secret of your own ({len(secret)} characters)"
