"""Demo logins: one person per role, placed around 十八洞村 (花垣县 双龙镇) and the prefecture.

They all share the published password `gridgov-demo`, which is why the demo refuses to
run in production. A login that already exists is left alone (its password too).
"""

from dataclasses import dataclass

from django.db import transaction

from gridgov.accounts import actions, audit
from gridgov.accounts.choices import DepartmentKind
from gridgov.accounts.models import Department, RoleAssignment, User
from gridgov.accounts.roles import Role
from gridgov.regions.models import Region

DEMO_PASSWORD = "gridgov-demo"


@dataclass(frozen=True)
class DemoLogin:
    """Who signs in as whom in the demo, and where their role applies."""

    username: str
    full_name: str
    role: str
    region_code: str
    department_kind: str | None = None
    administrator: bool = False  # may also use the Django admin site


DEMO_LOGINS = [
    DemoLogin("grid_worker", "麻秀英", Role.GRID_WORKER, "433124110226001"),
    DemoLogin("grid_leader", "龙建国", Role.GRID_LEADER, "433124110226"),
    DemoLogin("village_cadre", "石清华", Role.VILLAGE_CADRE, "433124110226"),
    DemoLogin("township_centre", "吴海燕", Role.TOWNSHIP_CENTRE, "433124110"),
    DemoLogin("county_centre", "彭志强", Role.COUNTY_CENTRE, "433124"),
    DemoLogin(
        "department_handler",
        "田立新",
        Role.DEPARTMENT_HANDLER,
        "433124",
        department_kind=DepartmentKind.PUBLIC_SECURITY,
    ),
    DemoLogin("leader", "向东明", Role.LEADER, "4331"),
    DemoLogin("admin", "系统管理员", Role.ADMINISTRATOR, "4331", administrator=True),
]


@transaction.atomic
def create_logins(*, actor=None) -> int:
    """Create the demo logins that do not exist yet; returns how many were created.
    Needs the regions (and, for the department handler, the departments) in place."""
    existing = set(
        User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).values_list(
            "username", flat=True
        )
    )
    created = 0
    for login in DEMO_LOGINS:
        if login.username in existing:
            continue
        region = Region.objects.get(code=login.region_code)
        department = (
            Department.objects.get(region=region, kind=login.department_kind)
            if login.department_kind
            else None
        )
        user = actions.create_user(
            actor=actor, username=login.username, password=DEMO_PASSWORD, full_name=login.full_name
        )
        actions.assign_role(
            actor=actor, user=user, role=login.role, region=region, department=department
        )
        if login.administrator:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
            audit.record(
                actor=actor,
                action="demo.grant_admin_site",
                instance=user,
                region_code=region.code,
                after={"is_staff": True, "is_superuser": True},
            )
        created += 1
    return created


def login_rows() -> list[tuple[str, str, str, str]]:
    """(username, password, role, region) of each demo login that exists, for the table
    printed before the demo server starts."""
    assignments = {
        assignment.user.username: assignment
        for assignment in RoleAssignment.objects.current()
        .filter(user__username__in=[login.username for login in DEMO_LOGINS])
        .select_related("user", "region", "department")
    }
    rows = []
    for login in DEMO_LOGINS:
        assignment = assignments.get(login.username)
        if assignment is None:
            continue
        place = assignment.region.name
        if assignment.department is not None:
            place = assignment.department.name
        rows.append((login.username, DEMO_PASSWORD, str(Role(assignment.role).label), place))
    return rows
