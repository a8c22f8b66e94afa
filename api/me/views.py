"""GET /v2/me: the caller's own profile."""

from api.me.serializers import MeOutput
from api.operations import operation
from api.views import ApiViewSet


class MeViewSet(ApiViewSet):
    api_version = None  # Cal.com does not version /v2/me
    tag = "Me"

    @operation("getMe", output=MeOutput)
    def list(self, request):
        """Your profile"""
        return self.respond(request.user)
