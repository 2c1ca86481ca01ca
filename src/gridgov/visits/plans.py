"""Visit plans: how often each household is visited, and when the next visit is due.

A household follows the most frequent norm that applies to it: the ordinary norm (quarterly
by default), the norm of its housing-safety rating (C and D houses more often), and the norm
of every live tag of a member who still lives there (registry.TagRule, else the register's
defaults: key populations monthly, elderly living alone weekly …). The next visit is due
that many days after the last visit, or after the household was registered when nobody has
visited it yet. `refresh_plans()` writes the result into `VisitPlan`; actions call it after
a visit, and the periodic task (`gridgov visits plans`) after tags change in the register.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from gridgov.registry.choices import (
    DEFAULT_VISIT_DAYS,
    PRESENT_STATUSES,
    SENSITIVE_TAGS,
)
from gridgov.registry.models import Household, PopulationTag, TagRule
from gridgov.registry.privacy import MINOR_AGE, age_on
from gridgov.visits.choices import DEFAULT_NORM_DAYS, HouseholdNorm
from gridgov.visits.models import Visit, VisitNorm, VisitPlan

CHUNK = 2000
PLAN_FIELDS = ["region_code", "interval_days", "why", "why_private", "last_visit_at", "next_due"]


@dataclass(frozen=True)
class Norm:
    days: int
    why: str
    private: bool = False


def household_norm_days() -> dict[str, int]:
    """Days between visits per household norm: the county's settings over the defaults."""
    days = {str(key): value for key, value in DEFAULT_NORM_DAYS.items()}
    days.update(VisitNorm.objects.values_list("norm", "visit_interval_days"))
    return days


def tag_days() -> dict[str, int]:
    """Days between visits per population tag: the county's TagRule over the defaults."""
    days = {str(key): value for key, value in DEFAULT_VISIT_DAYS.items()}
    days.update(TagRule.objects.values_list("tag", "visit_interval_days"))
    return days


def _local_date(moment) -> date:
    return timezone.localtime(moment).date()


def _norms_of(households: list[dict], today: date) -> dict[int, Norm]:
    """The norm each household follows (the shortest interval; ties by name)."""
    by_household = household_norm_days()
    by_tag = tag_days()
    candidates: dict[int, list[Norm]] = {}
    for row in households:
        norms = [Norm(by_household[HouseholdNorm.ORDINARY], f"household:{HouseholdNorm.ORDINARY}")]
        rating = row["housing_safety"]
        key = f"housing_{rating}" if rating else ""
        if key in by_household:
            norms.append(Norm(by_household[key], f"household:{key}"))
        candidates[row["pk"]] = norms
    live = Q(end_date__isnull=True) | Q(end_date__gte=today)
    tags = PopulationTag.objects.filter(
        live,
        start_date__lte=today,
        resident__household_id__in=list(candidates),
        resident__residence_status__in=PRESENT_STATUSES,
    ).values_list("resident__household_id", "tag", "resident__birth_date")
    for household_id, tag, birth_date in tags:
        if tag not in by_tag:
            continue
        age = age_on(birth_date, today)
        private = tag in SENSITIVE_TAGS or (age is not None and age < MINOR_AGE)
        candidates[household_id].append(Norm(by_tag[tag], f"tag:{tag}", private))
    return {
        pk: min(norms, key=lambda norm: (norm.days, norm.private, norm.why))
        for pk, norms in candidates.items()
    }


def _computed(ids: list[int], today: date) -> dict[int, dict]:
    """The plan fields each household should have now."""
    rows = list(
        Household.objects.filter(pk__in=ids).values(
            "pk", "region_code", "created_at", "housing_safety"
        )
    )
    norms = _norms_of(rows, today)
    last_visits = dict(
        Visit.objects.filter(household_id__in=ids)
        .values("household_id")
        .annotate(last=Max("visited_at"))
        .values_list("household_id", "last")
    )
    computed = {}
    for row in rows:
        norm = norms[row["pk"]]
        last = last_visits.get(row["pk"])
        since = _local_date(last) if last else _local_date(row["created_at"])
        computed[row["pk"]] = {
            "region_code": row["region_code"],
            "interval_days": norm.days,
            "why": norm.why,
            "why_private": norm.private,
            "last_visit_at": last,
            "next_due": since + timedelta(days=norm.days),
        }
    return computed


def _refresh_chunk(ids: list[int], today: date) -> int:
    computed = _computed(ids, today)
    plans = {plan.household_id: plan for plan in VisitPlan.objects.filter(household_id__in=ids)}
    new, changed = [], []
    for household_id, values in computed.items():
        plan = plans.get(household_id)
        if plan is None:
            new.append(VisitPlan(household_id=household_id, **values))
        elif any(getattr(plan, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(plan, field, value)
            changed.append(plan)
    VisitPlan.objects.bulk_create(new)
    VisitPlan.objects.bulk_update(changed, PLAN_FIELDS)
    return len(new) + len(changed)


def plan_for(household: Household, today: date | None = None) -> VisitPlan:
    """The household's plan: the stored one, or (before the first refresh reaches a new
    household) the one it would get, unsaved."""
    plan = VisitPlan.objects.filter(household=household).first()
    if plan is not None:
        return plan
    values = _computed([household.pk], today or timezone.localdate())[household.pk]
    return VisitPlan(household=household, **values)


def refresh_plans(households: Iterable, today: date | None = None) -> int:
    """Bring the plans of `households` (records or primary keys) up to date; returns how
    many plans were created or changed. A few queries per 2,000 households."""
    today = today or timezone.localdate()
    ids = [getattr(household, "pk", household) for household in households]
    touched = 0
    for start in range(0, len(ids), CHUNK):
        touched += _refresh_chunk(ids[start : start + CHUNK], today)
    return touched


def refresh_all(within: str = "", today: date | None = None) -> int:
    """Refresh the plan of every household (within a region code), a chunk at a time."""
    households = Household.objects.order_by("pk")
    if within:
        households = households.within(within)
    touched, last_pk = 0, 0
    while True:
        ids = list(households.filter(pk__gt=last_pk).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return touched
        touched += refresh_plans(ids, today)
        last_pk = ids[-1]


def on_household_changed(sender, households, **kwargs) -> None:
    """A tag, a move or a housing rating changed in the register: the plans of those
    households follow at once, in the same transaction."""
    refresh_plans(households)
