"""The base of every API view set: version check, permissions, parsing and rendering through
the operation each action declares (api/operations.py)."""

from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api import rate_limits, versions
from api.operations import Operation


class ApiViewSet(viewsets.ViewSet):
    # The `cal-api-version` this resource speaks: served without the header, any other asked
    # for is a 400. None: Cal.com does not version the resource, any header is accepted.
    api_version: str | None = None
    # The OpenAPI tag of the operations.
    tag = ""
    # The view set that answers requests without the `cal-api-version` header, as Cal.com does
    # with its oldest version (2024-04-15), with the same actions; None: this one answers them.
    without_version_header: type | None = None

    def operation_of(self, action: str | None) -> Operation | None:
        return getattr(getattr(self, action, None), "operation", None) if action else None

    @property
    def operation(self) -> Operation | None:
        return self.operation_of(getattr(self, "action", None))

    def dispatch(self, request, *args, **kwargs):
        oldest = self.without_version_header
        asked = request.headers.get(versions.HEADER)
        if oldest is not None and (asked is None or asked.strip() == versions.OLDEST):
            return oldest.as_view(self.action_map)(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        versions.check(request, self.api_version)
        rate_limits.charge(request)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        budget = getattr(request, "rate_budget", None)
        if budget is not None:
            for name, value in rate_limits.headers(budget).items():
                response[name] = value
        return response

    def get_permissions(self):
        if self.operation is not None:
            public = self.operation.public
        else:
            # A method the route does not offer (405) or OPTIONS: public only when every
            # operation of the route is, so that a private route answers 401 first.
            route = [self.operation_of(a) for a in getattr(self, "action_map", {}).values()]
            public = bool(route) and all(op is not None and op.public for op in route)
        return [AllowAny()] if public else super().get_permissions()

    # -- Requests

    def body(self, serializer_class=None, **options):
        """The request body checked by the operation's `body` serializer (or the one given)."""
        serializer = (serializer_class or self.operation.body)(data=self.request.data, **options)
        serializer.is_valid(raise_exception=True)
        return serializer

    def query(self):
        """The query string checked by the operation's `query` serializer: each parameter's last
        value, an empty one checked as given (not taken for absent, as in an HTML form). A field
        that takes a repeated parameter finds them all in the context's `query`."""
        params = self.request.query_params
        data = {name: values[-1] for name, values in params.lists()}
        serializer = self.operation.query(data=data, context={"query": params})
        serializer.is_valid(raise_exception=True)
        return serializer

    # -- Responses

    def output_context(self) -> dict:
        return {"request": self.request}

    def respond(self, value=None, *, status=None, many=None, **context) -> Response:
        """`value` rendered by the operation's `output` serializer; a list renders as a list.
        Extra keyword arguments go to the serializer's context."""
        op = self.operation
        status = status or op.status
        if op.output is None:
            return Response(None, status=status)
        if isinstance(op.output, serializers.Field):  # a plain value, e.g. a message
            return Response(op.output.to_representation(value), status=status)
        if many is None:
            many = isinstance(value, list | tuple) or op.many
        serializer = op.output(value, many=many, context={**self.output_context(), **context})
        return Response(serializer.data, status=status)

    def respond_page(self, queryset, **context) -> Response:
        """One page of `queryset` (take/skip), rendered by the operation's `output` serializer."""
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        output = self.operation.output(
            page, many=True, context={**self.output_context(), **context}
        )
        return paginator.get_paginated_response(output.data)
