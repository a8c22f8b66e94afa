"""Holds on slots in the admin, read-only: taken by the booking pages and the API, they expire
on their own."""

from django.contrib import admin
from django.utils import timezone

from bookings.admin.display import ViewOnly
from bookings.models import (
    SlotReservation,
)


@admin.register(SlotReservation)
class SlotReservationAdmin(ViewOnly, admin.ModelAdmin):
    """Short holds taken by the booking page and the API; they expire on their own."""

    list_display = ("start", "end", "event_type", "host", "expires_at", "active", "reserved_by")
    list_filter = ("expires_at",)
    list_select_related = ("event_type", "host", "reserved_by")
    search_fields = ("=uid", "event_type__title", "event_type__slug")
    date_hierarchy = "start"
    fields = (
        "uid",
        "event_type",
        "host",
        "start",
        "end",
        "expires_at",
        "reserved_by",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.managed_by(request.user)

    @admin.display(description="Active", boolean=True)
    def active(self, reservation):
        return reservation.expires_at > timezone.now()
