"""Sign-in tokens, the current user, departments, users and the audit log over HTTP."""

from datetime import datetime

from django.db.models import Prefetch
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from gridgov.accounts import actions
from gridgov.accounts.models import AuditEntry, Department, RoleAssignment, User
from gridgov.accounts.scope import access, all_permissions, has_permission

auth_router = Router(tags=["auth 登录"])
me_router = Router(tags=["auth 登录"])
departments_router = Router(tags=["departments 部门"])
users_router = Router(tags=["users 用户"])
audit_router = Router(tags=["audit 审计"])


class TokenRequest(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=200)
    name: str = Field("field app", min_length=1, max_length=60, description="设备或用途")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(..., description="Shown once; store it on the device.")


class AssignmentOut(Schema):
    role: str
    role_label: str = Field(..., alias="get_role_display")
    region_code: str
    region_name: str = Field(..., alias="region.name")
    department_id: int | None
    department_name: str | None = Field(None, alias="department.name")


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    assignments: list[AssignmentOut]
    permissions: list[str]


class DepartmentOut(Schema):
    id: int
    name: str
    kind: str
    region_code: str
    is_active: bool


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    is_active: bool
    assignments: list[AssignmentOut]


class AuditOut(Schema):
    id: int
    occurred_at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    region_code: str
    before: dict | None
    after: dict | None
    reason: str
    request_id: str


class AuditFilters(Schema):
    action: str | None = Field(None, max_length=80)
    object_type: str | None = Field(None, max_length=60)
    object_id: str | None = Field(None, max_length=64)
    within: str | None = Field(None, pattern=r"^[0-9]{2,15}$")


@auth_router.post("/token", auth=None, response={201: IssuedTokenOut}, summary="Issue an API token")
def issue_token(request, payload: TokenRequest):
    try:
        user = actions.authenticate_user(
            request, username=payload.username, password=payload.password
        )
    except actions.LoginRefused as refused:
        raise HttpError(429 if refused.locked else 401, refused.message) from refused
    token, raw = actions.issue_token(actor=user, name=payload.name)
    token.token = raw
    return Status(201, token)


@auth_router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def list_tokens(request):
    return list(request.user.api_tokens.all())


@auth_router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke one of my tokens")
def revoke_token(request, token_id: int):
    token = request.user.api_tokens.filter(pk=token_id).first()
    if token is None:
        raise HttpError(404, "未找到 Not found.")
    return actions.revoke_token(actor=request.user, token=token)


def _current_assignments(user):
    return (
        user.role_assignments.current()
        .select_related("region", "department")
        .order_by("region_code")
    )


@me_router.get("", response=MeOut, summary="Who I am, my roles and what I may do")
def me(request):
    user = request.user
    user.assignments = list(_current_assignments(user))
    user.permissions = sorted(all_permissions(user))
    return user


@departments_router.get("/", response=list[DepartmentOut], summary="Departments I can see")
@paginate(LimitOffsetPagination)
def list_departments(request, within: str | None = Query(None, pattern=r"^[0-9]{2,15}$")):
    departments = Department.objects.visible_to(request.user)
    return departments.within(within) if within else departments


@departments_router.get("/{department_id}", response=DepartmentOut, summary="One department")
def get_department(request, department_id: int):
    return access(Department.objects, request.user, pk=department_id)


def _visible_users(request):
    assignments = RoleAssignment.objects.visible_to(request.user).current()
    return (
        User.objects.filter(pk__in=assignments.values("user_id"))
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.current().select_related("region", "department"),
                to_attr="assignments",
            )
        )
        .order_by("username")
    )


@users_router.get("/", response=list[UserOut], summary="Users with a role in my scope")
@paginate(LimitOffsetPagination)
def list_users(request):
    return _visible_users(request)


@users_router.get("/{user_id}", response=UserOut, summary="One user")
def get_user(request, user_id: int):
    user = _visible_users(request).filter(pk=user_id).first()
    if user is None:
        raise HttpError(404, "未找到 Not found.")
    return user


@users_router.post("/{user_id}/deactivate", response=UserOut, summary="Disable a user")
def deactivate_user(request, user_id: int):
    user = _visible_users(request).filter(pk=user_id).first()
    if user is None:
        raise HttpError(404, "未找到 Not found.")
    codes = [a.region_code for a in user.assignments]
    if not codes or not all(
        has_permission(request.user, "accounts.manage_users", c) for c in codes
    ):
        raise HttpError(403, "无权限 You do not have permission to do this here.")
    actions.deactivate_user(actor=request.user, user=user)
    user.refresh_from_db()
    return user


@audit_router.get("/", response=list[AuditOut], summary="Audit entries in my scope")
@paginate(LimitOffsetPagination)
def list_audit(request, filters: Query[AuditFilters]):
    entries = AuditEntry.objects.visible_to(request.user)
    if filters.within:
        entries = entries.within(filters.within)
    for name in ("action", "object_type", "object_id"):
        value = getattr(filters, name)
        if value:
            entries = entries.filter(**{name: value})
    return entries
