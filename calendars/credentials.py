"""Calendar passwords encrypted at rest (Fernet: AES-128-CBC with an HMAC-SHA256 tag).

The keys come from CALENDAR_ENCRYPTION_KEYS: the first encrypts, every one decrypts, so a key is
rotated by putting a new one first, re-encrypting (`manage.py rotate_calendar_keys`) and then
dropping the old one. Without keys, one is derived from SECRET_KEY (changing SECRET_KEY then
makes the stored passwords unreadable: the hosts enter them again).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class UnreadableSecret(Exception):
    """No configured key decrypts the stored value."""


def _keys() -> MultiFernet:
    keys = list(settings.CALENDAR_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(b"rendezvous calendars:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(secret: str) -> str:
    return _keys().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret(
            "The stored password cannot be decrypted with the configured keys; "
            "enter it again or restore the key (CALENDAR_ENCRYPTION_KEYS)."
        ) from None


def reencrypt(token: str) -> str:
    """The same secret under the first key."""
    return _keys().rotate(token.encode()).decode() if token else ""


def new_key() -> str:
    return Fernet.generate_key().decode()
