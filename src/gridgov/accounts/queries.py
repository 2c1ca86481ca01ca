"""Read logic about a user's own work: their role assignments and the regions they reach."""

from django.db.models import Count, QuerySet

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.accounts.scope import scope_codes
from gridgov.regions.models import Region

# Sections of the home page follow the order of the roles, from the grid up.
_ROLE_ORDER = {role: position for position, role in enumerate(Role.values)}


def work_assignments(user) -> list[RoleAssignment]:
    """The user's current role assignments, each with its region (and that region's number
    of child regions as `region_child_count`), ordered by role and then by region code."""
    assignments = (
        RoleAssignment.objects.filter(user=user)
        .current()
        .select_related("region", "department")
        .annotate(region_child_count=Count("region__children"))
    )
    return sorted(
        assignments, key=lambda a: (_ROLE_ORDER.get(a.role, len(_ROLE_ORDER)), a.region_code)
    )


def role_labels(user) -> list[str]:
    """The names of the roles the user currently holds, each once, in role order."""
    held = set(RoleAssignment.objects.filter(user=user).current().values_list("role", flat=True))
    return [role.label for role in Role if role in held]


def scope_roots(user) -> QuerySet:
    """The top regions of the user's scope (where their browsing starts), with child counts."""
    codes = scope_codes(user, "regions.view")
    return (
        Region.objects.visible_to(user)
        .filter(code__in=codes)
        .annotate(child_count=Count("children"))
        .order_by("code")
    )
