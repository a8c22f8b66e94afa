from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.utils import timezone

from accounts.models import ApiKey, Membership, Organization, Team, User
from accounts.timezones import time_zone_choices


def time_zone_field(db_field, **kwargs):
    """A select of IANA names instead of a free text box (the model validates either way)."""
    return forms.TypedChoiceField(
        choices=time_zone_choices(),
        initial=db_field.get_default() or None,
        label=db_field.verbose_name.capitalize(),
        help_text=db_field.help_text,
        required=not db_field.blank,
    )


class OwnRowsOnly:
    """A superuser sees every row; anyone else only their own (`owner`), and can only pick
    themselves as its owner."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(owner=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Profile",
            {"fields": ("name", "email", "time_zone", "time_format", "language", "organization")},
        ),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
                "classes": ("collapse",),
            },
        ),
        ("Other details", {"fields": ("first_name", "last_name", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        ("Profile", {"fields": ("name", "email", "time_zone", "is_staff")}),
    )
    list_display = ("username", "name", "email", "time_zone", "organization", "is_staff")
    list_filter = ("is_staff", "is_superuser", "is_active", "organization", "groups")
    search_fields = ("username", "name", "first_name", "last_name", "email")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            return time_zone_field(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "organization", "member_count", "created_at")
    list_filter = ("organization",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("organization",)
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("organization")
            .annotate(member_count=Count("memberships"))
        )

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, team):
        return team.member_count


@admin.register(ApiKey)
class ApiKeyAdmin(OwnRowsOnly, admin.ModelAdmin):
    """Keys are issued here (the raw key is shown once, in a message) and revoked, never edited.

    A staff user who is not a superuser sees and issues only their own keys.
    """

    list_display = (
        "name",
        "owner",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "expires_at", "created_at")
    search_fields = ("name", "prefix", "owner__username", "owner__email")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    readonly_fields = (
        "prefix",
        "hashed_key",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ["revoke"]
    date_hierarchy = "created_at"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("owner", "name", "expires_at")
        return ("owner", "name", "prefix", "hashed_key", "created_at", "last_used_at") + (
            "expires_at",
            "revoked_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("owner",) + self.readonly_fields

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def get_autocomplete_fields(self, request):
        # A plain select with the user's single choice beats a search box for non-superusers.
        return self.autocomplete_fields if request.user.is_superuser else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw_key = ApiKey.issue(obj.owner, name=obj.name, expires_at=obj.expires_at)
        # The admin goes on with `obj` (change log, redirect): make it the row just issued.
        obj.pk = key.pk
        obj.prefix, obj.hashed_key, obj.created_at = key.prefix, key.hashed_key, key.created_at
        obj._state.adding = False
        obj._state.db = key._state.db
        messages.success(
            request,
            f"The new API key is {raw_key} . Copy it now: it will not be shown again.",
        )

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)
