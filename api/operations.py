"""What each API operation declares about itself, once, for the view and the OpenAPI document.

    @operation("markBookingAbsent", body=MarkAbsentInput, output=AnyBookingOutput)
    def mark_absent(self, request, uid):
        \"\"\"Record who did not attend

        Once the booking has started: the host's absence and/or attendees' by email.
        \"\"\"

The view parses its body with `body`, its query string with `query` and renders its result with
`output` (see api/views.py); the schema class (api/schema.py) documents the very same classes,
wrapped in the envelope, with the version header, the operation's error responses, and the
docstring's first line as summary and the rest as description.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    id: str
    # Serializer classes: the request body, the query string, the `data` of the response.
    body: type | object | None = None
    query: type | None = None
    output: type | object | None = None
    # The response's `data` is a list (`many`), a page of one (`paginated`), or one object
    # or a list of them (`one_or_many`: a recurring series answers with its occurrences).
    many: bool = False
    paginated: bool = False
    one_or_many: bool = False
    status: int = 200
    # Public operations need no API key; a key, when sent, must be valid.
    public: bool = False
    # Error statuses of this operation beyond those every operation has (see api/schema.py).
    errors: tuple[int, ...] = ()
    # A response that is not JSON (e.g. a calendar file): (media type, description).
    file: tuple[str, str] | None = None
    # OpenApiParameters the path or the serializers cannot tell (e.g. a path id's type).
    parameters: tuple = ()
    # Kept for older clients; documented as deprecated.
    deprecated: bool = False
    # The response's `data` may be null (nothing to show).
    nullable: bool = False


def operation(operation_id: str, **declarations):
    """Declares the operation of a view method (an action of an ApiViewSet)."""

    def declare(method):
        method.operation = Operation(operation_id, **declarations)
        return method

    return declare
