"""`Authorization: Bearer rdv_…`: API keys, looked up by the SHA-256 of the key."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import API_KEY_PREFIX, ApiKey, hash_api_key

# last_used_at is a hint for the owner, not an audit log: write it at most once a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        keyword, _, token = header.partition(" ")
        token = token.strip()
        if keyword.lower() != "bearer" or not token:
            raise exceptions.AuthenticationFailed(
                "Send the API key as 'Authorization: Bearer rdv_…'."
            )
        if not token.startswith(API_KEY_PREFIX):
            raise exceptions.AuthenticationFailed("This is not a Rendezvous API key (rdv_…).")
        key = ApiKey.objects.select_related("owner").filter(hashed_key=hash_api_key(token)).first()
        now = timezone.now()
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown API key.")
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if key.expires_at is not None and key.expires_at <= now:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if not key.owner.is_active:
            raise exceptions.AuthenticationFailed("The owner of this API key is inactive.")
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.owner, key

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes ApiKeyAuthentication."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `manage.py create_api_key` (rdv_…).",
        }
