"""The admin site: Django's, with a "View site" link that takes a host to their own public
page."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class RendezvousAdminSite(admin.AdminSite):
    site_header = "Rendezvous"
    site_title = "Rendezvous admin"
    index_title = "Bookings, availability and event types"

    def each_context(self, request):
        context = super().each_context(request)
        user = request.user
        if user.is_authenticated and not user.is_superuser:
            context["site_url"] = f"/{user.username}/"
        return context


class RendezvousAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.RendezvousAdminSite"
