"""What the register pages read, prepared for display.

Nothing is masked here by hand: every person shown passes through `privacy.resident_view`
with the viewer's live reveal grants (`privacy.revealed_ids`); this module only adds the
labels of the codes and gathers what a page needs in a fixed number of queries.
"""

import math
from datetime import date, datetime

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from gridgov.accounts.masking import mask_phone
from gridgov.accounts.scope import has_permission, scope_codes
from gridgov.regions.codes import CODE_LENGTHS
from gridgov.regions.models import Region
from gridgov.registry import privacy, queries
from gridgov.registry.choices import (
    AttentionLevel,
    DisabilityLevel,
    Education,
    Ethnicity,
    HealthInsurance,
    RelationToHead,
    ResidenceStatus,
    Sex,
)
from gridgov.registry.models import (
    Household,
    Place,
    PopulationTag,
    Resident,
    ResidentMove,
    RevealGrant,
)

# How far below the top of a user's scope the "within" select reaches: a township sees its
# villages and their grids, a leader of the prefecture its counties and townships. Deeper
# regions are still accepted (a link from a region page), just not listed.
WITHIN_DEPTH = 2
PLACES_SHOWN = 10

_CODE_LENGTHS = sorted(set(CODE_LENGTHS.values()))
_LABELS = {
    "sex": dict(Sex.choices),
    "ethnicity": dict(Ethnicity.choices),
    "relation_to_head": dict(RelationToHead.choices),
    "residence_status": dict(ResidenceStatus.choices),
    "education": dict(Education.choices),
    "health_insurance": dict(HealthInsurance.choices),
    "disability_level": dict(DisabilityLevel.choices),
}
_ATTENTION = dict(AttentionLevel.choices)


def can(user, permission: str, region_code: str | None = None) -> bool:
    """Whether the page should offer an action (the action itself checks again)."""
    return has_permission(user, permission, region_code)


def _depth_below(code: str, root: str) -> int:
    return sum(1 for length in _CODE_LENGTHS if len(root) < length <= len(code))


def within_regions(user, extra_code: str = "") -> list[tuple[str, str]]:
    """(code, label) of the regions a register list can be narrowed to: the top of the
    user's register scope and two levels below, in tree order, indented by depth."""
    roots = scope_codes(user, "registry.view")
    if not roots:
        return []
    condition = Q(code__in=roots) | Q(parent__code__in=roots)
    condition |= Q(parent__parent__code__in=roots)
    if extra_code:
        condition |= Q(code=extra_code)
    regions = Region.objects.filter(condition).only("code", "name").order_by("code")
    choices = []
    for region in regions:
        root = next((r for r in roots if region.code.startswith(r)), region.code)
        # An ideographic space is not collapsed inside <option>, so the tree stays visible.
        indent = "\u3000" * _depth_below(region.code, root)
        choices.append((region.code, f"{indent}{region.name}"))
    return choices


def is_visible_region(user, code: str) -> bool:
    return Region.objects.visible_to(user).filter(code=code).exists()


def live_tags(today: date | None = None) -> Q:
    """Tags that still apply today (no end date, or one not yet passed)."""
    today = today or timezone.localdate()
    return Q(end_date__isnull=True) | Q(end_date__gte=today)


def households_with_tag(households: QuerySet, tag: str) -> QuerySet:
    """Households with at least one member who carries `tag` today."""
    members = PopulationTag.objects.filter(live_tags(), tag=tag).values("resident__household_id")
    return households.filter(pk__in=members)


def labelled(view: dict) -> dict:
    """A resident view (already masked as it must be) with the labels of its codes."""
    for field, labels in _LABELS.items():
        code = view.get(field)
        view[f"{field}_label"] = labels.get(code, "") if code else ""
    for tag in view.get("tags", []):
        tag["attention_label"] = _ATTENTION.get(tag.get("attention_level") or "", "")
    return view


def present_residents(user, residents) -> list[dict]:
    """Each resident as `user` may see them right now, labelled, with the record attached
    as `record` (for links and the household; never for personal values)."""
    residents = list(residents)
    clear = privacy.revealed_ids(user, residents)
    views = []
    for resident in residents:
        view = labelled(privacy.resident_view(resident, revealed=resident.pk in clear))
        view["record"] = resident
        views.append(view)
    return views


def household_rows(user, households) -> list[dict]:
    """The rows of a household list: each household and its head as the viewer may see
    them. Heads are read with the page, so the list costs the same for 10 rows or 50."""
    households = list(households)
    heads = [household.head for household in households if household.head_id]
    clear = privacy.revealed_ids(user, heads)
    return [
        {
            "household": household,
            "head": labelled(
                privacy.resident_view(household.head, revealed=household.head.pk in clear)
            )
            if household.head_id
            else None,
        }
        for household in households
    ]


def with_list_relations(households: QuerySet) -> QuerySet:
    """What a list of households reads besides the households: grid names and heads."""
    return (
        households.select_related("grid", "head__household")
        .defer("grid__geometry", "head__household__notes")
        .prefetch_related("head__tags")
    )


def members_of(user, household: Household) -> list[dict]:
    members = queries.residents_for(user).filter(household=household)
    return present_residents(user, members)


def revealed_until(user, resident: Resident) -> datetime | None:
    """When the user's live grant to see this person in clear lapses (None: no grant)."""
    return RevealGrant.objects.filter(
        user=user, resident=resident, expires_at__gt=timezone.now()
    ).aggregate(until=Max("expires_at"))["until"]


def _metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): good to a metre or so at village scale."""
    radius = 6_371_000
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def places_near(user, household: Household) -> list[dict]:
    """The places of the household's grid, nearest first (those without a location last)."""
    places = Place.objects.visible_to(user).filter(region_code=household.region_code)
    rows = []
    for place in places:
        distance = None
        if None not in (place.latitude, place.longitude, household.latitude, household.longitude):
            distance = _metres_between(
                household.latitude, household.longitude, place.latitude, place.longitude
            )
        km = None if distance is None else distance / 1000
        rows.append({"place": place, "metres": distance, "km": km})
    rows.sort(key=lambda row: (row["metres"] is None, row["metres"] or 0, row["place"].name))
    return rows[:PLACES_SHOWN]


def household_count(user, code: str) -> int | None:
    """How many households the user may see within a region; None when the user has no
    access to the register at all (the region page then says nothing about households)."""
    if not has_permission(user, "registry.view"):
        return None
    return Household.objects.visible_to(user).within(code).count()


def moves_of(resident: Resident) -> list[ResidentMove]:
    """Where a person moved from and to, newest first."""
    return list(resident.moves.select_related("from_household", "to_household"))


def record_rows(records, phone_field: str) -> list[dict]:
    """Places or organisations with their contact phone masked (it is a person's number)."""
    return [
        {"record": record, "phone": mask_phone(getattr(record, phone_field))} for record in records
    ]
