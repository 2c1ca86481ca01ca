"""Django's admin for people, departments, roles, API tokens and the audit log.

It is for the installation's administrators (superusers), for set-up and repairs. Every add
or change made here is written to the audit log like any other change. Nothing is deleted
here: people are disabled, roles are ended (`ended_at`), departments are marked not in use,
and history stays whole. API tokens and the audit log can only be read.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts import actions, audit
from gridgov.accounts.masking import mask_phone
from gridgov.accounts.models import ApiToken, AuditEntry, Department, RoleAssignment, User


def _region_of(obj) -> str:
    if isinstance(obj, User):
        return actions.home_region(obj)
    return getattr(obj, "region_code", "")


def _record(request, verb: str, obj, changed: list[str]) -> None:
    audit.record(
        actor=request.user,
        action=f"admin.{verb}",
        instance=obj,
        region_code=_region_of(obj),
        after=audit.snapshot(obj, changed) if changed else None,
    )


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit entry for each object added or changed; deletes nothing."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _record(request, "change" if change else "add", obj, form.changed_data)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _record(request, "add", obj, [f.name for f in obj._meta.concrete_fields])
        for obj, changed in formset.changed_objects:
            _record(request, "change", obj, changed)

    def has_delete_permission(self, request, obj=None):
        return False


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fields = ("role", "region", "department", "created_at", "ended_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("region", "department")
    extra = 0
    can_delete = False  # end a role with `ended_at`: its history is kept


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = (
        "username",
        "full_name",
        "masked_mobile",
        "is_active",
        "is_superuser",
        "locked_until",
        "last_login",
    )
    list_filter = ("is_active", "is_superuser")
    search_fields = ("username", "full_name")
    fieldsets = (
        (None, {"fields": ("username", "password", "full_name", "mobile", "email")}),
        (_("状态 status"), {"fields": ("is_active", "failed_login_count", "locked_until")}),
        (_("管理员 administrator"), {"fields": ("is_staff", "is_superuser")}),
        (_("时间 dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    inlines = [RoleAssignmentInline]

    @admin.display(description=_("手机号 mobile number"))
    def masked_mobile(self, obj) -> str:
        return mask_phone(obj.mobile)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # As actions.deactivate_user does: a disabled user's tokens are revoked for good.
            obj.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ("name", "kind", "region", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "^region_code")
    autocomplete_fields = ("region",)
    list_select_related = ("region",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ("user", "role", "region", "department", "created_at", "ended_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "^region_code")
    autocomplete_fields = ("user", "region", "department")
    list_select_related = ("user", "region", "department")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    search_fields = ("user__username", "name", "prefix")
    exclude = ("digest",)
    list_select_related = ("user",)
    actions = ["revoke"]

    @admin.action(description=_("吊销所选令牌 Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            actions.revoke_token(actor=request.user, token=token)
        self.message_user(request, _("已吊销 Revoked."), messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_repr",
        "region_code",
        "request_id",
        "ip_address",
    )
    search_fields = ("action", "actor_label", "=object_id", "=request_id", "^region_code")
    # The log grows by millions of rows: no full count on every page.
    show_full_result_count = False
