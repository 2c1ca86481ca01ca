"""Worklists: the events waiting for *this* user to act, soonest deadline first.

A worklist is made of buckets, one per kind of work: to accept, to dispatch, to handle, to
approve (a return, an extension or a suspension someone asked for), to verify. Which
buckets a user has follows from their role assignments: a grid worker accepts and verifies
at their grid, a township dispatcher accepts, dispatches and approves at the township, a
department handler handles what was dispatched to their department.

The conditions are on indexed columns (`holder_code`, `state`, `region_code`), so a page
costs the same number of queries whatever its size and however many events the table holds.
`waiting` lists every waiting event of the user (a unit has tens to a few hundred) in one
narrow query, with a flag per bucket, in worklist order: overdue and soonest deadline
first, events without a running deadline last, then the oldest. The counts and the tab an
event is shown in are worked out here. The query is built and turned into SQL once per
process and roles. `events_of` reads one page of events by id.
"""

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
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
from gridgov.statements import Kept

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


@dataclass(frozen=True)
class Entry:
    """One event in a worklist: its id and the bucket it is shown in."""

    pk: int
    bucket: str


@dataclass(frozen=True)
class Waiting:
    """What waits for a user: the entries in worklist order and how many are in each bucket
    (an event in two buckets is shown in the first and counted in both)."""

    entries: list[Entry]
    counts: dict[str, int]


# Each process keeps the query of `waiting` per user, compiled to SQL (`statements.Kept`),
# with the `roles_version` it was built for (it changes with every change of the user's
# role assignments, see `accounts.scope`): the conditions follow from nothing else, and
# building and compiling them cost more than running the query. A thousand users who used
# their worklist lately, then the process starts afresh.
_HELD_QUERIES = 1_000
_held_queries: dict[int, tuple[tuple, tuple[str, ...], Kept | None]] = {}


def waiting(user, bucket: str | None = None) -> Waiting:
    """Every event waiting for the user (in one bucket, or all) in worklist order, with the
    counts of all the user's buckets, from one query (once the user's is held)."""
    keys, query = _held_waiting_query(user)
    if query is None:
        return Waiting(entries=[], counts={})
    rows = query.rows()  # (pk, then the flag of each of `keys`)
    flag_of = {key: position for position, key in enumerate(keys, start=1)}
    counts = {key: sum(1 for row in rows if row[flag_of[key]]) for key in keys}
    if bucket is None:
        shown = [
            Entry(row[0], key) for row in rows if (key := _first_bucket(keys, row[1:])) is not None
        ]
    elif bucket in flag_of:
        shown = [Entry(row[0], bucket) for row in rows if row[flag_of[bucket]]]
    else:
        shown = []
    return Waiting(entries=shown, counts={key: counts[key] for key in BUCKET_KEYS if key in counts})


def _first_bucket(keys: tuple[str, ...], flags) -> str | None:
    """The bucket an event is shown in: the first of its buckets, in the order of BUCKETS."""
    for key, flag in zip(keys, flags, strict=True):
        if flag:
            return key
    return None


def _waiting_query(conditions: dict[str, Q]) -> QuerySet | None:
    """(pk, then one flag per bucket) of the events in any bucket, in worklist order (None:
    the user has no bucket). One scan: PostgreSQL plans a UNION ALL of the buckets in
    parallel workers, whose start costs more than the whole query.

    The database sorts the few hundred rows: their deadlines never come back to Python,
    where reading one timestamp costs more than sorting them all."""
    if not conditions:
        return None
    flags = {
        f"in_{key}": ExpressionWrapper(condition, output_field=BooleanField())
        for key, condition in conditions.items()
    }
    return (
        Event.objects.filter(_any(list(conditions.values())))
        .annotate(**flags)
        .order_by(deadlines.running_due_expression().asc(nulls_last=True), "pk")
        .values_list("pk", *flags)
    )


def _held_waiting_query(user) -> tuple[tuple[str, ...], Kept | None]:
    """The user's bucket keys and `_waiting_query`, built once per process and roles."""
    if user.pk is None:
        return (), None
    version = (getattr(user, "roles_version", None), user.is_active)
    held = _held_queries.get(user.pk)
    if held is not None and held[0] == version:
        return held[1], held[2]
    conditions = bucket_conditions(user)
    query = _waiting_query(conditions)
    keys, query = tuple(conditions), None if query is None else Kept(query)
    if len(_held_queries) >= _HELD_QUERIES:
        _held_queries.clear()
    _held_queries[user.pk] = (version, keys, query)
    return keys, query


def events_of(entries: list[Entry], events: QuerySet[Event] | None = None) -> list[Event]:
    """The events of `entries` (a page of them), in their order, each carrying the entry's
    `bucket` and its running deadline `due`, read in one query from `events` (by default
    every event; a page passes the related rows it shows)."""
    events = Event.objects.all() if events is None else events
    by_pk = {event.pk: event for event in events.filter(pk__in=[e.pk for e in entries]).order_by()}
    found = []
    for entry in entries:
        event = by_pk.get(entry.pk)
        if event is None:  # deleted since the worklist was read
            continue
        event.bucket, event.due = entry.bucket, deadlines.running_due(event)
        found.append(event)
    return found
