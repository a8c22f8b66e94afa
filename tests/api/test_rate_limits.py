"""Rate limits: per API key, per address without a key (a wrong key counts there), told in
Cal.com's X-RateLimit headers, refused past the budget with a 429 in the envelope and
Retry-After, and the budget starts again with the next minute."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def middle_of_a_minute(monkeypatch):
    clock = {"now": 1_800_000_030.0}  # 30 s into a minute
    monkeypatch.setattr("accounts.rate_limits.time.time", lambda: clock["now"])
    return clock


def with_key(user, address="198.51.100.1"):
    _, raw = ApiKey.issue(user, name="tests")
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=address)


def test_a_key_has_its_budget_a_minute(owner, outsider, settings, middle_of_a_minute):
    settings.API_CALLS_PER_MINUTE = 3
    client = with_key(owner)
    answers = [client.get("/v2/me") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0]["X-RateLimit-Limit"] == "3" and answers[0]["X-RateLimit-Reset"] == "31"
    refused = answers[3]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Retry-After"] == "31"

    assert with_key(outsider).get("/v2/me").status_code == 200  # another key, its own budget
    middle_of_a_minute["now"] += 60
    assert client.get("/v2/me").status_code == 200  # the next minute


def test_calls_without_a_key_share_their_addresss_budget(settings, middle_of_a_minute):
    settings.API_ANONYMOUS_CALLS_PER_MINUTE = 2
    here, there = APIClient(REMOTE_ADDR="198.51.100.7"), APIClient(REMOTE_ADDR="198.51.100.8")
    statuses = [here.get("/v2/timezones").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert there.get("/v2/timezones").status_code == 200

    guessing = APIClient(REMOTE_ADDR="198.51.100.9", HTTP_AUTHORIZATION="Bearer rdv_wrong")
    assert [guessing.get("/v2/me").status_code for _ in range(3)] == [401, 401, 429]


def test_behind_proxies_the_address_is_the_one_the_nearest_proxy_saw(settings, middle_of_a_minute):
    settings.API_ANONYMOUS_CALLS_PER_MINUTE = 1
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.2"
    first = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.5")
    second = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert first.get("/v2/timezones").status_code == 200
    assert second.get("/v2/timezones").status_code == 200
    again = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="other, 203.0.113.5")
    assert again.get("/v2/timezones").status_code == 429

    # Straight from the internet, X-Forwarded-For is the client's own say: not believed.
    direct = [
        APIClient(REMOTE_ADDR="93.184.216.34", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in (30, 31)
    ]
    assert [client.get("/v2/timezones").status_code for client in direct] == [200, 429]


def test_when_the_cache_cannot_count_calls_go_through(owner, settings, monkeypatch):
    settings.API_CALLS_PER_MINUTE = 1

    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr("accounts.rate_limits.cache.add", broken)
    client = with_key(owner)
    assert [client.get("/v2/me").status_code for _ in range(3)] == [200, 200, 200]
