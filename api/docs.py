"""Shapes for the OpenAPI document: the success and error envelopes around each payload."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from api.versions import HEADER

ERROR_DESCRIPTIONS = {
    400: "Invalid input, or a time that cannot be booked (see error.code)",
    401: "Missing or invalid API key",
    403: "Not allowed",
    404: "Unknown, or another owner's private object",
    409: "A conflict: the time was taken, a reservation is held, the state does not allow it",
    410: "Gone",
    422: "Idempotency-Key reused with a different request",
    429: "Too many: e.g. more slots held at once than allowed",
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. slot_unavailable")
    message = serializers.CharField()
    details = serializers.JSONField(required=False)


class ErrorEnvelopeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    timestamp = serializers.DateTimeField()
    path = serializers.CharField()
    error = ErrorDetailSerializer()


class PaginationSerializer(serializers.Serializer):
    totalItems = serializers.IntegerField()
    remainingItems = serializers.IntegerField()
    returnedItems = serializers.IntegerField()
    itemsPerPage = serializers.IntegerField()
    currentPage = serializers.IntegerField()
    totalPages = serializers.IntegerField()
    hasNextPage = serializers.BooleanField()
    hasPreviousPage = serializers.BooleanField()


def errors(*statuses: int) -> dict:
    """`responses` entries for the error statuses an operation can answer."""
    return {
        status: OpenApiResponse(ErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in statuses
    }


def envelope(name: str, data, *, many=False, paginated=False, description=""):
    """A success envelope {"status": "success", "data": <data>} named `name`."""
    fields = {
        "status": serializers.ChoiceField(choices=["success"]),
        "data": data(many=many) if isinstance(data, type) else data,
    }
    if paginated:
        fields["pagination"] = PaginationSerializer()
    return OpenApiResponse(inline_serializer(name=name, fields=fields), description=description)


def bare_success(name: str):
    return OpenApiResponse(
        inline_serializer(name=name, fields={"status": serializers.ChoiceField(["success"])})
    )


def version_header(version: str) -> OpenApiParameter:
    return OpenApiParameter(
        HEADER,
        str,
        OpenApiParameter.HEADER,
        required=False,
        description=f"Must be {version} when given; without it {version} is served.",
        enum=[version],
    )


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Replays the first response for 24 hours instead of acting again.",
)
