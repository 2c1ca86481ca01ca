"""Every change to poverty-relapse monitoring data. Each action is atomic, checks the
actor's permission where the household is, re-checks scope after writing, and writes its
audit entry (phones masked). State changes of a monitored household go through
`workflow.transition`; recording income or a checklist runs the risk rules at once."""

import uuid as uuid_module
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.masking import SENSITIVE_FIELDS, mask_phone
from gridgov.accounts.scope import has_permission, require_within_scope
from gridgov.poverty import rules
from gridgov.poverty.choices import (
    OPEN_STATES,
    Category,
    Decision,
    ReviewState,
    RiskType,
)
from gridgov.poverty.models import (
    AssistanceMeasure,
    ChecklistRecord,
    IncomeRecord,
    MeasureFollowUp,
    MonitoredHousehold,
    MonitoringLine,
    RiskReview,
)
from gridgov.poverty.workflow import IllegalTransition, PermissionDenied, record_step
from gridgov.regions.models import Region
from gridgov.registry.actions import VersionConflict
from gridgov.registry.choices import Tag
from gridgov.registry.models import Household, PopulationTag, Resident
from gridgov.registry.validation import normalise_phone

SENSITIVE_FIELDS.setdefault("helper_phone", mask_phone)
SENSITIVE_FIELDS.setdefault("responsible_phone", mask_phone)

ALREADY_MONITORED = "该户已有未结束的监测记录 This household is already being monitored."
FIRST_YEAR = 2000

INCOME_ITEMS = (
    "wages",
    "business",
    "property_income",
    "transfers",
    "production_costs",
    "medical_out_of_pocket",
)
CHECKLIST_FIELDS = tuple(
    name for item in ChecklistRecord.ITEMS for name in (item, f"{item}_evidence")
)


def _require(actor, permission: str, region_code: str) -> None:
    if not has_permission(actor, permission, region_code):
        raise PermissionDenied(permission)


def _snapshot(instance: Model) -> dict:
    return audit.snapshot(
        instance, [f.name for f in instance._meta.concrete_fields if f.name not in ("id",)]
    )


def _check_risk_types(risk_types: list[str], *, required: bool = True) -> list[str]:
    unknown = [code for code in risk_types if code not in RiskType.values]
    if unknown:
        raise ValidationError(
            {"risk_types": f"未知风险类型 Unknown risk types: {', '.join(unknown)}."}
        )
    if required and not risk_types:
        raise ValidationError({"risk_types": "至少选择一种风险类型 Choose at least one risk."})
    return list(dict.fromkeys(risk_types))


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise ValidationError(
            {
                "year": f"年度须在 {FIRST_YEAR} 年至今年之间 The year must be from {FIRST_YEAR} to now."
            }
        )


def open_monitoring(household: Household) -> MonitoredHousehold | None:
    return MonitoredHousehold.objects.filter(household=household, state__in=OPEN_STATES).first()


# --- Finding and helping a household --------------------------------------------------------


@transaction.atomic
def find_household(
    *,
    actor,
    household: Household,
    category: str,
    risk_types: list[str],
    note: str = "",
    helper_name: str = "",
    helper_phone: str = "",
    uuid: uuid_module.UUID | None = None,
) -> tuple[MonitoredHousehold, bool]:
    """A household found at risk (发现): opens its monitoring record in state `found`, for
    the village to review. A retried request with the same UUID returns the first record."""
    _require(actor, "poverty.report", household.region_code)
    if uuid is not None:
        existing = MonitoredHousehold.objects.filter(uuid=uuid).first()
        if existing is not None:
            if existing.household_id != household.pk or not has_permission(
                actor, "poverty.view", existing.region_code
            ):
                raise Http404
            return existing, False
    if category not in Category.values:
        raise ValidationError({"category": "请选择监测类别 Choose a category."})
    monitored = MonitoredHousehold(
        uuid=uuid or uuid_module.uuid4(),
        household=household,
        region_code=household.region_code,
        category=category,
        risk_types=_check_risk_types(risk_types),
        helper_name=helper_name.strip(),
        helper_phone=normalise_phone(helper_phone, field="helper_phone"),
        found_by=actor,
    )
    if open_monitoring(household) is not None:
        raise ValidationError({"household": ALREADY_MONITORED})
    try:
        with transaction.atomic():
            monitored.save()
    except IntegrityError:
        # Two people found the same household at the same moment.
        raise ValidationError({"household": ALREADY_MONITORED}) from None
    require_within_scope(actor, "poverty.report", [monitored.region_code])
    record_step(monitored, "find", actor=actor, from_state="", note=note.strip())
    audit.record(
        actor=actor,
        action="poverty.find",
        instance=monitored,
        region_code=monitored.region_code,
        after=_snapshot(monitored),
        reason=note,
    )
    return monitored, True


@transaction.atomic
def set_helper(
    *,
    actor,
    monitored: MonitoredHousehold,
    helper_name: str,
    helper_phone: str = "",
    expected_version: int | None = None,
) -> MonitoredHousehold:
    """Name the household's responsible helper (帮扶责任人)."""
    if not (
        has_permission(actor, "poverty.report", monitored.region_code)
        or has_permission(actor, "poverty.approve", monitored.region_code)
    ):
        raise PermissionDenied("poverty.report")
    locked = MonitoredHousehold.objects.select_for_update().get(pk=monitored.pk)
    if expected_version is not None and expected_version != locked.version:
        raise VersionConflict(locked.version)
    if locked.state not in OPEN_STATES:
        raise IllegalTransition("set_helper", locked.state, [])
    before = audit.snapshot(locked, ["helper_name", "helper_phone"])
    locked.helper_name = helper_name.strip()
    locked.helper_phone = normalise_phone(helper_phone, field="helper_phone")
    locked.version += 1
    locked.save()
    record_step(
        locked,
        "set_helper",
        actor=actor,
        from_state=locked.state,
        note=f"帮扶责任人 Helper: {locked.helper_name}",
    )
    audit.record(
        actor=actor,
        action="poverty.set_helper",
        instance=locked,
        region_code=locked.region_code,
        before=before,
        after=audit.snapshot(locked, ["helper_name", "helper_phone"]),
    )
    return locked


@transaction.atomic
def add_measure(
    *,
    actor,
    monitored: MonitoredHousehold,
    kind: str,
    description: str,
    responsible_name: str,
    start_date: date,
    responsible_phone: str = "",
    amount: Decimal | None = None,
    end_date: date | None = None,
    uuid: uuid_module.UUID | None = None,
) -> tuple[AssistanceMeasure, bool]:
    """An assistance measure for a household under monitoring (or on its way to it)."""
    _require(actor, "poverty.report", monitored.region_code)
    if uuid is not None:
        existing = AssistanceMeasure.objects.filter(uuid=uuid).first()
        if existing is not None:
            if existing.monitored_id != monitored.pk:
                raise Http404
            return existing, False
    if monitored.state not in OPEN_STATES:
        raise IllegalTransition("add_measure", monitored.state, [])
    measure = AssistanceMeasure(
        uuid=uuid or uuid_module.uuid4(),
        monitored=monitored,
        region_code=monitored.region_code,
        kind=kind,
        description=description.strip(),
        responsible_name=responsible_name.strip(),
        responsible_phone=normalise_phone(responsible_phone, field="responsible_phone"),
        amount=amount,
        start_date=start_date,
        end_date=end_date,
        recorded_by=actor,
    )
    if end_date is not None and end_date < start_date:
        raise ValidationError(
            {"end_date": "结束日期早于开始日期 The end date is before the start date."}
        )
    measure.full_clean(exclude=["monitored", "recorded_by"], validate_unique=False)
    measure.save()
    require_within_scope(actor, "poverty.report", [measure.region_code])
    audit.record(
        actor=actor,
        action="poverty.add_measure",
        instance=measure,
        region_code=measure.region_code,
        after=_snapshot(measure),
    )
    return measure, True


@transaction.atomic
def add_follow_up(
    *,
    actor,
    measure: AssistanceMeasure,
    visited_on: date,
    note: str,
    effective: bool = True,
    uuid: uuid_module.UUID | None = None,
) -> tuple[MeasureFollowUp, bool]:
    """A follow-up visit on an assistance measure."""
    _require(actor, "poverty.report", measure.region_code)
    if uuid is not None:
        existing = MeasureFollowUp.objects.filter(uuid=uuid).first()
        if existing is not None:
            if existing.measure_id != measure.pk:
                raise Http404
            return existing, False
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": "回访日期不能在将来 The visit date is in the future."})
    if visited_on < measure.start_date:
        raise ValidationError(
            {"visited_on": "回访日期早于措施开始 The visit is before the measure started."}
        )
    follow_up = MeasureFollowUp.objects.create(
        uuid=uuid or uuid_module.uuid4(),
        measure=measure,
        region_code=measure.region_code,
        visited_on=visited_on,
        note=note.strip(),
        effective=effective,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="poverty.add_follow_up",
        instance=follow_up,
        region_code=follow_up.region_code,
        after=_snapshot(follow_up),
    )
    return follow_up, True


# --- Income and checklist: one record per household and year, upserted -----------------------


def _upsert(model, *, actor, household: Household, year: int, values: dict, expected_version):
    """Create or change the household's record for `year`. A client that read a version
    sends it (If-Match); a stale one is refused with the current version."""
    _require(actor, "poverty.report", household.region_code)
    _check_year(year)
    record = model.objects.select_for_update().filter(household=household, year=year).first()
    created = record is None
    if created:
        if expected_version not in (None, 0):
            raise VersionConflict(0)
        record = model(household=household, region_code=household.region_code, year=year)
        before = None
    else:
        if expected_version is not None and expected_version != record.version:
            raise VersionConflict(record.version)
        before = _snapshot(record)
        record.version += 1
    for field, value in values.items():
        setattr(record, field, value)
    record.region_code = household.region_code
    record.recorded_by = actor
    record.compute()
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # Someone else created this year's record a moment ago: their version wins.
        raise VersionConflict(model.objects.get(household=household, year=year).version) from None
    require_within_scope(actor, "poverty.report", [record.region_code])
    audit.record(
        actor=actor,
        action=f"poverty.record_{model._meta.model_name.removesuffix('record')}",
        instance=record,
        region_code=record.region_code,
        before=before,
        after=_snapshot(record),
    )
    return record, created


@transaction.atomic
def record_income(
    *,
    actor,
    household: Household,
    year: int,
    member_count: int | None = None,
    notes: str = "",
    expected_version: int | None = None,
    **items: Decimal,
) -> tuple[IncomeRecord, bool, list[RiskReview]]:
    """The household's income for `year` (the items, production costs, out-of-pocket
    medical costs); net and per-capita net income are computed. Runs the risk rules for
    this year (and the next, whose drop depends on this one). Returns the record, whether
    it was created, and the reviews the rules raised."""
    unknown = set(items) - set(INCOME_ITEMS)
    if unknown:
        raise TypeError(f"unknown income items {sorted(unknown)}")
    for name, value in items.items():
        if value is None or Decimal(value) < 0:
            raise ValidationError({name: "不能为负数 Must not be negative."})
    if member_count is None:
        member_count = Resident.objects.filter(household=household).count()
    if member_count < 1:
        raise ValidationError(
            {"member_count": "家庭人口至少 1 人 The household must have at least one member."}
        )
    values = {name: Decimal(items.get(name, 0)) for name in INCOME_ITEMS}
    record, created = _upsert(
        IncomeRecord,
        actor=actor,
        household=household,
        year=year,
        values={**values, "member_count": member_count, "notes": notes.strip()},
        expected_version=expected_version,
    )
    raised = rules.evaluate(household, year)
    if IncomeRecord.objects.filter(household=household, year=year + 1).exists():
        raised += rules.evaluate(household, year + 1)
    return record, created, raised


@transaction.atomic
def record_checklist(
    *,
    actor,
    household: Household,
    year: int,
    expected_version: int | None = None,
    **answers,
) -> tuple[ChecklistRecord, bool, list[RiskReview]]:
    """The two-no-worries-three-guarantees checklist for `year`: each item met or not, with
    its evidence. An item not met must say why (its evidence). Runs the risk rules."""
    unknown = set(answers) - set(CHECKLIST_FIELDS)
    if unknown:
        raise TypeError(f"unknown checklist fields {sorted(unknown)}")
    errors = {}
    for item in ChecklistRecord.ITEMS:
        if answers.get(item) is None:
            errors[item] = "必填 This field is required."
        elif not answers[item] and not (answers.get(f"{item}_evidence") or "").strip():
            errors[f"{item}_evidence"] = "未达标的项目须写明情况 Say what was found."
    if errors:
        raise ValidationError(errors)
    values = {name: answers.get(name, "") for name in CHECKLIST_FIELDS}
    for item in ChecklistRecord.ITEMS:
        values[f"{item}_evidence"] = (values[f"{item}_evidence"] or "").strip()
    record, created = _upsert(
        ChecklistRecord,
        actor=actor,
        household=household,
        year=year,
        values=values,
        expected_version=expected_version,
    )
    return record, created, rules.evaluate(household, year)


# --- Deciding a risk review ---------------------------------------------------------------------


def _default_category(review: RiskReview) -> str:
    from gridgov.poverty.choices import Rule

    if review.rule == Rule.HARDSHIP_EVENT:
        return Category.SUDDEN_HARDSHIP
    exited = PopulationTag.objects.filter(
        resident__household_id=review.household_id, tag=Tag.POVERTY_EXITED
    ).exists()
    return Category.UNSTABLE_EXITED if exited else Category.MARGINAL_AT_RISK


@transaction.atomic
def decide_review(
    *,
    actor,
    review: RiskReview,
    decision: str,
    note: str = "",
    category: str | None = None,
    risk_types: list[str] | None = None,
) -> RiskReview:
    """A person decides a review a rule raised. Confirming opens a monitoring record in state
    `found` (or adds the risk to the household's open one); dismissing needs a note."""
    _require(actor, "poverty.review", review.region_code)
    locked = RiskReview.objects.select_for_update().get(pk=review.pk)
    if locked.state != ReviewState.PENDING:
        raise IllegalTransition(decision, locked.state, [])
    note = (note or "").strip()
    if decision == Decision.DISMISS:
        if not note:
            raise ValidationError({"note": "排除风险须说明理由 Say why the risk is dismissed."})
        locked.state = ReviewState.DISMISSED
    elif decision == Decision.CONFIRM:
        chosen = _check_risk_types(risk_types or [locked.risk_type])
        household = Household.objects.get(pk=locked.household_id)
        monitored = open_monitoring(household)
        step_note = f"{locked.reason}{' — ' + note if note else ''}"
        if monitored is None:
            monitored, _created = find_household(
                actor=actor,
                household=household,
                category=category or _default_category(locked),
                risk_types=chosen,
                note=step_note,
            )
        else:
            monitored = MonitoredHousehold.objects.select_for_update().get(pk=monitored.pk)
            before = audit.snapshot(monitored, ["risk_types"])
            monitored.risk_types = list(dict.fromkeys([*monitored.risk_types, *chosen]))
            monitored.version += 1
            monitored.save()
            record_step(
                monitored, "add_risk", actor=actor, from_state=monitored.state, note=step_note
            )
            audit.record(
                actor=actor,
                action="poverty.add_risk",
                instance=monitored,
                region_code=monitored.region_code,
                before=before,
                after=audit.snapshot(monitored, ["risk_types"]),
            )
        locked.state = ReviewState.CONFIRMED
        locked.monitored = monitored
    else:
        raise ValidationError({"decision": "请选择确认或排除 Choose confirm or dismiss."})
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.note = note
    locked.save()
    audit.record(
        actor=actor,
        action=f"poverty.{decision}_review",
        instance=locked,
        region_code=locked.region_code,
        before={"state": ReviewState.PENDING},
        after={"state": locked.state, "rule": locked.rule, "cause_key": locked.cause_key},
        reason=note,
    )
    return locked


# --- Configuration ------------------------------------------------------------------------------

LINE_LEVELS = ("province", "prefecture", "county")


@transaction.atomic
def set_line(*, actor, region: Region, year: int, amount: Decimal) -> tuple[MonitoringLine, bool]:
    """Set the monitoring line of a province, prefecture or county for a year."""
    _require(actor, "poverty.configure", region.code)
    if region.level not in LINE_LEVELS:
        raise ValidationError(
            {
                "region_code": "监测线按省、市州或县设定 Lines are set for a province, prefecture "
                "or county."
            }
        )
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise ValidationError({"year": "年度无效 Not a valid year."})
    if amount <= 0:
        raise ValidationError({"amount": "必须大于 0 Must be greater than 0."})
    line = (
        MonitoringLine.objects.select_for_update()
        .filter(region_code=region.code, year=year)
        .first()
    )
    before = _snapshot(line) if line else None
    created = line is None
    if created:
        line = MonitoringLine(region_code=region.code, year=year)
    line.amount = amount
    line.set_by = actor
    line.save()
    audit.record(
        actor=actor,
        action="poverty.set_line",
        instance=line,
        region_code=line.region_code,
        before=before,
        after=_snapshot(line),
    )
    return line, created
