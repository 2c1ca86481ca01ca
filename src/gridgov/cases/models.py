"""Events (事件) and what the workflow needs around them: categories, deadline rules, the
working-day calendar, assignments to departments, the timeline, approval requests, action
receipts for retries, and the in-app inbox.

An event sits in one grid and carries the grid's code in `region_code` (scope); the unit that
holds it is a prefix of that code (`holder_code`). Deadlines are stored columns computed by
`cases.deadlines`, so "overdue" is an indexed comparison. Every change goes through
`cases.workflow.transition()` or `cases.actions`; nothing here changes state on save.
"""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.choices import DepartmentKind
from gridgov.accounts.scope import ScopedQuerySet, assignments_with, scope_q
from gridgov.cases.choices import (
    ACCEPT_STATES,
    ACTIVE_ASSIGNMENT_STATES,
    FINAL_STATES,
    HANDLE_STATES,
    LEVEL_CODE_LENGTH,
    OPEN_STATES,
    RUNNING_STATES,
    VERIFY_STATES,
    AssignmentRole,
    AssignmentState,
    Card,
    DeadlineUnit,
    EmergencyGrade,
    Level,
    NotificationKind,
    RequestKind,
    RequestState,
    RuleLevel,
    Source,
    State,
    Urgency,
)
from gridgov.regions.codes import within_q

# --- Configuration: categories, deadline rules, skip-level rules, the calendar ------------


class Category(models.Model):
    """A kind of event (事件类别), such as a neighbour dispute or a geological hazard, in a
    two-level tree: the standard categories of design.md and their sub-categories. It says
    which level normally handles such events and which kind of department usually leads;
    county centres edit the tree, and codes never change once events use them."""

    code = models.CharField(
        _("代码 code"),
        max_length=60,
        unique=True,
        help_text=_("A top-level code (dispute) or parent.child (dispute.neighbour)."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类别 parent"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    name_zh = models.CharField(_("中文名称 Chinese name"), max_length=60)
    name_en = models.CharField(_("英文名称 English name"), max_length=80)
    default_level = models.CharField(
        _("默认处置层级 default handling level"),
        max_length=12,
        choices=Level.choices,
        default=Level.VILLAGE,
    )
    default_department_kind = models.CharField(
        _("默认牵头部门 default lead department"),
        max_length=30,
        choices=DepartmentKind.choices,
        blank=True,
    )
    needs_emergency_grade = models.BooleanField(
        _("须定级 needs an emergency grade"),
        default=False,
        help_text=_("Sudden events (突发事件) must be given a grade I–IV."),
    )
    is_active = models.BooleanField(_("在用 active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序 order"), default=0)

    class Meta:
        verbose_name = _("事件类别 event category")
        verbose_name_plural = _("事件类别 event categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en}"

    def lineage(self) -> list["Category"]:
        """This category, then its parent: the order in which rules are looked up."""
        return [self, self.parent] if self.parent_id else [self]

    def clean(self) -> None:
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("类别最多两级 Categories have two levels at most.")})
        if self.parent_id and not self.code.startswith(self.parent.code + "."):
            raise ValidationError(
                {
                    "code": _(
                        "子类别代码须以上级代码加点开头 A sub-category's code starts with "
                        "its parent's code and a dot."
                    )
                }
            )


def _positive_limits_q() -> Q:
    condition = Q()
    for stage in ("accept", "handle", "verify"):
        condition &= Q(**{f"{stage}_yellow__gte": 1}) & Q(
            **{f"{stage}_red__gte": models.F(f"{stage}_yellow")}
        )
    return condition


class DeadlineRule(models.Model):
    """How long a unit may take (时限规则) to accept, handle and verify an event of one
    category at one level and urgency: a yellow limit (the deadline) and a red limit (serious
    overdue), in working days or, for urgent matters, in hours. A rule without a category is
    the default for every category that has none of its own."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("类别 category"),
        on_delete=models.CASCADE,
        related_name="deadline_rules",
        null=True,
        blank=True,
    )
    level = models.CharField(_("层级 level"), max_length=12, choices=RuleLevel.choices)
    urgency = models.CharField(_("紧急程度 urgency"), max_length=8, choices=Urgency.choices)
    unit = models.CharField(
        _("单位 unit"),
        max_length=14,
        choices=DeadlineUnit.choices,
        default=DeadlineUnit.WORKING_DAYS,
    )
    accept_yellow = models.PositiveSmallIntegerField(_("受理时限 accept limit"))
    accept_red = models.PositiveSmallIntegerField(_("受理红牌 accept red limit"))
    handle_yellow = models.PositiveSmallIntegerField(_("处置时限 handling limit"))
    handle_red = models.PositiveSmallIntegerField(_("处置红牌 handling red limit"))
    verify_yellow = models.PositiveSmallIntegerField(_("核查时限 verification limit"))
    verify_red = models.PositiveSmallIntegerField(_("核查红牌 verification red limit"))
    warning_percent = models.PositiveSmallIntegerField(
        _("预警比例 warning at %"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )

    class Meta:
        verbose_name = _("时限规则 deadline rule")
        verbose_name_plural = _("时限规则 deadline rules")
        ordering = ["category_id", "level", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "level", "urgency"],
                condition=Q(category__isnull=False),
                name="deadline_rule_once_per_category",
            ),
            models.UniqueConstraint(
                fields=["level", "urgency"],
                condition=Q(category__isnull=True),
                name="deadline_rule_one_default",
            ),
            models.CheckConstraint(
                condition=_positive_limits_q(), name="deadline_rule_red_after_yellow"
            ),
        ]

    def __str__(self) -> str:
        category = self.category.code if self.category_id else "*"
        return f"{category} · {self.level} · {self.urgency}"

    def limits(self, stage: str) -> tuple[int, int]:
        """(yellow, red) for the stage: accept, handle or verify."""
        return getattr(self, f"{stage}_yellow"), getattr(self, f"{stage}_red")


class EscalationRule(models.Model):
    """Skip-level escalation (越级上报): an event of this category and urgency may go
    straight up to `target_level`, with a copy (抄告) to the levels it passes over."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("类别 category"),
        on_delete=models.CASCADE,
        related_name="escalation_rules",
    )
    urgency = models.CharField(_("紧急程度 urgency"), max_length=8, choices=Urgency.choices)
    target_level = models.CharField(
        _("可直报层级 target level"), max_length=12, choices=Level.choices
    )

    class Meta:
        verbose_name = _("越级规则 skip-level rule")
        verbose_name_plural = _("越级规则 skip-level rules")
        ordering = ["category_id", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency"], name="escalation_rule_once_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category.code} · {self.urgency} → {self.target_level}"


class CalendarDay(models.Model):
    """A day whose working status differs from the usual week (调休): an official holiday on
    a weekday, or a make-up working day on a weekend. Seeded from the chinese-calendar package
    for the years it knows; county centres add local holidays or next year's arrangement
    (published each December by the State Council) here."""

    date = models.DateField(_("日期 date"), unique=True)
    is_working_day = models.BooleanField(_("上班 working day"))
    note = models.CharField(_("说明 note"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("节假日调整 calendar day")
        verbose_name_plural = _("节假日调整 calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "上班" if self.is_working_day else "休息"
        return f"{self.date} {kind} {self.note}".strip()


# --- Events ------------------------------------------------------------------------------


class EventQuerySet(ScopedQuerySet):
    view_permission = "cases.view"

    def visible_to(self, user, permission: str | None = None):
        """Events in the user's region scope, and, for department handlers, the events
        dispatched to their department within the region of their assignment. Departments
        see their cases, not everything that happens in the county."""
        if permission not in (None, self.view_permission):
            return super().visible_to(user, permission)
        condition = scope_q(user, self.view_permission, field="region_code")
        for assignment in assignments_with(user, "cases.handle"):
            if assignment.department_id is None or not assignment.region_code:
                continue
            dispatched = EventAssignment.objects.filter(department_id=assignment.department_id)
            condition |= Q(pk__in=dispatched.values("event_id")) & within_q(assignment.region_code)
        return self.filter(condition)

    def open(self):
        return self.exclude(state__in=FINAL_STATES)


def new_tracking_code() -> str:
    """Twelve characters a resident can read over the phone: no 0/O, 1/I/L."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Event(models.Model):
    """A matter reported for the authorities to deal with (事件): a dispute between
    neighbours, a fire hazard, a resident's request for help with a document. It is found by
    a grid worker, a resident or the hotline, located in a grid, and then accepted, handled
    locally or escalated and dispatched to departments, verified by the unit that reported it,
    closed and rated. Each step is an `EventStep`; the current position and the running
    deadlines are stored here so that worklists and supervision are single indexed queries.
    """

    uuid = models.UUIDField(_("唯一标识 UUID"), default=uuid.uuid4, unique=True, editable=False)
    tracking_code = models.CharField(
        _("查询码 tracking code"),
        max_length=12,
        unique=True,
        default=new_tracking_code,
        editable=False,
        help_text=_("Given to the resident who reported, to follow the case without an account."),
    )
    title = models.CharField(_("标题 title"), max_length=120)
    description = models.TextField(_("描述 description"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("类别 category"), on_delete=models.PROTECT, related_name="+"
    )
    urgency = models.CharField(
        _("紧急程度 urgency"), max_length=8, choices=Urgency.choices, default=Urgency.MEDIUM
    )
    emergency_grade = models.CharField(
        _("突发事件等级 emergency grade"), max_length=3, choices=EmergencyGrade.choices, blank=True
    )
    latitude = models.FloatField(_("纬度 latitude"), null=True, blank=True)
    longitude = models.FloatField(_("经度 longitude"), null=True, blank=True)
    address = models.CharField(_("地点 address"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属网格 grid"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_code = models.CharField(
        _("网格代码 grid code"), max_length=15, db_index=True, editable=False
    )
    source = models.CharField(
        _("来源 source"), max_length=20, choices=Source.choices, default=Source.GRID_WORKER
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人 reporter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reporter_name = models.CharField(_("反映人 resident's name"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("联系电话 resident's phone"), max_length=20, blank=True)

    # Where the event is in the workflow.
    state = models.CharField(
        _("状态 state"), max_length=12, choices=State.choices, default=State.REPORTED
    )
    state_before_suspension = models.CharField(max_length=12, choices=State.choices, blank=True)
    level = models.CharField(
        _("当前层级 level"), max_length=12, choices=Level.choices, default=Level.GRID
    )
    holder_code = models.CharField(
        _("承办单位区划 holding unit"),
        max_length=15,
        db_index=True,
        editable=False,
        help_text=_("The code of the unit holding the event: region_code cut to its level."),
    )
    origin_level = models.CharField(
        _("上报层级 originating level"),
        max_length=12,
        choices=Level.choices,
        default=Level.GRID,
        help_text=_("The unit that reported the event verifies the result."),
    )
    lead_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("主办部门 lead department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人 assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人 handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who reported the result: they may not verify it themselves."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到 merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )

    # Deadlines (computed by cases.deadlines from the rules and the calendar).
    deadline_unit = models.CharField(
        max_length=14, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS
    )
    stage_started_at = models.DateTimeField(null=True, blank=True)
    accept_due = models.DateTimeField(_("受理时限 accept by"), null=True, blank=True)
    handle_due = models.DateTimeField(_("处置时限 handle by"), null=True, blank=True)
    verify_due = models.DateTimeField(_("核查时限 verify by"), null=True, blank=True)
    red_due = models.DateTimeField(
        _("红牌时限 red limit"),
        null=True,
        blank=True,
        help_text=_("The red limit of the deadline running now."),
    )
    warn_at = models.DateTimeField(
        _("预警时间 warning at"),
        null=True,
        blank=True,
        help_text=_("When the running deadline reaches its warning share (70 %)."),
    )
    warned = models.BooleanField(_("已预警 warned"), default=False)
    card = models.CharField(_("督办 card"), max_length=8, choices=Card.choices, default=Card.NONE)
    yellow_card_at = models.DateTimeField(null=True, blank=True)
    red_card_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_seconds = models.PositiveIntegerField(
        _("挂账时长（秒）time suspended (seconds)"),
        default=0,
        help_text=_("Working time (or clock time, for hour limits) spent suspended."),
    )

    # Flags users of such platforms rely on.
    is_urgent = models.BooleanField(_("加急 urgent"), default=False)
    is_long_standing = models.BooleanField(_("历史遗留 long-standing"), default=False)
    is_pinned = models.BooleanField(_("置顶 pinned"), default=False)

    satisfaction = models.PositiveSmallIntegerField(
        _("满意度 satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )

    reported_at = models.DateTimeField(_("上报时间 reported at"), default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()
    scope_field = "region_code"

    # What a list of events shows (the API's summaries, the duplicates offered for merging):
    # such lists read these columns and leave the rest in the database.
    SUMMARY_FIELDS = (
        "uuid",
        "tracking_code",
        "title",
        "category",
        "urgency",
        "state",
        "level",
        "region_code",
        "holder_code",
        "lead_department",
        "card",
        "accept_due",
        "handle_due",
        "verify_due",
        "reported_at",
        "version",
    )

    class Meta:
        verbose_name = _("事件 event")
        verbose_name_plural = _("事件 events")
        ordering = ["-is_pinned", "-reported_at", "-id"]
        indexes = [
            # Worklists: "what my unit holds in this state".
            models.Index(fields=["holder_code", "state"], name="event_holder_state"),
            models.Index(fields=["region_code", "state"], name="event_region_state"),
            # Open events by area: "what is open in this township" (verification lists,
            # open-event lists) reads only the open few among years of closed ones.
            models.Index(
                fields=["region_code"],
                condition=Q(state__in=OPEN_STATES),
                name="event_open_region",
            ),
            models.Index(fields=["category", "reported_at"], name="event_category_reported"),
            # Duplicate detection on intake: open events of the category in a band of
            # latitude; years of closed events stay out of it.
            models.Index(
                fields=["category", "latitude"],
                condition=Q(state__in=OPEN_STATES),
                name="event_open_category_latitude",
            ),
            # Supervision sweeps: partial indexes hold only the rows a sweep can still claim,
            # so they stay small however many closed events the table holds.
            models.Index(
                fields=["accept_due"],
                condition=Q(state__in=ACCEPT_STATES, card=Card.NONE),
                name="event_accept_due_open",
            ),
            models.Index(
                fields=["handle_due"],
                condition=Q(state__in=HANDLE_STATES, card=Card.NONE),
                name="event_handle_due_open",
            ),
            models.Index(
                fields=["verify_due"],
                condition=Q(state__in=VERIFY_STATES, card=Card.NONE),
                name="event_verify_due_open",
            ),
            models.Index(
                fields=["red_due"],
                condition=Q(state__in=RUNNING_STATES) & ~Q(card=Card.RED),
                name="event_red_due_open",
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(state__in=RUNNING_STATES, warned=False),
                name="event_warn_at_open",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="event_satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    def place_at(self, level: str) -> None:
        """Hand the event to the unit of `level` above its grid."""
        self.level = level
        self.holder_code = self.region_code[: LEVEL_CODE_LENGTH[level]]

    @property
    def origin_code(self) -> str:
        return self.region_code[: LEVEL_CODE_LENGTH[self.origin_level]]

    def active_assignments(self) -> models.QuerySet:
        return self.assignments.filter(state__in=ACTIVE_ASSIGNMENT_STATES)

    def clean(self) -> None:
        # The grid's level is checked when the grid is at hand; intake sets only `grid_id`,
        # for a grid its locator found (and checked) in memory.
        grid = self._state.fields_cache.get("grid")
        if grid is not None and grid.level != "grid":
            raise ValidationError({"grid": _("必须选择一个网格 Choose a grid.")})
        if self.category_id and self.category.needs_emergency_grade and not self.emergency_grade:
            raise ValidationError(
                {"emergency_grade": _("突发事件须定级 A sudden event needs a grade (I–IV).")}
            )


class EventAssignment(models.Model):
    """One department's part in a dispatched event (派遣): the lead unit (主办) that answers
    for the result, or an assisting unit (协办) that does its share and reports it. Each has
    its own state, so a department can accept, report or ask to give the case back (回退)
    without touching the others."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("部门 department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("角色 role"), max_length=10, choices=AssignmentRole.choices)
    state = models.CharField(
        _("状态 state"),
        max_length=18,
        choices=AssignmentState.choices,
        default=AssignmentState.DISPATCHED,
    )
    report = models.TextField(_("办理情况 report"), blank=True)
    dispatched_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("派遣 assignment")
        verbose_name_plural = _("派遣 assignments")
        ordering = ["event_id", "role", "id"]
        constraints = [
            # A department has one active part in an event; the lead is unique among them.
            models.UniqueConstraint(
                fields=["event", "department"],
                condition=Q(state__in=ACTIVE_ASSIGNMENT_STATES),
                name="assignment_department_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(state__in=ACTIVE_ASSIGNMENT_STATES, role=AssignmentRole.LEAD),
                name="assignment_one_lead_per_event",
            ),
        ]
        indexes = [models.Index(fields=["department", "state"], name="assignment_worklist")]

    def __str__(self) -> str:
        return f"{self.event_id} · {self.department} · {self.get_role_display()}"


class EventStep(models.Model):
    """One line of an event's timeline (流转记录): who did what, from which state and level
    to which, with their note. Everyone who can see the event reads its timeline; steps are
    only ever added."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作 action"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人 actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("代表部门 for department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_state = models.CharField(max_length=12, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=State.choices, blank=True)
    from_level = models.CharField(max_length=12, choices=Level.choices, blank=True)
    to_level = models.CharField(max_length=12, choices=Level.choices, blank=True)
    note = models.TextField(_("说明 note"), blank=True)
    details = models.JSONField(_("详情 details"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("流转记录 event step")
        verbose_name_plural = _("流转记录 event steps")
        ordering = ["event_id", "created_at", "id"]
        indexes = [models.Index(fields=["event", "created_at"], name="step_timeline")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.action} {self.from_state}→{self.to_state}"


class ApprovalRequest(models.Model):
    """A request that needs the dispatching unit's decision: an extension of the handling
    deadline (延期), a suspension (挂账) or a department giving back a misdirected case
    (回退). Each has its own state — pending, approved or refused — and the person and
    reason on both sides; one request of a kind is pending at a time."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("类别 kind"), max_length=12, choices=RequestKind.choices)
    state = models.CharField(
        _("状态 state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    assignment = models.ForeignKey(
        EventAssignment,
        verbose_name=_("派遣 assignment"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="requests",
        help_text=_("For a return: the department's part being given back."),
    )
    amount = models.PositiveSmallIntegerField(
        _("延长 extension"),
        null=True,
        blank=True,
        help_text=_("For an extension: how many working days (or hours) more."),
    )
    unit = models.CharField(max_length=14, choices=DeadlineUnit.choices, blank=True)
    reason = models.TextField(_("理由 reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审批意见 decision note"), blank=True)
    previous_due = models.DateTimeField(null=True, blank=True)
    new_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("审批申请 approval request")
        verbose_name_plural = _("审批申请 approval requests")
        ordering = ["event_id", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind"],
                condition=Q(
                    state=RequestState.PENDING,
                    kind__in=[RequestKind.EXTENSION, RequestKind.SUSPENSION],
                ),
                name="request_one_pending_per_kind",
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(state=RequestState.PENDING, kind=RequestKind.RETURN),
                name="request_one_pending_return",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RequestKind.EXTENSION) | Q(amount__gte=1),
                name="request_extension_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.get_kind_display()} {self.get_state_display()}"


class ActionReceipt(models.Model):
    """The first result of an action sent with an Idempotency-Key: a client that retries
    after a lost response gets this step back instead of acting twice. The key is unique per
    user, enforced by the database."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=30)
    step = models.ForeignKey(EventStep, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "key"], name="receipt_key_once_per_actor")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.action}"


class Notification(models.Model):
    """One message in a user's in-app inbox (消息): a new case for their unit, a deadline
    about to pass, a supervision card, a case sent back or for rework, a request awaiting
    their approval. Outbound channels (SMS, WeChat Work) carry copies; the inbox is the
    record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类别 kind"), max_length=12, choices=NotificationKind.choices)
    text = models.CharField(_("内容 text"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(_("已读 read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息 notification")
        verbose_name_plural = _("消息 notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.text[:40]}"


class EventLink(models.Model):
    """A tie between an event and one record of the register it concerns (关联): a household,
    a resident, a place or an organisation. Exactly one of the four is set. The household
    card lists the events linked to it; adding and removing a link are written to the
    event's timeline, but a link is not part of the event's state."""

    event = models.ForeignKey(
        Event, verbose_name=_("事件 event"), on_delete=models.CASCADE, related_name="links"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户 household"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_links",
    )
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("人员 resident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_links",
    )
    place = models.ForeignKey(
        "registry.Place",
        verbose_name=_("场所 place"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_links",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("组织 organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_links",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关联人 linked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("关联时间 linked at"), default=timezone.now)

    TARGET_FIELDS = ("household", "resident", "place", "organisation")

    class Meta:
        verbose_name = _("事件关联 event link")
        verbose_name_plural = _("事件关联 event links")
        ordering = ["event_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        household__isnull=False,
                        resident__isnull=True,
                        place__isnull=True,
                        organisation__isnull=True,
                    )
                    | Q(
                        household__isnull=True,
                        resident__isnull=False,
                        place__isnull=True,
                        organisation__isnull=True,
                    )
                    | Q(
                        household__isnull=True,
                        resident__isnull=True,
                        place__isnull=False,
                        organisation__isnull=True,
                    )
                    | Q(
                        household__isnull=True,
                        resident__isnull=True,
                        place__isnull=True,
                        organisation__isnull=False,
                    )
                ),
                name="event_link_exactly_one_target",
            ),
            *[
                models.UniqueConstraint(
                    fields=["event", field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"event_link_once_per_{field}",
                )
                for field in ("household", "resident", "place", "organisation")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.target_kind} {self.target_id}"

    @property
    def target_kind(self) -> str:
        """Which kind of record the link points to: household, resident, place or
        organisation."""
        for field in self.TARGET_FIELDS:
            if getattr(self, f"{field}_id") is not None:
                return field
        return ""

    @property
    def target_id(self) -> int | None:
        kind = self.target_kind
        return getattr(self, f"{kind}_id") if kind else None

    @property
    def target(self) -> models.Model | None:
        kind = self.target_kind
        return getattr(self, kind) if kind else None


class AttachmentQuerySet(ScopedQuerySet):
    view_permission = "cases.view"

    def visible_to(self, user, permission: str | None = None):
        """Attachments of the events the user may see: an attachment is read with its
        event, by the same people."""
        return self.filter(event__in=Event.objects.visible_to(user, permission).values("pk"))


def attachment_path(attachment: "Attachment", filename: str) -> str:
    """Where storage keeps the file: by upload date and the attachment's UUID, with the
    extension of the type found in the content. The user's file name is never part of it."""
    extension = ATTACHMENT_EXTENSIONS.get(attachment.content_type, "")
    day = timezone.localdate(attachment.created_at or timezone.now())
    return f"attachments/{day:%Y/%m/%d}/{attachment.uuid}{extension}"


ATTACHMENT_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
}


class Attachment(models.Model):
    """A photo or document attached to an event (附件): a picture of the blocked drain, the
    signed mediation agreement. Its type is found from the content, not the name; photos are
    re-encoded (so their location and camera data are gone) before they are kept, and the
    file is stored through Django's storage under a name made from its UUID. Everyone who
    can see the event can see its attachments."""

    uuid = models.UUIDField(_("唯一标识 UUID"), default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(
        Event, verbose_name=_("事件 event"), on_delete=models.CASCADE, related_name="attachments"
    )
    step = models.ForeignKey(
        EventStep,
        verbose_name=_("流转记录 event step"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
        help_text=_("The timeline step the file came with."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人 uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("文件 file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(
        _("文件名 file name"),
        max_length=120,
        help_text=_("The uploader's file name, cleaned, for display and download only."),
    )
    content_type = models.CharField(_("类型 content type"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("宽 width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高 height"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间 uploaded at"), default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("附件 attachment")
        verbose_name_plural = _("附件 attachments")
        ordering = ["event_id", "created_at", "id"]
        constraints = [
            # The same file twice on one event is one attachment.
            models.UniqueConstraint(fields=["event", "sha256"], name="attachment_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.original_name}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
