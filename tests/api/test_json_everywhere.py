"""Every answer under /v2/ is JSON in the error envelope, whatever refused the request (a route,
a method, Django's host check, a CSRF check, an error nobody expected), and carries a request id
that the server's log carries too."""

import io
import json
import logging

import pytest
from django.test import Client

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


def envelope(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = json.loads(response.content)
    assert body["status"] == "error" and body["error"]["code"] and body["error"]["message"]
    return body


def with_key(user) -> Client:
    _, raw_key = ApiKey.issue(user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_an_unknown_path_is_a_json_404_for_every_method(method, owner):
    response = getattr(with_key(owner), method)("/v2/nowhere/at/all")
    assert response.status_code == 404
    assert envelope(response)["error"]["code"] == "not_found"


def test_a_path_with_an_encoded_newline_is_a_json_404(owner):
    for path in ("/v2/%0A/x", "/v2/%0a", "/v2/event-types/%0D%0A"):
        response = with_key(owner).get(path)
        assert response.status_code == 404, path
        envelope(response)


def test_a_wrong_method_on_a_known_path_is_a_json_405_naming_the_allowed_ones(owner):
    response = with_key(owner).delete("/v2/me")
    assert response.status_code == 405
    assert envelope(response)["error"]["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_a_post_with_a_session_but_no_csrf_token_is_json(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    for path in ("/v2/nowhere", "/v2/bookings"):
        response = client.post(path, "{}", content_type="application/json")
        assert response.status_code in (403, 404), (path, response.status_code)
        envelope(response)


def test_a_host_header_the_service_does_not_answer_to_is_a_json_400(owner):
    response = with_key(owner).get("/v2/me", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert envelope(response)["error"]["code"] == "bad_request"


def test_asking_for_html_gets_json(owner):
    response = with_key(owner).get("/v2/me", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("application/json")
    browser = with_key(owner).get("/v2/me", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert browser.status_code == 200 and browser["Content-Type"] == "application/json"


def test_an_unexpected_error_is_a_json_500_whose_request_id_is_in_the_log(owner, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr("api.me.views.MeViewSet.respond", broken)
    [console] = logging.getLogger("api").handlers  # the server's error log, as configured
    server_log = io.StringIO()
    monkeypatch.setattr(console, "stream", server_log)
    response = with_key(owner).get("/v2/me")
    assert response.status_code == 500
    body = envelope(response)
    request_id = response["X-Request-Id"]
    assert body["error"]["code"] == "internal_error"
    assert request_id in body["error"]["message"]
    log = server_log.getvalue()
    assert f"ERROR api [request {request_id}] Unhandled error in GET /v2/me" in log
    assert "RuntimeError: something nobody expected" in log


def test_an_error_outside_the_apis_views_is_a_json_500_too(owner, monkeypatch):
    def broken(self, request):
        raise RuntimeError("a middleware failed")

    monkeypatch.setattr("api.idempotency.IdempotencyMiddleware.__call__", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/v2/me")
    assert response.status_code == 500
    assert response["X-Request-Id"] in envelope(response)["error"]["message"]


def test_a_sane_request_id_from_the_client_is_kept_and_any_other_replaced(owner):
    kept = with_key(owner).get("/v2/me", HTTP_X_REQUEST_ID="trace-42.a:b")
    assert kept["X-Request-Id"] == "trace-42.a:b"
    replaced = with_key(owner).get("/v2/me", HTTP_X_REQUEST_ID="no spaces\nor newlines")
    assert replaced["X-Request-Id"] != "no spaces\nor newlines"
    assert len(replaced["X-Request-Id"]) == 32


def test_pages_keep_their_html_errors():
    response = Client().get("/no-such-host-at-all/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
