"""The event workflow (design decision 5): one table, one function.

`TRANSITIONS` says, for every action, the states it may start from, the state it leads to,
the permission it needs, whose action it is (the holding unit, the lead department, the
unit that reported …), at which levels it applies, and which deadline clock it starts.
`transition()` is the only way an event changes state: it checks scope and permission,
locks the row, checks the state, applies the action's effect (`cases.effects`), restarts
the clock, bumps the version, and writes the timeline step and the audit entry, all in one
transaction. An `idempotency_key` makes a retried action return its first result.

Errors: an event the actor cannot see is `Http404` (the same as a missing one); an action
that is not theirs is `PermissionDenied`; an action that is theirs but not possible now is
`IllegalTransition`, which lists what they can do now.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.scope import assignments_with
from gridgov.cases import deadlines, effects, notifications
from gridgov.cases.choices import (
    ACTIVE_ASSIGNMENT_STATES,
    HANDLE_STATES,
    LEVEL_ORDER,
    AssignmentRole,
    Level,
    RequestKind,
    RequestState,
    State,
)
from gridgov.cases.models import ActionReceipt, Event, EventStep

# --- Errors --------------------------------------------------------------------------------


class PermissionDenied(DjangoPermissionDenied):
    """The actor can see the event but this action is not theirs to take."""

    def __init__(self, action: str):
        super().__init__(f"无权执行此操作 You may not {action} this event (not your role or unit).")
        self.action = action


class IllegalTransition(Exception):
    """The action is not possible in the event's current state (HTTP 409); `allowed` lists
    the actions the actor can take now."""

    def __init__(self, action: str, state: str, allowed: list[str]):
        super().__init__(
            f"当前状态不能执行此操作 '{action}' is not possible while the event is {state}; "
            f"possible now: {', '.join(allowed) or 'nothing'}."
        )
        self.action = action
        self.state = state
        self.allowed = allowed


class VersionConflict(Exception):
    """The event changed since the client read it (a stale ETag / If-Match, HTTP 412)."""

    def __init__(self, current_version: int):
        super().__init__(f"current version is {current_version}")
        self.current_version = current_version


class ResidentReporter:
    """A resident without an account, acting on the event they reported: the tracking code
    they were given proves it. Such a reporter may take the reporter's actions (rate,
    reopen) on that one event, and nothing else."""

    pk = None
    is_authenticated = False
    is_active = False

    def __init__(self, tracking_code: str):
        self.tracking_code = (tracking_code or "").strip().upper()

    def __str__(self) -> str:
        return "群众 resident"

    def owns(self, event: Event) -> bool:
        return bool(self.tracking_code) and self.tracking_code == event.tracking_code


# --- Whose action it is --------------------------------------------------------------------

HOLDER = "holder"  # the unit holding the event, or a unit above it
HANDLER = "handler"  # the lead department once dispatched, else the holding unit
LEAD = "lead"  # the lead department (主办)
ASSISTING = "assisting"  # an assisting department (协办) with an active part
ASSIGNED = "assigned"  # any department with an active part
APPROVER = "approver"  # a dispatching centre over the holder, not the person who asked
ORIGIN = "origin"  # the unit that reported the event, or above; not who handled it
REPORTER = "reporter"  # the reporter, or staff over the event's grid on their behalf

WHO_TEXT = {
    HOLDER: "holding unit or above",
    HANDLER: "lead department, else holding unit",
    LEAD: "lead department",
    ASSISTING: "assisting department",
    ASSIGNED: "any dispatched department",
    APPROVER: "dispatching centre, not the requester",
    ORIGIN: "originating unit, not the handler",
    REPORTER: "reporter, or grid staff for them",
}

ALL_LEVELS = tuple(LEVEL_ORDER)
CENTRES = (Level.TOWNSHIP, Level.COUNTY)
SUSPENDABLE = HANDLE_STATES  # a case is suspended while it is being handled
ASSIGNED_STATES = (State.DISPATCHED, State.IN_PROGRESS)


@dataclass(frozen=True)
class Transition:
    """One row of the workflow table."""

    action: str
    label: str
    sources: tuple[str, ...]
    targets: tuple[str | None, ...]  # None: the state does not change
    permission: str
    who: str
    effect: Callable
    levels: tuple[str, ...] = ALL_LEVELS
    clock: str = ""  # accept / handle / verify start that stage; stop, pause, resume, extend
    guard: Callable[[Event, datetime], bool] | None = None
    guard_text: str = ""
    request_kind: str = ""  # for approvals: the kind of request decided


UNCHANGED = (None,)

# The workflow. Keep it in the order of a case's life; docs/development/workflow.md shows
# it as a table (a test keeps the page equal to this).
TABLE: tuple[Transition, ...] = (
    Transition(
        action="accept",
        label="受理",
        sources=(State.REPORTED,),
        targets=(State.ACCEPTED,),
        permission="cases.accept",
        who=HOLDER,
        effect=effects.accept,
        clock="handle",
    ),
    # A resident's request is never turned away by one person in the field: rejecting
    # is a decision of a village or a centre.
    Transition(
        action="reject",
        label="不予受理",
        sources=(State.REPORTED,),
        targets=(State.REJECTED,),
        permission="cases.accept",
        who=HOLDER,
        effect=effects.reject,
        levels=(Level.VILLAGE, *CENTRES),
        clock="stop",
    ),
    Transition(
        action="merge",
        label="合并",
        sources=(State.REPORTED, State.ACCEPTED),
        targets=(State.MERGED,),
        permission="cases.accept",
        who=HOLDER,
        effect=effects.merge,
        clock="stop",
    ),
    Transition(
        action="resolve",
        label="就地解决",
        sources=(State.REPORTED, State.ACCEPTED),
        targets=(State.HANDLED,),
        permission="cases.resolve",
        who=HOLDER,
        effect=effects.resolve,
        levels=(Level.GRID,),
        clock="verify",
    ),
    Transition(
        action="escalate",
        label="上报",
        sources=(State.REPORTED, State.ACCEPTED),
        targets=(State.REPORTED,),
        permission="cases.accept",
        who=HOLDER,
        effect=effects.escalate,
        levels=(Level.GRID, Level.VILLAGE, Level.TOWNSHIP),
        clock="accept",
    ),
    Transition(
        action="dispatch",
        label="派遣",
        sources=(State.ACCEPTED,),
        targets=(State.DISPATCHED,),
        permission="cases.dispatch",
        who=HOLDER,
        effect=effects.dispatch,
        levels=CENTRES,
        clock="handle",
    ),
    Transition(
        action="department_accept",
        label="部门签收",
        sources=(State.DISPATCHED,),
        targets=(State.IN_PROGRESS,),
        permission="cases.handle",
        who=LEAD,
        effect=effects.department_accept,
    ),
    Transition(
        action="assist_accept",
        label="协办签收",
        sources=ASSIGNED_STATES,
        targets=UNCHANGED,
        permission="cases.handle",
        who=ASSISTING,
        effect=effects.assist_accept,
    ),
    Transition(
        action="report_part",
        label="协办反馈",
        sources=ASSIGNED_STATES,
        targets=UNCHANGED,
        permission="cases.handle",
        who=ASSISTING,
        effect=effects.report_part,
    ),
    Transition(
        action="report",
        label="办结反馈",
        sources=(State.ACCEPTED, State.IN_PROGRESS),
        targets=(State.HANDLED,),
        permission="cases.handle",
        who=HANDLER,
        effect=effects.report,
        clock="verify",
    ),
    Transition(
        action="request_return",
        label="申请回退",
        sources=ASSIGNED_STATES,
        targets=UNCHANGED,
        permission="cases.handle",
        who=ASSIGNED,
        effect=effects.request_return,
    ),
    Transition(
        action="approve_return",
        label="同意回退",
        sources=ASSIGNED_STATES,
        targets=(None, State.ACCEPTED),
        permission="cases.dispatch",
        who=APPROVER,
        effect=effects.approve_return,
        guard=effects.has_pending(RequestKind.RETURN),
        guard_text="a return is pending",
        request_kind=RequestKind.RETURN,
    ),
    Transition(
        action="refuse_return",
        label="不同意回退",
        sources=ASSIGNED_STATES,
        targets=UNCHANGED,
        permission="cases.dispatch",
        who=APPROVER,
        effect=effects.refuse_return,
        guard=effects.has_pending(RequestKind.RETURN),
        guard_text="a return is pending",
        request_kind=RequestKind.RETURN,
    ),
    Transition(
        action="request_extension",
        label="申请延期",
        sources=HANDLE_STATES,
        targets=UNCHANGED,
        permission="cases.handle",
        who=HANDLER,
        effect=effects.request_extension,
        guard=effects.has_no_pending(RequestKind.EXTENSION),
        guard_text="no extension pending",
    ),
    Transition(
        action="approve_extension",
        label="批准延期",
        sources=HANDLE_STATES,
        targets=UNCHANGED,
        permission="cases.dispatch",
        who=APPROVER,
        effect=effects.approve_extension,
        clock="extend",
        guard=effects.has_pending(RequestKind.EXTENSION),
        guard_text="an extension is pending",
        request_kind=RequestKind.EXTENSION,
    ),
    Transition(
        action="refuse_extension",
        label="不批准延期",
        sources=HANDLE_STATES,
        targets=UNCHANGED,
        permission="cases.dispatch",
        who=APPROVER,
        effect=effects.refuse_extension,
        guard=effects.has_pending(RequestKind.EXTENSION),
        guard_text="an extension is pending",
        request_kind=RequestKind.EXTENSION,
    ),
    Transition(
        action="request_suspension",
        label="申请挂账",
        sources=SUSPENDABLE,
        targets=UNCHANGED,
        permission="cases.handle",
        who=HANDLER,
        effect=effects.request_suspension,
        guard=effects.has_no_pending(RequestKind.SUSPENSION),
        guard_text="no suspension pending",
    ),
    Transition(
        action="approve_suspension",
        label="批准挂账",
        sources=SUSPENDABLE,
        targets=(State.SUSPENDED,),
        permission="cases.dispatch",
        who=APPROVER,
        effect=effects.approve_suspension,
        clock="pause",
        guard=effects.has_pending(RequestKind.SUSPENSION),
        guard_text="a suspension is pending",
        request_kind=RequestKind.SUSPENSION,
    ),
    Transition(
        action="refuse_suspension",
        label="不批准挂账",
        sources=SUSPENDABLE,
        targets=UNCHANGED,
        permission="cases.dispatch",
        who=APPROVER,
        effect=effects.refuse_suspension,
        guard=effects.has_pending(RequestKind.SUSPENSION),
        guard_text="a suspension is pending",
        request_kind=RequestKind.SUSPENSION,
    ),
    Transition(
        action="resume",
        label="恢复办理",
        sources=(State.SUSPENDED,),
        targets=SUSPENDABLE,
        permission="cases.dispatch",
        who=HOLDER,
        effect=effects.resume,
        clock="resume",
    ),
    Transition(
        action="verify",
        label="核查通过",
        sources=(State.HANDLED,),
        targets=(State.VERIFIED,),
        permission="cases.verify",
        who=ORIGIN,
        effect=effects.verify,
        clock="stop",
    ),
    Transition(
        action="rework",
        label="返工",
        sources=(State.HANDLED,),
        targets=(State.IN_PROGRESS,),
        permission="cases.verify",
        who=ORIGIN,
        effect=effects.rework,
        clock="handle",
    ),
    Transition(
        action="close",
        label="结案",
        sources=(State.VERIFIED,),
        targets=(State.CLOSED,),
        permission="cases.accept",
        who=HOLDER,
        effect=effects.close,
        clock="stop",
    ),
    Transition(
        action="rate",
        label="评价",
        sources=(State.CLOSED,),
        targets=UNCHANGED,
        permission="cases.rate",
        who=REPORTER,
        effect=effects.rate,
        guard=effects.not_rated,
        guard_text="not rated yet",
    ),
    Transition(
        action="reopen",
        label="重新打开",
        sources=(State.CLOSED,),
        targets=(State.REPORTED,),
        permission="cases.report",
        who=REPORTER,
        effect=effects.reopen,
        clock="accept",
        guard=effects.within_reopen_window,
        guard_text=f"within {effects.REOPEN_DAYS} days of closing",
    ),
)
TRANSITIONS: dict[str, Transition] = {row.action: row for row in TABLE}


# --- Checks ---------------------------------------------------------------------------------


def _departments_of(actor, permission: str, event: Event) -> dict[int, object]:
    """The departments the actor works for, with `permission`, over the event's area."""
    return {
        a.department_id: a.department
        for a in assignments_with(actor, permission)
        if a.department_id and event.region_code.startswith(a.region_code)
    }


# Which assignments make a department's handler a party to the action.
_ASSIGNMENT_ROLES = {
    LEAD: (AssignmentRole.LEAD,),
    HANDLER: (AssignmentRole.LEAD,),
    ASSISTING: (AssignmentRole.ASSISTING,),
    ASSIGNED: (AssignmentRole.LEAD, AssignmentRole.ASSISTING),
}


def _acting_department(spec: Transition, actor, event: Event):
    """For department actions: the department the actor acts for here, or None."""
    departments = _departments_of(actor, spec.permission, event)
    if not departments:
        return None
    assignment = event.assignments.filter(
        department_id__in=list(departments),
        role__in=_ASSIGNMENT_ROLES[spec.who],
        state__in=ACTIVE_ASSIGNMENT_STATES,
    ).first()
    return departments[assignment.department_id] if assignment else None


def _unit_may(actor, permission: str, code: str) -> bool:
    """Does the actor hold `permission` over `code` as staff of a unit (a grid, village or
    centre)? Department roles do not count: a handler acts for a department, never as the
    unit holding a case, even though their role sits at the county."""
    return any(
        a.department_id is None and a.region_code and code.startswith(a.region_code)
        for a in assignments_with(actor, permission)
    )


def _requested_only_by(actor, event: Event, kind: str) -> bool:
    requesters = set(
        event.requests.filter(kind=kind, state=RequestState.PENDING).values_list(
            "requested_by_id", flat=True
        )
    )
    return bool(requesters) and requesters == {actor.pk}


def _authorise(spec: Transition, actor, event: Event) -> tuple[bool, object]:
    """(may the actor take this action on this event, the department they act for)."""
    who = spec.who
    if who == HANDLER and not event.lead_department_id:
        who = HOLDER
    if who in _ASSIGNMENT_ROLES:
        department = _acting_department(spec, actor, event)
        return department is not None, department
    if who == HOLDER:
        return _unit_may(actor, spec.permission, event.holder_code), None
    if who == APPROVER:
        # Four eyes: nobody approves their own request.
        allowed = _unit_may(actor, spec.permission, event.holder_code)
        return allowed and not _requested_only_by(actor, event, spec.request_kind), None
    if who == ORIGIN:
        # Four eyes: whoever reported the result does not verify it.
        allowed = _unit_may(actor, spec.permission, event.origin_code)
        return allowed and actor.pk != event.handled_by_id, None
    if isinstance(actor, ResidentReporter):
        return who == REPORTER and actor.owns(event), None
    if who == REPORTER:
        is_reporter = event.reporter_id is not None and actor.pk == event.reporter_id
        return is_reporter or _unit_may(actor, spec.permission, event.region_code), None
    raise ValueError(f"unknown party {who!r}")


def _possible(spec: Transition, event: Event, now: datetime) -> bool:
    if event.state not in spec.sources or event.level not in spec.levels:
        return False
    return spec.guard is None or spec.guard(event, now)


def allowed_actions(event: Event, actor, now: datetime | None = None) -> list[str]:
    """The actions the actor can take on the event now, in the table's order."""
    now = now or timezone.now()
    return [
        action
        for action, spec in TRANSITIONS.items()
        if _possible(spec, event, now) and _authorise(spec, actor, event)[0]
    ]


# --- The one function ----------------------------------------------------------------------

_AUDITED = [
    "state",
    "level",
    "holder_code",
    "lead_department",
    "card",
    "accept_due",
    "handle_due",
    "verify_due",
    "red_due",
    "satisfaction",
    "merged_into",
    "version",
]


def transition(
    event: Event,
    action: str,
    *,
    actor,
    idempotency_key: str = "",
    expected_version: int | None = None,
    **details,
) -> EventStep:
    """Take `action` on `event` as `actor`; returns the timeline step it wrote. The caller's
    `event` object is updated to the new state."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise ValueError(f"unknown action {action!r}")
    with transaction.atomic():
        if not _can_see(actor, event):
            raise Http404
        # The row lock makes concurrent actions on one event take turns; whoever comes
        # second sees the first one's result (and usually an IllegalTransition).
        locked = (
            Event.objects.select_for_update(of=("self",))
            .select_related("category__parent")
            .get(pk=event.pk)
        )
        if isinstance(actor, ResidentReporter):
            idempotency_key = ""  # receipts belong to accounts; a second rating is refused anyway
        if idempotency_key:
            replay = _replay(actor, idempotency_key, locked, action)
            if replay is not None:
                _copy_into(event, locked)
                return replay
        if expected_version is not None and expected_version != locked.version:
            raise VersionConflict(locked.version)
        now = timezone.now()
        permitted, department = _authorise(spec, actor, locked)
        if not permitted:
            raise PermissionDenied(action)
        if not _possible(spec, locked, now):
            raise IllegalTransition(action, locked.state, allowed_actions(locked, actor, now))

        change = effects.Change(
            event=locked, actor=actor, now=now, details=dict(details), department=department
        )
        before = audit.snapshot(locked, _AUDITED)
        from_state, from_level = locked.state, locked.level
        chosen = spec.effect(change)
        if change.details:
            raise TypeError(f"{action}: unexpected details {sorted(change.details)}")
        locked.state = _target(spec, chosen, from_state)
        _run_clock(spec.clock, locked, now)
        locked.version += 1
        locked.save()

        step = EventStep.objects.create(
            event=locked,
            action=action,
            actor=actor if actor.pk is not None else None,
            actor_label=str(actor),
            department=department,
            from_state=from_state,
            to_state=locked.state,
            from_level=from_level,
            to_level=locked.level,
            note=change.note,
            details=change.step_details,
            created_at=now,
        )
        for other in change.other_steps:
            other.actor, other.actor_label, other.created_at = step.actor, str(actor), now
            other.save()
        audit.record(
            actor=actor,
            action=f"cases.{action}",
            instance=locked,
            region_code=locked.region_code,
            before=before,
            after=audit.snapshot(locked, _AUDITED),
            reason=change.note,
        )
        for users, kind, text, about in change.messages:
            notifications.notify(users, about or locked, kind, text)
        if idempotency_key:
            _keep_receipt(actor, idempotency_key, locked, action, step)
    _copy_into(event, locked)
    return step


def _can_see(actor, event: Event) -> bool:
    if isinstance(actor, ResidentReporter):
        return Event.objects.filter(pk=event.pk, tracking_code=actor.tracking_code).exists()
    return Event.objects.visible_to(actor).filter(pk=event.pk).exists()


def _target(spec: Transition, chosen: str | None, current: str) -> str:
    if len(spec.targets) == 1:
        return spec.targets[0] or current
    if chosen not in spec.targets:
        raise ValueError(f"{spec.action} chose {chosen!r}, not one of {spec.targets}")
    return chosen or current


def _run_clock(clock: str, event: Event, now: datetime) -> None:
    if clock in deadlines.STAGES:
        deadlines.start(event, clock, now)
    elif clock == "stop":
        deadlines.stop(event)
    # pause, resume and extend are done by their effects, which know the amounts.


def _replay(actor, key: str, event: Event, action: str) -> EventStep | None:
    receipt = ActionReceipt.objects.filter(actor=actor, key=key).select_related("step").first()
    if receipt is None:
        return None
    if receipt.event_id != event.pk or receipt.action != action:
        raise ValidationError(
            {
                "idempotency_key": "该幂等键已用于另一操作 This Idempotency-Key was used for "
                "another action."
            }
        )
    return receipt.step


def _keep_receipt(actor, key: str, event: Event, action: str, step: EventStep) -> None:
    try:
        with transaction.atomic():
            ActionReceipt.objects.create(
                actor=actor, key=key, event=event, action=action, step=step
            )
    except IntegrityError as error:
        # The same key, at the same moment, on another event: refuse the second.
        raise ValidationError(
            {"idempotency_key": "该幂等键已被使用 This Idempotency-Key is already in use."}
        ) from error


def _copy_into(target: Event, source: Event) -> None:
    """Bring the caller's object up to date (its cached relations are read again)."""
    if target is not source:
        target.refresh_from_db()
