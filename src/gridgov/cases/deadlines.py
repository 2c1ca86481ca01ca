"""The stored deadlines of an event, computed from the rules and the working-day calendar.

An event has one running stage at a time — accepting, handling or verifying — chosen by its
state. Starting a stage stores its yellow deadline (`accept_due`, `handle_due`,
`verify_due`), the red limit (`red_due`) and the warning moment (`warn_at`, 70 % of the way
to the yellow deadline), so that supervision only compares columns with the clock.

Limits in working days follow the calendar; limits in hours (urgent matters) run around the
clock, because a landslide does not wait for Monday.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, F, Q, When

from gridgov.cases import calendar
from gridgov.cases.choices import (
    ACCEPT_STATES,
    HANDLE_STATES,
    VERIFY_STATES,
    DeadlineUnit,
    RuleLevel,
    Urgency,
)

ACCEPT, HANDLE, VERIFY = "accept", "handle", "verify"
STAGES = (ACCEPT, HANDLE, VERIFY)


# The states in which each stage's deadline runs.
STAGE_STATES = {ACCEPT: ACCEPT_STATES, HANDLE: HANDLE_STATES, VERIFY: VERIFY_STATES}


def stage_of(state: str) -> str | None:
    """The stage whose deadline runs while an event is in `state` (None: no clock runs)."""
    return next((stage for stage, states in STAGE_STATES.items() if state in states), None)


def running_due(event) -> datetime | None:
    """The deadline of the stage the event is in (None when no clock runs)."""
    stage = stage_of(event.state)
    return getattr(event, f"{stage}_due") if stage else None


def running_due_expression() -> Case:
    """`running_due` computed by the database, to sort lists (the worklist)."""
    whens = [
        When(state__in=states, then=F(f"{stage}_due")) for stage, states in STAGE_STATES.items()
    ]
    return Case(*whens, default=None)


def overdue_q(now: datetime) -> Q:
    """Events whose running deadline has passed (each stage's own indexed column)."""
    late = Q(pk__in=[])
    for stage, states in STAGE_STATES.items():
        late |= Q(state__in=states, **{f"{stage}_due__lt": now})
    return late


@dataclass(frozen=True)
class Limits:
    """The yellow and red limits of the three stages, as a `DeadlineRule` row holds them."""

    unit: str
    accept: tuple[int, int]
    handle: tuple[int, int]
    verify: tuple[int, int]
    warning_percent: int = 70

    def of(self, stage: str) -> tuple[int, int]:
        return getattr(self, stage)


# design.md's defaults, also seeded as rules without a category by migration 0002 (which
# keeps its own copy: migrations never import app code). They apply when no rule matches.
_DAYS = DeadlineUnit.WORKING_DAYS
_LOCAL_DAYS = Limits(_DAYS, accept=(1, 2), handle=(1, 2), verify=(2, 3))
_DEPARTMENT_DAYS = Limits(_DAYS, accept=(1, 2), handle=(5, 10), verify=(2, 3))
_URGENT_HOURS = Limits(DeadlineUnit.HOURS, accept=(2, 4), handle=(24, 48), verify=(24, 48))


def default_limits(level: str, urgency: str) -> Limits:
    if urgency == Urgency.HIGH:
        return _URGENT_HOURS
    return _DEPARTMENT_DAYS if level == RuleLevel.DEPARTMENT else _LOCAL_DAYS


def limits_for(category, level: str, urgency: str) -> Limits:
    """The rule for this category (or its parent, or the default rule) at this level and
    urgency; the rules are held in memory (`cases.configuration`)."""
    from gridgov.cases import configuration

    lineage = [category.pk, category.parent_id] if category.parent_id else [category.pk]
    rules = configuration.rules_for(lineage, level, urgency)
    if not rules:
        return default_limits(level, urgency)
    rule = rules[0]
    return Limits(
        rule.unit,
        accept=rule.limits(ACCEPT),
        handle=rule.limits(HANDLE),
        verify=rule.limits(VERIFY),
        warning_percent=rule.warning_percent,
    )


# --- Clock arithmetic in either unit ------------------------------------------------------


def add(unit: str, moment: datetime, amount: int) -> datetime:
    if unit == DeadlineUnit.HOURS:
        return moment + timedelta(hours=amount)
    return calendar.add_working_days(moment, amount)


def elapsed(unit: str, start: datetime, end: datetime) -> timedelta:
    if unit == DeadlineUnit.HOURS:
        return max(end - start, timedelta())
    return calendar.working_time_between(start, end)


def shift(unit: str, moment: datetime, duration: timedelta) -> datetime:
    if unit == DeadlineUnit.HOURS:
        return moment + duration
    return calendar.add_working_time(moment, duration)


# --- Applying them to an event ------------------------------------------------------------


def rule_level(event, stage: str) -> str:
    """Which level's limits apply: departments handle on their own (longer) limits, and
    the originating unit verifies."""
    if stage == HANDLE and event.lead_department_id:
        return RuleLevel.DEPARTMENT
    if stage == VERIFY:
        return event.origin_level
    return event.level


def start(event, stage: str, now: datetime) -> None:
    """Start the clock of `stage` now: store its deadline, red limit and warning moment."""
    limits = limits_for(event.category, rule_level(event, stage), event.urgency)
    yellow, red = limits.of(stage)
    due = add(limits.unit, now, yellow)
    setattr(event, f"{stage}_due", due)
    event.red_due = add(limits.unit, now, red)
    event.deadline_unit = limits.unit
    event.stage_started_at = now
    _set_warning(event, due, limits.warning_percent)


def stop(event) -> None:
    """No deadline runs any more (the event is verified, closed, rejected or merged)."""
    event.red_due = None
    event.warn_at = None
    event.stage_started_at = None


def _set_warning(event, due: datetime, percent: int = 70) -> None:
    start_at = event.stage_started_at
    span = elapsed(event.deadline_unit, start_at, due)
    event.warn_at = shift(event.deadline_unit, start_at, span * percent / 100)
    event.warned = False


def extend(event, amount: int) -> tuple[datetime, datetime]:
    """Move the handling deadline (and its red limit) by `amount` units; returns the old
    and new deadline. The warning is re-armed against the new deadline."""
    previous = event.handle_due
    event.handle_due = add(event.deadline_unit, previous, amount)
    if event.red_due is not None:
        event.red_due = add(event.deadline_unit, event.red_due, amount)
    if event.stage_started_at is not None:
        _set_warning(event, event.handle_due)
    return previous, event.handle_due


def pause(event, now: datetime) -> None:
    event.suspended_at = now


def resume(event, now: datetime) -> timedelta:
    """Restart the clock after a suspension: every running deadline moves by the working
    time (or clock time) the event spent suspended, as if the clock had stopped."""
    paused = elapsed(event.deadline_unit, event.suspended_at, now)
    stage = stage_of(event.state_before_suspension)
    if stage is not None:
        due = getattr(event, f"{stage}_due")
        if due is not None:
            setattr(event, f"{stage}_due", shift(event.deadline_unit, due, paused))
    for field in ("red_due", "warn_at", "stage_started_at"):
        value = getattr(event, field)
        if value is not None:
            setattr(event, field, shift(event.deadline_unit, value, paused))
    event.suspended_seconds += int(paused.total_seconds())
    event.suspended_at = None
    return paused
