"""The fixed vocabularies of events: states and their named groups, levels, urgency, cards."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    REPORTED = "reported", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已派遣")
    IN_PROGRESS = "in_progress", _("处置中")
    HANDLED = "handled", _("已办结待核查")
    VERIFIED = "verified", _("已核查")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")
    SUSPENDED = "suspended", _("挂账")


# Named groups of states, defined once. A deadline "runs" in exactly one stage at a time.
ACCEPT_STATES = (State.REPORTED,)
HANDLE_STATES = (State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS)
VERIFY_STATES = (State.HANDLED,)
RUNNING_STATES = ACCEPT_STATES + HANDLE_STATES + VERIFY_STATES
FINAL_STATES = (State.CLOSED, State.REJECTED, State.MERGED)
# Open: not finished. A suspended case is open (its clock is stopped, not its obligation).
OPEN_STATES = tuple(state for state in State if state not in FINAL_STATES)


class Level(models.TextChoices):
    """The unit that holds an event: the grid, its village, the township centre, the county
    centre. Each is a prefix of the event's grid code."""

    GRID = "grid", _("网格")
    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    COUNTY = "county", _("县（市）")


# Bottom to top; the holding unit's code is the event's grid code cut to this length.
LEVEL_ORDER = (Level.GRID, Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY)
LEVEL_CODE_LENGTH = {Level.GRID: 15, Level.VILLAGE: 12, Level.TOWNSHIP: 9, Level.COUNTY: 6}
LEVEL_FOR_CODE_LENGTH = {length: level for level, length in LEVEL_CODE_LENGTH.items()}


def level_above(level: str) -> str | None:
    """The next level up, or None at the county (the top of the case workflow)."""
    position = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[position + 1] if position + 1 < len(LEVEL_ORDER) else None


def level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level)


class RuleLevel(models.TextChoices):
    """Who a deadline rule is for: a holding level, or the functional departments (whose
    handling limit is longer, design.md: 5/10 working days against 1/2)."""

    GRID = "grid", _("网格")
    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    COUNTY = "county", _("县（市）")
    DEPARTMENT = "department", _("职能部门")


class Urgency(models.TextChoices):
    LOW = "low", _("一般")
    MEDIUM = "medium", _("较急")
    HIGH = "high", _("紧急")


class Source(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员上报")
    RESIDENT_WEB = "resident_web", _("群众网上反映")
    RESIDENT_OPEN311 = "resident_open311", _("群众（Open311 客户端）")
    HOTLINE = "hotline", _("12345 热线")
    VISIT = "visit", _("走访发现")
    INSPECTION = "inspection", _("巡查发现")


class Card(models.TextChoices):
    """Supervision cards (督办): yellow when a deadline passes, red at the red limit. A card
    only ever gets worse; it stays on the event's record."""

    NONE = "none", _("无")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class EmergencyGrade(models.TextChoices):
    """Grades of sudden events (突发事件分级), I the most serious."""

    I = "I", _("Ⅰ级（特别重大）")  # noqa: E741 — the official name of the grade
    II = "II", _("Ⅱ级（重大）")
    III = "III", _("Ⅲ级（较大）")
    IV = "IV", _("Ⅳ级（一般）")


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    HOURS = "hours", _("小时")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSISTING = "assisting", _("协办")


class AssignmentState(models.TextChoices):
    DISPATCHED = "dispatched", _("待接收")
    ACCEPTED = "accepted", _("处置中")
    REPORTED = "reported", _("已反馈")
    COMPLETED = "completed", _("已办结")
    RETURN_REQUESTED = "return_requested", _("申请回退")
    RETURNED = "returned", _("已回退")
    WITHDRAWN = "withdrawn", _("已撤回")


# Assignments that still bind their department to the case.
ACTIVE_ASSIGNMENT_STATES = (
    AssignmentState.DISPATCHED,
    AssignmentState.ACCEPTED,
    AssignmentState.REPORTED,
    AssignmentState.RETURN_REQUESTED,
)


class RequestKind(models.TextChoices):
    EXTENSION = "extension", _("延期")
    SUSPENSION = "suspension", _("挂账")
    RETURN = "return", _("回退")


class RequestState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class NotificationKind(models.TextChoices):
    ASSIGNMENT = "assignment", _("新任务")
    WARNING = "warning", _("即将超期")
    CARD = "card", _("督办亮牌")
    RETURNED = "returned", _("回退")
    REWORK = "rework", _("返工")
    APPROVAL = "approval", _("待审批")
    DECISION = "decision", _("审批结果")
    COPY = "copy", _("抄告")
    MERGED = "merged", _("已合并")
    CLOSED = "closed", _("已结案")
