"""Cal.com's offset pagination: `take` (default 100 unless the view says, at most 250) and
`skip`."""

from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from api.fields import BoundedIntegerField

DEFAULT_TAKE = 100
MAX_TAKE = 250


class TakeSkipQuery(serializers.Serializer):
    take = serializers.IntegerField(min_value=1, max_value=MAX_TAKE, required=False)
    skip = BoundedIntegerField(min_value=0, default=0)


class TakeSkipPagination(BasePagination):
    """A view may set its own `default_take`."""

    def paginate_queryset(self, queryset, request, view=None):
        params = TakeSkipQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        default_take = getattr(view, "default_take", DEFAULT_TAKE)
        self.take = params.validated_data.get("take", default_take)
        self.skip = params.validated_data["skip"]
        self.total = queryset.count()
        return list(queryset[self.skip : self.skip + self.take])

    def get_paginated_response(self, data):
        response = Response(data)
        response.pagination = pagination_block(self.total, self.take, self.skip, len(data))
        return response

    def get_paginated_response_schema(self, schema):
        return schema


def pagination_block(total: int, take: int, skip: int, returned: int) -> dict:
    total_pages = -(-total // take) if take else 0
    current = skip // take + 1 if take else 1
    return {
        "totalItems": total,
        "remainingItems": max(0, total - (skip + returned)),
        "returnedItems": returned,
        "itemsPerPage": take,
        "currentPage": current,
        "totalPages": total_pages,
        "hasNextPage": skip + returned < total,
        "hasPreviousPage": skip > 0,
    }
