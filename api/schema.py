"""The OpenAPI document, derived from what each operation declares (api/operations.py).

For every operation the schema class adds what all of them share: the `cal-api-version` header
of the view set, `Idempotency-Key` on POST, the success envelope around the output
({"status": "success", "data": ...[, "pagination"]}), and the error envelope for the statuses
the operation can answer: 400, 401, 406 and 429 always (a bad version header, query or body; a
bad key is refused even where none is needed; an Accept header without JSON; the rate limit),
404 with path parameters, 413 and 415 wherever a body may be sent, 409 and 422 on POST (an
Idempotency-Key still in use, or reused for another request), and the operation's own
`errors`.
"""

import inspect

from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    build_basic_type,
    get_lib_doc_excludes,
    is_basic_type,
    is_serializer,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers

from api import versions

ERROR_DESCRIPTIONS = {
    400: "Invalid input, or a time that cannot be booked (see error.code)",
    401: "Missing or invalid API key",
    403: "Not allowed",
    404: "Unknown, or another owner's private object",
    409: "A conflict: the time was taken, a reservation is held, the state does not allow it, "
    "or a request with the same Idempotency-Key is still running",
    406: "The Accept header excludes JSON",
    413: "The request body is too large",
    415: "The body is not application/json",
    422: "Idempotency-Key reused with a different request",
    429: "Too many: calls in a minute (see Retry-After), or slots held at once",
}


class ErrorDetail(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. slot_unavailable")
    message = serializers.CharField()
    details = serializers.JSONField(required=False)


class ErrorEnvelope(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    timestamp = serializers.DateTimeField()
    path = serializers.CharField()
    error = ErrorDetail()


class Pagination(serializers.Serializer):
    totalItems = serializers.IntegerField()
    remainingItems = serializers.IntegerField()
    returnedItems = serializers.IntegerField()
    itemsPerPage = serializers.IntegerField()
    currentPage = serializers.IntegerField()
    totalPages = serializers.IntegerField()
    hasNextPage = serializers.BooleanField()
    hasPreviousPage = serializers.BooleanField()


def doc_barrier():
    """Component descriptions come from a serializer's own docstring or its bases', but not
    from the output base class (which says how it renders, not what it shows)."""
    from bookings.representation import Output

    return [*get_lib_doc_excludes(), Output]


class ApiSchema(AutoSchema):
    @property
    def _operation(self):
        operation_of = getattr(self.view, "operation_of", None)
        return operation_of(getattr(self.view, "action", None)) if operation_of else None

    @property
    def _oldest_operation(self):
        """The operation answering without the version header (2024-04-15), if another."""
        oldest = getattr(self.view, "without_version_header", None)
        action = getattr(self.view, "action", None)
        return getattr(getattr(oldest, action, None), "operation", None) if action else None

    def _docstring(self) -> tuple[str, str]:
        method = getattr(self.view, getattr(self.view, "action", "") or "", None)
        text = inspect.getdoc(method) or ""
        summary, _, description = text.partition("\n")
        # Lines wrapped in the source are one paragraph in the document.
        paragraphs = [" ".join(p.split()) for p in description.strip().split("\n\n")]
        return summary.strip(), "\n\n".join(p for p in paragraphs if p)

    def _is_list_view(self, serializer=None):
        return False  # lists are in the envelope the operation declares (many, paginated)

    def get_operation_id(self):
        return self._operation.id if self._operation else super().get_operation_id()

    def get_tags(self):
        tag = getattr(self.view, "tag", "")
        return [tag] if tag else super().get_tags()

    def get_summary(self):
        return self._docstring()[0] or None

    def get_description(self):
        return self._docstring()[1]

    def is_deprecated(self):
        return bool(self._operation and self._operation.deprecated) or super().is_deprecated()

    def get_override_parameters(self):
        parameters = []
        version = getattr(self.view, "api_version", None)
        if version:
            parameters.append(
                OpenApiParameter(
                    versions.HEADER,
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        f"Must be {version} when given; without it, Cal.com's oldest shapes "
                        "(2024-04-15) are served, as Cal.com does."
                        if self._oldest_operation
                        else f"Must be {version} when given; without it {version} is served."
                    ),
                    enum=[version, versions.OLDEST] if self._oldest_operation else [version],
                )
            )
        if self.method == "POST":
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Replays the first response for 24 hours instead of acting again.",
                )
            )
        if self._operation:
            if self._operation.query:
                parameters.append(self._operation.query)
            parameters.extend(self._operation.parameters)
        return parameters

    def get_request_serializer(self):
        body = self._operation.body if self._operation else None
        oldest = self._oldest_operation
        if body is None or oldest is None or oldest.body is None:
            return body
        bodies = getattr(body, "serializers", None) or [body]
        return PolymorphicProxySerializer(
            component_name=f"{self._operation.id[0].upper()}{self._operation.id[1:]}Body",
            serializers=[*bodies, oldest.body],
            resource_type_field_name=None,
        )

    def get_response_serializers(self):
        op = self._operation
        if op is None:
            return super().get_response_serializers()
        if op.file:
            media_type, description = op.file
            success = {
                (op.status, media_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description=description
                )
            }
        else:
            success = {op.status: OpenApiResponse(self._success_envelope(op))}
        errors = self._error_statuses(op)
        oldest = self._oldest_operation
        if oldest is not None:
            envelopes = {op.status: [self._success_envelope(op)]}
            oldest_envelope = self._success_envelope(oldest)
            if oldest_envelope not in envelopes.get(oldest.status, []):
                envelopes.setdefault(oldest.status, []).append(oldest_envelope)
            success = {
                status: OpenApiResponse(
                    {"anyOf": shapes} if len(shapes) > 1 else shapes[0],
                    description="Without the cal-api-version header: the 2024-04-15 shape",
                )
                for status, shapes in envelopes.items()
            }
            errors = sorted(set(errors) | set(self._error_statuses(oldest)))
        return {**success, **{status: self._error(status) for status in errors}}

    # -- Envelopes

    def _success_envelope(self, op) -> dict:
        properties = {"status": {"type": "string", "enum": ["success"]}}
        required = ["status"]
        if op.output is not None:
            data = self._schema_of(op.output)
            if op.many or op.paginated:
                data = {"type": "array", "items": data}
            elif op.one_or_many:
                data = {"oneOf": [data, {"type": "array", "items": data}]}
            elif op.nullable:
                data = {"oneOf": [data, {"type": "object", "nullable": True, "enum": [None]}]}
            properties["data"] = data
            required.append("data")
        if op.paginated:
            properties["pagination"] = self.resolve_serializer(Pagination, "response").ref
            required.append("pagination")
        return {"type": "object", "properties": properties, "required": required}

    def _schema_of(self, output) -> dict:
        if is_serializer(output):
            return self.resolve_serializer(output, "response").ref
        if isinstance(output, serializers.Field):
            return self._map_serializer_field(output, "response")
        if is_basic_type(output):
            return build_basic_type(output)
        raise TypeError(f"Cannot describe the output {output!r}")

    def _error_statuses(self, op) -> list[int]:
        statuses = {400, 401, 406, 429, *op.errors}
        if "{" in self.path:
            statuses.add(404)
        if self.method in ("POST", "PATCH", "PUT"):
            statuses.update({413, 415})
        if self.method == "POST":
            statuses.update({409, 422})
        return sorted(statuses)

    def _error(self, status: int) -> OpenApiResponse:
        return OpenApiResponse(ErrorEnvelope, description=ERROR_DESCRIPTIONS[status])


class OneOfExtension(OpenApiSerializerExtension):
    """An output rendered by the variant that applies to each object (bookings/representation.py
    OneOf) is documented as any of the variants."""

    target_class = "bookings.representation.OneOf"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        return {
            "anyOf": [
                auto_schema.resolve_serializer(variant, direction).ref
                for variant in self.target.variants
            ]
        }


class FixedFieldExtension(OpenApiSerializerFieldExtension):
    """A fixed value (api/fields.py) is documented as the field it stands for."""

    target_class = "api.fields.Fixed"

    def map_serializer_field(self, auto_schema, direction):
        return auto_schema._map_serializer_field(self.target.field, direction)


class ObjectSettingExtension(OpenApiSerializerFieldExtension):
    """A setting given as an object (api/eventtypes/settings.py): in a request any of its
    shapes or {"disabled": true}; in a response any of its shapes, or null when off."""

    target_class = "api.eventtypes.settings.ObjectSetting"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        from api.eventtypes.settings import Disabled

        shapes = list(self.target.documented_shapes())
        if direction == "request":
            shapes.append(Disabled)
        schemas = [auto_schema.resolve_serializer(shape, direction).ref for shape in shapes]
        if direction == "response":
            schemas.append({"enum": [None], "nullable": True})
        return {"anyOf": schemas}
