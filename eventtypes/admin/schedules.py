"""Schedules in the admin: weekly hours in the schedule's own time zone, and date overrides."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts.admin import OwnRowsOnly, time_zone_field
from eventtypes import services
from eventtypes.admin.saving import adopt, kept_rows, nothing_saved_by
from eventtypes.errors import DefaultScheduleRequired
from eventtypes.models import DateOverride, Schedule, WeeklyAvailability


class ScheduleForm(forms.ModelForm):
    def _get_validation_exclusions(self):
        # A new default replaces the old one when saved (the service does it): the constraint
        # of one default per user is not this form's to check.
        return super()._get_validation_exclusions() | {"owner", "is_default"}

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            try:
                services.check_default_kept(self.instance, cleaned_data.get("is_default"))
            except DefaultScheduleRequired as error:
                self.add_error("is_default", error.message)
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
class ScheduleAdmin(OwnRowsOnly, admin.ModelAdmin):
    form = ScheduleForm
    list_display = ("name", "owner", "time_zone", "is_default", "updated_at")
    list_filter = ("is_default", "time_zone")
    search_fields = ("name", "owner__username", "owner__name")
    list_select_related = ("owner",)
    fields = ("owner", "name", "time_zone", "is_default")
    inlines = [WeeklyAvailabilityInline, DateOverrideInline]

    def get_changeform_initial_data(self, request):
        initial = {"owner": request.user.pk, "time_zone": request.user.time_zone}
        return {**initial, **super().get_changeform_initial_data(request)}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            return time_zone_field(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_actions(self, request):
        # Schedules are deleted one at a time, each through the service that may refuse it.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        schedule = self.get_object(request, unquote(object_id))
        if schedule is not None and self.has_delete_permission(request, schedule):
            try:
                services.check_deletable(schedule)
            except DefaultScheduleRequired as error:
                self.message_user(request, error.message, messages.ERROR)
                return HttpResponseRedirect(
                    reverse("admin:eventtypes_schedule_change", args=[schedule.pk])
                )
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        services.delete_schedule(obj)

    def save_model(self, request, obj, form, change):
        """Saved with its hours and overrides in save_related, by one service call."""

    def save_related(self, request, form, formsets, change):
        by_model = {formset.model: formset for formset in formsets}
        weekly = [
            (row["weekday"], row["start_time"], row["end_time"])
            for row in kept_rows(by_model[WeeklyAvailability])
        ]
        overrides = [
            (row["date"], row["start_time"], row["end_time"])
            for row in kept_rows(by_model[DateOverride])
        ]
        schedule = form.instance
        if change:
            # Rows are replaced only when their inline changed.
            weekly = weekly if by_model[WeeklyAvailability].has_changed() else None
            overrides = overrides if by_model[DateOverride].has_changed() else None
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            saved = services.update_schedule(schedule, changes, weekly=weekly, overrides=overrides)
        else:
            saved = services.create_schedule(
                form.cleaned_data["owner"],
                name=form.cleaned_data["name"],
                time_zone=form.cleaned_data["time_zone"],
                is_default=form.cleaned_data["is_default"],
                weekly=weekly,
                overrides=overrides,
            )
        adopt(schedule, saved)
        for formset in formsets:
            nothing_saved_by(formset)
