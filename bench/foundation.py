"""The foundation's two structural bets, measured against the obvious alternatives:

- region codes as paths: "everything within a county" as one index range, against walking
  the parent links with a recursive query (an adjacency list, as most trees are stored);
- point → grid through an STRtree, against testing every grid polygon in turn;
- the region API, against a bare Django view answering the same rows with no scope or schema.
"""

import json
import random

from django.db import connection
from django.http import JsonResponse
from django.test import Client, RequestFactory
from shapely import from_geojson, points

from bench.harness import Result, timed
from gridgov.regions import geometry
from gridgov.regions.models import Region

COUNTY = "433124"  # 花垣县
TOWNSHIP = "433124110"  # 双龙镇


def _recursive_count(root_code: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE subtree(id) AS (
                SELECT id FROM regions_region WHERE code = %s
                UNION ALL
                SELECT child.id FROM regions_region child JOIN subtree ON child.parent_id = subtree.id
            )
            SELECT count(*) FROM subtree
            """,
            [root_code],
        )
        return cursor.fetchone()[0]


def subtree() -> Result:
    expected = Region.objects.within(COUNTY).count()
    assert _recursive_count(COUNTY) == expected, "both ways must count the same regions"
    return Result(
        name=f"count regions within a county ({expected} rows), code range",
        subject_ms=timed(lambda: Region.objects.within(COUNTY).count(), 200),
        baseline_name="recursive CTE over parent links",
        baseline_ms=timed(lambda: _recursive_count(COUNTY), 200),
    )


def locate() -> Result:
    grids = list(
        Region.objects.filter(level="grid", geometry__isnull=False).values_list("code", "geometry")
    )
    shapes = [(code, from_geojson(json.dumps(geojson))) for code, geojson in grids]
    random.seed(7)
    sample = [shape.representative_point() for _code, shape in random.sample(shapes, 200)]
    geometry.locator()  # build the index outside the timing

    def with_tree():
        for point in sample:
            geometry.locate(point.y, point.x)

    def naive():
        for point in sample:
            next((code for code, shape in shapes if shape.contains(points(point.x, point.y))), None)

    return Result(
        name=f"locate 200 points among {len(shapes)} grids, STRtree",
        subject_ms=timed(with_tree, 5),
        baseline_name="test every polygon",
        baseline_ms=timed(naive, 3),
    )


def children_api() -> Result:
    from gridgov.accounts.models import User

    admin = User.objects.filter(role_assignments__role="administrator").first()
    client = Client()
    client.force_login(admin)
    factory = RequestFactory()

    def bare_view(request):
        rows = list(Region.objects.filter(parent__code=TOWNSHIP).values("code", "name", "level"))
        return JsonResponse(rows, safe=False)

    def through_api():
        response = client.get(f"/api/regions/{TOWNSHIP}/children")
        assert response.status_code == 200

    return Result(
        name="GET /api/regions/{township}/children (scope, schema, counts)",
        subject_ms=timed(through_api, 200),
        baseline_name="bare Django view, same rows",
        baseline_ms=timed(lambda: bare_view(factory.get("/")), 200),
        note="in-process test client; the ratio below 1 is the price of scope and schema",
    )


def run() -> list[Result]:
    return [subtree(), locate(), children_api()]
