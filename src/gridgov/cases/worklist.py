"""Worklists: the events waiting for *this* user to act, soonest deadline first.

A worklist is made of buckets, one per kind of work: to accept, to dispatch, to handle, to
approve (a return, an extension or a suspension someone asked for), to verify. Which
buckets a user has follows from their role assignments: a grid worker accepts and verifies
at their grid, a township dispatcher accepts, dispatches and approves at the township, a
department handler handles what was dispatched to their department.

The conditions are on indexed columns (`holder_code`, `state`, `region_code`), so a page
costs the same number of queries whatever its size and however many events the table holds.
The pages (API and web) use `waiting`: one narrow query lists every waiting event of the
user (a unit has tens to a few hundred) with a flag per bucket and its deadlines, built
once per process and roles; the counts and the order are worked out here, and
`events_of` reads one page of events by id. `worklist` and `counts` give the same as
querysets computed by the database.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
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


@dataclass(frozen=True)
class Entry:
    """One event in a worklist: its id, the bucket it is shown in and its running deadline."""

    pk: int
    bucket: str
    due: datetime | None


@dataclass(frozen=True)
class Waiting:
    """What waits for a user: the entries in worklist order and how many are in each bucket
    (an event in two buckets counts in both, as `counts` says)."""

    entries: list[Entry]
    counts: dict[str, int]


# Where the running deadline of an event in each state is among the due columns `waiting`
# reads (the stages of `deadlines`, in order).
_DUE_COLUMNS = tuple(f"{stage}_due" for stage in deadlines.STAGES)
_DUE_POSITION = {
    state: position
    for position, stage in enumerate(deadlines.STAGES)
    for state in deadlines.STAGE_STATES[stage]
}

# Each process keeps the built query of `waiting` per user, with the `roles_version` it was
# built for (it changes with every change of the user's role assignments, see
# `accounts.scope`): the conditions follow from nothing else, and building them cost more
# than running the query. A township centre's query takes about 60 KB: a thousand users
# who used their worklist lately, then the process starts afresh.
_HELD_QUERIES = 1_000
_held_queries: dict[int, tuple[tuple, tuple[str, ...], QuerySet | None]] = {}


def waiting(user, bucket: str | None = None, conditions=None) -> Waiting:
    """Every event waiting for the user (in one bucket, or all) in `worklist`'s order, with
    the counts of all the user's buckets, from one query. (`conditions`: the user's
    `bucket_conditions`, when the caller has them already.)"""
    if conditions is None:
        keys, query = _held_waiting_query(user)
    else:
        keys, query = tuple(conditions), _waiting_query(conditions)
    if query is None:
        return Waiting(entries=[], counts={})
    totals = dict.fromkeys(keys, 0)
    shown: list[Entry] = []
    due_count = len(_DUE_COLUMNS)
    # `.all()`: a copy, so that the held query never keeps its results.
    for pk, state, *values in query.all():
        dues, flags = values[:due_count], values[due_count:]
        matched = [key for key, flag in zip(keys, flags, strict=True) if flag]
        for key in matched:
            totals[key] += 1
        # An event in two buckets is shown in the first, in the order of BUCKETS.
        key = bucket if bucket is not None else (matched[0] if matched else None)
        if key is None or key not in matched:
            continue
        position = _DUE_POSITION.get(state)
        shown.append(Entry(pk=pk, bucket=key, due=None if position is None else dues[position]))
    return Waiting(
        entries=sorted(shown, key=_worklist_order),
        counts={key: totals[key] for key in BUCKET_KEYS if key in totals},
    )


def _waiting_query(conditions: dict[str, Q]) -> QuerySet | None:
    """(pk, state, *due columns, then one flag per bucket) of the events in any bucket
    (None: the user has no bucket). One scan: PostgreSQL plans a UNION ALL of the buckets
    in parallel workers, whose start costs more than the whole query."""
    if not conditions:
        return None
    flags = {
        f"in_{key}": ExpressionWrapper(condition, output_field=BooleanField())
        for key, condition in conditions.items()
    }
    return (
        Event.objects.filter(_any(list(conditions.values())))
        .annotate(**flags)
        .order_by()
        .values_list("pk", "state", *_DUE_COLUMNS, *flags)
    )


def _held_waiting_query(user) -> tuple[tuple[str, ...], QuerySet | None]:
    """The user's bucket keys and `_waiting_query`, built once per process and roles."""
    if user.pk is None:
        return (), None
    version = (getattr(user, "roles_version", None), user.is_active)
    held = _held_queries.get(user.pk)
    if held is not None and held[0] == version:
        return held[1], held[2]
    conditions = bucket_conditions(user)
    keys, query = tuple(conditions), _waiting_query(conditions)
    if len(_held_queries) >= _HELD_QUERIES:
        _held_queries.clear()
    _held_queries[user.pk] = (version, keys, query)
    return keys, query


def _worklist_order(entry: Entry) -> tuple:
    """Overdue and soonest deadline first, events without a running deadline last, then
    the oldest event first (as `worklist` sorts in the database)."""
    return (entry.due is None, entry.due or datetime.min, entry.pk)


def events_of(entries: list[Entry], events: QuerySet[Event] | None = None) -> list[Event]:
    """The events of `entries` (a page of them), in their order, each carrying `bucket` and
    `due` as `worklist` gives them, read in one query from `events` (by default every
    event; a page passes the related rows it shows)."""
    events = Event.objects.all() if events is None else events
    by_pk = {event.pk: event for event in events.filter(pk__in=[e.pk for e in entries]).order_by()}
    found = []
    for entry in entries:
        event = by_pk.get(entry.pk)
        if event is None:  # deleted since the worklist was read
            continue
        event.bucket, event.due = entry.bucket, entry.due
        found.append(event)
    return found
