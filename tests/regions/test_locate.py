"""Which grid is this point in? Through the code, the API and the command line."""

import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from gridgov.regions import geometry
from gridgov.regions.models import Region
from gridgov.testing.personas import GRID_1

pytestmark = pytest.mark.django_db

BEIJING = (39.9042, 116.4074)
CHANGSHA = (28.2282, 112.9388)
HONG_KONG = (22.3193, 114.1694)


def inner_point(code: str) -> tuple[float, float]:
    """(latitude, longitude) of a point certainly inside the region's boundary."""
    point = shape(Region.objects.get(code=code).geometry).representative_point()
    return point.y, point.x


def test_a_point_inside_a_grid_finds_that_grid():
    grids = sorted(
        Region.objects.filter(level="grid", geometry__isnull=False).values_list("code", "geometry")
    )
    assert len(grids) > 9000

    for code, boundary in random.Random(100).sample(grids, 100):
        point = shape(boundary).representative_point()
        assert geometry.locate(point.y, point.x) == code


def test_points_outside_xiangxi_find_nothing():
    for latitude, longitude in (BEIJING, CHANGSHA, HONG_KONG, (0.0, 0.0)):
        assert geometry.locate(latitude, longitude) is None


def test_the_api_names_the_grid_and_its_path(client_of):
    latitude, longitude = inner_point(GRID_1)

    response = client_of("leader").get("/api/regions/locate", {"lat": latitude, "lon": longitude})

    assert response.status_code == 200
    region = response.json()["region"]
    assert region["code"] == GRID_1
    assert region["name"] == "十八洞村第一网格"
    assert [step["name"] for step in region["path"]] == [
        "湘西土家族苗族自治州",
        "花垣县",
        "双龙镇",
        "十八洞村",
    ]


def test_the_api_finds_nothing_outside_xiangxi(client_of):
    for latitude, longitude in (BEIJING, CHANGSHA):
        response = client_of("leader").get(
            "/api/regions/locate", {"lat": latitude, "lon": longitude}
        )
        assert response.status_code == 200
        assert response.json() == {"region": None}


def test_the_api_does_not_reveal_a_grid_outside_the_users_scope(client_of):
    latitude, longitude = inner_point(GRID_1)

    own = client_of("worker_a").get("/api/regions/locate", {"lat": latitude, "lon": longitude})
    other = client_of("worker_b").get("/api/regions/locate", {"lat": latitude, "lon": longitude})

    assert own.json()["region"]["code"] == GRID_1
    assert other.json() == {"region": None}


def test_the_api_refuses_impossible_coordinates_and_strangers(client_of, client):
    assert (
        client_of("leader").get("/api/regions/locate", {"lat": 95, "lon": 109}).status_code == 422
    )
    latitude, longitude = inner_point(GRID_1)
    anonymous = client.get("/api/regions/locate", {"lat": latitude, "lon": longitude})
    assert anonymous.status_code == 401


def test_the_command_prints_the_grid_and_its_path():
    latitude, longitude = inner_point(GRID_1)
    output = StringIO()

    call_command("regions", "locate", str(latitude), str(longitude), stdout=output)

    assert GRID_1 in output.getvalue()
    assert "湘西土家族苗族自治州 / 花垣县 / 双龙镇 / 十八洞村" in output.getvalue()


def test_the_command_says_so_when_nothing_is_there():
    with pytest.raises(CommandError, match="not inside any grid"):
        call_command("regions", "locate", *map(str, BEIJING))
