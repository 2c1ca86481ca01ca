"""Where a user may act: scope is enforced here and nowhere else (design decision 2).

A user's role assignments give, per permission, the set of region codes they reach; a row
is in scope when its region code lies within one of them (a btree range per code). Anyone
without a matching assignment, anonymous or disabled users, unknown roles and rows without
a region see nothing: every path fails closed.
"""

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.http import Http404

from gridgov.accounts.roles import ALL_PERMISSIONS, permissions_of
from gridgov.regions.codes import ancestor_codes, within_q

_NOTHING = Q(pk__in=[])


# Each process keeps the assignments it read per user and `roles_version`: the user row is
# read afresh with every request (session or token), so a changed role is seen at once.
_HELD_USERS = 20_000
_held: dict[int, tuple[uuid.UUID, list]] = {}


def _current_assignments(user) -> list:
    """The user's current role assignments, loaded once per user object (per request), and
    asked of the database only when they changed since this process last read them."""
    cached = getattr(user, "_gridgov_assignments", None)
    if cached is not None:
        return cached
    version = getattr(user, "roles_version", None)
    held = _held.get(user.pk)
    if held is not None and version is not None and held[0] == version:
        cached = held[1]
    else:
        from gridgov.accounts.models import RoleAssignment

        cached = list(
            RoleAssignment.objects.filter(user=user, ended_at__isnull=True).select_related(
                "department"
            )
        )
        if version is not None:
            if len(_held) >= _HELD_USERS:
                _held.clear()
            _held[user.pk] = (version, cached)
    user._gridgov_assignments = cached
    return cached


def forget_assignments(user) -> None:
    """Drop the per-object cache after the user's assignments change."""
    user.__dict__.pop("_gridgov_assignments", None)
    _held.pop(user.pk, None)


def forget_all_assignments() -> None:
    """Drop every user's assignments held by this process (tests roll their changes back)."""
    _held.clear()


def _roles_changed(sender, instance, **kwargs) -> None:
    from gridgov.accounts.models import User

    version = uuid.uuid4()
    User.objects.filter(pk=instance.user_id).update(roles_version=version)
    if "user" in instance._state.fields_cache:  # the caller's own object of that user
        instance.user.roles_version = version
    _held.pop(instance.user_id, None)


def _read_at_sign_in(sender, request, user, **kwargs) -> None:
    _current_assignments(user)


def connect_signals() -> None:
    """Every save or delete of a role assignment, from an action or the admin, gives the
    user a new `roles_version`. (No code changes assignments with bulk updates.) Signing in
    reads the person's roles for this process: their first page needs them anyway."""
    from django.contrib.auth.signals import user_logged_in

    from gridgov.accounts.models import RoleAssignment

    user_logged_in.connect(_read_at_sign_in, dispatch_uid="gridgov.accounts.scope.sign_in")
    for signal in (post_save, post_delete):
        signal.connect(
            _roles_changed,
            sender=RoleAssignment,
            dispatch_uid=f"gridgov.accounts.scope.roles_changed.{signal}",
        )


def _check_permission_name(permission: str) -> None:
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")


def assignments_with(user, permission: str) -> list:
    """The user's current assignments whose role grants `permission`."""
    _check_permission_name(permission)
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return [a for a in _current_assignments(user) if permission in permissions_of(a.role)]


def scope_codes(user, permission: str) -> list[str]:
    """The region codes where `user` holds `permission`, with nested codes folded away."""
    codes = sorted({a.region_code for a in assignments_with(user, permission) if a.region_code})
    folded: list[str] = []
    for code in codes:
        if not any(code.startswith(outer) for outer in folded):
            folded.append(code)
    return folded


def scope_q(user, permission: str, *, field: str, with_ancestors: bool = False) -> Q:
    """A filter for rows whose `field` lies within the user's scope for `permission`.

    With `with_ancestors`, rows whose code is one of the regions above the scope match too
    (the path from the top down to a worker's grid, or the county's departments).
    """
    codes = scope_codes(user, permission)
    if not codes:
        return _NOTHING
    condition = Q()
    for code in codes:
        condition |= within_q(code, field)
    if with_ancestors:
        above = {ancestor for code in codes for ancestor in ancestor_codes(code)}
        if above:
            condition |= Q(**{f"{field}__in": sorted(above)})
    return condition


def has_permission(user, permission: str, region_code: str | None = None) -> bool:
    """Does the user hold `permission` at all, or (with a code) over that region?"""
    codes = scope_codes(user, permission)
    if region_code is None:
        return bool(codes)
    return bool(region_code) and any(region_code.startswith(code) for code in codes)


def all_permissions(user) -> set[str]:
    return {p for p in ALL_PERMISSIONS if scope_codes(user, p)}


class ScopedQuerySet(models.QuerySet):
    """The default way in for every scoped model: `Model.objects.visible_to(user)`.

    A model sets `scope_field` (the column holding its region code) and its queryset sets
    `view_permission`; `with_ancestors` also admits rows of the regions above the scope.
    """

    view_permission: str = ""
    with_ancestors: bool = False

    def visible_to(self, user, permission: str | None = None):
        permission = permission or self.view_permission
        field = getattr(self.model, "scope_field", "region_code")
        return self.filter(
            scope_q(user, permission, field=field, with_ancestors=self.with_ancestors)
        )

    def within(self, code: str):
        return self.filter(within_q(code, getattr(self.model, "scope_field", "region_code")))


def access(queryset: models.QuerySet, user, *, permission: str | None = None, **lookup):
    """Fetch one object the user may see, or 404: the same answer for "missing" and
    "forbidden", so nobody can probe for records outside their scope."""
    try:
        return queryset.visible_to(user, permission).get(**lookup)
    except (queryset.model.DoesNotExist, ValidationError) as error:
        raise Http404 from error


def require_within_scope(user, permission: str, region_codes: Iterable[str]) -> None:
    """Re-check after a write, inside the transaction: raising here rolls the change back
    when it would move a record out of the actor's reach."""
    for code in region_codes:
        if not has_permission(user, permission, code):
            raise Http404
