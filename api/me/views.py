"""GET /v2/me: the caller's own profile (Cal.com's MeOutput)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api import docs
from api.views import VersionedAPIView


class MeOrganizationOut(serializers.Serializer):
    isPlatform = serializers.BooleanField()
    id = serializers.IntegerField()


class MeOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    name = serializers.CharField(allow_null=True)
    avatarUrl = serializers.CharField(allow_null=True)
    bio = serializers.CharField(allow_null=True)
    timeFormat = serializers.ChoiceField(choices=[12, 24])
    defaultScheduleId = serializers.IntegerField(allow_null=True)
    weekStart = serializers.CharField()
    timeZone = serializers.CharField()
    locale = serializers.CharField()
    organizationId = serializers.IntegerField(allow_null=True)
    organization = MeOrganizationOut(required=False)


def me_output(user) -> dict:
    # Through the reverse relation: accounts does not import the apps built on it.
    default_schedule_id = (
        user.schedules.filter(is_default=True).values_list("id", flat=True).first()
    )
    data = {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "name": user.name or None,
        "avatarUrl": None,
        "bio": None,
        "timeFormat": 24,
        "defaultScheduleId": default_schedule_id,
        "weekStart": "Monday",
        "timeZone": user.time_zone,
        "locale": user.language,
        "organizationId": user.organization_id,
    }
    if user.organization_id is not None:
        data["organization"] = {"isPlatform": False, "id": user.organization_id}
    return data


class MeView(VersionedAPIView):
    api_version = None  # Cal.com does not version /v2/me

    @extend_schema(
        operation_id="getMe",
        summary="Your profile",
        responses={200: docs.envelope("MeResponse", MeOut), **docs.errors(401)},
        tags=["Me"],
    )
    def get(self, request):
        return Response(me_output(request.user))
