"""Every change to users, roles and tokens. Each action is atomic and writes its audit row."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import audit
from gridgov.accounts.models import ApiToken, Department, RoleAssignment, User
from gridgov.accounts.scope import forget_assignments, require_within_scope
from gridgov.statements import Columns, fetch

TOKEN_PREFIX = "ggv_"


class LoginRefused(Exception):
    """Sign-in refused; `message` is safe to show (it never says whether the user exists)."""

    def __init__(self, message: str, *, locked: bool = False):
        super().__init__(message)
        self.message = message
        self.locked = locked


# Region codes have one length per level; a common region is cut back to one of them.
_CODE_LENGTHS = (15, 12, 9, 6, 4, 2)


def _lockout_message() -> str:
    return _(
        "登录失败次数过多，账号已临时锁定，请 %(minutes)d 分钟后再试。"
        "Too many failed sign-ins: the account is locked, try again in %(minutes)d minutes."
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


def _wrong_credentials_message() -> str:
    return _("用户名或密码不正确。The username or password is not correct.")


def home_region(user: User) -> str:
    """The deepest region containing every current role of `user` ("" without a role).

    Audit entries about a person (locked, tokens, disabled) carry it, so the people who
    manage that person can read them: an entry without a region is visible to nobody.
    """
    codes = list(user.role_assignments.current().values_list("region_code", flat=True))
    for length in _CODE_LENGTHS:
        candidate = codes[0][:length] if codes else ""
        if len(candidate) == length and all(code.startswith(candidate) for code in codes):
            return candidate
    return ""


def authenticate_user(request, *, username: str, password: str) -> User:
    """Check a username and password, with lockout after repeated failures.

    After LOGIN_FAILURE_LIMIT wrong passwords in a row the account is locked for
    LOGIN_LOCKOUT_MINUTES; while locked even the right password is refused.
    """
    now = timezone.now()
    known = User.objects.filter(username=username).first()
    if known is not None and known.is_locked(now):
        raise LoginRefused(_lockout_message(), locked=True)
    user = authenticate(request, username=username, password=password)
    if user is None:
        if known is not None and known.is_active:
            _count_failure(known, now)
            known.refresh_from_db(fields=["locked_until"])
            if known.is_locked(now):
                raise LoginRefused(_lockout_message(), locked=True)
        raise LoginRefused(_wrong_credentials_message())
    if user.failed_login_count or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    return user


@transaction.atomic
def _count_failure(user: User, now) -> None:
    # A conditional update counts concurrent failures correctly without a read-modify-write.
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    user.refresh_from_db(fields=["failed_login_count"])
    if user.failed_login_count >= settings.LOGIN_FAILURE_LIMIT:
        locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=locked_until)
        audit.record(
            actor=None,
            action="accounts.lock_user",
            instance=user,
            region_code=home_region(user),
            after={"locked_until": locked_until.isoformat()},
        )


@transaction.atomic
def issue_token(*, actor: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue an API token for the actor; the raw token is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=raw[:10],
        digest=ApiToken.digest_of(raw),
        expires_at=timezone.now() + timedelta(days=days or settings.API_TOKEN_DAYS),
    )
    audit.record(
        actor=actor,
        action="accounts.issue_token",
        instance=token,
        region_code=home_region(actor),
        after={"name": name, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="accounts.revoke_token",
            instance=token,
            region_code=home_region(token.user),
        )
    return token


# What a token's request needs of the token and its user (who, whether active, their roles'
# version, their name for the timeline); anything else is read if ever asked for. Every API
# call makes this read, so its statement is written out once (gridgov.statements).
_TOKEN_COLUMNS = Columns(ApiToken, "token", ["user", "expires_at", "revoked_at", "last_used_at"])
_TOKEN_USER_COLUMNS = Columns(
    User,
    "person",
    ["username", "full_name", "is_active", "is_staff", "is_superuser", "roles_version"],
)
_TOKEN_SQL = (
    f"SELECT {_TOKEN_COLUMNS.sql}, {_TOKEN_USER_COLUMNS.sql} "
    f'FROM "{_TOKEN_COLUMNS.table}" token '
    f'JOIN "{_TOKEN_USER_COLUMNS.table}" person ON person."id" = token."user_id" '
    'WHERE token."digest" = %s'
)


def user_for_token(raw: str) -> User | None:
    """The active user a raw bearer token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    rows = fetch(_TOKEN_SQL, [ApiToken.digest_of(raw)])
    if not rows:
        return None
    split = len(_TOKEN_COLUMNS)
    token = _TOKEN_COLUMNS.instance(rows[0][:split])
    token.user = _TOKEN_USER_COLUMNS.instance(rows[0][split:])
    now = timezone.now()
    if not token.is_usable(now):
        return None
    # Touch last_used_at at most once a minute: a busy client should not write on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def create_user(*, actor: User | None, username: str, password: str, full_name: str = "") -> User:
    user = User(username=username, full_name=full_name)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        actor=actor, action="accounts.create_user", instance=user, after={"username": username}
    )
    return user


@transaction.atomic
def assign_role(
    *, actor: User | None, user: User, role: str, region, department: Department | None = None
) -> RoleAssignment:
    """Give `user` a role over `region`. An actor may only hand out roles within their own
    user-management scope (checked after the write, inside the transaction)."""
    assignment = RoleAssignment(user=user, role=role, region=region, department=department)
    assignment.full_clean()
    assignment.save()
    if actor is not None:
        require_within_scope(actor, "accounts.manage_users", [assignment.region_code])
    audit.record(
        actor=actor,
        action="accounts.assign_role",
        instance=assignment,
        region_code=assignment.region_code,
        after=audit.snapshot(assignment, ["role", "region_code", "department"]),
    )
    forget_assignments(user)
    return assignment


@transaction.atomic
def deactivate_user(*, actor: User, user: User) -> User:
    """Disable a user: their sessions stop working at the next request (the auth backend
    refuses inactive users) and every API token is revoked. Disabling a disabled user
    changes nothing and writes nothing."""
    regions = list(user.role_assignments.current().values_list("region_code", flat=True))
    require_within_scope(actor, "accounts.manage_users", regions or [""])
    if not User.objects.filter(pk=user.pk, is_active=True).exists():
        user.is_active = False
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    now = timezone.now()
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
    audit.record(
        actor=actor,
        action="accounts.deactivate_user",
        instance=user,
        region_code=home_region(user),
        before={"is_active": True},
        after={"is_active": False},
    )
    return user
