"""The risk rules (风险预警规则): they read a household's data and raise a `RiskReview`, with
the reason in Chinese and English, for a person to decide. Nothing is flagged silently (each
review is in the worklist and the audit log) and nothing is cleared automatically.

Each finding has a cause key; (household, rule, cause key) is unique in the database, so
running the rules again, from an action, the nightly job or `gridgov poverty evaluate`,
never raises the same review twice:

| rule                | cause key                      | checks                                   |
|---------------------|--------------------------------|------------------------------------------|
| income_below_line   | year                           | per-capita net income < monitoring line  |
| income_drop         | year                           | fell more than drop_percent since last year |
| medical_costs       | year                           | out-of-pocket medical > share of net income |
| child_out_of_school | resident:year, checklist:year  | a member aged 6–15 never at school (未上学), or the checklist's school item |
| unsafe_house        | housing:rating, checklist:year | house rated C/D, or the checklist's housing item |
| checklist           | checklist:year:item            | food, clothing, insurance or water not met |
| hardship_event      | event:uuid                     | an event of a watched category linked to the household |
| new_disability      | disability:resident:level      | a member with a disability level recorded |

Thresholds, lines and watched categories are configuration (MonitoringLine, RiskSettings).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.poverty.choices import OPEN_STATES, ChecklistItem, RiskType, Rule
from gridgov.poverty.models import (
    ChecklistRecord,
    IncomeRecord,
    MonitoredHousehold,
    MonitoringLine,
    RiskReview,
    RiskSettings,
)
from gridgov.regions.codes import within_q
from gridgov.registry.choices import Education, HousingSafety, Tag
from gridgov.registry.models import Household, PopulationTag
from gridgov.registry.privacy import age_on, mask_name

SCHOOL_AGES = range(6, 16)  # 6 to 15 inclusive: compulsory education
UNSAFE_RATINGS = (HousingSafety.C, HousingSafety.D)

# Which risk type a confirmed event of a watched category suggests.
EVENT_RISK_TYPES = {
    "natural_disaster": RiskType.NATURAL_DISASTER,
    "geological_hazard": RiskType.NATURAL_DISASTER,
    "accident": RiskType.ACCIDENT,
    "public_health": RiskType.ILLNESS,
    "illness": RiskType.ILLNESS,
    "business_failure": RiskType.BUSINESS_FAILURE,
}
CHECKLIST_RISK_TYPES = {
    ChecklistItem.FOOD: RiskType.OTHER,
    ChecklistItem.CLOTHING: RiskType.OTHER,
    ChecklistItem.SCHOOL: RiskType.EDUCATION_COSTS,
    ChecklistItem.MEDICAL: RiskType.ILLNESS,
    ChecklistItem.HOUSING: RiskType.OTHER,
    ChecklistItem.WATER: RiskType.OTHER,
}


@dataclass(frozen=True)
class Finding:
    rule: str
    cause_key: str
    reason: str
    risk_type: str
    year: int | None = None


def _prefixes(region_code: str) -> list[str]:
    """The province, prefecture and county codes above a grid code, deepest first."""
    return [region_code[:length] for length in (6, 4, 2) if len(region_code) >= length]


def settings_for(region_code: str) -> RiskSettings:
    """The deepest settings row above the region; the defaults when there is none."""
    rows = {
        row.region_code: row
        for row in RiskSettings.objects.filter(region_code__in=_prefixes(region_code))
    }
    for code in _prefixes(region_code):
        if code in rows:
            return rows[code]
    return RiskSettings(region_code="")


def line_for(region_code: str, year: int) -> MonitoringLine | None:
    """The monitoring line of the deepest region above the household for `year`."""
    rows = {
        line.region_code: line
        for line in MonitoringLine.objects.filter(region_code__in=_prefixes(region_code), year=year)
    }
    return next((rows[code] for code in _prefixes(region_code) if code in rows), None)


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _income_findings(household: Household, year: int, config: RiskSettings) -> list[Finding]:
    records = {
        record.year: record
        for record in IncomeRecord.objects.filter(household=household, year__in=[year - 1, year])
    }
    income = records.get(year)
    if income is None:
        return []
    found = []
    line = line_for(household.region_code, year)
    if line is not None and income.per_capita_net < line.amount:
        found.append(
            Finding(
                Rule.INCOME_BELOW_LINE,
                str(year),
                f"{year}年人均纯收入 {_yuan(income.per_capita_net)} 元，低于监测线 "
                f"{_yuan(line.amount)} 元 Per-capita net income in {year} is "
                f"{_yuan(income.per_capita_net)} yuan, below the monitoring line of "
                f"{_yuan(line.amount)} yuan.",
                RiskType.OTHER,
                year,
            )
        )
    previous = records.get(year - 1)
    if previous is not None and previous.per_capita_net > 0:
        drop = (previous.per_capita_net - income.per_capita_net) * 100 / previous.per_capita_net
        if drop > config.drop_percent:
            found.append(
                Finding(
                    Rule.INCOME_DROP,
                    str(year),
                    f"{year}年人均纯收入比上年下降 {drop:.1f}%（{_yuan(previous.per_capita_net)} → "
                    f"{_yuan(income.per_capita_net)} 元），超过 {config.drop_percent}% "
                    f"Per-capita net income fell {drop:.1f}% from {year - 1} to {year}, more "
                    f"than {config.drop_percent}%.",
                    RiskType.OTHER,
                    year,
                )
            )
    medical = income.medical_out_of_pocket
    if medical > 0 and (
        income.net_income <= 0 or medical * 100 > income.net_income * config.medical_share_percent
    ):
        found.append(
            Finding(
                Rule.MEDICAL_COSTS,
                str(year),
                f"{year}年医疗自付费用 {_yuan(medical)} 元，超过家庭纯收入 "
                f"{_yuan(income.net_income)} 元的 {config.medical_share_percent}% "
                f"Out-of-pocket medical costs of {_yuan(medical)} yuan in {year} exceed "
                f"{config.medical_share_percent}% of the net income ({_yuan(income.net_income)} "
                "yuan).",
                RiskType.ILLNESS,
                year,
            )
        )
    return found


def _checklist_findings(household: Household, year: int) -> list[Finding]:
    checklist = ChecklistRecord.objects.filter(household=household, year=year).first()
    if checklist is None:
        return []
    labels = dict(ChecklistItem.choices)
    found = []
    for item in checklist.failures:
        rule = {
            ChecklistItem.SCHOOL: Rule.CHILD_OUT_OF_SCHOOL,
            ChecklistItem.HOUSING: Rule.UNSAFE_HOUSE,
        }.get(item, Rule.CHECKLIST)
        key = f"checklist:{year}" if rule != Rule.CHECKLIST else f"checklist:{year}:{item}"
        found.append(
            Finding(
                rule,
                key,
                f"{year}年两不愁三保障核查未达标：{labels[item]} "
                f"The {year} checklist item is not met: {labels[item]}.",
                CHECKLIST_RISK_TYPES[item],
                year,
            )
        )
    return found


def _member_findings(household: Household, today: date) -> list[Finding]:
    found = []
    for member in household.members.all():
        age = age_on(member.birth_date, today)
        if age in SCHOOL_AGES and member.education == Education.NONE:
            # No name: the child's data is masked everywhere (registry.privacy).
            found.append(
                Finding(
                    Rule.CHILD_OUT_OF_SCHOOL,
                    f"resident:{member.uuid}:{today.year}",
                    "户内有 6–15 岁适龄儿童登记为未上学 A child aged 6–15 in the household "
                    "is recorded as not in school.",
                    RiskType.EDUCATION_COSTS,
                    today.year,
                )
            )
        if member.disability_level:
            who = (
                "一名未成年成员 a child" if age is not None and age < 18 else mask_name(member.name)
            )
            found.append(
                Finding(
                    Rule.NEW_DISABILITY,
                    f"disability:{member.uuid}:{member.disability_level}",
                    f"成员 {who} 登记为{member.disability_level}级残疾 A member ({who}) is "
                    f"recorded with a level {member.disability_level} disability.",
                    RiskType.DISABILITY,
                )
            )
    return found


def _house_findings(household: Household) -> list[Finding]:
    if household.housing_safety not in UNSAFE_RATINGS:
        return []
    rating = household.housing_safety
    return [
        Finding(
            Rule.UNSAFE_HOUSE,
            f"housing:{rating}",
            f"住房安全等级为 {rating} 级 The house is rated {rating} (not safe).",
            RiskType.OTHER,
        )
    ]


def _event_findings(household: Household, config: RiskSettings) -> list[Finding]:
    from gridgov.cases.models import EventLink

    codes = list(config.event_categories or [])
    if not codes:
        return []
    links = (
        EventLink.objects.filter(household=household)
        .filter(Q(event__category__code__in=codes) | Q(event__category__parent__code__in=codes))
        .select_related("event__category")
    )
    found = []
    for link in links:
        category = link.event.category
        found.append(
            Finding(
                Rule.HARDSHIP_EVENT,
                f"event:{link.event.uuid}",
                f"关联事件「{category.name_zh}」：{link.event.title} "
                f"Linked event of category {category.name_en}: {link.event.title}",
                EVENT_RISK_TYPES.get(category.code.rsplit(".", 1)[-1], RiskType.OTHER),
            )
        )
    return found


def findings(household: Household, year: int, *, today: date | None = None) -> list[Finding]:
    """What the rules find in the household's data now (nothing is written)."""
    today = today or timezone.localdate()
    config = settings_for(household.region_code)
    return [
        *_income_findings(household, year, config),
        *_checklist_findings(household, year),
        *_house_findings(household),
        *_member_findings(household, today),
        *_event_findings(household, config),
    ]


def evaluate(household: Household, year: int, *, today: date | None = None) -> list[RiskReview]:
    """Raise a review for every finding not raised before; returns the new reviews."""
    raised = []
    known = set(RiskReview.objects.filter(household=household).values_list("rule", "cause_key"))
    for finding in findings(household, year, today=today):
        if (finding.rule, finding.cause_key) in known:
            continue
        known.add((finding.rule, finding.cause_key))
        try:
            with transaction.atomic():
                review = RiskReview.objects.create(
                    household=household,
                    region_code=household.region_code,
                    rule=finding.rule,
                    cause_key=finding.cause_key,
                    year=finding.year,
                    reason=finding.reason[:500],
                    risk_type=finding.risk_type,
                )
        except IntegrityError:
            continue  # raised a moment ago by another run: the same cause raises once
        audit.record(
            actor=None,
            action="poverty.raise_review",
            instance=review,
            region_code=review.region_code,
            after={"rule": review.rule, "cause_key": review.cause_key, "reason": review.reason},
        )
        raised.append(review)
    return raised


def candidates(*, year: int, within: str = ""):
    """The households the periodic evaluation looks at: those with income or a checklist
    for the year or the year before, an open monitoring record, a member tagged as exited
    from poverty or monitored, or a linked event of a watched category."""
    from gridgov.cases.models import EventLink

    def scoped(queryset, field="region_code"):
        return queryset.filter(within_q(within, field)) if within else queryset

    ids = set(
        scoped(IncomeRecord.objects.filter(year__in=[year - 1, year])).values_list(
            "household_id", flat=True
        )
    )
    ids |= set(
        scoped(ChecklistRecord.objects.filter(year=year)).values_list("household_id", flat=True)
    )
    ids |= set(
        scoped(MonitoredHousehold.objects.filter(state__in=OPEN_STATES)).values_list(
            "household_id", flat=True
        )
    )
    ids |= set(
        scoped(
            PopulationTag.objects.filter(
                tag__in=[Tag.POVERTY_EXITED, Tag.MONITORED], resident__household__isnull=False
            )
        ).values_list("resident__household_id", flat=True)
    )
    codes = list(RiskSettings.objects.values_list("event_categories", flat=True))
    watched = {code for row in codes for code in (row or [])} or set(
        RiskSettings().event_categories
    )
    ids |= set(
        scoped(
            EventLink.objects.filter(household__isnull=False).filter(
                Q(event__category__code__in=watched) | Q(event__category__parent__code__in=watched)
            ),
            "household__region_code",
        ).values_list("household_id", flat=True)
    )
    return Household.objects.filter(pk__in=ids).prefetch_related("members").order_by("pk")


def evaluate_all(*, year: int | None = None, within: str = "") -> int:
    """Run the rules over every candidate household; returns how many reviews were raised."""
    year = year or timezone.localdate().year
    raised = 0
    for household in candidates(year=year, within=within).iterator(chunk_size=500):
        with transaction.atomic():
            raised += len(evaluate(household, year))
    return raised
