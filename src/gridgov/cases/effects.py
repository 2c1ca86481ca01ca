"""What each workflow action does to an event, beyond the state change the table declares.

`workflow.transition()` has already checked permission, scope and state and locked the row
when an effect runs. An effect reads its inputs from `change` (raising ValidationError, in
the user's language and naming the field, when one is missing or wrong), changes the event
and its related rows, and says who should hear about it. When an action can lead to more
than one state (the table lists them), the effect returns the one it chose.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F

from gridgov.accounts.models import Department
from gridgov.cases import deadlines, notifications
from gridgov.cases.choices import (
    ACTIVE_ASSIGNMENT_STATES,
    LEVEL_CODE_LENGTH,
    OPEN_STATES,
    AssignmentRole,
    AssignmentState,
    NotificationKind,
    RequestKind,
    RequestState,
    State,
    level_above,
    level_rank,
)
from gridgov.cases.models import (
    ApprovalRequest,
    EscalationRule,
    Event,
    EventAssignment,
    EventStep,
)

REOPEN_DAYS = 30


@dataclass
class Change:
    """One action in progress: its inputs, and what it will write besides the event."""

    event: Event
    actor: Any
    now: datetime
    details: dict[str, Any]
    department: Department | None = None  # the department the actor acts for
    note: str = ""
    step_details: dict[str, Any] = field(default_factory=dict)
    messages: list[tuple[list, str, str, Event | None]] = field(default_factory=list)
    other_steps: list[EventStep] = field(default_factory=list)

    def take(self, name: str, *, required: bool = False, default: Any = None) -> Any:
        value = self.details.pop(name, default)
        if required and value in (None, "", [], ()):
            raise ValidationError({name: "必填 This field is required."})
        return value

    def take_note(self, name: str = "note", *, required: bool = False) -> str:
        self.note = str(self.take(name, required=required, default="") or "").strip()
        if required and not self.note:
            raise ValidationError({name: "必填 This field is required."})
        return self.note

    def tell(self, users, kind: str, text: str, *, about: Event | None = None) -> None:
        """Notify `users` once the change is written (about this event, or `about`)."""
        self.messages.append((list(users), kind, text, about))


def _label(event: Event) -> str:
    return f"{event.tracking_code}「{event.title}」"


# --- Accepting, rejecting, merging, escalating ----------------------------------------------


def accept(change: Change) -> None:
    change.take_note()
    change.event.accepted_at = change.now
    change.event.assignee = change.actor


def reject(change: Change) -> None:
    change.take_note("reason", required=True)
    change.tell(
        [change.event.reporter],
        NotificationKind.CLOSED,
        f"不予受理 Not accepted: {_label(change.event)}",
    )


def merge(change: Change) -> None:
    """Merge a duplicate into another open event: both timelines say so, and both reporters
    are told, so the first reporter hears when the case they share is closed."""
    event = change.event
    target_id = change.take("into", required=True)
    target_id = getattr(target_id, "pk", target_id)
    target = (
        Event.objects.visible_to(change.actor)
        .select_for_update()
        .filter(pk=target_id, state__in=OPEN_STATES)
        .exclude(pk=event.pk)
        .first()
    )
    if target is None:
        raise ValidationError(
            {"into": "找不到可合并的在办事件 No open event to merge into was found."}
        )
    change.take_note()
    event.merged_into = target
    change.step_details["into"] = target.pk
    Event.objects.filter(pk=target.pk).update(version=F("version") + 1)
    change.other_steps.append(
        EventStep(
            event=target,
            action="merge_in",
            note=f"并入重复事件 Duplicate merged in: {_label(event)}",
            details={"duplicate": event.pk},
        )
    )
    change.tell([event.reporter], NotificationKind.MERGED, f"已并入 Merged into {_label(target)}")
    change.tell(
        [target.reporter],
        NotificationKind.MERGED,
        f"重复上报已并入 A duplicate report of {_label(target)} was merged in",
        about=target,
    )


def escalate_targets(event: Event) -> list[str]:
    """The levels this event may be escalated to: the next one, and, when a skip-level
    rule covers its category and urgency, every level up to the rule's target."""
    next_level = level_above(event.level)
    if next_level is None:
        return []
    allowed = [next_level]
    rule = _skip_level_rule(event)
    if rule is not None:
        level = next_level
        while level_rank(level) < level_rank(rule.target_level):
            level = level_above(level)
            allowed.append(level)
    return allowed


def _skip_level_rule(event: Event) -> EscalationRule | None:
    lineage = event.category.lineage()
    rules = {
        rule.category_id: rule
        for rule in EscalationRule.objects.filter(
            category__in=[c.pk for c in lineage], urgency=event.urgency
        )
    }
    for category in lineage:
        if category.pk in rules:
            return rules[category.pk]
    return None


def escalate(change: Change) -> None:
    """Hand the event up: to the next level, or, for what a skip-level rule covers, straight
    to the rule's level (the default then), with a copy to each level passed over."""
    event = change.event
    allowed = escalate_targets(event)
    target = change.take("to_level") or allowed[-1]
    if target not in allowed:
        raise ValidationError(
            {"to_level": "不能越级上报到该层级 The event cannot be escalated to that level."}
        )
    change.take_note()
    skipped = allowed[: allowed.index(target)]
    from_level = event.level
    event.place_at(target)
    event.assignee = None
    change.step_details["to_level"] = target
    if skipped:
        codes = [event.region_code[: LEVEL_CODE_LENGTH[level]] for level in skipped]
        change.step_details["copied_to"] = codes
        for code in codes:
            change.tell(
                notifications.unit_users(code, "cases.accept"),
                NotificationKind.COPY,
                f"抄告：越级上报 Copy: escalated past you from {from_level} to {target}: {_label(event)}",
            )
    change.tell(
        notifications.unit_users(event.holder_code, "cases.accept"),
        NotificationKind.ASSIGNMENT,
        f"上报待受理 Escalated to you: {_label(event)}",
    )


def resolve(change: Change) -> None:
    """就地解决: a grid worker settles a small matter on the spot; the evidence is kept and
    the result is still verified by someone else."""
    change.take_note("evidence", required=True)
    _mark_handled(change)


# --- Dispatching to departments -------------------------------------------------------------


def _department(change: Change, value, name: str) -> Department:
    department_id = getattr(value, "pk", value)
    department = (
        Department.objects.visible_to(change.actor).filter(pk=department_id, is_active=True).first()
    )
    if department is None or not change.event.region_code.startswith(department.region_code):
        raise ValidationError(
            {
                name: "该部门不能承办此事件 That department cannot take this event (not found, "
                "not in use, or not responsible for its area)."
            }
        )
    return department


def dispatch(change: Change) -> None:
    """派遣: one lead department answers for the result; assisting departments each do and
    report their part."""
    event = change.event
    lead = _department(change, change.take("lead", required=True), "lead")
    assisting = [_department(change, item, "assisting") for item in change.take("assisting") or []]
    ids = [lead.pk] + [d.pk for d in assisting]
    if len(set(ids)) != len(ids):
        raise ValidationError({"assisting": "主办和协办部门不能重复 A department is named twice."})
    change.take_note()
    EventAssignment.objects.bulk_create(
        [
            EventAssignment(
                event=event, department=lead, role=AssignmentRole.LEAD, dispatched_at=change.now
            )
        ]
        + [
            EventAssignment(
                event=event, department=d, role=AssignmentRole.ASSISTING, dispatched_at=change.now
            )
            for d in assisting
        ]
    )
    event.lead_department = lead
    event.dispatched_at = change.now
    event.assignee = None
    change.step_details.update({"lead": lead.pk, "assisting": [d.pk for d in assisting]})
    change.tell(
        notifications.department_users(ids),
        NotificationKind.ASSIGNMENT,
        f"派遣待接收 Dispatched to your department: {_label(event)}",
    )


def _own_assignment(change: Change, role: str | None = None) -> EventAssignment:
    assignments = change.event.assignments.filter(
        department=change.department, state__in=ACTIVE_ASSIGNMENT_STATES
    )
    if role is not None:
        assignments = assignments.filter(role=role)
    assignment = assignments.select_for_update().first()
    if assignment is None:  # the permission check found it; this is a programming error
        raise ValidationError("no active assignment for the acting department")
    return assignment


def department_accept(change: Change) -> None:
    change.take_note()
    assignment = _own_assignment(change, AssignmentRole.LEAD)
    _accept_assignment(change, assignment)
    change.event.assignee = change.actor


def assist_accept(change: Change) -> None:
    change.take_note()
    _accept_assignment(change, _own_assignment(change, AssignmentRole.ASSISTING))


def _accept_assignment(change: Change, assignment: EventAssignment) -> None:
    if assignment.state != AssignmentState.DISPATCHED:
        raise ValidationError("已接收 Your department has already accepted this case.")
    assignment.state = AssignmentState.ACCEPTED
    assignment.accepted_at = change.now
    assignment.save(update_fields=["state", "accepted_at"])


def report_part(change: Change) -> None:
    """An assisting department reports its part; the lead cannot finish before all have."""
    result = change.take_note("result", required=True)
    assignment = _own_assignment(change, AssignmentRole.ASSISTING)
    if assignment.state not in (AssignmentState.DISPATCHED, AssignmentState.ACCEPTED):
        raise ValidationError("不能反馈 Your department's part cannot be reported now.")
    _report_assignment(change, assignment, result)
    change.tell(
        notifications.handlers_of(change.event),
        NotificationKind.ASSIGNMENT,
        f"协办部门已反馈 An assisting department reported: {_label(change.event)}",
    )


def _report_assignment(change: Change, assignment: EventAssignment, result: str) -> None:
    assignment.state = AssignmentState.REPORTED
    assignment.report = result
    assignment.reported_at = change.now
    assignment.save(update_fields=["state", "report", "reported_at"])


def report(change: Change) -> None:
    """反馈: the result of handling, by the lead department, or by the holding unit when it
    handled the event itself. It then goes to the originating unit for verification."""
    event = change.event
    result = change.take_note("result", required=True)
    if event.lead_department_id:
        waiting = list(
            event.assignments.filter(
                role=AssignmentRole.ASSISTING,
                state__in=[AssignmentState.DISPATCHED, AssignmentState.ACCEPTED],
            ).select_related("department")
        )
        if waiting:
            names = "、".join(a.department.name for a in waiting)
            raise ValidationError(
                {
                    "result": f"协办部门尚未反馈：{names} Assisting departments have not reported yet: {names}"
                }
            )
        _report_assignment(change, _own_assignment(change, AssignmentRole.LEAD), result)
    _mark_handled(change)


def _mark_handled(change: Change) -> None:
    event = change.event
    event.handled_at = change.now
    event.handled_by = change.actor
    change.tell(
        notifications.unit_users(event.origin_code, "cases.verify"),
        NotificationKind.ASSIGNMENT,
        f"已办结待核查 Handled, please verify: {_label(event)}",
    )


# --- Requests and their approval -------------------------------------------------------------


def _pending(event: Event, kind: str) -> list[ApprovalRequest]:
    return list(
        event.requests.filter(kind=kind, state=RequestState.PENDING)
        .select_related("assignment__department", "requested_by")
        .select_for_update(of=("self",))
    )


def has_pending(kind: str):
    def guard(event: Event, now: datetime) -> bool:
        return event.requests.filter(kind=kind, state=RequestState.PENDING).exists()

    return guard


def has_no_pending(kind: str):
    def guard(event: Event, now: datetime) -> bool:
        return not event.requests.filter(kind=kind, state=RequestState.PENDING).exists()

    return guard


def _ask(change: Change, kind: str, **fields) -> ApprovalRequest:
    request = ApprovalRequest.objects.create(
        event=change.event,
        kind=kind,
        reason=change.note,
        requested_by=change.actor,
        requested_at=change.now,
        **fields,
    )
    change.step_details["request"] = request.pk
    change.tell(
        notifications.approvers_of(change.event),
        NotificationKind.RETURNED if kind == RequestKind.RETURN else NotificationKind.APPROVAL,
        f"{request.get_kind_display()}申请待审批 A {kind} request awaits your decision: "
        f"{_label(change.event)}",
    )
    return request


def _decide(change: Change, kind: str, approved: bool) -> ApprovalRequest:
    pending = _pending(change.event, kind)
    if kind == RequestKind.RETURN and len(pending) > 1:
        department = change.take("department", required=True)
        department_id = getattr(department, "pk", department)
        pending = [r for r in pending if r.assignment.department_id == department_id]
        if not pending:
            raise ValidationError({"department": "该部门没有待审批的回退申请 No pending return."})
    request = pending[0]
    change.take("department")
    change.take_note()
    request.state = RequestState.APPROVED if approved else RequestState.REFUSED
    request.decided_by = change.actor
    request.decided_at = change.now
    request.decision_note = change.note
    change.step_details["request"] = request.pk
    verdict = "已批准 approved" if approved else "未批准 refused"
    change.tell(
        [request.requested_by],
        NotificationKind.DECISION,
        f"{request.get_kind_display()}申请{verdict}: {_label(change.event)}",
    )
    return request


def request_return(change: Change) -> None:
    """回退: a department says the case is not theirs; the dispatcher decides."""
    change.take_note("reason", required=True)
    assignment = _own_assignment(change)
    if assignment.state == AssignmentState.RETURN_REQUESTED:
        raise ValidationError("已申请回退 A return is already pending for your department.")
    _ask(change, RequestKind.RETURN, assignment=assignment)
    assignment.state = AssignmentState.RETURN_REQUESTED
    assignment.save(update_fields=["state"])


def approve_return(change: Change) -> str | None:
    """The department is released. When the lead goes, the whole dispatch is undone and the
    case goes back to the dispatcher to send to the right department."""
    request = _decide(change, RequestKind.RETURN, approved=True)
    request.save()
    assignment = request.assignment
    assignment.state = AssignmentState.RETURNED
    assignment.ended_at = change.now
    assignment.save(update_fields=["state", "ended_at"])
    change.step_details["department"] = assignment.department_id
    if assignment.role != AssignmentRole.LEAD:
        return None
    event = change.event
    event.active_assignments().update(state=AssignmentState.WITHDRAWN, ended_at=change.now)
    event.lead_department = None
    event.assignee = None
    return State.ACCEPTED


def refuse_return(change: Change) -> None:
    request = _decide(change, RequestKind.RETURN, approved=False)
    request.save()
    assignment = request.assignment
    assignment.state = (
        AssignmentState.ACCEPTED if assignment.accepted_at else AssignmentState.DISPATCHED
    )
    assignment.save(update_fields=["state"])


def request_extension(change: Change) -> None:
    amount = change.take("amount", required=True)
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= 365:
        raise ValidationError({"amount": "须为 1 到 365 的整数 A whole number from 1 to 365."})
    change.take_note("reason", required=True)
    _ask(
        change,
        RequestKind.EXTENSION,
        amount=amount,
        unit=change.event.deadline_unit,
        previous_due=change.event.handle_due,
    )


def approve_extension(change: Change) -> None:
    """延期: the handling deadline and its red limit move by the amount asked."""
    request = _decide(change, RequestKind.EXTENSION, approved=True)
    previous, new = deadlines.extend(change.event, request.amount)
    request.previous_due, request.new_due = previous, new
    request.save()
    change.step_details.update({"previous_due": previous.isoformat(), "new_due": new.isoformat()})


def refuse_extension(change: Change) -> None:
    _decide(change, RequestKind.EXTENSION, approved=False).save()


def request_suspension(change: Change) -> None:
    change.take_note("reason", required=True)
    _ask(change, RequestKind.SUSPENSION)


def approve_suspension(change: Change) -> None:
    """挂账: the case waits on something outside anyone's control (a court ruling, the
    season); its clock stops until it is resumed."""
    _decide(change, RequestKind.SUSPENSION, approved=True).save()
    change.event.state_before_suspension = change.event.state
    deadlines.pause(change.event, change.now)


def refuse_suspension(change: Change) -> None:
    _decide(change, RequestKind.SUSPENSION, approved=False).save()


def resume(change: Change) -> str:
    change.take_note()
    paused: timedelta = deadlines.resume(change.event, change.now)
    change.step_details["suspended_seconds"] = int(paused.total_seconds())
    state = change.event.state_before_suspension
    change.event.state_before_suspension = ""
    change.tell(
        notifications.handlers_of(change.event),
        NotificationKind.ASSIGNMENT,
        f"恢复办理 Resumed: {_label(change.event)}",
    )
    return state


# --- Verification, closure, rating, reopening -------------------------------------------------


def verify(change: Change) -> None:
    change.take_note()
    change.event.verified_at = change.now
    change.event.assignments.filter(state=AssignmentState.REPORTED).update(
        state=AssignmentState.COMPLETED, ended_at=change.now
    )


def rework(change: Change) -> None:
    """返工: the result does not hold; whoever handled it does it again, on a new clock."""
    event = change.event
    change.take_note("reason", required=True)
    if event.lead_department_id:
        event.assignments.filter(role=AssignmentRole.LEAD, state=AssignmentState.REPORTED).update(
            state=AssignmentState.ACCEPTED, reported_at=None
        )
    event.handled_at = None
    event.handled_by = None
    change.tell(
        notifications.handlers_of(event),
        NotificationKind.REWORK,
        f"核查未通过，请返工 Rework: {_label(event)}",
    )


def close(change: Change) -> None:
    event = change.event
    change.take_note()
    event.closed_at = change.now
    reporters = [event.reporter] + [d.reporter for d in event.duplicates.select_related("reporter")]
    change.tell(reporters, NotificationKind.CLOSED, f"已结案 Closed: {_label(event)}")


def not_rated(event: Event, now: datetime) -> bool:
    return event.satisfaction is None


def rate(change: Change) -> None:
    """满意度: the reporter rates the answer, or the grid worker records the resident's
    rating on their behalf (the step says which)."""
    score = change.take("score", required=True)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationError({"score": "须为 1 到 5 的整数 A whole number from 1 to 5."})
    change.take_note("comment")
    change.event.satisfaction = score
    by_resident = change.actor.pk is None  # a resident with their tracking code
    on_behalf = not by_resident and change.actor.pk != change.event.reporter_id
    change.step_details.update({"score": score, "on_behalf": on_behalf})


def within_reopen_window(event: Event, now: datetime) -> bool:
    return event.closed_at is not None and now - event.closed_at <= timedelta(days=REOPEN_DAYS)


def reopen(change: Change) -> None:
    """The matter is not solved after all: the case starts again at the unit that held it,
    keeping its history."""
    event = change.event
    change.take_note("reason", required=True)
    event.satisfaction = None
    event.lead_department = None
    event.assignee = None
    event.handled_by = None
    event.verified_at = None
    change.tell(
        notifications.unit_users(event.holder_code, "cases.accept"),
        NotificationKind.ASSIGNMENT,
        f"事件重新打开 Reopened: {_label(event)}",
    )
