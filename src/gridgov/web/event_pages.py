"""What the event pages read, prepared for display.

Deadlines are shown relative to now, in working days on the calendar of `cases.calendar`
("2 个工作日后到期", "已超期 3 小时"). Lists are read with their relations in a fixed number
of queries, whatever the page size. Reporters' phones pass through `mask_phone`: no page
prints one in clear.
"""

import math
from datetime import datetime, timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gridgov.accounts.masking import mask_phone
from gridgov.accounts.models import Department
from gridgov.accounts.scope import has_permission, scope_codes
from gridgov.cases import calendar, deadlines, links, worklist
from gridgov.cases.choices import RequestState
from gridgov.cases.models import Category, Event, Notification
from gridgov.cases.workflow import TRANSITIONS
from gridgov.regions import queries as region_queries
from gridgov.regions.models import Region

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)

# The permissions through which a person sees events: a unit's staff (cases.view) or a
# department's handler (cases.handle, through what was dispatched to the department).
EVENT_PERMISSIONS = ("cases.view", "cases.handle")


# --- Deadlines, relative to now ----------------------------------------------------------------


def _working_days_between(first: datetime, last: datetime) -> int:
    """How many working days lie after `first`'s day, up to and including `last`'s day."""
    day, end = calendar.local_date(first), calendar.local_date(last)
    count = 0
    while day < end:
        day += _DAY
        if calendar.is_working_day(day):
            count += 1
    return count


def due_text(due: datetime | None, now: datetime | None = None) -> str:
    """'2 个工作日后到期', '5 小时后到期', '已超期 3 小时', '已超期 2 个工作日'."""
    if due is None:
        return ""
    now = now or timezone.now()
    if due < now:
        late = now - due
        if late < _DAY:
            hours = max(1, math.floor(late / _HOUR))
            return ngettext("已超期 %(count)s 小时", "已超期 %(count)s 小时", hours) % {
                "count": hours
            }
        days = max(1, _working_days_between(due, now))
        return ngettext("已超期 %(count)s 个工作日", "已超期 %(count)s 个工作日", days) % {
            "count": days
        }
    left = due - now
    if left < _DAY:
        hours = max(1, math.floor(left / _HOUR))
        return ngettext("%(count)s 小时后到期", "%(count)s 小时后到期", hours) % {"count": hours}
    days = max(1, _working_days_between(now, due))
    return ngettext("%(count)s 个工作日后到期", "%(count)s 个工作日后到期", days) % {"count": days}


def event_row(event: Event, now: datetime, due: datetime | None = None) -> dict:
    """One line of a list: the event, its running deadline and how it stands."""
    due = due if due is not None else deadlines.running_due(event)
    return {
        "event": event,
        "due": due,
        "due_text": due_text(due, now),
        "overdue": due is not None and due < now,
        "grid": event.grid,
    }


def with_list_relations(events: QuerySet) -> QuerySet:
    """What an event list shows besides the events: category, grid and village names."""
    return events.select_related("category", "grid__parent").defer(
        "grid__geometry", "grid__parent__geometry", "description"
    )


def worklist_rows(events, now: datetime) -> list[dict]:
    """Rows of the worklist; the events carry `due` and `bucket` (`worklist.events_of`)."""
    labels = {bucket.key: bucket.label for bucket in worklist.BUCKETS}
    return [
        dict(event_row(event, now, event.due), bucket_label=labels.get(event.bucket, ""))
        for event in events
    ]


# --- Where and what: choices for filters and forms ---------------------------------------------


def event_scope_roots(user) -> list[str]:
    """The tops of the regions where the user sees events."""
    codes = sorted({code for p in EVENT_PERMISSIONS for code in scope_codes(user, p)})
    folded: list[str] = []
    for code in codes:
        if not any(code.startswith(outer) for outer in folded):
            folded.append(code)
    return folded


def within_choices(user, extra_code: str = "") -> list[tuple[str, str]]:
    """(code, label) of the regions an event list can be narrowed to: the top of the user's
    scope and two levels below it, indented by depth."""
    roots = event_scope_roots(user)
    if not roots:
        return []
    condition = Q(code__in=roots) | Q(parent__code__in=roots) | Q(parent__parent__code__in=roots)
    if extra_code:
        condition |= Q(code=extra_code)
    regions = Region.objects.filter(condition).only("code", "name", "level").order_by("code")
    choices = []
    for region in regions:
        root = next((r for r in roots if region.code.startswith(r)), region.code)
        depth = sum(1 for length in (4, 6, 9, 12, 15) if len(root) < length <= len(region.code))
        choices.append((region.code, "\u3000" * depth + region.name))
    return choices


def is_within_scope(user, code: str) -> bool:
    return any(code.startswith(root) for root in event_scope_roots(user))


def category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The active categories as a grouped select: each top-level category, then its
    children; the top-level code itself stands for "other" within the group."""
    categories = list(Category.objects.filter(is_active=True).order_by("sort_order", "code"))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    groups = []
    for parent in (c for c in categories if not c.parent_id):
        options = [(child.code, child.name_zh) for child in children.get(parent.pk, [])]
        options.append((parent.code, _("%(name)s（其他）") % {"name": parent.name_zh}))
        groups.append((parent.name_zh, options))
    return groups


def report_grids(user) -> QuerySet:
    """The grids the user may report an event in (their own, or their area's)."""
    return (
        Region.objects.visible_to(user, "cases.report")
        .filter(level="grid")
        .only("code", "name")
        .order_by("code")
    )


def _grids_with_village(user) -> QuerySet:
    return (
        Region.objects.visible_to(user, "cases.report")
        .filter(level="grid")
        .select_related("parent")
        .defer("geometry", "parent__geometry")
    )


def report_grid(user, code: str) -> Region | None:
    """One grid the user may report in, with its village, or None."""
    return _grids_with_village(user).filter(code=code).first()


def search_grids(user, text: str, limit: int = 50) -> list[Region]:
    """Grids the user may report in whose name, pinyin or code matches, or which lie in a
    village or township that matches (the hotline operator's search)."""
    if not text.strip():
        return []
    visible = Region.objects.visible_to(user, "cases.report").defer("geometry")
    matches = list(region_queries.search(visible, text).values_list("code", flat=True)[:limit])
    if not matches:
        return []
    condition = Q()
    for code in matches:
        condition |= Q(code__startswith=code)
    return list(_grids_with_village(user).filter(condition).order_by("code")[:limit])


def map_code_for_reporting(user) -> str:
    """The region whose map the intake form shows: the top of the user's reporting scope."""
    codes = scope_codes(user, "cases.report")
    return codes[0] if codes else ""


def departments_for(user, event: Event) -> list[Department]:
    """Departments that can take the event: those the user sees, of the event's county or
    its township (a department answers for its own area only)."""
    county = event.region_code[:6]
    return [
        department
        for department in Department.objects.visible_to(user)
        .filter(is_active=True, region_code__startswith=county)
        .order_by("region_code", "kind")
        if event.region_code.startswith(department.region_code)
    ]


# --- One event -----------------------------------------------------------------------------------


def event_for_page(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(
        "category__parent", "grid", "lead_department", "reporter", "merged_into"
    ).defer("grid__geometry")


def reporter_of(event: Event) -> dict:
    """Who reported: the account (a worker, an operator) and the resident named, with the
    resident's phone masked."""
    return {
        "account": str(event.reporter) if event.reporter_id else "",
        "name": event.reporter_name,
        "phone": mask_phone(event.reporter_phone),
    }


def grid_path(user, event: Event) -> list[Region]:
    """The regions from the county down to the event's grid, as far as the user sees them."""
    visible = Region.objects.visible_to(user).defer("geometry")
    path = region_queries.path_to(event.grid, visible)
    return [region for region in path if len(region.code) >= 6] + [event.grid]


def assignments_of(event: Event) -> list:
    return list(event.assignments.select_related("department").order_by("role", "id"))


def pending_requests(event: Event) -> list:
    return list(
        event.requests.filter(state=RequestState.PENDING).select_related(
            "requested_by", "assignment__department"
        )
    )


def _step_label(step) -> str:
    if step.action == "report" and not step.from_state:
        return _("上报")
    if step.action == "merge_in":
        return _("并入重复事件")
    if step.action in links.STEP_LABELS:
        return str(links.STEP_LABELS[step.action])
    spec = TRANSITIONS.get(step.action)
    return str(spec.label) if spec is not None else step.action


def timeline(event: Event) -> list:
    """The event's steps, oldest first (newest last), each with the label of its action."""
    steps = list(event.steps.select_related("actor", "department").order_by("created_at", "id"))
    for step in steps:
        step.label = _step_label(step)
    return steps


def may_merge(allowed: list[str]) -> bool:
    return "merge" in allowed


def can_report(user) -> bool:
    return has_permission(user, "cases.report")


def can_take_calls(user) -> bool:
    """Hotline desks are at the township and county centres (who also dispatch)."""
    return has_permission(user, "cases.dispatch") and has_permission(user, "cases.report")


# --- The inbox -----------------------------------------------------------------------------------


def inbox_of(user) -> QuerySet:
    """The user's own notifications, unread first, newest first within each."""
    return (
        Notification.objects.filter(user=user)
        .select_related("event")
        .only(
            "id",
            "kind",
            "text",
            "created_at",
            "read_at",
            "event__uuid",
            "event__title",
            "event__tracking_code",
        )
        .annotate(
            unread_first=Case(
                When(read_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("unread_first", "-created_at", "-id")
    )


def unread_ids(user) -> list[int]:
    return list(
        Notification.objects.filter(user=user, read_at__isnull=True).values_list("pk", flat=True)
    )
