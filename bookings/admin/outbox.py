"""The outbox in the admin, read-only: the events about the bookings the signed-in user
manages (the bookings' own rule), with their payloads. Rows are written by the booking services
and dispatched to the webhook subscribers by the delivery tasks."""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from bookings.admin.display import ViewOnly
from bookings.models import Booking
from webhooks.models import Event


class DispatchedFilter(admin.SimpleListFilter):
    title = "dispatched"
    parameter_name = "dispatched"

    def lookups(self, request, model_admin):
        return [("yes", "Dispatched to subscribers"), ("no", "Not yet dispatched")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(dispatched_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(dispatched_at__isnull=True)
        return queryset


@admin.register(Event)
class OutboxEventAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("id", "type", "booking", "event_type_id", "created_at", "dispatched_at")
    list_filter = ("type", DispatchedFilter, "created_at")
    search_fields = ("type", "=booking_uid")
    date_hierarchy = "created_at"
    fields = (
        "type",
        "booking_uid",
        "user_id",
        "team_id",
        "event_type_id",
        "created_at",
        "dispatched_at",
        "pretty_payload",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset & Booking.objects.managed_by(request.user).outbox_events()

    @admin.display(description="Booking", ordering="booking_uid")
    def booking(self, event):
        if not event.booking_uid:
            return self.get_empty_value_display()
        bookings = reverse("admin:bookings_booking_changelist")
        return format_html(
            '<a href="{}?q={}">{}</a>', bookings, event.booking_uid, event.booking_uid
        )

    @admin.display(description="Payload")
    def pretty_payload(self, event):
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))
