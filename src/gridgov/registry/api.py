"""The register over HTTP. Handlers parse, call an action or a query, and serialise; every
response about people is masked unless the caller holds a live reveal grant, and is sent
with `Cache-Control: no-store`."""

from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from gridgov.accounts.scope import access, has_permission, scope_q
from gridgov.regions.models import Region
from gridgov.registry import actions, privacy, queries
from gridgov.registry.choices import (
    SENSITIVE_TAGS,
    AttentionLevel,
    DisabilityLevel,
    Education,
    Ethnicity,
    HealthInsurance,
    HouseholdType,
    HousingSafety,
    OrganisationKind,
    PlaceKind,
    RelationToHead,
    ResidenceStatus,
    Sex,
    Tag,
)
from gridgov.registry.models import Household, Organisation, Place, PopulationTag, Resident
from gridgov.versions import expected_version, set_etag

households_router = Router(tags=["registry 户"])
residents_router = Router(tags=["registry 人"])
places_router = Router(tags=["registry 地、物"])
organisations_router = Router(tags=["registry 组织"])

GRID_CODE = r"^[0-9]{15}$"
WITHIN = r"^[0-9]{2,15}$"


# --- Schemas ---------------------------------------------------------------------------------


class Page(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class HouseholdIn(Schema):
    uuid: UUID | None = None
    grid: str = Field(..., pattern=GRID_CODE, description="网格代码 15 digits")
    address: str = Field(..., min_length=1, max_length=200)
    house_number: str = Field("", max_length=40)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    household_type: HouseholdType = HouseholdType.REGISTERED
    housing_safety: HousingSafety | None = None
    notes: str = Field("", max_length=2000)


class HouseholdPatch(Schema):
    grid: str | None = Field(None, pattern=GRID_CODE)
    address: str | None = Field(None, min_length=1, max_length=200)
    house_number: str | None = Field(None, max_length=40)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    household_type: HouseholdType | None = None
    housing_safety: HousingSafety | None = None
    head: UUID | None = Field(None, description="UUID of a member")
    notes: str | None = Field(None, max_length=2000)


class HouseholdOut(Schema):
    uuid: UUID
    region_code: str
    address: str
    house_number: str
    latitude: float | None
    longitude: float | None
    household_type: str
    housing_safety: str
    head_uuid: UUID | None = Field(None, alias="head.uuid")
    member_count: int | None = None
    notes: str
    version: int


class TagOut(Schema):
    uuid: str
    tag: str
    label: str
    attention_level: str
    start_date: date
    end_date: date | None
    masked: bool


class ResidentOut(Schema):
    uuid: str
    household_uuid: str | None
    region_code: str
    name: str
    id_number: str
    birth_date: str | None
    age: int | None
    sex: str
    ethnicity: str
    phone: str
    relation_to_head: str
    residence_status: str
    away_since: str | None
    education: str
    health_insurance: str
    disability_level: str
    notes: str
    tags: list[TagOut]
    version: int
    masked: bool
    minor: bool


class HouseholdCardOut(HouseholdOut):
    members: list[ResidentOut] = Field(..., alias="member_views")


class ResidentFields(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    id_number: str | None = Field(None, max_length=24)
    birth_date: date | None = None
    sex: Sex | None = None
    ethnicity: Ethnicity | None = None
    phone: str = Field("", max_length=24)
    relation_to_head: RelationToHead | None = None
    residence_status: ResidenceStatus = ResidenceStatus.LIVING_HERE
    away_since: date | None = None
    education: Education | None = None
    health_insurance: HealthInsurance | None = None
    disability_level: DisabilityLevel | None = None
    notes: str = Field("", max_length=2000)


class ResidentIn(ResidentFields):
    uuid: UUID | None = None
    household: UUID | None = Field(None, description="所在户 UUID")
    grid: str | None = Field(None, pattern=GRID_CODE, description="无户时的网格代码")


class ResidentPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    id_number: str | None = Field(None, max_length=24)
    birth_date: date | None = None
    sex: Sex | None = None
    ethnicity: Ethnicity | None = None
    phone: str | None = Field(None, max_length=24)
    relation_to_head: RelationToHead | None = None
    residence_status: ResidenceStatus | None = None
    away_since: date | None = None
    education: Education | None = None
    health_insurance: HealthInsurance | None = None
    disability_level: DisabilityLevel | None = None
    notes: str | None = Field(None, max_length=2000)


class ResidentFilters(Schema):
    q: str = Field(
        "", max_length=30, description="姓名、拼音或首字母（身份证号和电话请用 POST /search）"
    )
    within: str | None = Field(None, pattern=WITHIN)
    tag: Tag | None = None
    residence_status: ResidenceStatus | None = None


class ResidentSearch(Page):
    text: str = Field(
        "",
        max_length=30,
        description="姓名、拼音、首字母、身份证号（全号或后 6 位）、电话",
    )
    address: str = Field("", max_length=60, description="住址包含 part of the address")
    within: str | None = Field(None, pattern=WITHIN)


class HouseholdFilters(Schema):
    q: str = Field("", max_length=60)
    within: str | None = Field(None, pattern=WITHIN)
    housing_safety: HousingSafety | None = None


class MoveIn(Schema):
    household: UUID
    reason: str = Field("", max_length=200)


class TagIn(Schema):
    uuid: UUID | None = None
    tag: Tag
    attention_level: AttentionLevel = AttentionLevel.GENERAL
    start_date: date
    end_date: date | None = None
    notes: str = Field("", max_length=300)


class TagEndIn(Schema):
    end_date: date


class RevealIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class ResidentPage(Schema):
    items: list[ResidentOut]
    count: int


class PlaceIn(Schema):
    uuid: UUID | None = None
    grid: str = Field(..., pattern=GRID_CODE)
    kind: PlaceKind
    name: str = Field(..., min_length=1, max_length=100)
    address: str = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    keeper_name: str = Field("", max_length=60)
    keeper_phone: str = Field("", max_length=24)
    notes: str = Field("", max_length=2000)


class PlacePatch(Schema):
    grid: str | None = Field(None, pattern=GRID_CODE)
    kind: PlaceKind | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    keeper_name: str | None = Field(None, max_length=60)
    keeper_phone: str | None = Field(None, max_length=24)
    notes: str | None = Field(None, max_length=2000)


class PlaceOut(Schema):
    uuid: UUID
    region_code: str
    kind: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None
    keeper_name: str
    keeper_phone: str
    notes: str
    version: int

    @staticmethod
    def resolve_keeper_phone(place) -> str:
        return privacy.mask_phone(place.keeper_phone)


class OrganisationIn(Schema):
    uuid: UUID | None = None
    grid: str = Field(..., pattern=GRID_CODE)
    kind: OrganisationKind
    name: str = Field(..., min_length=1, max_length=100)
    address: str = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    contact_name: str = Field("", max_length=60)
    contact_phone: str = Field("", max_length=24)
    size: int | None = Field(None, ge=0)
    notes: str = Field("", max_length=2000)


class OrganisationPatch(Schema):
    grid: str | None = Field(None, pattern=GRID_CODE)
    kind: OrganisationKind | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    contact_name: str | None = Field(None, max_length=60)
    contact_phone: str | None = Field(None, max_length=24)
    size: int | None = Field(None, ge=0)
    notes: str | None = Field(None, max_length=2000)


class OrganisationOut(Schema):
    uuid: UUID
    region_code: str
    kind: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None
    contact_name: str
    contact_phone: str
    size: int | None
    notes: str
    version: int

    @staticmethod
    def resolve_contact_phone(organisation) -> str:
        return privacy.mask_phone(organisation.contact_phone)


class RecordFilters(Schema):
    q: str = Field("", max_length=60)
    within: str | None = Field(None, pattern=WITHIN)
    kind: str | None = Field(None, max_length=20)


# --- Helpers ----------------------------------------------------------------------------------


def _grid(request, code: str) -> Region:
    """A grid the caller can see, or 404: the same answer for a grid that does not exist and
    one outside the caller's scope (design decision 2), as for every other object."""
    grid = Region.objects.visible_to(request.user).filter(code=code, level="grid").first()
    if grid is None:
        raise Http404
    return grid


def _grid_change(request, changes: dict) -> None:
    """A PATCH that names a grid moves the record there; `null` is not a grid."""
    if "grid" in changes:
        if not changes["grid"]:
            raise ValidationError({"grid": "网格必填 A record must stay in a grid."})
        changes["grid"] = _grid(request, changes["grid"])


def _present(request, residents) -> list[dict]:
    residents = list(residents)
    clear = privacy.revealed_ids(request.user, residents)
    return [privacy.resident_view(r, revealed=r.pk in clear) for r in residents]


def _only_set(payload: Schema) -> dict:
    return payload.dict(exclude_unset=True)


def _resident(request, resident_uuid: UUID) -> Resident:
    return access(queries.residents_for(request.user), request.user, uuid=resident_uuid)


def _household(request, household_uuid: UUID) -> Household:
    return access(Household.objects.select_related("head"), request.user, uuid=household_uuid)


# --- Households -------------------------------------------------------------------------------


@households_router.get("/", response=list[HouseholdOut], summary="Households in my scope")
def list_households(
    request, response: HttpResponse, filters: Query[HouseholdFilters], page: Query[Page]
):
    households = queries.households_for(request.user).select_related("head")
    if filters.within:
        households = households.within(filters.within)
    if filters.housing_safety:
        households = households.filter(housing_safety=filters.housing_safety)
    households = queries.search_households(households, filters.q)
    response["X-Total-Count"] = str(households.count())
    return list(households[page.offset : page.offset + page.limit])


@households_router.post(
    "/", response={200: HouseholdOut, 201: HouseholdOut}, summary="Register a household"
)
def create_household(request, response: HttpResponse, payload: HouseholdIn):
    fields = payload.dict(exclude={"grid", "uuid"})
    fields["housing_safety"] = fields["housing_safety"] or ""
    household, created = actions.create_household(
        actor=request.user, grid=_grid(request, payload.grid), uuid=payload.uuid, **fields
    )
    set_etag(response, household.version)
    return Status(201 if created else 200, household)


@households_router.get("/{household_uuid}", response=HouseholdCardOut, summary="A household card")
def get_household(request, response: HttpResponse, household_uuid: UUID):
    household = _household(request, household_uuid)
    members = queries.residents_for(request.user).filter(household=household)
    household.member_views = _present(request, members)
    household.member_count = len(household.member_views)
    set_etag(response, household.version)
    return household


@households_router.patch("/{household_uuid}", response=HouseholdOut, summary="Change a household")
def update_household(
    request, response: HttpResponse, household_uuid: UUID, payload: HouseholdPatch
):
    household = _household(request, household_uuid)
    changes = _only_set(payload)
    _grid_change(request, changes)
    if "head" in changes:
        head = household.members.filter(uuid=changes["head"]).first() if changes["head"] else None
        if changes["head"] and head is None:
            raise ValidationError(
                {"head": "户主必须是本户成员 The head must be a member of the household."}
            )
        changes["head"] = head
    if "housing_safety" in changes:
        changes["housing_safety"] = changes["housing_safety"] or ""
    household = actions.update_household(
        actor=request.user,
        household=household,
        changes=changes,
        expected_version=expected_version(request),
    )
    set_etag(response, household.version)
    return household


# --- Residents ------------------------------------------------------------------------------


@residents_router.get("/", response=ResidentPage, summary="Residents in my scope (masked)")
def list_residents(request, filters: Query[ResidentFilters], page: Query[Page]):
    if filters.q and queries.looks_private(filters.q):
        raise HttpError(
            422,
            "身份证号和电话号码不能放在网址里，请用 POST /api/residents/search "
            "ID and phone numbers never go in a URL: use POST /api/residents/search.",
        )
    residents = queries.residents_for(request.user)
    if filters.within:
        residents = residents.within(filters.within)
    if filters.tag:
        if filters.tag in SENSITIVE_TAGS:
            # Who is in a key population is itself masked: listing them by that tag needs
            # the permission to see it in clear, and only where the caller holds it.
            if not has_permission(request.user, "registry.reveal"):
                raise actions.PermissionDenied("registry.reveal")
            residents = residents.filter(
                scope_q(request.user, "registry.reveal", field="region_code")
            )
        current = Q(tags__end_date__isnull=True) | Q(tags__end_date__gte=timezone.localdate())
        # One filter() call: tag and dates must hold for the same tag row.
        residents = residents.filter(current, tags__tag=filters.tag).distinct()
    if filters.residence_status:
        residents = residents.filter(residence_status=filters.residence_status)
    if filters.q:
        residents = queries.search_residents(residents, filters.q)
    return {
        "items": _present(request, residents[page.offset : page.offset + page.limit]),
        "count": residents.count(),
    }


@residents_router.post(
    "/search",
    response=ResidentPage,
    summary="Search by name, pinyin, ID number, phone or address",
)
def search_residents(request, payload: ResidentSearch):
    residents = queries.residents_for(request.user)
    if payload.within:
        residents = residents.within(payload.within)
    if not payload.text.strip() and not payload.address.strip():
        raise ValidationError(
            {"text": "请输入姓名、证件号、电话或地址 Give a name, ID number, phone or address."}
        )
    if payload.text.strip():
        residents = queries.search_residents(residents, payload.text)
    if payload.address.strip():
        residents = queries.search_by_address(residents, payload.address)
    found = residents[payload.offset : payload.offset + payload.limit]
    return {"items": _present(request, found), "count": residents.count()}


@residents_router.post(
    "/", response={200: ResidentOut, 201: ResidentOut}, summary="Register a person"
)
def create_resident(request, response: HttpResponse, payload: ResidentIn):
    fields = {
        key: ("" if value is None else value)
        for key, value in payload.dict(exclude={"uuid", "household", "grid"}).items()
    }
    fields["id_number"] = payload.id_number or None
    fields["birth_date"] = payload.birth_date
    fields["away_since"] = payload.away_since
    household = _household(request, payload.household) if payload.household else None
    grid = _grid(request, payload.grid) if payload.grid and household is None else None
    resident, created = actions.create_resident(
        actor=request.user, household=household, grid=grid, uuid=payload.uuid, **fields
    )
    resident = _resident(request, resident.uuid)
    set_etag(response, resident.version)
    return Status(201 if created else 200, _present(request, [resident])[0])


@residents_router.get(
    "/{resident_uuid}", response=ResidentOut, summary="One person (masked unless revealed)"
)
def get_resident(request, response: HttpResponse, resident_uuid: UUID):
    resident = _resident(request, resident_uuid)
    set_etag(response, resident.version)
    return _present(request, [resident])[0]


@residents_router.patch(
    "/{resident_uuid}", response=ResidentOut, summary="Change a person's record"
)
def update_resident(request, response: HttpResponse, resident_uuid: UUID, payload: ResidentPatch):
    resident = _resident(request, resident_uuid)
    changes = {
        key: (
            "" if value is None and key not in ("id_number", "birth_date", "away_since") else value
        )
        for key, value in _only_set(payload).items()
    }
    resident = actions.update_resident(
        actor=request.user,
        resident=resident,
        changes=changes,
        expected_version=expected_version(request),
    )
    resident = _resident(request, resident.uuid)
    set_etag(response, resident.version)
    return _present(request, [resident])[0]


@residents_router.post(
    "/{resident_uuid}/move", response=ResidentOut, summary="Move to another household"
)
def move_resident(request, resident_uuid: UUID, payload: MoveIn):
    resident = _resident(request, resident_uuid)
    destination = _household(request, payload.household)
    actions.move_resident(
        actor=request.user, resident=resident, to_household=destination, reason=payload.reason
    )
    return _present(request, [_resident(request, resident_uuid)])[0]


@residents_router.post(
    "/{resident_uuid}/tags",
    response={200: ResidentOut, 201: ResidentOut},
    summary="Add a population tag",
)
def add_tag(request, resident_uuid: UUID, payload: TagIn):
    resident = _resident(request, resident_uuid)
    _tag, created = actions.add_tag(
        actor=request.user, resident=resident, uuid=payload.uuid, **payload.dict(exclude={"uuid"})
    )
    return Status(
        201 if created else 200, _present(request, [_resident(request, resident_uuid)])[0]
    )


@residents_router.post(
    "/{resident_uuid}/tags/{tag_uuid}/end", response=ResidentOut, summary="End a population tag"
)
def end_tag(request, resident_uuid: UUID, tag_uuid: UUID, payload: TagEndIn):
    resident = _resident(request, resident_uuid)
    tag = access(PopulationTag.objects.filter(resident=resident), request.user, uuid=tag_uuid)
    actions.end_tag(actor=request.user, tag=tag, end_date=payload.end_date)
    return _present(request, [_resident(request, resident_uuid)])[0]


@residents_router.post(
    "/{resident_uuid}/reveal", response=ResidentOut, summary="See in clear, for a stated reason"
)
def reveal_resident(request, response: HttpResponse, resident_uuid: UUID, payload: RevealIn):
    resident = _resident(request, resident_uuid)
    grant = actions.reveal_resident(actor=request.user, resident=resident, reason=payload.reason)
    response["X-Reveal-Expires"] = grant.expires_at.isoformat()
    return privacy.resident_view(resident, revealed=True)


# --- Places and organisations ---------------------------------------------------------------


def _list_records(request, model, filters: RecordFilters, page: Page):
    records = model.objects.visible_to(request.user)
    if filters.within:
        records = records.within(filters.within)
    if filters.kind:
        records = records.filter(kind=filters.kind)
    if filters.q:
        records = records.filter(name__contains=filters.q.strip())
    return list(records.order_by("region_code", "name")[page.offset : page.offset + page.limit])


@places_router.get("/", response=list[PlaceOut], summary="Places in my scope")
def list_places(request, filters: Query[RecordFilters], page: Query[Page]):
    return _list_records(request, Place, filters, page)


@places_router.post("/", response={200: PlaceOut, 201: PlaceOut}, summary="Register a place")
def create_place(request, response: HttpResponse, payload: PlaceIn):
    place, created = actions.create_place(
        actor=request.user,
        grid=_grid(request, payload.grid),
        uuid=payload.uuid,
        **payload.dict(exclude={"grid", "uuid"}),
    )
    set_etag(response, place.version)
    return Status(201 if created else 200, place)


def _update_record(request, response: HttpResponse, record, payload: Schema):
    """PATCH of a place or an organisation: only the fields sent change; `null` empties a
    text field; the client's If-Match version must still be current."""
    changes = {
        key: ("" if value is None and key not in ("latitude", "longitude", "size") else value)
        for key, value in _only_set(payload).items()
    }
    _grid_change(request, changes)
    record = actions.update_record(
        actor=request.user,
        record=record,
        changes=changes,
        expected_version=expected_version(request),
    )
    set_etag(response, record.version)
    return record


@places_router.get("/{place_uuid}", response=PlaceOut, summary="One place")
def get_place(request, response: HttpResponse, place_uuid: UUID):
    place = access(Place.objects, request.user, uuid=place_uuid)
    set_etag(response, place.version)
    return place


@places_router.patch("/{place_uuid}", response=PlaceOut, summary="Change a place")
def update_place(request, response: HttpResponse, place_uuid: UUID, payload: PlacePatch):
    place = access(Place.objects, request.user, uuid=place_uuid)
    return _update_record(request, response, place, payload)


@organisations_router.get("/", response=list[OrganisationOut], summary="Organisations in my scope")
def list_organisations(request, filters: Query[RecordFilters], page: Query[Page]):
    return _list_records(request, Organisation, filters, page)


@organisations_router.post(
    "/", response={200: OrganisationOut, 201: OrganisationOut}, summary="Register an organisation"
)
def create_organisation(request, response: HttpResponse, payload: OrganisationIn):
    organisation, created = actions.create_organisation(
        actor=request.user,
        grid=_grid(request, payload.grid),
        uuid=payload.uuid,
        **payload.dict(exclude={"grid", "uuid"}),
    )
    set_etag(response, organisation.version)
    return Status(201 if created else 200, organisation)


@organisations_router.get(
    "/{organisation_uuid}", response=OrganisationOut, summary="One organisation"
)
def get_organisation(request, response: HttpResponse, organisation_uuid: UUID):
    organisation = access(Organisation.objects, request.user, uuid=organisation_uuid)
    set_etag(response, organisation.version)
    return organisation


@organisations_router.patch(
    "/{organisation_uuid}", response=OrganisationOut, summary="Change an organisation"
)
def update_organisation(
    request, response: HttpResponse, organisation_uuid: UUID, payload: OrganisationPatch
):
    organisation = access(Organisation.objects, request.user, uuid=organisation_uuid)
    return _update_record(request, response, organisation, payload)
