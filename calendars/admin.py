"""The hosts' calendars in the admin: each connection (CalDAV account or ICS feed) with its last
sync and error, its calendars (which block slots, which receives bookings), synced again by
action; the bookings written into them, with the error of a write that failed.

A host sees their own; a superuser sees everyone's. Changes go through calendars/connections.py.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html

from bookings.admin.display import ViewOnly
from calendars import connections, syncing
from calendars.errors import CalendarError
from calendars.models import BookingReference, Calendar, Connection


class ConnectionForm(forms.ModelForm):
    # Checked by the service, which also takes webcal:// feed addresses.
    url = forms.CharField(
        label="URL",
        max_length=1000,
        widget=forms.URLInput(attrs={"size": 80}),
        help_text="CalDAV: the server, e.g. https://caldav.icloud.com/, "
        "https://caldav.fastmail.com/dav/, https://cloud.example.com/remote.php/dav/. "
        "ICS feed: the feed's address (https or webcal).",
    )
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput,
        help_text="An app password for CalDAV accounts (iCloud, Fastmail, Nextcloud); stored "
        "encrypted and never shown again.",
    )

    class Meta:
        model = Connection
        fields = ["kind", "url", "username"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.created = user, None
        if "kind" in self.fields:
            self.fields["kind"].initial = Connection.Kind.CALDAV

    def clean(self):
        data = super().clean()
        if self.errors or self.instance.pk:  # a connection's own fields never change
            return data
        try:
            if data["kind"] == Connection.Kind.ICS:
                self.created = connections.add_ics_feed(self.user, data["url"])
            else:
                self.created = connections.connect_caldav(
                    self.user, data["url"], data.get("username", ""), data.get("password", "")
                )
        except CalendarError as error:
            raise forms.ValidationError(error.message) from None
        return data


class CalendarInline(admin.StackedInline):
    model = Calendar
    fields = ("name", "url", "check_conflicts", "add_bookings", "busy_count", "synced_until")
    readonly_fields = ("name", "url", "busy_count", "synced_until")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Busy times stored")
    def busy_count(self, calendar):
        return calendar.busy_times.filter(transparent=False).count()


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = ("url", "kind", "sync_status", "calendar_count")
    list_filter = ("kind",)
    search_fields = ("url", "username")
    actions = ["sync_now"]
    inlines = [CalendarInline]

    class Media:
        css = {"all": ["calendars/admin.css"]}

    def get_queryset(self, request):
        found = (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(calendars_found=Count("calendars"))
        )
        return found if request.user.is_superuser else found.filter(user=request.user)

    def get_list_display(self, request):
        if request.user.is_superuser:  # everyone's connections: whose each one is
            return ("url", "user", "kind", "sync_status", "calendar_count")
        return self.list_display

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return WithUser

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "url", "username", "password"]
        return ["kind", "url", "username", "user", "sync_status", "synced_at", "attempted_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["kind", "url", "username", "user", "sync_status", "synced_at", "attempted_at"]

    def get_inlines(self, request, obj):
        return [CalendarInline] if obj is not None else []

    def delete_model(self, request, obj):
        connections.disconnect(obj)

    def delete_queryset(self, request, queryset):
        for connection in queryset:
            connections.disconnect(connection)

    def save_model(self, request, obj, form, change):
        if not change:  # the service connected and saved it while the form was checked
            obj.__dict__.update(form.created.__dict__)

    def save_formset(self, request, form, formset, change):
        # What the admin's history message reads from a saved formset.
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [
            (f.instance, f.changed_data) for f in formset.forms if f.changed_data
        ]
        for inline_form in formset.forms:
            calendar = inline_form.instance
            if "check_conflicts" in inline_form.changed_data:
                connections.set_check_conflicts(calendar, calendar.check_conflicts)
            if "add_bookings" in inline_form.changed_data and calendar.add_bookings:
                try:
                    connections.choose_destination(calendar)
                except CalendarError as error:
                    messages.error(request, error.message)
            elif "add_bookings" in inline_form.changed_data:
                Calendar.objects.filter(pk=calendar.pk).update(add_bookings=False)

    @admin.display(description="Sync")
    def sync_status(self, connection):
        if connection.last_error:
            return format_html(
                '<span style="color:#ba2121">Failing ({} attempts): {}</span>',
                connection.failures,
                connection.last_error,
            )
        if connection.synced_at is None:
            return "Not synced yet"
        age = timezone.now() - connection.synced_at
        return f"OK, {int(age.total_seconds() // 60)} min ago"

    @admin.display(description="Calendars", ordering="calendars_found")
    def calendar_count(self, connection):
        return connection.calendars_found

    @admin.action(description="Sync selected connections now")
    def sync_now(self, request, queryset):
        for connection in queryset:
            result = syncing.sync(connection)
            if result.ok:
                messages.success(request, f"{connection}: synced.")
            else:
                messages.error(request, f"{connection}: {result.error}")


@admin.register(BookingReference)
class BookingReferenceAdmin(ViewOnly, admin.ModelAdmin):
    """Bookings written into the hosts' calendars; read only."""

    list_display = ("ics_uid", "booking", "calendar", "state", "attempts", "last_error")
    list_filter = ("state",)
    search_fields = ("ics_uid",)

    def get_queryset(self, request):
        found = super().get_queryset(request).select_related("booking", "calendar")
        return found if request.user.is_superuser else found.filter(calendar__user=request.user)
