"""The synthetic boundaries on their own: children tile any parent, the same seed draws
the same map, and grids are numbered from the north-west."""

import numpy as np
import pytest
import shapely
from shapely import Polygon

from gridgov.demo import geography
from gridgov.demo.geography import Node

# A U-shaped parent: a child's Voronoi cell can fall on both arms.
HORSESHOE = Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])


def small_tree() -> list[Node]:
    """The prefecture, two counties, three townships each (one a subdistrict), two villages
    per township (one a community) and three grids per village."""
    nodes = [Node("4331", "prefecture"), Node("433101", "county_city"), Node("433124", "county")]
    for county in ("433101", "433124"):
        for t, kind in enumerate(("subdistrict", "town", "township"), start=1):
            township = f"{county}{t:03d}"
            nodes.append(Node(township, kind))
            for v, village_kind in enumerate(("community", "village"), start=1):
                village = f"{township}{v:03d}"
                nodes.append(Node(village, village_kind))
                nodes += [Node(f"{village}{g:03d}", "grid") for g in (1, 2, 3)]
    return nodes


@pytest.mark.parametrize("count", [1, 2, 5, 12, 40])
def test_children_tile_a_concave_parent(count):
    parent = shapely.set_precision(HORSESHOE, geography.GRID_SIZE)
    kinds = ["village"] * (count - count // 3) + ["community"] * (count // 3)

    cells = geography.split(parent, kinds, np.random.default_rng(count))

    assert len(cells) == count
    for cell in cells:
        assert cell.geom_type in ("Polygon", "MultiPolygon")
        assert cell.is_valid and not cell.is_empty
    assert sum(cell.area for cell in cells) == pytest.approx(parent.area, rel=1e-6)
    assert shapely.union_all(cells).symmetric_difference(parent).area < 1e-6 * parent.area


def test_the_same_seed_draws_the_same_map_and_another_seed_another():
    first = geography.draw_boundaries(small_tree(), seed=1)
    again = geography.draw_boundaries(small_tree(), seed=1)
    other = geography.draw_boundaries(small_tree(), seed=2)

    assert len(first) == len(small_tree())
    assert {code: shape.wkt for code, shape in first.items()} == {
        code: shape.wkt for code, shape in again.items()
    }
    township = "433124002"
    assert not first[township].equals(other[township])
    # The counties are drawn around their real seats, whatever the seed.
    assert first["433124"].equals(other["433124"])


def test_regions_that_have_a_boundary_keep_it():
    drawn = geography.draw_boundaries(small_tree(), seed=1)
    town = "433101002"
    # The town was surveyed: its real boundary is smaller, and what lies in it has none yet.
    survey = drawn[town].buffer(-0.01)
    nodes = []
    for node in small_tree():
        if node.code == town:
            boundary = geography.to_geojson(survey)
        elif node.code.startswith(town):
            boundary = None
        else:
            boundary = geography.to_geojson(drawn[node.code])
        nodes.append(Node(node.code, node.kind, boundary))

    redrawn = geography.draw_boundaries(nodes, seed=1)

    assert set(redrawn) == {node.code for node in nodes if node.code.startswith(town + "0")}
    villages = [shape for code, shape in redrawn.items() if len(code) == 12]
    assert sum(village.area for village in villages) == pytest.approx(survey.area, rel=1e-3)
    assert all(survey.buffer(1e-5).contains(village) for village in villages)


def test_grids_are_numbered_from_north_west_to_south_east():
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])

    cells = geography.split(square, ["grid"] * 9, np.random.default_rng(3))

    first, last = cells[0].centroid, cells[-1].centroid
    assert first.y > last.y
    assert first.x < 0.5 < last.x


def test_geojson_is_rounded_to_six_decimals():
    shape = Polygon([(109.1234567, 28.1), (109.2, 28.1234564), (109.2, 28.3), (109.1234567, 28.1)])

    coordinates = geography.to_geojson(shape)["coordinates"][0]

    assert coordinates[0] == [109.123457, 28.1]
    assert coordinates[1] == [109.2, 28.123456]
