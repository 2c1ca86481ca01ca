"""Synthetic boundaries for the demo: plausible shapes, not real ones.

No public boundaries exist below the county level, so the demo draws its own: a rough
outline of Xiangxi; the counties as Voronoi cells of their real county seats, clipped to
the outline; and below that, for every parent, seeded random points inside it whose
Voronoi cells, clipped to the parent, become its children. Children therefore tile their
parent exactly (up to the 6-decimal rounding, about 10 cm). The free points are moved
twice towards the centre of their cell (Lloyd's method), which makes the cells look like
divisions rather than shards; urban units (subdistricts, communities) are packed around
the parent's centre when the parent also has rural ones, so towns look like towns.

Everything is deterministic: the random numbers for a parent come from the seed and the
parent's code alone, so a boundary that is removed is drawn again identically. Real
installations import their own boundaries (docs/operations/regions.md).
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry import mapping

from gridgov.regions.choices import Kind

PREFECTURE_CODE = "4331"

# A rough outline of the prefecture (longitude, latitude), clockwise from the north of
# 龙山县. The real prefecture spans 27°44′–29°38′ N and 109°10′–110°22′ E and covers
# 15,462 km²; this outline has the same extent and about 16,400 km².
PREFECTURE_OUTLINE = [
    (109.48, 29.63),
    (109.75, 29.48),
    (109.93, 29.24),
    (110.18, 29.07),
    (110.30, 28.80),
    (110.23, 28.53),
    (110.37, 28.30),
    (110.28, 28.07),
    (110.02, 28.02),
    (109.88, 27.85),
    (109.66, 27.74),
    (109.40, 27.84),
    (109.30, 28.07),
    (109.25, 28.34),
    (109.35, 28.56),
    (109.29, 28.80),
    (109.17, 29.06),
    (109.21, 29.33),
    (109.31, 29.55),
]

# The approximate county seats (latitude, longitude): each county is the part of the
# outline nearest to its seat.
COUNTY_SEATS = {
    "433101": (28.31, 109.73),  # 吉首市
    "433122": (28.21, 110.22),  # 泸溪县
    "433123": (27.95, 109.60),  # 凤凰县
    "433124": (28.58, 109.48),  # 花垣县
    "433125": (28.70, 109.66),  # 保靖县
    "433126": (28.62, 109.95),  # 古丈县
    "433127": (29.00, 109.85),  # 永顺县
    "433130": (29.46, 109.44),  # 龙山县
}

# Coordinates are kept to 6 decimals (about 10 cm), in the stored GeoJSON and while drawing.
GRID_SIZE = 1e-6
RELAXATION_STEPS = 2
URBAN_KINDS = frozenset({Kind.SUBDISTRICT, Kind.COMMUNITY})
# Packed urban units take about this fraction of the radius their share would give them.
URBAN_RADIUS_FACTOR = 0.5
# The parent of a region's code: 433124110226 → 433124110, 433124110226001 → 433124110226.
PARENT_LENGTH = {6: 4, 9: 6, 12: 9, 15: 12}


@dataclass
class Node:
    """One region as the generator sees it: its code, kind and boundary (None to draw)."""

    code: str
    kind: str
    geometry: dict | None = None


def prefecture_outline() -> Polygon:
    return shapely.set_precision(Polygon(PREFECTURE_OUTLINE), GRID_SIZE)


def to_geojson(shape) -> dict:
    """GeoJSON of a (Multi)Polygon with coordinates rounded to 6 decimals, as lists."""

    def rounded(value):
        if isinstance(value, tuple | list):
            if value and isinstance(value[0], float | int):
                return [round(coordinate, 6) for coordinate in value]
            return [rounded(item) for item in value]
        return value

    data = mapping(shape)
    return {"type": data["type"], "coordinates": rounded(data["coordinates"])}


def inner_point(shape) -> tuple[float, float]:
    """(latitude, longitude) of a point certainly inside the shape, rounded."""
    point = shape.representative_point()
    return round(point.y, 6), round(point.x, 6)


def centre_of(shape) -> Point:
    """The centroid when it lies inside the shape, otherwise a point that does."""
    centroid = shape.centroid
    return centroid if shape.contains(centroid) else shape.representative_point()


def _rng(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng([seed, int(code)])


def _random_points(shape, count: int, rng, centre=None, radius=None) -> np.ndarray:
    """`count` points inside `shape`, uniform over it, or over the disk around `centre`."""
    found = np.empty((0, 2))
    minx, miny, maxx, maxy = shape.bounds
    for _attempt in range(50):
        batch = max(16, count * 4)
        if centre is None:
            xs = rng.uniform(minx, maxx, batch)
            ys = rng.uniform(miny, maxy, batch)
        else:
            angles = rng.uniform(0, 2 * np.pi, batch)
            distances = radius * np.sqrt(rng.uniform(0, 1, batch))
            xs = centre.x + distances * np.cos(angles)
            ys = centre.y + distances * np.sin(angles)
        inside = shapely.contains_xy(shape, xs, ys)
        found = np.vstack([found, np.column_stack([xs[inside], ys[inside]])])
        if len(found) >= count:
            return found[:count]
    if centre is not None:  # a centre in a thin part of the shape: spread out instead
        return _random_points(shape, count, rng)
    raise ValueError("could not place points inside the shape")


def _polygonal(shape):
    """The Polygon or MultiPolygon part of a clipping result, valid and on the grid."""
    shape = shapely.set_precision(shape, GRID_SIZE)
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    if shape.geom_type in ("Polygon", "MultiPolygon"):
        return shape
    parts = [
        part for part in shapely.get_parts(shape) if part.geom_type in ("Polygon", "MultiPolygon")
    ]
    polygons = []
    for part in parts:
        polygons += list(part.geoms) if part.geom_type == "MultiPolygon" else [part]
    if not polygons:
        return Polygon()
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _voronoi_cells(parent, points: np.ndarray) -> list:
    """The Voronoi cell of each point, clipped to the parent, in the order of the points."""
    if len(points) == 1:
        return [parent]
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=parent)
    cells = np.array(shapely.get_parts(diagram))
    # Each generator point lies strictly inside its own cell; match them up.
    point_index, cell_index = shapely.STRtree(cells).query(
        shapely.points(points), predicate="within"
    )
    order = np.empty(len(points), dtype=int)
    order[point_index] = cell_index
    return list(shapely.intersection(cells[order], parent))


def _reading_order(shapes: list) -> list[int]:
    """Indexes of `shapes` from north-west to south-east, row by row (as GB/T 30428 numbers
    grids: west to east, north to south)."""
    if len(shapes) <= 1:
        return list(range(len(shapes)))
    points = [shape.representative_point() for shape in shapes]
    north = max(point.y for point in points)
    south = min(point.y for point in points)
    rows = max(1, round(len(shapes) ** 0.5))
    height = (north - south) / rows or 1.0
    return sorted(
        range(len(shapes)),
        key=lambda i: (min(rows - 1, int((north - points[i].y) / height)), points[i].x),
    )


def split(
    parent,
    kinds: list[str],
    rng: np.random.Generator,
    *,
    anchors: dict[int, tuple[float, float]] | None = None,
    centre: Point | None = None,
) -> list:
    """Cut `parent` into one cell per child; `kinds` are the children's kinds in code order.

    `anchors` pins some children to a (longitude, latitude) (a county to its seat). Urban
    children are packed around `centre` when there are rural ones too; the rest start at
    random points. Both relax towards the centres of their cells (the urban ones within
    their town). Cells come back in the order of `kinds`; within the urban and the rural
    group, in reading order (so the first grid of a village is its north-western one).
    """
    count = len(kinds)
    if count == 1:
        return [parent]
    anchors = anchors or {}
    urban = [i for i, kind in enumerate(kinds) if kind in URBAN_KINDS and i not in anchors]
    rural = [i for i in range(count) if i not in anchors and i not in urban]
    if not rural:  # all urban: spread them out like rural ones
        urban, rural = [], urban
    points = np.zeros((count, 2))
    for index, (lon, lat) in anchors.items():
        points[index] = (lon, lat)
    # Where each free point may move while relaxing: urban ones stay in the town centre.
    areas = {index: parent for index in rural}
    if urban:
        centre = centre or centre_of(parent)
        radius = URBAN_RADIUS_FACTOR * np.sqrt(parent.area / np.pi * len(urban) / count)
        points[urban] = _random_points(parent, len(urban), rng, centre, radius)
        town = centre.buffer(radius).intersection(parent)
        areas |= {index: town for index in urban}
    points[rural] = _random_points(parent, len(rural), rng)
    for _step in range(RELAXATION_STEPS):
        cells = _voronoi_cells(parent, points)
        for index, area in areas.items():
            cell = cells[index] if area is parent else cells[index].intersection(area)
            if not cell.is_empty:
                points[index] = centre_of(cell).coords[0]
    cells = [_polygonal(cell) for cell in _voronoi_cells(parent, points)]
    ordered = [None] * count
    for index in anchors:
        ordered[index] = cells[index]
    for group in (urban, rural):
        group_cells = [cells[i] for i in group]
        for index, position in zip(group, _reading_order(group_cells), strict=True):
            ordered[index] = group_cells[position]
    return ordered


def parent_code(code: str) -> str | None:
    length = PARENT_LENGTH.get(len(code))
    return code[:length] if length else None


def draw_boundaries(
    nodes: Iterable[Node],
    *,
    seed: int,
    root: str = PREFECTURE_CODE,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, object]:
    """Boundaries for every node below (and including) `root` that has none.

    Returns {code: shape} for the nodes that were missing one. A parent is split only when
    at least one child has no boundary; children that already have one keep it.
    `progress(done, total)` is called after each parent.
    """
    nodes = {node.code: node for node in nodes if node.code.startswith(root)}
    children: dict[str, list[Node]] = {}
    for node in nodes.values():
        parent = parent_code(node.code)
        if parent in nodes:
            children.setdefault(parent, []).append(node)
    # Top-down, so that every parent has its boundary before it is split.
    to_split = sorted(
        (code for code, kids in children.items() if any(kid.geometry is None for kid in kids)),
        key=lambda code: (len(code), code),
    )
    shapes: dict[str, object] = {}
    if nodes[root].geometry is None:
        shapes[root] = prefecture_outline()
    drawn = dict(shapes)

    def shape_of(code: str):
        if code not in shapes:
            shapes[code] = shapely.from_geojson(json.dumps(nodes[code].geometry))
        return shapes[code]

    for done, code in enumerate(to_split, start=1):
        kids = sorted(children[code], key=lambda node: node.code)
        anchors, centre = {}, None
        if code == PREFECTURE_CODE:
            anchors = {
                index: COUNTY_SEATS[kid.code][::-1]
                for index, kid in enumerate(kids)
                if kid.code in COUNTY_SEATS
            }
        elif code in COUNTY_SEATS:
            centre = Point(COUNTY_SEATS[code][::-1])
        cells = split(
            shape_of(code),
            [kid.kind for kid in kids],
            _rng(seed, code),
            anchors=anchors,
            centre=centre,
        )
        for kid, cell in zip(kids, cells, strict=True):
            if kid.geometry is None:
                shapes[kid.code] = drawn[kid.code] = cell
        if progress is not None:
            progress(done, len(to_split))
    return drawn
