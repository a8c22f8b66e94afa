"""Webhooks in the admin: the subscriptions the signed-in user manages (theirs, their event
types', their teams'), with their last delivery, created and changed through the services, and
paused, resumed, pinged or given a new secret by action; every delivery with its attempts,
read-only, and sent again by action.

Who sees what is Subscription.objects.managed_by, as in the API.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html

from webhooks import delivery, subscriptions, tasks
from webhooks.errors import DeliveryInProgress, DuplicateSubscription, SubscriptionInactive
from webhooks.models import (
    Attempt,
    Delivery,
    Subscription,
    Trigger,
    event_types_managed_by,
    teams_administered_by,
)
from webhooks.secrets import hint

# Pings are sent while the page waits, each up to the subscriber's deadline.
MAX_PINGS = 5
FIRED_TRIGGERS = [
    (value, f"{label} ({value})") for value, label in Trigger.choices if value != "PING"
]


def owners_for(user) -> dict[str, tuple[str, dict]]:
    """Whose events a new subscription of `user` may receive, by choice value: (label, the
    owner as create_subscription takes it): the user's own bookings, a team they administer,
    an event type they manage."""
    owners = {f"user:{user.pk}": (f"My bookings ({user})", {"user": user})}
    for team in teams_administered_by(user):
        owners[f"team:{team.pk}"] = (f"Team: {team}", {"team": team})
    for event_type in event_types_managed_by(user).order_by("title"):
        owners[f"event_type:{event_type.pk}"] = (
            f"Event type: {event_type}",
            {"event_type": event_type},
        )
    return owners


class SubscriptionForm(forms.ModelForm):
    owner = forms.ChoiceField(label="Events of")
    triggers = forms.MultipleChoiceField(
        choices=FIRED_TRIGGERS, widget=forms.CheckboxSelectMultiple, label="Events to send"
    )
    secret = forms.CharField(
        required=False,
        max_length=255,
        strip=False,
        help_text="Leave empty to have one generated; it is shown once, after saving.",
    )

    class Meta:
        model = Subscription
        fields = ["owner", "subscriber_url", "triggers", "active", "payload_template", "secret"]
        widgets = {"subscriber_url": forms.URLInput(attrs={"size": 80})}
        help_texts = {
            "subscriber_url": "The http(s) address that receives a signed POST for each event.",
            "payload_template": "Optional: a body of your own with {{variables}} such as "
            "{{title}}, {{startTime}}, {{organizer.name}} or {{attendees.0.email}}, in place "
            "of the default envelope.",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["owner"], self.fields["secret"]
            known = dict(FIRED_TRIGGERS)
            self.fields["triggers"].choices = FIRED_TRIGGERS + [
                (value, f"{value} (Cal.com's, never sent)")
                for value in self.instance.triggers
                if value not in known
            ]
        else:
            self.owners = owners_for(user)
            self.fields["owner"].choices = [(value, o[0]) for value, o in self.owners.items()]

    def _post_clean(self):
        # The services check every rule and set the values; the form shows what they refuse.
        values = {
            name: self.cleaned_data[name]
            for name in ("subscriber_url", "triggers", "active", "payload_template", "secret")
            if name in self.cleaned_data
        }
        if self.instance.pk is None:
            if "owner" not in self.cleaned_data:
                return
            _, owner = self.owners[self.cleaned_data["owner"]]
            self.instance = subscriptions.new_subscription(**owner)
        try:
            self.changed_fields = subscriptions.prepare(self.instance, values)
        except forms.ValidationError as error:
            self._update_errors(error)
        except DuplicateSubscription as error:
            self.add_error("subscriber_url", error.message)


class LastDeliveryFilter(admin.SimpleListFilter):
    title = "last delivery"
    parameter_name = "last"

    def lookups(self, request, model_admin):
        return Delivery.Status.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(last_status=self.value())
        return queryset


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("subscriber_url", "owner_label", "active", "last_delivery", "disabled_reason")
    list_filter = ("active", LastDeliveryFilter)
    search_fields = ("subscriber_url",)
    actions = ["send_ping", "pause", "resume", "rotate"]
    readonly_fields = ("owner_label", "deliveries_link", "secret_hint", "failing_since")

    class Media:
        css = {"all": ["webhooks/admin.css"]}

    def get_queryset(self, request):
        last = Delivery.objects.filter(subscription=OuterRef("pk")).order_by("-id")
        return (
            super()
            .get_queryset(request)
            .managed_by(request.user)
            .select_related("user", "team", "event_type")
            .annotate(
                last_status=Subquery(last.values("status")[:1]),
                last_at=Subquery(last.values("created_at")[:1]),
            )
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return WithUser

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": list(SubscriptionForm.Meta.fields)})]
        return [
            (None, {"fields": ["owner_label", "subscriber_url", "triggers", "active"]}),
            ("Body", {"fields": ["payload_template"], "classes": ["collapse"]}),
            ("State", {"fields": ["deliveries_link", "secret_hint", "failing_since"]}),
        ]

    def save_model(self, request, obj, form, change):
        subscriptions.save_subscription(obj, form.changed_fields if change else None)
        if not change:
            self.message_user(
                request,
                f"Its secret, shown this once: {obj.secret} — keep it to check signatures.",
                messages.WARNING,
            )

    def delete_model(self, request, obj):
        subscriptions.delete_subscription(obj)

    def delete_queryset(self, request, queryset):
        subscriptions.delete_subscriptions(queryset)

    @admin.display(description="Events of")
    def owner_label(self, subscription):
        return subscription.owner_label

    @admin.display(description="Last delivery", ordering="last_at")
    def last_delivery(self, subscription):
        if not getattr(subscription, "last_status", None):
            return "–"
        status = Delivery.Status(subscription.last_status).label
        return f"{status}, {subscription.last_at:%Y-%m-%d %H:%M} UTC"

    @admin.display(description="Deliveries")
    def deliveries_link(self, subscription):
        url = (
            reverse("admin:webhooks_delivery_changelist")
            + f"?subscription__id__exact={subscription.pk}"
        )
        return format_html('<a href="{}">{} deliveries</a>', url, subscription.deliveries.count())

    @admin.display(description="Secret")
    def secret_hint(self, subscription):
        return f"{hint(subscription.secret)} (rotate it to see a new one)"

    @admin.action(description="Send a ping to the selected webhooks", permissions=["change"])
    def send_ping(self, request, queryset):
        if queryset.count() > MAX_PINGS:
            self.message_user(
                request, f"Ping at most {MAX_PINGS} webhooks at a time.", messages.ERROR
            )
            return
        for subscription in queryset:
            outcome = delivery.ping(subscription)
            attempt = outcome.attempt
            answer = f"answered {attempt.http_status}" if attempt.http_status else attempt.error
            level = (
                messages.SUCCESS if attempt.outcome == Attempt.Outcome.SUCCEEDED else messages.ERROR
            )
            self.message_user(
                request, f"Ping to {subscription}: {answer} in {attempt.duration_ms} ms.", level
            )

    @admin.action(description="Pause the selected webhooks", permissions=["change"])
    def pause(self, request, queryset):
        for subscription in queryset:
            subscriptions.update_subscription(subscription, active=False)
        self.message_user(request, f"Paused {len(queryset)} webhook(s).")

    @admin.action(description="Resume the selected webhooks", permissions=["change"])
    def resume(self, request, queryset):
        for subscription in queryset:
            subscriptions.update_subscription(subscription, active=True)
        self.message_user(request, f"Resumed {len(queryset)} webhook(s).")

    @admin.action(description="Give the selected webhooks a new secret", permissions=["change"])
    def rotate(self, request, queryset):
        for subscription in queryset:
            rotated = subscriptions.rotate_secret(subscription)
            self.message_user(
                request,
                f"New secret of {rotated}, shown this once: {rotated.secret} "
                "(the old one signs too for 24 hours).",
                messages.WARNING,
            )


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = (
        "number",
        "started_at",
        "outcome",
        "http_status",
        "duration_ms",
        "error",
        "response_excerpt",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "trigger",
        "subscription",
        "status",
        "attempt_count",
        "created_at",
        "next_attempt_at",
    )
    list_filter = ("status", "event__type", "created_at")
    search_fields = ("subscription__subscriber_url", "=event__booking_uid")
    list_select_related = ("event", "subscription")
    date_hierarchy = "created_at"
    actions = ["redeliver"]
    inlines = [AttemptInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "trigger",
                    "subscription",
                    "message_id",
                    "status",
                    "attempt_count",
                    "next_attempt_at",
                    "finished_at",
                    "failure_reason",
                    "created_at",
                ]
            },
        ),
        ("Payload", {"fields": ["payload"], "classes": ["collapse"]}),
    ]
    readonly_fields = [name for _, options in fieldsets for name in options["fields"]]

    def get_queryset(self, request):
        managed = Subscription.objects.managed_by(request.user)
        return super().get_queryset(request).filter(subscription__in=managed)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # shown, never edited: a delivery changes only by being sent

    def has_delete_permission(self, request, obj=None):
        return False

    def has_redeliver_permission(self, request):
        return request.user.has_perm("webhooks.change_delivery")

    @admin.display(description="Event", ordering="event__type")
    def trigger(self, sent):
        return sent.event.type

    @admin.display(description="webhook-id")
    def message_id(self, sent):
        return sent.event.message_id

    @admin.display(description="Payload")
    def payload(self, sent):
        return format_html(
            "<pre>{}</pre>", json.dumps(sent.event.payload, indent=2, sort_keys=True)
        )

    @admin.action(description="Send the selected deliveries again", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        for found in queryset.select_related("subscription"):
            try:
                tasks.redeliver_now(found)
            except (SubscriptionInactive, DeliveryInProgress) as error:
                self.message_user(request, f"Delivery {found.pk}: {error.message}", messages.ERROR)
                continue
            self.message_user(request, f"Delivery {found.pk} is being sent again.")
