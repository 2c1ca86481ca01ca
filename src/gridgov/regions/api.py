"""The division tree over HTTP: browse, search, map, locate, and grid maintenance."""

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from gridgov.accounts.scope import access, has_permission
from gridgov.regions import actions, geometry, queries
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

router = Router(tags=["regions 区划"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None = Field(None, alias="parent.code")
    centroid_lat: float | None
    centroid_lon: float | None
    has_geometry: bool

    @staticmethod
    def resolve_has_geometry(region) -> bool:
        return region.geometry is not None


class RegionChildOut(RegionOut):
    child_count: int


class RegionDetailOut(RegionOut):
    path: list[RegionOut]
    child_count: int


class RegionFilters(Schema):
    q: str = Field("", max_length=50, description="名称、拼音、首字母或代码前缀")
    level: Level | None = None
    within: str | None = Field(None, pattern=r"^[0-9]{2,15}$")


class LocateOut(Schema):
    region: RegionDetailOut | None


class GridIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    code: str | None = Field(None, pattern=r"^[0-9]{15}$")
    geometry: dict | None = None


class GeometryIn(Schema):
    geometry: dict | None


def _visible(request):
    return Region.objects.visible_to(request.user).select_related("parent")


def _detail(request, region: Region) -> dict:
    visible = _visible(request)
    region.path = queries.path_to(region, visible)
    region.child_count = visible.filter(parent=region).count()
    return region


def _require(request, permission: str, region: Region) -> None:
    if not has_permission(request.user, permission, region.code):
        raise HttpError(403, "无权限 You do not have permission to do this here.")


@router.get("/", response=list[RegionOut], summary="List and search regions")
@paginate(LimitOffsetPagination)
def list_regions(request, filters: Query[RegionFilters]):
    regions = _visible(request)
    if filters.within:
        regions = regions.within(filters.within)
    if filters.level:
        regions = regions.filter(level=filters.level)
    return queries.search(regions, filters.q)


@router.get("/locate", response=LocateOut, summary="The grid containing a point")
def locate(
    request,
    lat: float = Query(..., ge=-90, le=90),
    lon: float = Query(..., ge=-180, le=180),
):
    code = geometry.locate(lat, lon)
    region = _visible(request).filter(code=code).first() if code else None
    return {"region": _detail(request, region) if region else None}


@router.get("/{code}", response=RegionDetailOut, summary="One region with its path")
def get_region(request, code: str):
    region = access(Region.objects.select_related("parent"), request.user, code=code)
    return _detail(request, region)


@router.get("/{code}/children", response=list[RegionChildOut], summary="A region's children")
def list_children(request, code: str):
    region = access(Region.objects, request.user, code=code)
    return list(queries.children_of(region, request.user))


@router.get("/{code}/map", summary="GeoJSON of a region's children (or of a grid itself)")
def region_map(request, code: str):
    region = access(Region.objects, request.user, code=code)
    children = list(_visible(request).filter(parent=region))
    collection = queries.map_features(children or [region])
    collection["region"] = {"code": region.code, "name": region.name, "geometry": region.geometry}
    return collection


@router.post(
    "/{code}/grids", response={200: RegionOut, 201: RegionOut}, summary="Create or update a grid"
)
def save_grid(request, code: str, payload: GridIn):
    village = access(Region.objects, request.user, code=code)
    _require(request, "regions.manage", village)
    grid, created = actions.save_grid(
        actor=request.user,
        village=village,
        name=payload.name,
        code=payload.code,
        geojson=payload.geometry,
    )
    return Status(201 if created else 200, grid)


@router.put("/{code}/geometry", response=RegionOut, summary="Replace a region's boundary")
def put_geometry(request, code: str, payload: GeometryIn):
    region = access(Region.objects, request.user, code=code)
    _require(request, "regions.manage", region)
    return actions.set_geometry(actor=request.user, region=region, geojson=payload.geometry)
