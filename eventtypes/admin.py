"""Availability and event types in the admin.

A superuser sees everything. Any other staff user (a host) sees their own schedules and the
event types they own or administer through a team, and can only pick their own rows in forms.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.html import format_html

from accounts.admin import time_zone_field
from accounts.models import Team
from eventtypes.models import (
    DateOverride,
    EventType,
    Host,
    PrivateLink,
    Schedule,
    WeeklyAvailability,
)
from eventtypes.permissions import administered_team_ids

FORMFIELD_OVERRIDES = {
    models.JSONField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 80})},
    # What Django 6 will assume anyway for a URL typed without a scheme.
    models.URLField: {"assume_scheme": "https"},
}


def administered_teams(user):
    return Team.objects.filter(pk__in=administered_team_ids(user))


def teammates(user):
    return (
        get_user_model()
        .objects.filter(Q(pk=user.pk) | Q(teams__in=Team.objects.filter(memberships__user=user)))
        .distinct()
    )


class EventTypeForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        # An emptied JSON box means "none", not NULL (the columns are NOT NULL).
        for name, field in self.fields.items():
            if isinstance(field, forms.JSONField) and cleaned_data.get(name, ...) is None:
                cleaned_data[name] = EventType._meta.get_field(name).get_default()
        return cleaned_data


class WeeklyAvailabilityInline(admin.TabularInline):
    model = WeeklyAvailability
    extra = 1
    verbose_name = "weekly hours"
    verbose_name_plural = "Weekly hours (local time of the schedule; an end of 00:00 is midnight)"


class DateOverrideInline(admin.TabularInline):
    model = DateOverride
    extra = 0
    verbose_name_plural = "Date overrides (leave both times empty for a day off)"


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "time_zone", "is_default", "updated_at")
    list_filter = ("is_default", "time_zone")
    search_fields = ("name", "owner__username", "owner__name")
    list_select_related = ("owner",)
    fields = ("owner", "name", "time_zone", "is_default")
    inlines = [WeeklyAvailabilityInline, DateOverrideInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(owner=request.user)

    def get_changeform_initial_data(self, request):
        initial = {"owner": request.user.pk, "time_zone": request.user.time_zone}
        return {**initial, **super().get_changeform_initial_data(request)}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            return time_zone_field(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class HostInline(admin.TabularInline):
    model = Host
    extra = 0
    fields = ("user", "is_fixed", "priority", "weight", "schedule")
    verbose_name_plural = "Hosts (team event types only)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            if db_field.name == "user":
                kwargs["queryset"] = teammates(request.user)
            elif db_field.name == "schedule":
                kwargs["queryset"] = Schedule.objects.filter(owner=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PrivateLinkInline(admin.TabularInline):
    model = PrivateLink
    extra = 0
    fields = ("link_hash", "expires_at", "max_uses", "uses", "created_at")
    readonly_fields = ("link_hash", "uses", "created_at")
    verbose_name_plural = "Private links (each one books until used up or expired)"


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    form = EventTypeForm
    list_display = (
        "title",
        "slug",
        "owned_by",
        "length_minutes",
        "kind",
        "requires_confirmation",
        "hidden",
        "public_page",
    )
    list_filter = (
        "hidden",
        "scheduling_type",
        "requires_confirmation",
        ("seats_per_time_slot", admin.EmptyFieldListFilter),
        "recurrence_frequency",
        "team",
    )
    search_fields = ("title", "slug", "description", "owner__username", "team__slug", "team__name")
    list_select_related = ("owner", "team")
    prepopulated_fields = {"slug": ("title",)}
    formfield_overrides = FORMFIELD_OVERRIDES
    inlines = [HostInline, PrivateLinkInline]
    save_on_top = True
    fieldsets = (
        (
            "Basics",
            {
                "fields": (
                    "title",
                    "slug",
                    "owner",
                    "description",
                    "hidden",
                    "locations",
                    "custom_title",
                    "success_redirect_url",
                )
            },
        ),
        ("Length and slots", {"fields": ("length_minutes", "length_options", "slot_interval")}),
        (
            "Availability and limits",
            {
                "fields": (
                    "schedule",
                    "minimum_booking_notice",
                    ("before_event_buffer", "after_event_buffer"),
                    "booking_window_type",
                    "booking_window_days",
                    ("booking_window_start", "booking_window_end"),
                    "booking_limits_count",
                    "booking_limits_duration",
                    "allow_double_booking",
                )
            },
        ),
        (
            "Confirmation",
            {
                "fields": (
                    "requires_confirmation",
                    "confirmation_threshold_minutes",
                    "requires_attendee_opt_in",
                )
            },
        ),
        (
            "Seats",
            {
                "fields": (
                    "seats_per_time_slot",
                    "seats_show_attendees",
                    "seats_show_availability_count",
                ),
                "classes": ("collapse",),
            },
        ),
        (
            "Recurrence",
            {
                "fields": (
                    "recurrence_frequency",
                    "recurrence_interval",
                    "recurrence_max_occurrences",
                ),
                "classes": ("collapse",),
            },
        ),
        ("Booking questions", {"fields": ("booking_fields", "disable_guests")}),
        (
            "Cancellation and rescheduling",
            {
                "fields": (
                    ("disable_cancelling", "cancellation_cutoff_minutes"),
                    ("disable_rescheduling", "reschedule_cutoff_minutes"),
                )
            },
        ),
        ("Reminders", {"fields": ("reminder_offsets",)}),
        (
            "Team",
            {
                "fields": ("team", "scheduling_type", "instant_meetings_allowed"),
                "description": "A team event type has a team instead of an owner, and hosts.",
            },
        ),
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            Q(owner=request.user) | Q(team__in=administered_teams(request.user))
        ).distinct()

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            if db_field.name == "owner":
                kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
            elif db_field.name == "team":
                kwargs["queryset"] = administered_teams(request.user)
            elif db_field.name == "schedule":
                kwargs["queryset"] = Schedule.objects.filter(owner=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Owner", ordering="owner__username")
    def owned_by(self, event_type):
        return event_type.owner or f"Team {event_type.team}"

    @admin.display(description="Kind")
    def kind(self, event_type):
        labels = []
        if event_type.scheduling_type:
            labels.append(event_type.get_scheduling_type_display())
        if event_type.is_seated:
            labels.append(f"{event_type.seats_per_time_slot} seats")
        if event_type.is_recurring:
            labels.append(f"Recurring {event_type.get_recurrence_frequency_display().lower()}")
        if len(event_type.allowed_lengths) > 1:
            labels.append("Several lengths")
        return ", ".join(labels) or "One-on-one"

    @admin.display(description="Public page")
    def public_page(self, event_type):
        if event_type.team_id:
            path = f"/team/{event_type.team.slug}/{event_type.slug}/"
        else:
            path = f"/{event_type.owner.username}/{event_type.slug}/"
        return format_html('<a href="{}" target="_blank">{}</a>', path, path)
