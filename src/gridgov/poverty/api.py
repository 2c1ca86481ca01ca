"""Poverty-relapse monitoring over HTTP. Handlers parse, call an action or a query, and
serialise; people are named only through registry.privacy masking, phones are masked."""

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from gridgov.accounts.masking import mask_phone
from gridgov.accounts.scope import access
from gridgov.poverty import actions, queries, workflow
from gridgov.poverty.choices import (
    Category,
    ClearedHow,
    Decision,
    MeasureKind,
    ReviewState,
    RiskType,
    Rule,
    State,
)
from gridgov.poverty.models import (
    AssistanceMeasure,
    MonitoredHousehold,
    MonitoringLine,
    RiskReview,
)
from gridgov.regions.models import Region
from gridgov.registry.models import Household
from gridgov.versions import expected_version, set_etag

poverty_router = Router(tags=["poverty 防返贫监测"])

WITHIN = r"^[0-9]{2,15}$"
MONEY = {"ge": 0, "max_digits": 12, "decimal_places": 2}


# --- Schemas ---------------------------------------------------------------------------------


class Page(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class MonitoredFilters(Schema):
    category: Category | None = None
    risk: RiskType | None = None
    state: State | None = None
    within: str | None = Field(None, pattern=WITHIN)


class FindIn(Schema):
    uuid: UUID | None = None
    household: UUID = Field(..., description="户 UUID")
    category: Category
    risk_types: list[RiskType] = Field(..., min_length=1)
    note: str = Field("", max_length=2000)
    helper_name: str = Field("", max_length=60)
    helper_phone: str = Field("", max_length=24)


class ActionIn(Schema):
    action: str = Field(..., description=" / ".join(workflow.ACTIONS))
    note: str = Field("", max_length=2000)
    cleared_how: ClearedHow | None = None


class HelperIn(Schema):
    helper_name: str = Field(..., min_length=1, max_length=60)
    helper_phone: str = Field("", max_length=24)


class StepOut(Schema):
    action: str
    actor_label: str
    from_state: str
    to_state: str
    note: str
    created_at: datetime


class FollowUpIn(Schema):
    uuid: UUID | None = None
    visited_on: date
    note: str = Field(..., min_length=1, max_length=500)
    effective: bool = True


class FollowUpOut(Schema):
    uuid: UUID
    visited_on: date
    note: str
    effective: bool


class MeasureIn(Schema):
    uuid: UUID | None = None
    kind: MeasureKind
    description: str = Field(..., min_length=1, max_length=300)
    responsible_name: str = Field(..., min_length=1, max_length=60)
    responsible_phone: str = Field("", max_length=24)
    amount: Decimal | None = Field(None, **MONEY)
    start_date: date
    end_date: date | None = None


class MeasureOut(Schema):
    uuid: UUID
    kind: str
    description: str
    responsible_name: str
    responsible_phone: str
    amount: Decimal | None
    start_date: date
    end_date: date | None
    follow_ups: list[FollowUpOut]

    @staticmethod
    def resolve_responsible_phone(measure) -> str:
        return mask_phone(measure.responsible_phone)

    @staticmethod
    def resolve_follow_ups(measure) -> list:
        return list(measure.follow_ups.all())


class ReviewOut(Schema):
    uuid: UUID
    household_uuid: UUID = Field(..., alias="household.uuid")
    household_address: str
    region_code: str
    rule: str
    reason: str
    risk_type: str
    year: int | None
    state: str
    note: str
    decided_at: datetime | None
    decided_by: str
    monitored_uuid: UUID | None
    created_at: datetime

    @staticmethod
    def resolve_household_address(review) -> str:
        return str(review.household)

    @staticmethod
    def resolve_decided_by(review) -> str:
        return str(review.decided_by) if review.decided_by_id else ""

    @staticmethod
    def resolve_monitored_uuid(review):
        return review.monitored.uuid if review.monitored_id else None


class ReviewPage(Schema):
    items: list[ReviewOut]
    count: int


class ReviewFilters(Schema):
    state: ReviewState | None = ReviewState.PENDING
    rule: Rule | None = None
    within: str | None = Field(None, pattern=WITHIN)


class DecisionIn(Schema):
    decision: Decision
    note: str = Field("", max_length=500)
    category: Category | None = None
    risk_types: list[RiskType] | None = None


class MonitoredOut(Schema):
    uuid: UUID
    household_uuid: UUID = Field(..., alias="household.uuid")
    household_address: str
    head_name: str
    region_code: str
    category: str
    risk_types: list[str]
    state: str
    cleared_how: str
    helper_name: str
    helper_phone: str
    monitoring_since: date | None
    cleared_on: date | None
    closed_on: date | None
    version: int
    created_at: datetime

    @staticmethod
    def resolve_household_address(monitored) -> str:
        return str(monitored.household)

    @staticmethod
    def resolve_head_name(monitored) -> str:
        return queries.head_name(monitored.household)

    @staticmethod
    def resolve_helper_phone(monitored) -> str:
        return mask_phone(monitored.helper_phone)


class MonitoredDetail(MonitoredOut):
    allowed_actions: list[str]
    steps: list[StepOut] = Field(..., alias="timeline")
    measures: list[MeasureOut] = Field(..., alias="measure_list")
    pending_reviews: list[ReviewOut]


class MonitoredPage(Schema):
    items: list[MonitoredOut]
    count: int


class IncomeIn(Schema):
    wages: Decimal = Field(Decimal("0"), **MONEY)
    business: Decimal = Field(Decimal("0"), **MONEY)
    property_income: Decimal = Field(Decimal("0"), **MONEY)
    transfers: Decimal = Field(Decimal("0"), **MONEY)
    production_costs: Decimal = Field(Decimal("0"), **MONEY)
    medical_out_of_pocket: Decimal = Field(Decimal("0"), **MONEY)
    member_count: int | None = Field(None, ge=1, le=99, description="默认为登记的成员数")
    notes: str = Field("", max_length=300)


class IncomeOut(Schema):
    year: int
    wages: Decimal
    business: Decimal
    property_income: Decimal
    transfers: Decimal
    production_costs: Decimal
    medical_out_of_pocket: Decimal
    member_count: int
    net_income: Decimal
    per_capita_net: Decimal
    notes: str
    version: int


class ChecklistIn(Schema):
    food: bool
    food_evidence: str = Field("", max_length=300)
    clothing: bool
    clothing_evidence: str = Field("", max_length=300)
    school: bool
    school_evidence: str = Field("", max_length=300)
    medical: bool
    medical_evidence: str = Field("", max_length=300)
    housing: bool
    housing_evidence: str = Field("", max_length=300)
    water: bool
    water_evidence: str = Field("", max_length=300)


class ChecklistOut(ChecklistIn):
    year: int
    failures: list[str]
    version: int


class IncomeSaved(IncomeOut):
    reviews_raised: list[ReviewOut]


class ChecklistSaved(ChecklistOut):
    reviews_raised: list[ReviewOut]


class HouseholdPovertyOut(Schema):
    household_uuid: UUID
    monitoring: MonitoredOut | None
    income: list[IncomeOut]
    checklists: list[ChecklistOut]
    pending_reviews: list[ReviewOut]


class LineIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=10, decimal_places=2)


class LineOut(Schema):
    region_code: str
    year: int
    amount: Decimal


class LineFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


# --- Helpers ---------------------------------------------------------------------------------


@contextmanager
def _conflicts():
    """A step that is not possible in the current state is a 409 that says what is."""
    try:
        yield
    except workflow.IllegalTransition as error:
        raise HttpError(409, str(error)) from error


def _household(request, household_uuid: UUID) -> Household:
    return access(
        Household.objects.select_related("head"),
        request.user,
        permission="poverty.view",
        uuid=household_uuid,
    )


def _monitored(request, monitored_uuid: UUID) -> MonitoredHousehold:
    return access(
        MonitoredHousehold.objects.select_related("household__head"),
        request.user,
        uuid=monitored_uuid,
    )


def _detail(request, monitored: MonitoredHousehold) -> MonitoredHousehold:
    queries.monitored_detail(request.user, monitored)
    monitored.allowed_actions = workflow.allowed_actions(monitored, request.user)
    return monitored


# --- Monitored households --------------------------------------------------------------------


@poverty_router.get("/monitored", response=MonitoredPage, summary="Monitored households")
def list_monitored(request, filters: Query[MonitoredFilters], page: Query[Page]):
    rows = queries.monitored_for(
        request.user,
        category=filters.category or "",
        risk=filters.risk or "",
        state=filters.state or "",
        within=filters.within or "",
    )
    return {"items": list(rows[page.offset : page.offset + page.limit]), "count": rows.count()}


@poverty_router.post(
    "/monitored",
    response={200: MonitoredDetail, 201: MonitoredDetail},
    summary="Find a household at risk (发现)",
)
def find_household(request, response: HttpResponse, payload: FindIn):
    household = _household(request, payload.household)
    monitored, created = actions.find_household(
        actor=request.user,
        household=household,
        category=payload.category,
        risk_types=list(payload.risk_types),
        note=payload.note,
        helper_name=payload.helper_name,
        helper_phone=payload.helper_phone,
        uuid=payload.uuid,
    )
    set_etag(response, monitored.version)
    return Status(201 if created else 200, _detail(request, _monitored(request, monitored.uuid)))


@poverty_router.get(
    "/monitored/{monitored_uuid}", response=MonitoredDetail, summary="A monitored household"
)
def get_monitored(request, response: HttpResponse, monitored_uuid: UUID):
    monitored = _monitored(request, monitored_uuid)
    set_etag(response, monitored.version)
    return _detail(request, monitored)


@poverty_router.post(
    "/monitored/{monitored_uuid}/actions",
    response=MonitoredDetail,
    summary="Take a workflow step (review, approve, clear, close …)",
)
def take_action(request, response: HttpResponse, monitored_uuid: UUID, payload: ActionIn):
    monitored = _monitored(request, monitored_uuid)
    with _conflicts():
        workflow.transition(
            monitored,
            payload.action,
            actor=request.user,
            note=payload.note,
            cleared_how=payload.cleared_how or "",
            expected_version=expected_version(request),
        )
    set_etag(response, monitored.version)
    return _detail(request, monitored)


@poverty_router.put(
    "/monitored/{monitored_uuid}/helper",
    response=MonitoredDetail,
    summary="Name the responsible helper (帮扶责任人)",
)
def set_helper(request, response: HttpResponse, monitored_uuid: UUID, payload: HelperIn):
    monitored = _monitored(request, monitored_uuid)
    with _conflicts():
        actions.set_helper(
            actor=request.user,
            monitored=monitored,
            helper_name=payload.helper_name,
            helper_phone=payload.helper_phone,
            expected_version=expected_version(request),
        )
    monitored = _monitored(request, monitored_uuid)
    set_etag(response, monitored.version)
    return _detail(request, monitored)


@poverty_router.post(
    "/monitored/{monitored_uuid}/measures",
    response={200: MeasureOut, 201: MeasureOut},
    summary="Add an assistance measure",
)
def add_measure(request, monitored_uuid: UUID, payload: MeasureIn):
    monitored = _monitored(request, monitored_uuid)
    with _conflicts():
        measure, created = actions.add_measure(
            actor=request.user, monitored=monitored, **payload.dict()
        )
    return Status(201 if created else 200, measure)


@poverty_router.post(
    "/measures/{measure_uuid}/follow-ups",
    response={200: FollowUpOut, 201: FollowUpOut},
    summary="Record a follow-up visit on a measure",
)
def add_follow_up(request, measure_uuid: UUID, payload: FollowUpIn):
    measure = access(AssistanceMeasure.objects, request.user, uuid=measure_uuid)
    follow_up, created = actions.add_follow_up(
        actor=request.user, measure=measure, **payload.dict()
    )
    return Status(201 if created else 200, follow_up)


# --- A household's monitoring data: income and checklist per year ---------------------------


@poverty_router.get(
    "/households/{household_uuid}",
    response=HouseholdPovertyOut,
    summary="A household's monitoring status, income history and checklists",
)
def household_poverty(request, household_uuid: UUID):
    household = _household(request, household_uuid)
    data = queries.household_poverty(request.user, household)
    return {
        "household_uuid": household.uuid,
        "monitoring": data["monitoring"],
        "income": data["income"],
        "checklists": data["checklists"],
        "pending_reviews": data["reviews"],
    }


@poverty_router.put(
    "/households/{household_uuid}/income/{year}",
    response={200: IncomeSaved, 201: IncomeSaved},
    summary="Record a year's income (If-Match: the version read; 0 or none for a new year)",
)
def put_income(request, response: HttpResponse, household_uuid: UUID, year: int, payload: IncomeIn):
    household = _household(request, household_uuid)
    fields = payload.dict()
    record, created, raised = actions.record_income(
        actor=request.user,
        household=household,
        year=year,
        expected_version=expected_version(request),
        **fields,
    )
    record.reviews_raised = raised
    set_etag(response, record.version)
    return Status(201 if created else 200, record)


@poverty_router.put(
    "/households/{household_uuid}/checklist/{year}",
    response={200: ChecklistSaved, 201: ChecklistSaved},
    summary="Record a year's two-no-worries-three-guarantees checklist",
)
def put_checklist(
    request, response: HttpResponse, household_uuid: UUID, year: int, payload: ChecklistIn
):
    household = _household(request, household_uuid)
    record, created, raised = actions.record_checklist(
        actor=request.user,
        household=household,
        year=year,
        expected_version=expected_version(request),
        **payload.dict(),
    )
    record.reviews_raised = raised
    set_etag(response, record.version)
    return Status(201 if created else 200, record)


# --- Risk reviews ----------------------------------------------------------------------------


@poverty_router.get("/reviews", response=ReviewPage, summary="Risk reviews (pending by default)")
def list_reviews(request, filters: Query[ReviewFilters], page: Query[Page]):
    rows = queries.reviews_for(
        request.user,
        state=filters.state or "",
        within=filters.within or "",
        rule=filters.rule or "",
    )
    return {"items": list(rows[page.offset : page.offset + page.limit]), "count": rows.count()}


@poverty_router.post(
    "/reviews/{review_uuid}/decision", response=ReviewOut, summary="Confirm or dismiss a risk"
)
def decide_review(request, review_uuid: UUID, payload: DecisionIn):
    review = access(RiskReview.objects, request.user, uuid=review_uuid)
    with _conflicts():
        review = actions.decide_review(
            actor=request.user,
            review=review,
            decision=payload.decision,
            note=payload.note,
            category=payload.category,
            risk_types=list(payload.risk_types) if payload.risk_types else None,
        )
    return RiskReview.objects.select_related("household", "decided_by", "monitored").get(
        pk=review.pk
    )


# --- Monitoring lines (configuration) --------------------------------------------------------


@poverty_router.get("/lines", response=list[LineOut], summary="Monitoring lines that apply to me")
def list_lines(request, filters: Query[LineFilters]):
    lines = MonitoringLine.objects.visible_to(request.user)
    if filters.year:
        lines = lines.filter(year=filters.year)
    return list(lines)


@poverty_router.put(
    "/lines/{region_code}/{year}",
    response={200: LineOut, 201: LineOut},
    summary="Set a monitoring line (yuan per person per year)",
)
def put_line(request, region_code: str, year: int, payload: LineIn):
    region = access(Region.objects, request.user, permission="poverty.view", code=region_code)
    line, created = actions.set_line(
        actor=request.user, region=region, year=year, amount=payload.amount
    )
    return Status(201 if created else 200, line)
