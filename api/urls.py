"""Every /v2/ route: the resources, the OpenAPI document and its docs page; anything else is a
404 in the error envelope."""

from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from api.errors import not_found_view

urlpatterns = [
    path("", include("api.bookings.urls")),
    path("", include("api.slots.urls")),
    path("", include("api.eventtypes.urls")),
    path("", include("api.timezones.urls")),  # before schedules/<id>
    path("", include("api.schedules.urls")),
    path("", include("api.me.urls")),
    path("", include("api.webhooks.urls")),
    path("", include("api.calendars.urls")),
    # The document is the same for everyone until the code changes: built once an hour at most.
    path("openapi.json", cache_page(3600)(SpectacularJSONAPIView.as_view()), name="openapi"),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi"), name="api-docs"),
    re_path(r"^(?P<unknown_path>[\s\S]*)$", not_found_view),  # a newline too
]
