from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("v2/", include("api.urls")),
    # Last: a host's page is /<username>/.
    path("", include("pages.urls")),
]
