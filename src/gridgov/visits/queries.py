"""What the visits pages and the API read: visits as a viewer may see them, overdue plans and
coverage. Every read goes through the scoped querysets; people are shown only as
`registry.privacy.resident_view` gives them.
"""

from datetime import date

from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from gridgov.accounts.masking import MASK
from gridgov.accounts.scope import access
from gridgov.regions.models import Region
from gridgov.registry import privacy
from gridgov.registry.choices import SENSITIVE_TAGS, Tag
from gridgov.registry.models import RevealGrant
from gridgov.visits.choices import SENSITIVE_KINDS, HouseholdNorm, VisitKind
from gridgov.visits.models import Visit, VisitPhoto, VisitPlan, WorkLogEntry

_TAG_LABELS = dict(Tag.choices)
_NORM_LABELS = dict(HouseholdNorm.choices)
_KIND_LABELS = dict(VisitKind.choices)


def visits_for(user) -> QuerySet[Visit]:
    return Visit.objects.visible_to(user).select_related(
        "visitor", "household", "place", "organisation", "event"
    )


def worklog_for(user) -> QuerySet[WorkLogEntry]:
    return WorkLogEntry.objects.visible_to(user).select_related("author")


def _households_revealed(user, household_ids: list[int]) -> set[int]:
    """Households with a member the user may see in clear right now (a live reveal grant)."""
    if not household_ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(
        RevealGrant.objects.filter(
            user=user, resident__household_id__in=household_ids, expires_at__gt=timezone.now()
        ).values_list("resident__household_id", flat=True)
    )


def visit_view(visit: Visit, *, clear: bool) -> dict:
    """A visit as the viewer may see it. A key-population follow-up tells that someone in
    the household is in a key population: like the tag, its kind and notes are masked
    unless the viewer made the visit or holds a live reveal grant for a member."""
    masked = visit.kind in SENSITIVE_KINDS and not clear
    target = visit.target
    if visit.household_id:
        target_type, target_name = "household", str(visit.household)
    elif visit.place_id:
        target_type, target_name = "place", visit.place.name
    else:
        target_type, target_name = "organisation", visit.organisation.name
    return {
        "uuid": visit.uuid,
        "target_type": target_type,
        "target_uuid": target.uuid,
        "target_name": target_name,
        "household_uuid": visit.household.uuid if visit.household_id else None,
        "region_code": visit.region_code,
        "visitor": visit.visitor.get_full_name() or visit.visitor.get_username(),
        "visited_at": visit.visited_at,
        "latitude": visit.latitude,
        "longitude": visit.longitude,
        "distance_metres": visit.distance_metres,
        "kind": "" if masked else visit.kind,
        "kind_label": privacy.SENSITIVE_TAG_LABEL
        if masked
        else str(_KIND_LABELS.get(visit.kind, "")),
        "findings": MASK if masked and visit.findings else visit.findings,
        "needs_found": MASK if masked and visit.needs_found else visit.needs_found,
        "services_delivered": MASK
        if masked and visit.services_delivered
        else visit.services_delivered,
        "event_uuid": visit.event.uuid if visit.event_id else None,
        "event_title": visit.event.title if visit.event_id else "",
        "masked": masked,
    }


def present_visits(user, visits) -> list[dict]:
    """Visits as `user` may see them (one query for reveal grants, whatever the count)."""
    visits = list(visits)
    sensitive = [v.household_id for v in visits if v.kind in SENSITIVE_KINDS and v.household_id]
    revealed = _households_revealed(user, sensitive)
    return [
        visit_view(
            visit,
            clear=visit.visitor_id == getattr(user, "pk", None) or visit.household_id in revealed,
        )
        for visit in visits
    ]


def sees_clear(user, visit: Visit) -> bool:
    """Whether `user` (who can see the visit) sees its notes and photos in clear: always,
    except for a key-population follow-up, which only its visitor and holders of a live
    reveal grant for a member of the household see (as in `present_visits`)."""
    if visit.kind not in SENSITIVE_KINDS or visit.visitor_id == getattr(user, "pk", None):
        return True
    return bool(visit.household_id) and visit.household_id in _households_revealed(
        user, [visit.household_id]
    )


def photo_file_url(photo: VisitPhoto) -> str:
    return f"/api/visits/photos/{photo.uuid}/file"


def photo_view(photo: VisitPhoto, *, clear: bool) -> dict:
    """A photo as the viewer may see it: for a masked visit, only that it exists."""
    return {
        "uuid": photo.uuid,
        "visit_uuid": photo.visit.uuid,
        "name": photo.original_name if clear else MASK,
        "content_type": photo.content_type if clear else "",
        "size": photo.size if clear else None,
        "width": photo.width if clear else None,
        "height": photo.height if clear else None,
        "created_at": photo.created_at,
        "file_url": photo_file_url(photo) if clear else None,
        "masked": not clear,
    }


def photos_of(user, visit: Visit) -> list[dict]:
    """A visit's photos (the caller has checked the visit is visible), oldest first."""
    clear = sees_clear(user, visit)
    photos = list(VisitPhoto.objects.filter(visit=visit))
    for photo in photos:
        photo.visit = visit  # already fetched: no query per photo
    return [photo_view(photo, clear=clear) for photo in photos]


def with_photos(views: list[dict]) -> list[dict]:
    """Visits from `present_visits` with their photos under "photos" (one query for all),
    masked like the visit they belong to."""
    by_uuid = {view["uuid"]: view for view in views}
    for view in views:
        view["photos"] = []
    photos = VisitPhoto.objects.filter(visit__uuid__in=list(by_uuid)).select_related("visit")
    for photo in photos.only(
        "uuid",
        "original_name",
        "content_type",
        "size",
        "width",
        "height",
        "created_at",
        "visit__uuid",
    ):
        view = by_uuid[photo.visit.uuid]
        view["photos"].append(photo_view(photo, clear=not view["masked"]))
    return views


def photo_for_file(user, photo_uuid) -> VisitPhoto:
    """The photo whose file `user` may open, or 404: out of scope, missing, and a masked
    visit's photo alike."""
    photo = access(VisitPhoto.objects.select_related("visit"), user, uuid=photo_uuid)
    if not sees_clear(user, photo.visit):
        raise Http404
    return photo


def why_label(plan: VisitPlan) -> str:
    """What sets the plan's interval, masked like the tag it comes from."""
    kind, _sep, code = plan.why.partition(":")
    if kind == "tag":
        if plan.why_private:
            return privacy.SENSITIVE_TAG_LABEL if code in SENSITIVE_TAGS else MASK
        return str(_TAG_LABELS.get(code, code))
    return str(_NORM_LABELS.get(code, code))


def plan_view(plan: VisitPlan, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    days_overdue = (today - plan.next_due).days
    return {
        "household_uuid": plan.household.uuid,
        "region_code": plan.region_code,
        "interval_days": plan.interval_days,
        "why": "" if plan.why_private else plan.why,
        "why_label": why_label(plan),
        "last_visit_at": plan.last_visit_at,
        "next_due": plan.next_due,
        "overdue": days_overdue > 0,
        "days_overdue": max(days_overdue, 0),
    }


def overdue_plans(user, within: str = "", today: date | None = None) -> QuerySet[VisitPlan]:
    """The households in the user's scope whose next visit is past due, most overdue first.
    One query for any page: the plan, its household and the grid come in one join."""
    today = today or timezone.localdate()
    plans = VisitPlan.objects.visible_to(user).filter(next_due__lt=today)
    if within:
        plans = plans.within(within)
    return (
        plans.select_related("household", "household__grid")
        .defer("household__grid__geometry")
        .order_by("next_due", "id")
    )


def overdue_rows(user, plans, today: date | None = None) -> list[dict]:
    """Overdue plans with the household and its address, ready to show."""
    today = today or timezone.localdate()
    rows = []
    for plan in plans:
        view = plan_view(plan, today)
        view.update(
            household=plan.household,
            address=str(plan.household),
            grid_name=plan.household.grid.name,
        )
        rows.append(view)
    return rows


def overdue_count(user, today: date | None = None) -> int:
    """How many households in the user's scope wait for an overdue visit (for a worklist)."""
    return overdue_plans(user, today=today).count()


def coverage(user, code: str, today: date | None = None) -> list[dict]:
    """Per grid within `code` (and in the user's scope): households with a plan, those
    visited within their norm, and the share. One aggregate query."""
    today = today or timezone.localdate()
    grid_name = Region.objects.filter(code=OuterRef("region_code")).values("name")[:1]
    rows = (
        VisitPlan.objects.visible_to(user)
        .within(code)
        .values("region_code")
        .annotate(
            households=Count("pk"),
            covered=Count("pk", filter=Q(last_visit_at__isnull=False, next_due__gte=today)),
            overdue=Count("pk", filter=Q(next_due__lt=today)),
            grid_name=Subquery(grid_name, output_field=CharField()),
        )
        .order_by("region_code")
    )
    return [
        {
            "region_code": row["region_code"],
            "grid_name": row["grid_name"] or "",
            "households": row["households"],
            "covered": row["covered"],
            "overdue": row["overdue"],
            "share": round(row["covered"] / row["households"], 4) if row["households"] else 0.0,
        }
        for row in rows
    ]
