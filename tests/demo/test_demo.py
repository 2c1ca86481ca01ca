"""`gridgov demo`: the Xiangxi demonstration, complete, plausible and repeatable.

The test session already holds the demo's grids and boundaries (tests/conftest.py runs
the same step the command runs), so these tests check what the command left behind and
that running the command again changes nothing.
"""

import random
from io import StringIO

import pytest
import shapely
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import override_settings
from shapely.geometry import shape

from gridgov.accounts.models import AuditEntry, Department, RoleAssignment, User
from gridgov.demo import generate, people
from gridgov.regions.models import Region
from gridgov.testing.personas import GRID_1, GRID_2, OTHER_GRID, PASSWORD

pytestmark = pytest.mark.django_db


def run_demo(*arguments) -> str:
    output = StringIO()
    call_command("demo", *arguments, stdout=output)
    return output.getvalue()


def boundaries(codes) -> dict:
    return {
        code: shape(geometry)
        for code, geometry in Region.objects.filter(code__in=codes).values_list("code", "geometry")
    }


def test_every_village_and_community_has_grids():
    grids = Region.objects.filter(level="grid")
    villages = Region.objects.filter(level__in=["village", "community"])
    without_grids = villages.exclude(children__level="grid")

    assert 9000 <= grids.count() <= 10000
    assert not without_grids.exists()
    assert Region.objects.get(code="433101100201001").name == "小兴村一组网格"
    community_grid = Region.objects.filter(parent__level="community").first()
    assert "社区第1网格" in community_grid.name


def test_existing_grids_are_kept_as_they_were():
    assert list(Region.objects.filter(parent__code=GRID_1[:12]).values_list("code", "name")) == [
        (GRID_1, "十八洞村第一网格"),
        (GRID_2, "十八洞村第二网格"),
    ]
    assert list(
        Region.objects.filter(parent__code=OTHER_GRID[:12]).values_list("code", flat=True)
    ) == [OTHER_GRID]
    # …and they have a boundary now, like every other region.
    assert Region.objects.get(code=GRID_1).geometry is not None


def test_every_region_has_a_valid_boundary_with_its_centre_inside():
    regions = list(
        Region.objects.within("4331").values_list(
            "code", "geometry", "centroid_lat", "centroid_lon"
        )
    )

    assert len(regions) > 11000
    for code, geometry, latitude, longitude in regions:
        assert geometry is not None, code
        boundary = shape(geometry)
        assert boundary.geom_type in ("Polygon", "MultiPolygon"), code
        assert boundary.is_valid, code
        assert boundary.contains(shapely.Point(longitude, latitude)), code
    # Coordinates are kept to 6 decimals (about 10 cm).
    ring = regions[0][1]["coordinates"][0]
    assert all(round(value, 6) == value for point in ring for value in point)


def test_the_prefecture_lies_where_xiangxi_is():
    prefecture = shape(Region.objects.get(code="4331").geometry)
    west, south, east, north = prefecture.bounds

    assert 27.6 < south < 27.9 and 29.5 < north < 29.8
    assert 109.0 < west < 109.3 and 110.2 < east < 110.5
    seats = {"433101": (28.31, 109.73), "433124": (28.58, 109.48), "433130": (29.46, 109.44)}
    for code, (latitude, longitude) in seats.items():
        assert shape(Region.objects.get(code=code).geometry).contains(
            shapely.Point(longitude, latitude)
        )


def sample_parents() -> list[str]:
    randomly = random.Random(7)
    parents = ["4331", "433124", "433124110", "433124110226"]
    for level in ("county", "township", "village", "community"):
        codes = sorted(Region.objects.filter(level=level).values_list("code", flat=True))
        parents += randomly.sample(codes, 3)
    return parents


def test_children_tile_their_parent():
    for code in sample_parents():
        parent = boundaries([code])[code]
        children = list(
            boundaries(Region.objects.filter(parent__code=code).values("code")).values()
        )
        child_areas = sum(child.area for child in children)

        # No gaps: together the children cover the parent, and no overlaps: the area of
        # their union is the sum of their areas (both within 0.1 %).
        assert child_areas == pytest.approx(parent.area, rel=1e-3), code
        assert shapely.union_all(children).area == pytest.approx(child_areas, rel=1e-3), code
        for child in children:
            assert child.difference(parent).area <= 1e-3 * child.area, code


def test_the_demo_command_completes_the_demo_and_a_second_run_changes_nothing():
    first = run_demo("--scale", "0.01", "--seed", str(generate.DEFAULT_SEED))
    counts = (
        Region.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEntry.objects.count(),
    )

    second = run_demo()

    assert "departments: created 341" in first  # every one but the personas' 花垣县公安局
    assert "logins: created 6" in first  # the personas already have `leader` and `admin`
    assert "scale 0.01" in first
    for line in (
        "divisions: created 0, updated 0, unchanged 1920",
        "grids: created 0",
        "boundaries: drawn 0",
        "departments: created 0",
        "logins: created 0",
    ):
        assert line in second
    assert "skipped 2 statistics-only units" in second
    assert counts == (
        Region.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEntry.objects.count(),
    )


def test_every_county_has_all_fourteen_departments_and_townships_two_offices():
    generate.create_departments()

    assert Department.objects.filter(region__level="county").count() == 8 * 14
    assert set(Department.objects.filter(region_code="433124").values_list("name", flat=True)) >= {
        "花垣县公安局",
        "花垣县民政局",
        "花垣县人力资源和社会保障局",
        "湘西州生态环境局花垣分局",
    }
    assert set(
        Department.objects.filter(region_code="433124110").values_list("name", flat=True)
    ) == {
        "双龙镇司法所",
        "花垣县公安局双龙派出所",
    }
    assert Department.objects.filter(region__level="township").count() == 115 * 2


def test_each_demo_login_signs_in_with_the_demo_password_and_has_its_role():
    # The test personas include a `leader` and an `admin`: the demo must leave them alone.
    User.objects.filter(username__in=["leader", "admin"]).delete()
    generate.create_departments()
    generate.create_logins()

    for login in people.DEMO_LOGINS:
        user = authenticate(username=login.username, password=people.DEMO_PASSWORD)
        assert user is not None, login.username
        assignment = user.role_assignments.get()
        assert (assignment.role, assignment.region_code) == (login.role, login.region_code)
    handler = User.objects.get(username="department_handler").role_assignments.get()
    assert handler.department.name == "花垣县公安局"
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_existing_users_keep_their_password():
    generate.create_departments()
    generate.create_logins()

    assert authenticate(username="leader", password=PASSWORD) is not None
    assert authenticate(username="leader", password=people.DEMO_PASSWORD) is None


def test_the_logins_table_lists_who_can_sign_in_where():
    User.objects.filter(username__in=["leader", "admin"]).delete()
    assert "No demo logins yet" in run_demo("--logins")
    generate.create_departments()
    generate.create_logins()

    table = run_demo("--logins")

    for text in (
        "grid_worker",
        "gridgov-demo",
        "网格员",
        "十八洞村第一网格",
        "花垣县公安局",
        "admin",
    ):
        assert text in table


def test_a_region_that_lost_its_boundary_gets_the_same_one_again():
    township = "433124110"  # 双龙镇 and everything in it
    before = dict(Region.objects.within(township).values_list("code", "geometry"))
    Region.objects.within(township).update(geometry=None, centroid_lat=None, centroid_lon=None)

    grids_created, drawn = generate.add_grids_and_boundaries(seed=generate.DEFAULT_SEED)

    assert (grids_created, drawn) == (0, len(before))
    assert dict(Region.objects.within(township).values_list("code", "geometry")) == before


def test_a_village_without_grids_gets_some_and_nothing_else_changes():
    village = Region.objects.get(code="433130001001")
    village.children.all().delete()
    untouched = dict(Region.objects.exclude(parent=village).values_list("code", "geometry"))

    grids_created, drawn = generate.add_grids_and_boundaries(seed=generate.DEFAULT_SEED)

    grids = list(village.children.order_by("code"))
    assert grids_created == drawn == len(grids)
    assert 3 <= len(grids) <= 10
    assert [grid.code for grid in grids] == [
        f"433130001001{n:03d}" for n in range(1, len(grids) + 1)
    ]
    assert dict(Region.objects.exclude(parent=village).values_list("code", "geometry")) == untouched


@override_settings(GRIDGOV_ENV="production")
def test_the_demo_refuses_to_run_in_production():
    with pytest.raises(CommandError, match="never in production"):
        run_demo()
    assert not User.objects.filter(username="grid_worker").exists()


def test_a_scale_outside_zero_to_one_is_refused():
    with pytest.raises(CommandError, match="--scale"):
        run_demo("--scale", "0")
