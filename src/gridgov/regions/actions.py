"""Changes to the division tree: grids and geometry. Each is atomic and audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts import audit
from gridgov.accounts.scope import require_within_scope
from gridgov.regions import geometry
from gridgov.regions.choices import GRID_PARENT_LEVELS, Kind, Level
from gridgov.regions.models import Region
from gridgov.regions.pinyin import pinyin_keys


def _centroid(geojson: dict | None) -> tuple[float | None, float | None]:
    if not geojson:
        return None, None
    shape = geometry.to_shape(geojson)
    point = shape.representative_point()  # always inside, unlike the centroid of an odd shape
    return round(point.y, 6), round(point.x, 6)


def validate_geometry(geojson: dict, *, field: str = "geometry"):
    """A GeoJSON (Multi)Polygon that shapely accepts and that is valid, or ValidationError."""
    try:
        shape = geometry.to_shape(geojson)
    except Exception as error:  # shapely raises many kinds on malformed GeoJSON
        raise ValidationError(
            {field: _("不是有效的 GeoJSON Not valid GeoJSON: %(error)s") % {"error": error}}
        ) from error
    if shape.geom_type not in ("Polygon", "MultiPolygon") or shape.is_empty:
        raise ValidationError(
            {field: _("边界必须是面 The boundary must be a Polygon or MultiPolygon.")}
        )
    if not shape.is_valid:
        raise ValidationError(
            {field: _("边界自相交或不闭合 The boundary crosses itself or is not closed.")}
        )
    return shape


def next_grid_code(village: Region) -> str:
    """The next free three-digit grid number in a village."""
    last = (
        Region.objects.filter(parent=village, level=Level.GRID)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last[-3:]) + 1 if last else 1
    if number > 999:
        raise ValidationError(
            {"code": _("一个村最多 999 个网格 A village can have at most 999 grids.")}
        )
    return f"{village.code}{number:03d}"


@transaction.atomic
def save_grid(
    *,
    actor,
    village: Region,
    name: str,
    code: str | None = None,
    geojson: dict | None = None,
) -> tuple[Region, bool]:
    """Create a grid under a village or community, or update the grid with that code.

    Returns (grid, created). Re-running with the same values changes nothing, so grid
    lists can be imported again and again.
    """
    if village.level not in GRID_PARENT_LEVELS:
        raise ValidationError(
            {"parent": _("网格必须属于村或社区 A grid must belong to a village or community.")}
        )
    code = code or next_grid_code(village)
    if geojson is not None:
        validate_geometry(geojson)
    lat, lon = _centroid(geojson)
    full, initials = pinyin_keys(name)
    values = {
        "name": name,
        "level": Level.GRID,
        "kind": Kind.GRID,
        "parent": village,
        "name_pinyin": full,
        "name_initials": initials,
    }
    if geojson is not None:
        values |= {"geometry": geojson, "centroid_lat": lat, "centroid_lon": lon}
    grid = Region.objects.filter(code=code).first()
    created = grid is None
    before = None if created else audit.snapshot(grid, ["name", "geometry"])
    if created:
        grid = Region(code=code, **values)
    else:
        if grid.parent_id != village.pk:
            raise ValidationError(
                {
                    "code": _(
                        "网格代码 %(code)s 已属于其他村 Grid %(code)s belongs to another village."
                    )
                    % {"code": code}
                }
            )
        if all(getattr(grid, key) == value for key, value in values.items()):
            return grid, False
        for key, value in values.items():
            setattr(grid, key, value)
    grid.full_clean()
    grid.save()
    if actor is not None:
        require_within_scope(actor, "regions.manage", [grid.code])
    audit.record(
        actor=actor,
        action="regions.create_grid" if created else "regions.update_grid",
        instance=grid,
        region_code=grid.code,
        before=before,
        after={"name": grid.name, "has_geometry": grid.geometry is not None},
    )
    if geojson is not None:
        transaction.on_commit(geometry.geometry_changed)
    return grid, created


@transaction.atomic
def set_geometry(*, actor, region: Region, geojson: dict | None) -> Region:
    """Replace a region's boundary (from a GIS file or a drawing)."""
    if geojson is not None:
        validate_geometry(geojson)
    region.geometry = geojson
    region.centroid_lat, region.centroid_lon = _centroid(geojson)
    region.save(update_fields=["geometry", "centroid_lat", "centroid_lon", "updated_at"])
    if actor is not None:
        require_within_scope(actor, "regions.manage", [region.code])
    audit.record(
        actor=actor,
        action="regions.set_geometry",
        instance=region,
        region_code=region.code,
        after={"has_geometry": geojson is not None},
    )
    transaction.on_commit(geometry.geometry_changed)
    return region
