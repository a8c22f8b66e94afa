"""GET /v2/me: the caller's own profile and default schedule, its organization, the key it
needs, the version headers it accepts, that it is read-only, and its fixed number of queries."""

from accounts.models import Organization, User


def test_me_shows_your_profile_and_default_schedule(api_as, factory, owner):
    owner.time_zone = "Europe/Berlin"
    owner.save()
    factory.schedule(owner, name="Evenings")

    response = api_as(owner).get("/v2/me")

    assert response.status_code == 200
    assert response.json()["status"] == "success"
    assert response.json()["data"] == {
        "id": owner.id,
        "username": "dana",
        "email": "dana@example.com",
        "name": "Dana",
        "avatarUrl": None,
        "bio": None,
        "timeFormat": 24,
        "defaultScheduleId": owner.schedules.get(is_default=True).id,
        "weekStart": "Monday",
        "timeZone": "Europe/Berlin",
        "locale": "en",
        "organizationId": None,
    }


def test_without_a_schedule_there_is_no_default_schedule_id(api_as, db):
    user = User.objects.create_user("new", "new@example.com", "secret")
    data = api_as(user).get("/v2/me").json()["data"]
    assert data["defaultScheduleId"] is None
    assert data["name"] is None


def test_a_member_of_an_organization_sees_it(api_as, owner):
    acme = Organization.objects.create(name="Acme", slug="acme")
    owner.organization = acme
    owner.save()
    data = api_as(owner).get("/v2/me").json()["data"]
    assert data["organizationId"] == acme.id
    assert data["organization"] == {"isPlatform": False, "id": acme.id}


def test_me_needs_a_key(api_as, db):
    response = api_as(None).get("/v2/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_bad_key_is_refused(api_as, db):
    api = api_as(None)
    api.client.credentials(HTTP_AUTHORIZATION="Bearer rdv_not-a-key")
    response = api.get("/v2/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Unknown API key."


def test_any_version_header_is_accepted_as_cal_com_does(api_as, owner):
    for version in ("2024-08-13", "2024-06-14", "2024-06-11"):
        response = api_as(owner).get("/v2/me", **{"cal-api-version": version})
        assert response.status_code == 200, version


def test_me_is_read_only(api_as, owner):
    response = api_as(owner).post("/v2/me", {"name": "Other"})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    owner.refresh_from_db()
    assert owner.name == "Dana"


def test_me_takes_a_fixed_number_of_queries(api_as, owner, django_assert_num_queries):
    api = api_as(owner)
    api.get("/v2/me")  # the key's first use records its time
    # The key with its owner, and the default schedule.
    with django_assert_num_queries(2):
        assert api.get("/v2/me").status_code == 200
