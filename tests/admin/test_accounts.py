"""The accounts admin: API keys are issued there (the raw key shown once, only its hash
stored) and revoked with an action."""

import re

import pytest
from django.urls import reverse

from accounts.models import ApiKey, hash_api_key

pytestmark = pytest.mark.django_db


def test_adding_an_api_key_in_the_admin_shows_it_once(admin_client, owner):
    response = admin_client.post(
        reverse("admin:accounts_apikey_add"),
        {"owner": owner.pk, "name": "Zapier", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )

    assert response.status_code == 200
    key = ApiKey.objects.get(owner=owner)
    shown = re.search(r"rdv_[A-Za-z0-9_-]+", response.content.decode())
    assert shown, "the raw key is displayed after adding"
    assert key.name == "Zapier"
    assert key.hashed_key == hash_api_key(shown.group())
    # Shown once: the key page does not repeat it.
    page = admin_client.get(reverse("admin:accounts_apikey_change", args=[key.pk]))
    assert shown.group() not in page.content.decode()


def test_revoking_keys_in_the_admin(admin_client, owner):
    kept, _ = ApiKey.issue(owner, name="kept")
    revoked, _ = ApiKey.issue(owner, name="revoked")

    response = admin_client.post(
        reverse("admin:accounts_apikey_changelist"),
        {"action": "revoke", "_selected_action": [revoked.pk]},
        follow=True,
    )

    assert response.status_code == 200
    revoked.refresh_from_db()
    kept.refresh_from_db()
    assert revoked.revoked_at is not None and not revoked.is_usable()
    assert kept.is_usable()
