"""Event types in the admin, with their hosts and private links."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import Team
from eventtypes import services
from eventtypes.admin.fields import LimitsField, LocationsField, MinutesField, QuestionsField
from eventtypes.admin.saving import adopt, kept_rows, nothing_saved_by
from eventtypes.models import EventType, Host, PrivateLink, Schedule

FORMFIELD_OVERRIDES = {
    models.JSONField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 80})},
    # What Django 6 will assume anyway for a URL typed without a scheme.
    models.URLField: {"assume_scheme": "https"},
}


def teammates(user):
    """The user and the members of their teams: who may host their team event types."""
    return (
        get_user_model()
        .objects.filter(Q(pk=user.pk) | Q(teams__in=Team.objects.with_member(user)))
        .distinct()
    )


class EventTypeForm(forms.ModelForm):
    locations = LocationsField()
    length_options = MinutesField(
        help_text="Other lengths the attendee may choose, in minutes, e.g. 15, 30, 60."
    )
    booking_fields = QuestionsField(label="Booking questions")
    reminder_offsets = MinutesField(
        label="Reminders", help_text="Minutes before the start, e.g. 1440, 60 (a day and an hour)."
    )
    booking_limits_count = LimitsField(label="Bookings at most")
    booking_limits_duration = LimitsField(label="Booked minutes at most")

    def clean(self):
        cleaned_data = super().clean()
        # An emptied JSON box means "none", not NULL (the columns are NOT NULL).
        for name, field in self.fields.items():
            if isinstance(field, forms.JSONField) and cleaned_data.get(name, ...) is None:
                cleaned_data[name] = EventType._meta.get_field(name).get_default()
        return cleaned_data

    def _post_clean(self):
        super()._post_clean()
        # What the services check beyond the model's own rules, shown in the form.
        try:
            services.check_schedule(self.instance)
        except ValidationError as error:
            self.add_error(None, error)

    def settings(self, *, change: bool) -> dict:
        """The model field values to save: all of the form's, or on a change what changed."""
        names = self.changed_data if change else self.cleaned_data.keys()
        settings = {}
        for name in names:
            value = self.cleaned_data[name]
            if isinstance(EventType._meta.get_field(name), models.ForeignKey):
                settings[f"{name}_id"] = value.pk if value is not None else None
            else:
                settings[name] = value
        return settings


class HostFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        user_ids = [row["user"].pk for row in kept_rows(self)]
        if user_ids:
            try:
                services.check_hosts(self.instance, user_ids)
            except ValidationError as error:
                raise ValidationError(error.message_dict["hosts"]) from None


class HostInline(admin.TabularInline):
    model = Host
    formset = HostFormSet
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


class PrivateLinkForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        if self.has_changed() and not cleaned_data.get("DELETE"):
            try:
                services.check_link_limits(
                    cleaned_data.get("expires_at"),
                    cleaned_data.get("max_uses"),
                    required=self.instance.pk is not None,
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned_data


class PrivateLinkInline(admin.TabularInline):
    model = PrivateLink
    form = PrivateLinkForm
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
                    "success_redirect_forward_params",
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
        (
            "Emails and reminders",
            {"fields": ("emails_to_attendees", "emails_to_hosts", "reminder_offsets")},
        ),
        (
            "Team",
            {
                "fields": ("team", "scheduling_type", "instant_meetings_allowed"),
                "description": "A team event type has a team instead of an owner, and hosts.",
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            if db_field.name == "owner":
                kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
            elif db_field.name == "team":
                kwargs["queryset"] = Team.objects.administered_by(request.user)
            elif db_field.name == "schedule":
                kwargs["queryset"] = Schedule.objects.filter(owner=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        settings = form.settings(change=change)
        if change:
            saved = services.update_event_type(obj, settings)
        else:
            owner, team = settings.pop("owner_id", None), settings.pop("team_id", None)
            saved = services.create_event_type(
                owner=get_user_model().objects.filter(pk=owner).first(),
                team=Team.objects.filter(pk=team).first(),
                settings=settings,
            )
        adopt(obj, saved)

    def delete_model(self, request, obj):
        services.delete_event_type(obj)

    def delete_queryset(self, request, queryset):
        for event_type in queryset:
            services.delete_event_type(event_type)

    def save_formset(self, request, form, formset, change):
        event_type = form.instance
        if formset.model is Host:
            if event_type.is_team_event:
                hosts = [
                    services.HostSpec(
                        user_id=row["user"].pk,
                        is_fixed=row["is_fixed"],
                        priority=row["priority"],
                        weight=row["weight"],
                        schedule_id=row["schedule"].pk if row["schedule"] else None,
                    )
                    for row in kept_rows(formset)
                ]
                services.replace_hosts(event_type, hosts)
        elif formset.model is PrivateLink:
            save_private_links(event_type, formset)
        nothing_saved_by(formset)

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


def save_private_links(event_type: EventType, formset) -> None:
    now = timezone.now()
    for link_form in formset.forms:
        link, data = link_form.instance, link_form.cleaned_data
        if not data or (link.pk is None and not link_form.has_changed()):
            continue
        if data.get("DELETE"):
            if link.pk is not None:
                services.delete_private_link(link)
        elif link.pk is None:
            services.create_private_link(
                event_type, expires_at=data["expires_at"], max_uses=data["max_uses"], now=now
            )
        elif link_form.has_changed():
            services.update_private_link(
                link, expires_at=data["expires_at"], max_uses=data["max_uses"], now=now
            )
