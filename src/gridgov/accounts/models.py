"""People, departments, who may do what where, API tokens and the audit log."""

import hashlib
import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.choices import DepartmentKind
from gridgov.accounts.roles import ALLOWED_LEVELS, DEPARTMENT_ROLES, Role
from gridgov.accounts.scope import ScopedQuerySet


class User(AbstractUser):
    """A person who signs in: a grid worker, an official, a department handler, a leader or
    an administrator. What they may do, and where, comes from their role assignments.

    Failed sign-ins are counted here; after too many the account is locked for a while.
    Disabling a user (`is_active = False`) ends their sessions and their API tokens at once.
    The mobile number, if given, is where SMS copies of their notifications go.
    """

    full_name = models.CharField(_("姓名 full name"), max_length=60, blank=True)
    mobile = models.CharField(
        _("手机号 mobile number"),
        max_length=11,
        blank=True,
        validators=[
            RegexValidator(
                r"^1[3-9][0-9]{9}\Z",
                _(
                    "手机号须为 11 位中国大陆手机号码 The mobile number must be 11 digits (mainland China)."
                ),
                code="invalid_mobile",
            )
        ],
        help_text=_("Where SMS copies of notifications go; empty: none are sent."),
    )
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # A new value with every change to the user's role assignments, written in the change's
    # transaction: a process may keep the assignments it read under this value. Never
    # reused, so assignments read inside a transaction that rolled back match nothing.
    roles_version = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("用户 user")
        verbose_name_plural = _("用户 users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class DepartmentQuerySet(ScopedQuerySet):
    view_permission = "departments.view"
    # A grid worker must see the county departments above them to name a lead department.
    with_ancestors = True


class Department(models.Model):
    """A functional department (职能部门) of a county or a township, such as the county
    public security bureau or a township's civil affairs office, which handles the cases
    dispatched to it as lead or assisting unit."""

    name = models.CharField(_("名称 name"), max_length=100)
    kind = models.CharField(_("类别 kind"), max_length=30, choices=DepartmentKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划 region"), on_delete=models.PROTECT
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    is_active = models.BooleanField(_("在用 active"), default=True)

    objects = DepartmentQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("职能部门 department")
        verbose_name_plural = _("职能部门 departments")
        ordering = ["region_code", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind"], name="department_kind_once_per_region"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.region_id and self.region.level not in ("county", "township"):
            raise ValidationError(
                {"region": _("部门只设在县或乡镇 Departments sit at county or township level.")}
            )

    def save(self, *args, **kwargs):
        # The denormalised code is what scope predicates read; keep it equal to the region's.
        self.region_code = self.region.code
        super().save(*args, **kwargs)


class RoleAssignmentQuerySet(ScopedQuerySet):
    view_permission = "accounts.view_users"

    def current(self) -> "RoleAssignmentQuerySet":
        return self.filter(ended_at__isnull=True)


class RoleAssignment(models.Model):
    """One role that a user holds over one region (and, for department handlers, for one
    department): "grid worker of grid 433101002001003", "township centre of 峒河街道".
    The region bounds where the role's permissions apply: it and everything below it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色 role"), max_length=30, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("管辖区划 region"), on_delete=models.PROTECT
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门 department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("角色分配 role assignment")
        verbose_name_plural = _("角色分配 role assignments")
        ordering = ["user_id", "region_code"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region_code}"

    def clean(self) -> None:
        errors = {}
        allowed = ALLOWED_LEVELS.get(self.role)
        if allowed is None:
            errors["role"] = _("未知角色 Unknown role.")
        elif self.region_id and self.region.level not in allowed:
            errors["region"] = _(
                "该角色不能分配在这一层级 This role cannot be assigned at the %(level)s level."
            ) % {"level": self.region.level}
        if self.role in DEPARTMENT_ROLES and self.department_id is None:
            errors["department"] = _(
                "职能部门角色必须指定部门 A department role needs a department."
            )
        if (
            self.department_id
            and self.region_id
            and not self.region.code.startswith(self.department.region_code)
        ):
            errors["department"] = _(
                "部门必须属于该区划或其上级 The department must belong to the region or above it."
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        super().save(*args, **kwargs)


class ApiToken(models.Model):
    """A bearer token for the field app and other API clients. Only a SHA-256 digest is
    stored; the token itself is shown once when it is issued. Tokens expire, can be
    revoked one by one, and stop working the moment their user is disabled."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称 name"), max_length=60)
    prefix = models.CharField(max_length=12, help_text=_("The first characters, to recognise it."))
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌 API token")
        verbose_name_plural = _("接口令牌 API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now and self.user.is_active


class AuditEntryQuerySet(ScopedQuerySet):
    view_permission = "audit.view"


class AuditEntry(models.Model):
    """One change made to the system: who did what to which record, when, from where, and
    the values before and after (sensitive values masked). Append-only: database triggers
    refuse UPDATE and DELETE, so not even a bug or an administrator can rewrite history."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    region_code = models.CharField(max_length=15, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("审计记录 audit entry")
        verbose_name_plural = _("审计记录 audit entries")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
