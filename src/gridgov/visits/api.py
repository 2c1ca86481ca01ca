"""Visits, the work log and visit plans over HTTP. Handlers parse, call an action or a query,
and serialise; visits are shown as `queries.visit_view` masks them."""

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from gridgov.accounts.scope import access, has_permission
from gridgov.cases.choices import Urgency
from gridgov.regions.models import Region
from gridgov.registry.models import Household, Organisation, Place
from gridgov.visits import actions, queries
from gridgov.visits.choices import VisitKind, WorkLogKind

visits_router = Router(tags=["visits 走访"])

REGION_CODE = r"^[0-9]{2,15}$"
Day = date  # work-log schemas have a field named `date`


# --- Schemas ---------------------------------------------------------------------------------


class Page(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class OpenEventIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    category: str = Field(..., min_length=1, max_length=40, description="事件类别代码")
    urgency: Urgency = Urgency.MEDIUM
    description: str = Field("", max_length=2000)


class VisitIn(Schema):
    uuid: UUID | None = None
    household: UUID | None = Field(None, description="走访户 UUID")
    place: UUID | None = Field(None, description="场所设施 UUID")
    organisation: UUID | None = Field(None, description="组织 UUID")
    visited_at: datetime | None = Field(None, description="默认为现在")
    latitude: float | None = Field(None, ge=-90, le=90, description="走访人位置")
    longitude: float | None = Field(None, ge=-180, le=180)
    kind: VisitKind = VisitKind.ROUTINE
    findings: str = Field("", max_length=4000)
    needs_found: str = Field("", max_length=2000)
    services_delivered: str = Field("", max_length=2000)
    open_event: OpenEventIn | None = Field(None, description="由走访发现直接上报事件")


class VisitOut(Schema):
    uuid: UUID
    target_type: str
    target_uuid: UUID
    target_name: str
    household_uuid: UUID | None
    region_code: str
    visitor: str
    visited_at: datetime
    latitude: float | None
    longitude: float | None
    distance_metres: int | None
    kind: str
    kind_label: str
    findings: str
    needs_found: str
    services_delivered: str
    event_uuid: UUID | None
    event_title: str
    masked: bool


class PhotoOut(Schema):
    uuid: UUID
    visit_uuid: UUID
    name: str
    content_type: str
    size: int | None
    width: int | None
    height: int | None
    created_at: datetime
    file_url: str | None = Field(description="空：重点人员回访的照片不向此用户显示")
    masked: bool


class VisitPage(Schema):
    items: list[VisitOut]
    count: int


class VisitFilters(Schema):
    household: UUID | None = None
    within: str | None = Field(None, pattern=REGION_CODE)
    kind: VisitKind | None = None
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")


class WorkLogIn(Schema):
    uuid: UUID | None = None
    region: str = Field(..., pattern=REGION_CODE, description="网格、村或乡镇代码")
    date: Day | None = None
    kind: WorkLogKind
    title: str = Field(..., min_length=1, max_length=100)
    text: str = Field("", max_length=4000)
    people_reached: int = Field(0, ge=0, le=1_000_000)


class WorkLogOut(Schema):
    uuid: UUID
    region_code: str
    author: str
    date: Day
    kind: str
    title: str
    text: str
    people_reached: int

    @staticmethod
    def resolve_author(entry) -> str:
        return entry.author.get_full_name() or entry.author.get_username()


class WorkLogPage(Schema):
    items: list[WorkLogOut]
    count: int


class WorkLogFilters(Schema):
    within: str | None = Field(None, pattern=REGION_CODE)
    kind: WorkLogKind | None = None


class PlanOut(Schema):
    household_uuid: UUID
    address: str
    region_code: str
    grid_name: str
    interval_days: int
    why: str
    why_label: str
    last_visit_at: datetime | None
    next_due: date
    overdue: bool
    days_overdue: int


class PlanPage(Schema):
    items: list[PlanOut]
    count: int


class OverdueFilters(Schema):
    within: str | None = Field(None, pattern=REGION_CODE)


class CoverageFilters(Schema):
    within: str = Field(..., pattern=REGION_CODE)


class CoverageOut(Schema):
    region_code: str
    grid_name: str
    households: int
    covered: int
    overdue: int
    share: float


# --- Helpers ----------------------------------------------------------------------------------


def _region(request, code: str) -> Region:
    """A region the caller can see, or 404 (the same answer as for one that does not exist)."""
    region = Region.objects.visible_to(request.user).filter(code=code).first()
    if region is None:
        raise Http404
    return region


def _present(request, visits) -> list[dict]:
    return queries.present_visits(request.user, visits)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- Visits -----------------------------------------------------------------------------------


@visits_router.post("/", response={200: VisitOut, 201: VisitOut}, summary="Record a visit")
def record_visit(request, payload: VisitIn):
    targets = {
        "household": (Household, payload.household),
        "place": (Place, payload.place),
        "organisation": (Organisation, payload.organisation),
    }
    found = {
        name: access(model.objects.select_related("grid"), request.user, uuid=value)
        for name, (model, value) in targets.items()
        if value is not None
    }
    visit, created = actions.record_visit(
        actor=request.user,
        uuid=payload.uuid,
        visited_at=payload.visited_at,
        latitude=payload.latitude,
        longitude=payload.longitude,
        kind=payload.kind,
        findings=payload.findings,
        needs_found=payload.needs_found,
        services_delivered=payload.services_delivered,
        open_event=payload.open_event.dict() if payload.open_event else None,
        **found,
    )
    visit = access(queries.visits_for(request.user), request.user, pk=visit.pk)
    return Status(201 if created else 200, _present(request, [visit])[0])


@visits_router.get("/", response=VisitPage, summary="Visits in my scope")
def list_visits(request, filters: Query[VisitFilters], page: Query[Page]):
    visits = queries.visits_for(request.user)
    if filters.household:
        visits = visits.filter(household__uuid=filters.household)
    if filters.within:
        visits = visits.within(filters.within)
    if filters.kind:
        visits = visits.filter(kind=filters.kind)
    if filters.date_from:
        visits = visits.filter(visited_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        visits = visits.filter(visited_at__lt=_day_start(filters.date_to) + timedelta(days=1))
    return {
        "items": _present(request, visits[page.offset : page.offset + page.limit]),
        "count": visits.count(),
    }


@visits_router.get("/worklog", response=WorkLogPage, summary="Work-log entries in my scope")
def list_worklog(request, filters: Query[WorkLogFilters], page: Query[Page]):
    entries = queries.worklog_for(request.user)
    if filters.within:
        entries = entries.within(filters.within)
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    return {
        "items": list(entries[page.offset : page.offset + page.limit]),
        "count": entries.count(),
    }


@visits_router.post(
    "/worklog", response={200: WorkLogOut, 201: WorkLogOut}, summary="Write a work-log entry"
)
def record_worklog(request, payload: WorkLogIn):
    entry, created = actions.record_worklog_entry(
        actor=request.user,
        region=_region(request, payload.region),
        uuid=payload.uuid,
        **payload.dict(exclude={"uuid", "region"}),
    )
    return Status(201 if created else 200, entry)


@visits_router.get("/overdue", response=PlanPage, summary="Households overdue for a visit")
def list_overdue(request, filters: Query[OverdueFilters], page: Query[Page]):
    plans = queries.overdue_plans(request.user, within=filters.within or "")
    rows = queries.overdue_rows(request.user, plans[page.offset : page.offset + page.limit])
    return {"items": rows, "count": plans.count()}


@visits_router.get(
    "/coverage", response=list[CoverageOut], summary="Share of households visited, per grid"
)
def get_coverage(request, filters: Query[CoverageFilters]):
    region = _region(request, filters.within)
    if not has_permission(request.user, "visits.view"):
        raise HttpError(403, "无权限 You do not have permission to do this here.")
    return queries.coverage(request.user, region.code)


@visits_router.post(
    "/{visit_uuid}/photos",
    response={200: PhotoOut, 201: PhotoOut},
    summary="Add a photo to a visit",
)
def add_photo(request, visit_uuid: UUID, file: File[UploadedFile], uuid: Form[UUID | None] = None):
    visit = access(queries.visits_for(request.user), request.user, uuid=visit_uuid)
    photo, created = actions.attach_photo(actor=request.user, visit=visit, upload=file, uuid=uuid)
    photo.visit = visit
    view = queries.photo_view(photo, clear=queries.sees_clear(request.user, visit))
    return Status(201 if created else 200, view)


@visits_router.get("/{visit_uuid}/photos", response=list[PhotoOut], summary="A visit's photos")
def list_photos(request, visit_uuid: UUID):
    visit = access(queries.visits_for(request.user), request.user, uuid=visit_uuid)
    return queries.photos_of(request.user, visit)


@visits_router.get("/photos/{photo_uuid}/file", summary="A visit photo's picture")
def photo_file(request, photo_uuid: UUID) -> HttpResponse:
    photo = queries.photo_for_file(request.user, photo_uuid)
    response = FileResponse(
        photo.file.open("rb"),
        as_attachment=False,
        filename=photo.original_name,
        content_type=photo.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@visits_router.get("/{visit_uuid}", response=VisitOut, summary="One visit")
def get_visit(request, response: HttpResponse, visit_uuid: UUID):
    visit = access(queries.visits_for(request.user), request.user, uuid=visit_uuid)
    return _present(request, [visit])[0]
