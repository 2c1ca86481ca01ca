"""Reading poverty-monitoring data for a viewer: scoped querysets with what lists need
prefetched, and masked views of the people they name (registry.privacy)."""

from django.db.models import Count

from gridgov.accounts.masking import mask_phone
from gridgov.poverty.choices import OPEN_STATES, ReviewState, RiskType
from gridgov.poverty.models import (
    AssistanceMeasure,
    ChecklistRecord,
    IncomeRecord,
    MonitoredHousehold,
    RiskReview,
)
from gridgov.regions.codes import within_q
from gridgov.registry import privacy


def monitored_for(user, *, category="", risk="", state="", within=""):
    """Monitored households the user may see, filtered, with household and head loaded."""
    rows = MonitoredHousehold.objects.visible_to(user).select_related(
        "household__head", "household__grid"
    )
    if within:
        rows = rows.filter(within_q(within))
    if category:
        rows = rows.filter(category=category)
    if state:
        rows = rows.filter(state=state)
    if risk:
        # The list is stored as JSON text on both databases: match the quoted code.
        rows = rows.filter(risk_types__icontains=f'"{risk}"')
    return rows


def reviews_for(user, *, state=ReviewState.PENDING, within="", rule=""):
    rows = RiskReview.objects.visible_to(user).select_related(
        "household", "decided_by", "monitored"
    )
    if state:
        rows = rows.filter(state=state)
    if within:
        rows = rows.filter(within_q(within))
    if rule:
        rows = rows.filter(rule=rule)
    return rows


def head_name(household) -> str:
    """The head of household's name as anyone may see it (a child's is masked)."""
    head = household.head
    if head is None:
        return ""
    return privacy.mask_name(head.name) if privacy.is_minor(head) else head.name


def monitored_detail(user, monitored: MonitoredHousehold) -> MonitoredHousehold:
    """Load the timeline and measures (with follow-ups) of one monitored household."""
    monitored.timeline = list(monitored.steps.all())
    monitored.measure_list = list(
        AssistanceMeasure.objects.filter(monitored=monitored).prefetch_related("follow_ups")
    )
    monitored.pending_reviews = list(
        RiskReview.objects.visible_to(user).filter(
            household_id=monitored.household_id, state=ReviewState.PENDING
        )
    )
    return monitored


def household_poverty(user, household) -> dict:
    """What the household card shows of monitoring: the current (or last) record, income
    history, checklists and pending reviews, all within the viewer's scope."""
    records = list(
        MonitoredHousehold.objects.visible_to(user)
        .filter(household=household)
        .order_by("-created_at", "-id")[:1]
    )
    return {
        "monitoring": records[0] if records else None,
        "income": list(IncomeRecord.objects.visible_to(user).filter(household=household)),
        "checklists": list(ChecklistRecord.objects.visible_to(user).filter(household=household)),
        "reviews": list(
            RiskReview.objects.visible_to(user).filter(
                household=household, state=ReviewState.PENDING
            )
        ),
    }


def township_overview(user, within: str = "") -> dict:
    """Open monitored households by category and by risk type, in the user's scope."""
    rows = MonitoredHousehold.objects.visible_to(user).filter(state__in=OPEN_STATES)
    if within:
        rows = rows.filter(within_q(within))
    by_category = dict(rows.values_list("category").annotate(n=Count("id")).order_by())
    by_risk = {
        code: rows.filter(risk_types__icontains=f'"{code}"').count() for code in RiskType.values
    }
    return {"by_category": by_category, "by_risk": by_risk, "total": rows.count()}


def masked_phone(value: str) -> str:
    return mask_phone(value)
