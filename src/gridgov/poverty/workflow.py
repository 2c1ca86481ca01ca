"""The monitoring workflow (design.md: found → village review → township approval →
monitoring → risk cleared → closed): one table, one function, like the event workflow.

`TABLE` says, for every action, the states it may start from, the state it leads to and
the permission it needs. `transition()` is the only way a monitored household changes
state: it checks scope (404), permission (403) and state (409, listing what is possible),
locks the row, bumps the version, and writes the timeline step and the audit entry.
Finding a household (`actions.find_household`) creates the record in state `found`.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.scope import has_permission
from gridgov.poverty.choices import ClearedHow, State
from gridgov.poverty.models import MonitoredHousehold, MonitoringStep
from gridgov.registry.actions import PermissionDenied as RegistryPermissionDenied
from gridgov.registry.actions import VersionConflict


class PermissionDenied(RegistryPermissionDenied):
    """The actor can see the household but this step is not theirs (HTTP 403)."""


class IllegalTransition(Exception):
    """The step is not possible in the current state (HTTP 409); `allowed` lists the steps
    the actor can take now."""

    def __init__(self, action: str, state: str, allowed: list[str]):
        super().__init__(
            f"当前状态不能执行此操作 '{action}' is not possible in state {state}; "
            f"possible now: {', '.join(allowed) or 'nothing'}."
        )
        self.action = action
        self.state = state
        self.allowed = allowed


@dataclass(frozen=True)
class Transition:
    """One row of the workflow table."""

    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str
    needs_note: bool = False


# In the order of a household's life; docs/users/poverty-monitoring.md shows it as a table.
TABLE: tuple[Transition, ...] = (
    Transition(
        "village_approve", "村级审核通过", (State.FOUND,), State.VILLAGE_REVIEWED, "poverty.review"
    ),
    Transition(
        "send_back", "退回补充", (State.FOUND,), State.RETURNED, "poverty.review", needs_note=True
    ),
    Transition("resubmit", "补充后重新提交", (State.RETURNED,), State.FOUND, "poverty.report"),
    Transition(
        "township_approve",
        "乡镇审批纳入监测",
        (State.VILLAGE_REVIEWED,),
        State.MONITORING,
        "poverty.approve",
    ),
    Transition(
        "refuse",
        "不予纳入",
        (State.VILLAGE_REVIEWED,),
        State.REFUSED,
        "poverty.approve",
        needs_note=True,
    ),
    Transition(
        "clear_risk", "风险消除", (State.MONITORING,), State.RISK_CLEARED, "poverty.approve"
    ),
    Transition("close", "关闭", (State.RISK_CLEARED,), State.CLOSED, "poverty.approve"),
)
TRANSITIONS = {spec.action: spec for spec in TABLE}
ACTIONS = tuple(TRANSITIONS)

_AUDITED = ["state", "cleared_how", "monitoring_since", "cleared_on", "closed_on", "version"]


def allowed_actions(monitored: MonitoredHousehold, actor) -> list[str]:
    """The steps `actor` can take on the household now, in the table's order."""
    return [
        spec.action
        for spec in TABLE
        if monitored.state in spec.sources
        and has_permission(actor, spec.permission, monitored.region_code)
    ]


def transition(
    monitored: MonitoredHousehold,
    action: str,
    *,
    actor,
    note: str = "",
    cleared_how: str = "",
    expected_version: int | None = None,
) -> MonitoringStep:
    """Take `action` as `actor`; returns the timeline step. `monitored` is updated."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise ValidationError({"action": f"未知操作 Unknown action: {action}."})
    note = (note or "").strip()
    with transaction.atomic():
        if not MonitoredHousehold.objects.visible_to(actor).filter(pk=monitored.pk).exists():
            raise Http404
        locked = MonitoredHousehold.objects.select_for_update().get(pk=monitored.pk)
        if not has_permission(actor, spec.permission, locked.region_code):
            raise PermissionDenied(spec.permission)
        if expected_version is not None and expected_version != locked.version:
            raise VersionConflict(locked.version)
        if locked.state not in spec.sources:
            raise IllegalTransition(action, locked.state, allowed_actions(locked, actor))
        if spec.needs_note and not note:
            raise ValidationError({"note": "请说明原因 Say why."})
        before = audit.snapshot(locked, _AUDITED)
        today = timezone.localdate()
        if action == "clear_risk":
            if cleared_how not in ClearedHow.values:
                raise ValidationError(
                    {"cleared_how": "请选择风险消除方式 Choose how the risk was cleared."}
                )
            locked.cleared_how = cleared_how
            locked.cleared_on = today
        elif action == "township_approve":
            locked.monitoring_since = today
        elif action == "close":
            locked.closed_on = today
        from_state = locked.state
        locked.state = spec.target
        locked.version += 1
        locked.save()
        step = record_step(locked, action, actor=actor, from_state=from_state, note=note)
        audit.record(
            actor=actor,
            action=f"poverty.{action}",
            instance=locked,
            region_code=locked.region_code,
            before=before,
            after=audit.snapshot(locked, _AUDITED),
            reason=note,
        )
    for field in ("state", "cleared_how", "monitoring_since", "cleared_on", "closed_on"):
        setattr(monitored, field, getattr(locked, field))
    monitored.version = locked.version
    return step


def record_step(
    monitored: MonitoredHousehold, action: str, *, actor, from_state: str, note: str = ""
) -> MonitoringStep:
    return MonitoringStep.objects.create(
        monitored=monitored,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor) if actor is not None else "系统 system",
        from_state=from_state,
        to_state=monitored.state,
        note=note,
        created_at=timezone.now(),
    )
