"""Recurring series in the admin, read-only, with their occurrences."""

from django.contrib import admin
from django.db.models import Count

from bookings.admin.display import UTC, ReadOnlyInline, ViewOnly, booking_link, wall_time
from bookings.models import (
    Booking,
    RecurringSeries,
)


class OccurrenceInline(ReadOnlyInline):
    model = Booking
    fk_name = "recurring_series"
    fields = ("occurrence", "start_utc", "status", "lifecycle")
    verbose_name = "occurrence"
    verbose_name_plural = "Occurrences"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("attendees", "booking_hosts")
        return queryset.managed_by(request.user).order_by("start", "id")

    @admin.display(description="Booking")
    def occurrence(self, booking):
        return booking_link(booking)

    @admin.display(description="Start (UTC)")
    def start_utc(self, booking):
        return wall_time(booking.start, UTC)

    @admin.display(description="Lifecycle")
    def lifecycle(self, booking):
        return booking.lifecycle_label()


@admin.register(RecurringSeries)
class RecurringSeriesAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("uid", "event_type", "rule", "occurrence_count", "created_at")
    list_select_related = ("event_type",)
    search_fields = ("=uid", "event_type__title")
    fields = ("uid", "event_type", "rule", "created_at")
    readonly_fields = fields
    inlines = [OccurrenceInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(occurrence_count=Count("bookings"))
        if request.user.is_superuser:
            return queryset
        managed = Booking.objects.managed_by(request.user).values("recurring_series_id")
        return queryset.filter(pk__in=managed)

    @admin.display(description="Occurrences", ordering="occurrence_count")
    def occurrence_count(self, series):
        return series.occurrence_count
