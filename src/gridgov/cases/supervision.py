"""Supervision (督办): early warnings and yellow and red cards when deadlines pass.

`apply_cards(now)` is one sweep. It finds candidates with indexed comparisons on the stored
deadlines, then claims each row with a conditional UPDATE whose WHERE repeats the
condition: of several workers sweeping at once, exactly one changes a given row, and only
that one writes the timeline step, the audit entry and the notifications. The sweep runs
every minute (huey, `cases.tasks`) or from cron (`gridgov cases sweep`).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.cases import deadlines, notifications
from gridgov.cases.choices import (
    RUNNING_STATES,
    Card,
    NotificationKind,
    level_above,
)
from gridgov.cases.models import Event, EventStep

# Rows claimed per condition per sweep; a backlog is worked off by the next sweeps.
BATCH = 1000
SUPERVISION = "督办系统 supervision"

# (deadline column, the states in which it runs): each stage's yellow deadline.
_YELLOW_DEADLINES = tuple(
    (f"{stage}_due", states) for stage, states in deadlines.STAGE_STATES.items()
)


@dataclass
class SweepResult:
    warned: int = 0
    yellow: int = 0
    red: int = 0

    def __str__(self) -> str:
        return f"warnings {self.warned}, yellow cards {self.yellow}, red cards {self.red}"


def apply_cards(now: datetime | None = None) -> SweepResult:
    """Warn, then card, every event whose running deadline has passed by `now`."""
    now = now or timezone.now()
    result = SweepResult()
    warn = Q(warned=False, state__in=RUNNING_STATES, warn_at__lt=now)
    for pk in _candidates(warn):
        result.warned += _claim(pk, warn, {"warned": True}, now, _after_warning)
    for column, states in _YELLOW_DEADLINES:
        overdue = Q(card=Card.NONE, state__in=states, **{f"{column}__lt": now})
        changes = {"card": Card.YELLOW, "yellow_card_at": now}
        for pk in _candidates(overdue):
            result.yellow += _claim(pk, overdue, changes, now, _after_card(column))
    seriously_overdue = Q(state__in=RUNNING_STATES, red_due__lt=now) & ~Q(card=Card.RED)
    changes = {
        "card": Card.RED,
        "red_card_at": now,
        "yellow_card_at": Coalesce("yellow_card_at", now),
    }
    for pk in _candidates(seriously_overdue):
        result.red += _claim(pk, seriously_overdue, changes, now, _after_card("red_due"))
    return result


def _candidates(condition: Q) -> list[int]:
    return list(Event.objects.filter(condition).order_by().values_list("pk", flat=True)[:BATCH])


@transaction.atomic
def _claim(pk: int, condition: Q, changes: dict, now: datetime, after) -> int:
    """Change one row if it still meets `condition`; 1 when this sweep made the change."""
    # The UPDATE re-checks the condition under the row lock: a second worker finds nothing.
    claimed = Event.objects.filter(condition, pk=pk).update(**changes, version=F("version") + 1)
    if not claimed:
        return 0
    event = Event.objects.select_related("category").get(pk=pk)
    after(event, now)
    return 1


def _after_warning(event: Event, now: datetime) -> None:
    audit.record(
        actor=None,
        action="cases.deadline_warning",
        instance=event,
        region_code=event.region_code,
        after={"warned": True, "warn_at": event.warn_at.isoformat()},
    )
    notifications.notify(
        notifications.handlers_of(event),
        event,
        NotificationKind.WARNING,
        f"即将超期 Deadline approaching: {event.tracking_code}「{event.title}」",
    )


def _after_card(column: str):
    def after(event: Event, now: datetime) -> None:
        due = getattr(event, column)
        colour = event.card
        EventStep.objects.create(
            event=event,
            action=f"{colour}_card",
            actor_label=SUPERVISION,
            from_state=event.state,
            to_state=event.state,
            from_level=event.level,
            to_level=event.level,
            note=("黄牌督办：超过时限" if colour == Card.YELLOW else "红牌督办：严重超期"),
            details={"deadline": column, "due": due.isoformat() if due else None},
            created_at=now,
        )
        audit.record(
            actor=None,
            action=f"cases.{colour}_card",
            instance=event,
            region_code=event.region_code,
            after={"card": colour, "deadline": column, "version": event.version},
        )
        # Cards are visible up the chain: a red card also reaches the centre above.
        people = notifications.handlers_of(event) + notifications.unit_users(
            event.holder_code, "cases.accept"
        )
        above = level_above(event.level)
        if colour == Card.RED and above is not None:
            people += notifications.nearest_users(
                notifications.units_above(event, above), "cases.dispatch"
            )
        notifications.notify(
            people,
            event,
            NotificationKind.CARD,
            f"{event.get_card_display()}督办 {colour} card: {event.tracking_code}「{event.title}」",
        )

    return after
