"""The admin site: Django's, whose first page shows a host their bookings (admin/dashboard.py)
and whose "View site" link takes a host to their own public page.

Kept out of bookings/admin/ because the site is loaded with the apps, before the models."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils import timezone


class RendezvousAdminSite(admin.AdminSite):
    site_header = "Rendezvous"
    site_title = "Rendezvous admin"
    index_title = "Bookings, availability and event types"
    index_template = "admin/rendezvous_index.html"

    def each_context(self, request):
        context = super().each_context(request)
        user = request.user
        if user.is_authenticated and not user.is_superuser:
            context["site_url"] = f"/{user.username}/"
        return context

    def index(self, request, extra_context=None):
        from bookings.admin.dashboard import dashboard_for

        extra_context = dict(extra_context or {})
        if request.user.has_perm("bookings.view_booking"):
            extra_context["dashboard"] = dashboard_for(request.user, timezone.now())
        return super().index(request, extra_context)


class RendezvousAdminConfig(AdminConfig):
    default_site = "bookings.admin_site.RendezvousAdminSite"
