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

# Keeping the register: see, change, and (with a stated reason) see sensitive values in clear.
_REGISTER_KEEPER = {"registry.view", "registry.edit", "registry.reveal"}

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset(_EVERYONE | _REGISTER_KEEPER),
    Role.GRID_LEADER: frozenset(_EVERYONE | _REGISTER_KEEPER),
    Role.VILLAGE_CADRE: frozenset(_EVERYONE | _REGISTER_KEEPER | {"registry.export"}),
    Role.TOWNSHIP_CENTRE: frozenset(
        _EVERYONE | _REGISTER_KEEPER | {"accounts.view_users", "registry.import", "registry.export"}
    ),
    Role.COUNTY_CENTRE: frozenset(
        _EVERYONE
        | _REGISTER_KEEPER
        | {
            "accounts.view_users",
            "regions.manage",
            "audit.view",
            "registry.import",
            "registry.export",
            "registry.approve_export",
        }
    ),
    # Departments see people through the cases dispatched to them, not the whole register.
    Role.DEPARTMENT_HANDLER: frozenset(_EVERYONE),
    # Leaders see the register masked and in figures; they never reveal or change it.
    Role.LEADER: frozenset(_EVERYONE | {"accounts.view_users", "registry.view"}),
    Role.ADMINISTRATOR: frozenset(
        _EVERYONE
        | {
            "accounts.view_users",
            "accounts.manage_users",
            "regions.manage",
            "audit.view",
            "registry.view",
            "registry.import",
            "registry.approve_export",
        }
    ),
}

# --- Events (the cases app) ---
# Staff of a grid, village or centre take in, accept and handle the events of their area,
# verify what their unit reported and record residents' ratings; only grid staff resolve on
# the spot; centres also dispatch to departments and decide extensions, suspensions and
# returns. Department handlers act only on the events dispatched to their department, which
# is also all of the events they see. Leaders look; county centres and administrators set
# categories, deadline rules and the working-day calendar.
_CASE_STAFF = {
    "cases.view",
    "cases.report",
    "cases.accept",
    "cases.handle",
    "cases.verify",
    "cases.rate",
}
_CASE_CENTRE = _CASE_STAFF | {"cases.dispatch"}
CASE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset(_CASE_STAFF | {"cases.resolve"}),
    Role.GRID_LEADER: frozenset(_CASE_STAFF | {"cases.resolve"}),
    Role.VILLAGE_CADRE: frozenset(_CASE_STAFF),
    Role.TOWNSHIP_CENTRE: frozenset(_CASE_CENTRE),
    Role.COUNTY_CENTRE: frozenset(_CASE_CENTRE | {"cases.configure"}),
    Role.DEPARTMENT_HANDLER: frozenset({"cases.handle"}),
    Role.LEADER: frozenset({"cases.view"}),
    Role.ADMINISTRATOR: frozenset({"cases.view", "cases.configure"}),
}
PERMISSIONS = {role: granted | CASE_PERMISSIONS[role] for role, granted in PERMISSIONS.items()}

# --- Visits and poverty-relapse monitoring (the visits and poverty apps) ---
# The people in the field (grid staff, village cadres, township centres) record visits and
# work-log entries, find households at risk and record their income, checklist and help.
# A village cadre reviews what was found and decides the risk reviews the rules raise; a
# township or county centre approves monitoring, clears the risk and closes. Leaders and
# administrators look; the county centre and administrators set monitoring lines and rule
# thresholds. Departments have no part here.
_FIELD = {"visits.view", "visits.record", "poverty.view", "poverty.report"}
FIELD_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset(_FIELD),
    Role.GRID_LEADER: frozenset(_FIELD),
    Role.VILLAGE_CADRE: frozenset(_FIELD | {"poverty.review"}),
    Role.TOWNSHIP_CENTRE: frozenset(_FIELD | {"poverty.approve"}),
    Role.COUNTY_CENTRE: frozenset(
        {"visits.view", "poverty.view", "poverty.approve", "poverty.configure"}
    ),
    Role.DEPARTMENT_HANDLER: frozenset(),
    Role.LEADER: frozenset({"visits.view", "poverty.view"}),
    Role.ADMINISTRATOR: frozenset({"visits.view", "poverty.view", "poverty.configure"}),
}
PERMISSIONS = {role: granted | FIELD_PERMISSIONS[role] for role, granted in PERMISSIONS.items()}

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
