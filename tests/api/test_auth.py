"""API keys over /v2: a key authenticates its owner and is stored hashed; bad, expired, revoked
and inactive owners' keys are a 401 in the error envelope; unknown routes and wrong methods
answer in the envelope too; the OpenAPI document and its docs are served."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey, hash_api_key


def client_with(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_a_key_authenticates_its_owner_and_is_stored_hashed(owner):
    key, raw = ApiKey.issue(owner, name="ci")
    response = client_with(f"Bearer {raw}").get("/v2/bookings")
    assert response.status_code == 200
    assert key.hashed_key == hash_api_key(raw) and raw not in key.hashed_key
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize(
    "header, message",
    [
        ("Bearer rdv_not-a-real-key", "Unknown API key."),
        ("Bearer cal_live_abc", "This is not a Rendezvous API key (rdv_…)."),
        ("Basic dXNlcjpwYXNz", "Send the API key as 'Authorization: Bearer rdv_…'."),
        ("Bearer", "Send the API key as 'Authorization: Bearer rdv_…'."),
    ],
    ids=["unknown", "foreign-prefix", "basic", "empty"],
)
def test_bad_credentials_are_a_401_in_the_envelope(db, header, message):
    response = client_with(header).get("/v2/bookings")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == "error"
    assert body["error"] == {"code": "unauthorized", "message": message}


def test_an_expired_key_is_refused(owner):
    _, raw = ApiKey.issue(owner, expires_at=timezone.now() - timedelta(seconds=1))
    response = client_with(f"Bearer {raw}").get("/v2/bookings")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API key has expired."


def test_a_revoked_key_is_refused(owner):
    key, raw = ApiKey.issue(owner)
    key.revoked_at = timezone.now()
    key.save()
    response = client_with(f"Bearer {raw}").get("/v2/bookings")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API key has been revoked."


def test_an_inactive_owners_key_is_refused(owner):
    _, raw = ApiKey.issue(owner)
    owner.is_active = False
    owner.save()
    assert client_with(f"Bearer {raw}").get("/v2/bookings").status_code == 401


def test_unknown_routes_answer_in_the_envelope(db):
    response = APIClient().get("/v2/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
def test_unknown_routes_answer_any_method_in_the_envelope(db, method):
    # As a client without cookies sends them: no CSRF page in the way.
    response = getattr(APIClient(enforce_csrf_checks=True), method)("/v2/no-such-thing", {})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_wrong_method_is_a_405_in_the_envelope(db):
    response = APIClient().delete("/v2/bookings")
    assert response.status_code in (401, 405)
    assert response.json()["status"] == "error"


def test_the_openapi_document_and_docs_are_served(db):
    client = APIClient()
    document = client.get("/v2/openapi.json")
    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.")
    assert "/v2/bookings" in document.json()["paths"]
    assert client.get("/v2/docs").status_code == 200
