"""Point → region lookup with shapely 2 (design decision 8: no GIS system libraries).

The locator builds an STRtree over the polygons of every grid (and every village or
community, for places whose grids have no geometry yet) once per process, and rebuilds it
when region geometry changes (a version number kept in the cache, so every worker notices).
"""

import threading
from typing import NamedTuple

from django.core.cache import cache
from shapely import STRtree, from_geojson, points
from shapely.geometry import mapping, shape

from gridgov.regions.choices import Level

_VERSION_KEY = "gridgov:regions:geometry-version"
_LOOKUP_LEVELS = (Level.GRID, Level.VILLAGE, Level.COMMUNITY)


def geometry_version() -> int:
    return cache.get_or_set(_VERSION_KEY, 1, timeout=None)


def geometry_changed() -> None:
    """Tell every process that region polygons changed (called by the actions that change them)."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, timeout=None)


def to_shape(geojson: dict):
    return shape(geojson)


def to_geojson(geometry, precision: int = 6) -> dict:
    """GeoJSON of a shapely geometry, coordinates rounded to about 10 cm."""
    import shapely

    return mapping(shapely.set_precision(geometry, 10**-precision))


class Found(NamedTuple):
    """A region the locator found: enough to file something under it without a query."""

    pk: int
    code: str
    level: str


class Locator:
    """An in-memory index of region polygons answering "which grid is this point in?"."""

    def __init__(self, regions: list[tuple[int, str, str, dict]]):
        # Deepest first, so a grid wins over the village that contains it.
        regions = sorted(regions, key=lambda item: -len(item[1]))
        self.found = [Found(pk, code, level) for pk, code, level, _geometry in regions]
        import json

        self.shapes = [from_geojson(json.dumps(geometry)) for *_row, geometry in regions]
        self.tree = STRtree(self.shapes)

    def locate_region(self, lat: float, lon: float) -> Found | None:
        """The deepest region containing the point, or None."""
        point = points(lon, lat)
        candidates = sorted(self.tree.query(point, predicate="intersects"))
        return self.found[candidates[0]] if len(candidates) else None

    def locate(self, lat: float, lon: float) -> str | None:
        """The code of the deepest region containing the point, or None."""
        found = self.locate_region(lat, lon)
        return found.code if found else None


_lock = threading.Lock()
_cached: tuple[int, Locator] | None = None


def locator() -> Locator:
    global _cached
    version = geometry_version()
    if _cached is not None and _cached[0] == version:
        return _cached[1]
    with _lock:
        if _cached is None or _cached[0] != version:
            from gridgov.regions.models import Region

            rows = list(
                Region.objects.filter(level__in=_LOOKUP_LEVELS, geometry__isnull=False)
                .values_list("pk", "code", "level", "geometry")
                .iterator(chunk_size=2000)
            )
            _cached = (version, Locator(rows))
    return _cached[1]


def locate(lat: float, lon: float) -> str | None:
    """The code of the grid (or village) containing the point; None outside every polygon."""
    return locator().locate(lat, lon)


def locate_region(lat: float, lon: float) -> Found | None:
    """The grid (or village) containing the point, as `Found`; None outside every polygon."""
    return locator().locate_region(lat, lon)
