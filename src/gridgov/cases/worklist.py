"""Worklists: the events waiting for *this* user to act, soonest deadline first.

A worklist is made of buckets, one per kind of work: to accept, to dispatch, to handle, to
approve (a return, an extension or a suspension someone asked for), to verify. Which
buckets a user has follows from their role assignments: a grid worker accepts and verifies
at their grid, a township dispatcher accepts, dispatches and approves at the township, a
department handler handles what was dispatched to their department.

Everything is one query over indexed columns (`holder_code`, `state`, `region_code`), with
the bucket and the running deadline computed by the database, so a page costs the same
number of queries whatever its size and however many events the table holds.
"""

from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.scope import assignments_with
from gridgov.cases import deadlines
from gridgov.cases.choices import (
    ACTIVE_ASSIGNMENT_STATES,
    HANDLE_STATES,
    LEVEL_FOR_CODE_LENGTH,
    Level,
    RequestState,
    State,
)
from gridgov.cases.models import ApprovalRequest, Event, EventAssignment
from gridgov.regions.codes import within_q

ACCEPT = "accept"
DISPATCH = "dispatch"
HANDLE = "handle"
APPROVE = "approve"
VERIFY = "verify"


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str


# In the order a user's tabs show them; an event in two buckets is shown in the first.
BUCKETS = (
    Bucket(ACCEPT, _("待受理")),
    Bucket(APPROVE, _("待审批")),
    Bucket(DISPATCH, _("待派遣")),
    Bucket(HANDLE, _("待处置")),
    Bucket(VERIFY, _("待核查")),
)
BUCKET_KEYS = tuple(bucket.key for bucket in BUCKETS)
CENTRE_LEVELS = (Level.TOWNSHIP, Level.COUNTY)
LOCAL_LEVELS = (Level.GRID, Level.VILLAGE)


def _unit_codes(user, permission: str) -> list[str]:
    """The regions where the user works as staff of a unit (not for a department)."""
    return sorted(
        {
            a.region_code
            for a in assignments_with(user, permission)
            if a.department_id is None and a.region_code
        }
    )


def _any(conditions: list[Q]) -> Q | None:
    combined = None
    for condition in conditions:
        combined = condition if combined is None else combined | condition
    return combined


def bucket_conditions(user) -> dict[str, Q]:
    """For each bucket the user has, the condition an event meets to be in it."""
    conditions: dict[str, list[Q]] = {key: [] for key in BUCKET_KEYS}
    for code in _unit_codes(user, "cases.accept"):
        conditions[ACCEPT].append(Q(state=State.REPORTED, holder_code=code))
        # Below the centres an accepted case is handled where it is.
        conditions[HANDLE].append(Q(state=State.ACCEPTED, holder_code=code, level__in=LOCAL_LEVELS))
    for code in _unit_codes(user, "cases.dispatch"):
        conditions[DISPATCH].append(
            Q(state=State.ACCEPTED, holder_code=code, level__in=CENTRE_LEVELS)
        )
        pending = ApprovalRequest.objects.filter(state=RequestState.PENDING)
        # Requests are made while a case is handled; the state narrows the index range to
        # the few open events instead of every event the unit ever held.
        conditions[APPROVE].append(
            Q(holder_code=code, state__in=HANDLE_STATES, pk__in=pending.values("event_id"))
            & ~Q(pk__in=pending.filter(requested_by=user).values("event_id"))
        )
    for assignment in assignments_with(user, "cases.handle"):
        if assignment.department_id is None or not assignment.region_code:
            continue
        parts = EventAssignment.objects.filter(
            department_id=assignment.department_id, state__in=ACTIVE_ASSIGNMENT_STATES
        )
        conditions[HANDLE].append(
            Q(state__in=(State.DISPATCHED, State.IN_PROGRESS), pk__in=parts.values("event_id"))
            & within_q(assignment.region_code)
        )
    for code in _unit_codes(user, "cases.verify"):
        level = LEVEL_FOR_CODE_LENGTH.get(len(code))
        if level is None:
            continue
        # The unit that reported verifies; whoever reported the result does not.
        conditions[VERIFY].append(
            Q(state=State.HANDLED, origin_level=level) & within_q(code) & ~Q(handled_by=user)
        )
    return {key: q for key, parts in conditions.items() if (q := _any(parts)) is not None}


def worklist(user, bucket: str | None = None, conditions=None) -> QuerySet[Event]:
    """The user's events to act on (in one bucket, or all), overdue first, then by the
    deadline that comes soonest. Each event carries `bucket` and `due`. (`conditions`:
    the user's `bucket_conditions`, when the caller has them already.)"""
    conditions = bucket_conditions(user) if conditions is None else conditions
    if bucket is not None:
        conditions = {bucket: conditions[bucket]} if bucket in conditions else {}
    if not conditions:
        return Event.objects.none()
    whens = [When(q, then=Value(key)) for key, q in conditions.items()]
    return (
        Event.objects.filter(_any(list(conditions.values())))
        .annotate(
            bucket=Case(*whens, default=Value(""), output_field=CharField()),
            due=deadlines.running_due_expression(),
        )
        .select_related("category", "lead_department")
        .order_by(F("due").asc(nulls_last=True), "id")
    )


def counts(user, conditions=None) -> dict[str, int]:
    """How many events wait in each of the user's buckets (one query)."""
    conditions = bucket_conditions(user) if conditions is None else conditions
    if not conditions:
        return {}
    totals = Event.objects.filter(_any(list(conditions.values()))).aggregate(
        **{key: Count("pk", filter=q) for key, q in conditions.items()}
    )
    return {key: totals[key] for key in BUCKET_KEYS if key in totals}
