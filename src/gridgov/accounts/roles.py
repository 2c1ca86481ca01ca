"""Roles and the role → permission matrix (design decision 2).

The matrix is code, reviewed like code: an administrator assigns roles to people, but
cannot change what a role may do. Each assignment also carries a region, which bounds
*where* the role's permissions apply.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.regions.choices import Level


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    GRID_LEADER = "grid_leader", _("网格长")
    VILLAGE_CADRE = "village_cadre", _("村（社区）干部")
    TOWNSHIP_CENTRE = "township_centre", _("乡镇综治中心")
    COUNTY_CENTRE = "county_centre", _("县综治中心")
    DEPARTMENT_HANDLER = "department_handler", _("职能部门")
    LEADER = "leader", _("领导")
    ADMINISTRATOR = "administrator", _("系统管理员")


# Everyone who works in the system may see the division tree and the departments.
_EVERYONE = {"regions.view", "departments.view"}

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset(_EVERYONE),
    Role.GRID_LEADER: frozenset(_EVERYONE),
    Role.VILLAGE_CADRE: frozenset(_EVERYONE),
    Role.TOWNSHIP_CENTRE: frozenset(_EVERYONE | {"accounts.view_users"}),
    Role.COUNTY_CENTRE: frozenset(
        _EVERYONE | {"accounts.view_users", "regions.manage", "audit.view"}
    ),
    Role.DEPARTMENT_HANDLER: frozenset(_EVERYONE),
    Role.LEADER: frozenset(_EVERYONE | {"accounts.view_users"}),
    Role.ADMINISTRATOR: frozenset(
        _EVERYONE | {"accounts.view_users", "accounts.manage_users", "regions.manage", "audit.view"}
    ),
}

# Every permission any role holds; a permission name outside this set is a programming error.
ALL_PERMISSIONS = frozenset().union(*PERMISSIONS.values())

# The levels at which each role may be assigned.
ALLOWED_LEVELS: dict[str, tuple[str, ...]] = {
    Role.GRID_WORKER: (Level.GRID,),
    Role.GRID_LEADER: (Level.GRID, Level.VILLAGE, Level.COMMUNITY),
    Role.VILLAGE_CADRE: (Level.VILLAGE, Level.COMMUNITY),
    Role.TOWNSHIP_CENTRE: (Level.TOWNSHIP,),
    Role.COUNTY_CENTRE: (Level.COUNTY,),
    Role.DEPARTMENT_HANDLER: (Level.COUNTY, Level.TOWNSHIP),
    Role.LEADER: tuple(Level.values),
    Role.ADMINISTRATOR: tuple(Level.values),
}

# Roles that act for a functional department and so must name one.
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_HANDLER})


def permissions_of(role: str) -> frozenset[str]:
    """What a role may do; an unknown role may do nothing (fail closed)."""
    return PERMISSIONS.get(role, frozenset())
