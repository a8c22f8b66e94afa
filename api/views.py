"""The base of every API view: the resource's `cal-api-version`."""

from rest_framework import exceptions
from rest_framework.views import APIView

from api.versions import HEADER


class UnsupportedVersion(exceptions.APIException):
    status_code = 400
    error_code = "unsupported_api_version"


# Serves `api_version` without the header; any other version asked for is a 400. A resource
# Cal.com does not version (api_version None) accepts any header.
# (A comment, not a docstring: the OpenAPI document would show it on every operation.)
class VersionedAPIView(APIView):
    api_version: str | None = None

    def initial(self, request, *args, **kwargs):
        asked = request.headers.get(HEADER)
        if asked is not None and self.api_version and asked.strip() != self.api_version:
            raise UnsupportedVersion(
                f"This endpoint speaks {HEADER} {self.api_version}; '{asked}' is not supported."
            )
        request.version = self.api_version
        super().initial(request, *args, **kwargs)
