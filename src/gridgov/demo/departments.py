"""Demo functional departments: every county bureau, and two offices in every township.

Each county gets one department of every kind in `DepartmentKind` (花垣县公安局,
花垣县民政局, …); each township gets its justice office (司法所) and its police station
(派出所), the two township-level units that most often take dispatched cases. Existing
departments are kept: at most one department of a kind per region is ever created.
"""

from django.db import transaction

from gridgov.accounts import audit
from gridgov.accounts.choices import DepartmentKind
from gridgov.accounts.models import Department
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

# The name of each county department; {county} is the county's full name (花垣县),
# {short} without its suffix (花垣). Ecology is a branch of the prefecture's bureau since
# the 2018 vertical reform of environmental agencies.
COUNTY_DEPARTMENT_NAMES = {
    DepartmentKind.PUBLIC_SECURITY: "{county}公安局",
    DepartmentKind.CIVIL_AFFAIRS: "{county}民政局",
    DepartmentKind.HUMAN_RESOURCES: "{county}人力资源和社会保障局",
    DepartmentKind.HEALTH: "{county}卫生健康局",
    DepartmentKind.EDUCATION: "{county}教育局",
    DepartmentKind.HOUSING: "{county}住房和城乡建设局",
    DepartmentKind.NATURAL_RESOURCES: "{county}自然资源局",
    DepartmentKind.ECOLOGY: "湘西州生态环境局{short}分局",
    DepartmentKind.AGRICULTURE: "{county}农业农村局",
    DepartmentKind.RURAL_REVITALIZATION: "{county}乡村振兴局",
    DepartmentKind.JUSTICE: "{county}司法局",
    DepartmentKind.EMERGENCY: "{county}应急管理局",
    DepartmentKind.PETITIONS: "{county}信访局",
    DepartmentKind.URBAN_MANAGEMENT: "{county}城市管理和综合执法局",
}

# Township offices; {township} is the township's name (双龙镇), {county} its county's.
TOWNSHIP_OFFICE_NAMES = {
    DepartmentKind.JUSTICE: "{township}司法所",
    DepartmentKind.PUBLIC_SECURITY: "{county}公安局{short}派出所",
}


def short_name(name: str) -> str:
    """花垣县 → 花垣, 峒河街道 → 峒河; a one-character stem keeps its suffix (X乡)."""
    for suffix in ("街道", "县", "市", "区", "镇", "乡"):
        stem = name.removesuffix(suffix)
        if stem != name and len(stem) >= 2:
            return stem
    return name


def planned_departments(root: str) -> list[Department]:
    """The departments of `root`'s counties and townships that do not exist yet."""
    regions = {
        region.code: region
        for region in Region.objects.within(root).filter(level__in=[Level.COUNTY, Level.TOWNSHIP])
    }
    existing = set(Department.objects.within(root).values_list("region_id", "kind"))
    planned = []
    for code, region in sorted(regions.items()):
        if region.level == Level.COUNTY:
            names = COUNTY_DEPARTMENT_NAMES
            values = {"county": region.name, "short": short_name(region.name)}
        else:
            county = regions[code[:6]]
            names = TOWNSHIP_OFFICE_NAMES
            values = {
                "township": region.name,
                "county": county.name,
                "short": short_name(region.name),
            }
        planned += [
            # bulk_create skips Department.save(), which is what copies the region's code.
            Department(name=pattern.format(**values), kind=kind, region=region, region_code=code)
            for kind, pattern in names.items()
            if (region.pk, kind) not in existing
        ]
    return planned


@transaction.atomic
def create_departments(*, root: str, actor=None) -> int:
    """Create the missing demo departments under `root`; returns how many were created."""
    planned = planned_departments(root)
    if not planned:
        return 0
    for department in planned:
        department.full_clean(validate_unique=False, validate_constraints=False)
    Department.objects.bulk_create(planned, batch_size=500)
    audit.record(
        actor=actor,
        action="demo.create_departments",
        region_code=root,
        after={"created": len(planned)},
    )
    return len(planned)
