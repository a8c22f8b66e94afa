import json

from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html

from webhooks.models import Event


class DeliveredFilter(admin.SimpleListFilter):
    title = "delivered"
    parameter_name = "delivered"

    def lookups(self, request, model_admin):
        return [("yes", "Delivered"), ("no", "Not yet delivered")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(delivered_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(delivered_at__isnull=True)
        return queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The outbox, read-only: rows are written by the domain and marked by the delivery tasks."""

    list_display = (
        "id",
        "type",
        "user_id",
        "team_id",
        "event_type_id",
        "created_at",
        "delivered_at",
    )
    list_filter = ("type", DeliveredFilter, "created_at")
    search_fields = ("type",)
    date_hierarchy = "created_at"
    fields = (
        "type",
        "user_id",
        "team_id",
        "event_type_id",
        "created_at",
        "delivered_at",
        "pretty_payload",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # The scope ids are plain integers (webhooks does not import accounts): a host sees the
        # events of their own bookings and of the teams they belong to.
        team_ids = request.user.memberships.values("team_id")
        return queryset.filter(Q(user_id=request.user.pk) | Q(team_id__in=team_ids))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Payload")
    def pretty_payload(self, event):
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))
