"""Bookings in the admin: hosts confirm or decline, cancel, track attendance and keep notes.

Every change goes through a service of `bookings.services` with the signed-in user as a host
acting through the admin channel; nothing here writes a status or attendance field itself, so
the rules, the history and the outbox are the same as for the API and the booking pages.
Bookings are created on the booking pages and over the API, and cancelled rather than deleted,
so the admin neither adds nor deletes them.

A superuser sees every booking. Any other staff user sees the bookings they host and those of
the event types of teams they own or administer; anything else answers as an unknown object.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods

from bookings.admin.actions import (
    CANCEL,
    CONFIRM,
    DECLINE,
    HOST_ACTIONS,
    MARK_ATTENDED,
    MARK_NO_SHOW,
    HostAction,
    ReasonForm,
    host_actor,
)
from bookings.admin.display import (
    UTC,
    ReadOnlyInline,
    booking_change_url,
    booking_link,
    person,
    pretty_json,
    user_zone,
    wall_time,
)
from bookings.admin.on_behalf import OnBehalfForm
from bookings.errors import BookingError
from bookings.models import (
    Attendee,
    Booking,
    BookingHistory,
    BookingHost,
    BookingNote,
)
from bookings.services import add_note, create_booking

# --- Changelist filters -------------------------------------------------------------------------

LIFECYCLE_LABELS = {
    "PENDING": "Pending",
    "CONFIRMED": "Confirmed",
    "CANCELLED": "Cancelled",
    "REJECTED": "Rejected",
    "COMPLETED": "Completed",
    "NO_SHOW": "No-show",
}


class WhenFilter(admin.SimpleListFilter):
    """Today: starting today in the host's zone; upcoming: not yet ended (a meeting in
    progress is still upcoming); past: ended."""

    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("upcoming", "Upcoming"), ("past", "Past")]

    def queryset(self, request, queryset):
        if self.value() == "today":
            zone = user_zone(request.user)
            midnight = timezone.now().astimezone(zone).replace(hour=0, minute=0, second=0)
            midnight = midnight.replace(microsecond=0)
            return queryset.filter(start__gte=midnight, start__lt=midnight + timedelta(days=1))
        if self.value() == "upcoming":
            return queryset.filter(end__gt=timezone.now())
        if self.value() == "past":
            return queryset.filter(end__lte=timezone.now())
        return queryset


# --- Inlines of the booking page ----------------------------------------------------------------


class AttendeeInline(ReadOnlyInline):
    model = Attendee
    fields = ("name", "email", "time_zone", "language", "phone_number", "absent", "seat_uid")
    verbose_name_plural = "Attendees (record attendance with the buttons or the list actions)"


class BookingHistoryInline(ReadOnlyInline):
    model = BookingHistory
    fields = ("created_at", "action", "actor_email", "actor_role", "channel")
    verbose_name_plural = "History"


class BookingNoteForm(forms.ModelForm):
    class Meta:
        model = BookingNote
        fields = ("content", "is_private")
        widgets = {"content": forms.Textarea(attrs={"rows": 3, "cols": 60})}


class BookingNoteInline(admin.TabularInline):
    """Existing notes are read-only; a new one is saved by BookingAdmin.save_formset through
    `add_note`. Adding a note is a change of the booking, so it needs the booking's change
    permission, not a separate one on notes."""

    model = BookingNote
    form = BookingNoteForm
    fields = ("content", "is_private", "written_by", "created_at")
    readonly_fields = ("written_by", "created_at")
    extra = 1
    can_delete = False
    verbose_name_plural = "Notes (private notes are for hosts only)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description="Author")
    def written_by(self, note):
        return person(note.author) or self.get_empty_value_display()

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("bookings.view_booking") or self.has_add_permission(
            request, obj
        )

    def has_add_permission(self, request, obj=None):
        return obj is not None and request.user.has_perm("bookings.change_booking")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Bookings -----------------------------------------------------------------------------------


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    change_form_template = "admin/bookings/booking/change_form.html"
    action_form_template = "admin/bookings/booking/host_action.html"

    list_display_links = ("title",)
    list_filter = (
        "status",
        ("event_type", admin.RelatedOnlyFieldListFilter),
        "channel",
        WhenFilter,
    )
    date_hierarchy = "start"
    search_fields = ("=uid", "title", "attendees__email", "attendees__name")
    actions = [
        "confirm_selected",
        "decline_selected",
        "cancel_selected",
        "mark_attended",
        "mark_no_show",
    ]
    inlines = [AttendeeInline, BookingNoteInline, BookingHistoryInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    ("status", "lifecycle", "pending_on"),
                    "event_type",
                    "channel",
                )
            },
        ),
        ("Time", {"fields": ("start_in_your_zone", "start_utc", "end_utc", "duration")}),
        ("People", {"fields": ("organizer_person", "hosts_and_absence", "guests")}),
        (
            "Details",
            {
                "fields": (
                    "description",
                    "location",
                    "meeting_url",
                    "pretty_responses",
                    "pretty_metadata",
                )
            },
        ),
        (
            "Calendar",
            {
                "fields": (
                    "uid",
                    "attendee_page",
                    ("ics_uid", "ics_sequence"),
                    "recurring_series",
                )
            },
        ),
        (
            "Cancellation, rejection and rescheduling",
            {
                "fields": (
                    "cancellation_reason",
                    ("cancelled_by_email", "cancelled_by_role", "cancelled_at"),
                    "rejection_reason",
                    "rescheduled_from_link",
                    "rescheduled_to_link",
                    ("rescheduling_reason", "rescheduled_by_email"),
                    ("reassign_reason", "reassigned_by_person"),
                )
            },
        ),
        ("Attendance", {"fields": ("attendance_confirmed_at", "rating")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    # -- Scope and queries

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("event_type", "organizer")
            .prefetch_related(
                Prefetch("attendees", queryset=Attendee.objects.order_by("id")),
                Prefetch("booking_hosts", queryset=BookingHost.objects.select_related("user")),
            )
        )
        return queryset.managed_by(request.user)

    def get_object(self, request, object_id, from_field=None):
        booking = super().get_object(request, object_id, from_field)
        if booking is not None:
            # Read-only fields are rendered from the object alone; it carries the viewer's zone.
            booking.viewer_zone = user_zone(request.user)
        return booking

    # -- Permissions: bookings are created elsewhere and cancelled, never deleted

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # -- Changelist

    def get_list_display(self, request):
        zone = user_zone(request.user)

        @admin.display(description=f"Start ({zone.key})", ordering="start")
        def start_local(booking):
            return wall_time(booking.start, zone)

        return (start_local, "title", "event_type", "attendee_names", "lifecycle")

    @admin.display(description="Start (UTC)", ordering="start")
    def start_utc(self, booking):
        return wall_time(booking.start, UTC)

    @admin.display(description="End (UTC)")
    def end_utc(self, booking):
        return wall_time(booking.end, UTC)

    @admin.display(description="Start (your time zone)")
    def start_in_your_zone(self, booking):
        return wall_time(booking.start, getattr(booking, "viewer_zone", UTC))

    @admin.display(description="Duration")
    def duration(self, booking):
        return f"{booking.duration_minutes} minutes"

    @admin.display(description="Attendees")
    def attendee_names(self, booking):
        return ", ".join(attendee.name for attendee in booking.attendees.all())

    @admin.display(description="Status", ordering="status")
    def lifecycle(self, booking):
        """One label: Pending, Confirmed, Cancelled, Rejected, Completed or No-show."""
        return LIFECYCLE_LABELS[booking.lifecycle_label()]

    # -- Change page (read-only but for the notes)

    def get_readonly_fields(self, request, obj=None):
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    @admin.display(description="Hosts")
    def hosts_and_absence(self, booking):
        return format_html_join(
            ", ",
            "{}{}",
            (
                (row.user.display_name, " (absent)" if row.absent else "")
                for row in booking.booking_hosts.all()
            ),
        )

    @admin.display(description="Responses")
    def pretty_responses(self, booking):
        return pretty_json(booking.responses) or self.get_empty_value_display()

    @admin.display(description="Metadata")
    def pretty_metadata(self, booking):
        return pretty_json(booking.metadata) or self.get_empty_value_display()

    @admin.display(description="Organizer")
    def organizer_person(self, booking):
        return person(booking.organizer)

    @admin.display(description="Reassigned by")
    def reassigned_by_person(self, booking):
        return person(booking.reassigned_by) or self.get_empty_value_display()

    @admin.display(description="Attendee's page")
    def attendee_page(self, booking):
        path = f"/booking/{booking.uid}/"
        return format_html('<a href="{}" target="_blank">{}</a>', path, path)

    @admin.display(description="Rescheduled from")
    def rescheduled_from_link(self, booking):
        return booking_link(booking.rescheduled_from) or self.get_empty_value_display()

    @admin.display(description="Rescheduled to")
    def rescheduled_to_link(self, booking):
        try:
            return booking_link(booking.rescheduled_to)
        except Booking.DoesNotExist:
            return self.get_empty_value_display()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        booking = self.get_object(request, unquote(object_id))
        buttons = []
        if booking is not None and self.has_change_permission(request, booking):
            buttons = [
                {
                    "label": action.label,
                    "url": reverse(f"admin:{action.url_name}", args=[booking.pk]),
                }
                for action in HOST_ACTIONS
                if booking.status in action.offered_for
            ]
        extra_context = {**(extra_context or {}), "booking_actions": buttons}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """The booking itself is never written here; only notes are added (save_formset)."""

    def save_formset(self, request, form, formset, change):
        # construct_change_message() reads these, which formset.save() would have set.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not BookingNote:
            return  # read-only inlines
        for note_form in formset.extra_forms:
            if not note_form.has_changed():
                continue
            try:
                note = add_note(
                    form.instance,
                    note_form.cleaned_data["content"],
                    host_actor(request),
                    private=note_form.cleaned_data["is_private"],
                )
            except BookingError as error:
                self.message_user(
                    request, f"The note was not added: {error.message}", messages.ERROR
                )
            else:
                formset.new_objects.append(note)

    # -- Changelist actions: one service call per booking, each error reported

    def _run_for_each(self, request, queryset, action: HostAction):
        zone = user_zone(request.user)
        done = 0
        series_done = set()
        for booking in queryset:
            if booking.recurring_series_id in series_done and self._changed_with_its_series(
                booking
            ):
                done += 1
                continue
            try:
                action.run(booking, host_actor(request), "")
            except BookingError as error:
                self.message_user(
                    request,
                    f"{booking.title} ({wall_time(booking.start, zone)}): {error.message}",
                    messages.ERROR,
                )
            else:
                done += 1
                if action.covers_series and booking.recurring_series_id:
                    series_done.add(booking.recurring_series_id)
        if done:
            noun = "booking" if done == 1 else "bookings"
            self.message_user(request, f"{action.done} {done} {noun}.", messages.SUCCESS)

    @staticmethod
    def _changed_with_its_series(booking) -> bool:
        """Whether an earlier call of this run already changed this occurrence along with its
        series; calling the service again would only report it as no longer pending."""
        return Booking.objects.filter(pk=booking.pk).exclude(status=booking.status).exists()

    @admin.action(description="Confirm selected pending bookings", permissions=["change"])
    def confirm_selected(self, request, queryset):
        self._run_for_each(request, queryset, CONFIRM)

    @admin.action(description="Decline selected pending bookings", permissions=["change"])
    def decline_selected(self, request, queryset):
        self._run_for_each(request, queryset, DECLINE)

    @admin.action(description="Cancel selected bookings", permissions=["change"])
    def cancel_selected(self, request, queryset):
        self._run_for_each(request, queryset, CANCEL)

    @admin.action(description="Mark attended", permissions=["change"])
    def mark_attended(self, request, queryset):
        self._run_for_each(request, queryset, MARK_ATTENDED)

    @admin.action(description="Mark attendees as no-show", permissions=["change"])
    def mark_no_show(self, request, queryset):
        self._run_for_each(request, queryset, MARK_NO_SHOW)

    # -- Buttons of the booking page: a confirmation form (GET), the change (POST)

    def get_urls(self):
        book = path(
            "book/", self.admin_site.admin_view(self.book_view), name="bookings_booking_book"
        )
        urls = [
            path(
                f"<path:object_id>/{action.slug}/",
                self.admin_site.admin_view(self._host_action_view(action)),
                name=action.url_name,
            )
            for action in HOST_ACTIONS
        ]
        return [book, *urls, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"can_book": self.has_change_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def book_view(self, request):
        """Book for an attendee, through the booking service."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = OnBehalfForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                created = create_booking(
                    form.cleaned_data["event_type"], form.booking_request(), host_actor(request)
                )
            except BookingError as error:
                form.add_error(None, error.message)
            else:
                booking = created.booking if created.kind != "recurring" else created.bookings[0]
                self.message_user(request, f"Booked: {booking.title}.", messages.SUCCESS)
                return HttpResponseRedirect(booking_change_url(booking))
        context = {
            **self.admin_site.each_context(request),
            "title": "Book for an attendee",
            "opts": self.opts,
            "form": form,
        }
        return TemplateResponse(request, "admin/bookings/booking/book.html", context)

    def _host_action_view(self, action: HostAction):
        @require_http_methods(["GET", "POST"])
        def view(request, object_id):
            return self.host_action_view(request, object_id, action)

        return view

    def host_action_view(self, request, object_id, action: HostAction):
        booking = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        if booking is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form_class = ReasonForm if action.with_reason else forms.Form
        form = form_class(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                action.run(booking, host_actor(request), form.cleaned_data.get("reason", ""))
            except BookingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"{action.done}: {booking.title}.", messages.SUCCESS)
            return HttpResponseRedirect(booking_change_url(booking))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{action.label}: {booking.title}",
            "opts": self.opts,
            "booking": booking,
            "action": action,
            "form": form,
            "attendee_names": self.attendee_names(booking),
            "start_local": wall_time(booking.start, booking.viewer_zone),
            "start_utc": wall_time(booking.start, UTC),
            "change_url": booking_change_url(booking),
        }
        return TemplateResponse(request, self.action_form_template, context)
