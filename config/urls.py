from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Rendezvous"
admin.site.site_title = "Rendezvous admin"
admin.site.index_title = "Bookings, availability and event types"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("v2/", include("api.urls")),
    # Last: a host's page is /<username>/.
    path("", include("pages.urls")),
]
