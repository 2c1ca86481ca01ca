"""Poverty-relapse monitoring (防返贫动态监测): the households watched for falling (back)
into poverty, their yearly income and checklist, the help they get, the monitoring lines
and the risk reviews the rules raise.

Every row about a household carries the household's grid code in `region_code`, copied by
the actions, so scope is one index range scan like everywhere else.
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.scope import ScopedQuerySet
from gridgov.poverty.choices import (
    OPEN_STATES,
    Category,
    ChecklistItem,
    ClearedHow,
    MeasureKind,
    ReviewState,
    Rule,
    State,
)

CENT = Decimal("0.01")

# Defaults of the rule thresholds, used until a county sets its own (RiskSettings).
DEFAULT_DROP_PERCENT = 30
DEFAULT_MEDICAL_SHARE_PERCENT = 50
DEFAULT_EVENT_CATEGORIES = [
    "emergency.natural_disaster",
    "emergency.accident",
    "emergency.public_health",
    "safety.geological_hazard",
    "hardship.illness",
    "hardship.business_failure",
]


def default_event_categories() -> list[str]:
    return list(DEFAULT_EVENT_CATEGORIES)


class PovertyQuerySet(ScopedQuerySet):
    view_permission = "poverty.view"


class ReferenceQuerySet(ScopedQuerySet):
    """Monitoring lines and thresholds set above a worker's grid still apply to it."""

    view_permission = "poverty.view"
    with_ancestors = True


def money(**options):
    return models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"), **options)


class MonitoredHousehold(models.Model):
    """A household under poverty-relapse monitoring (监测对象): found at risk by a grid worker
    or through a confirmed risk review, reviewed by the village, approved by the township,
    helped and watched until the risk is cleared and the case closed. Each step is a
    `MonitoringStep`. A household has at most one open monitoring record at a time."""

    uuid = models.UUIDField(_("唯一标识 UUID"), default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户 household"),
        on_delete=models.PROTECT,
        related_name="monitoring_records",
    )
    region_code = models.CharField(
        _("网格代码 grid code"), max_length=15, db_index=True, editable=False
    )
    category = models.CharField(_("监测类别 category"), max_length=20, choices=Category.choices)
    risk_types = models.JSONField(
        _("风险类型 risk types"), default=list, help_text=_("Codes of RiskType.")
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("帮扶责任人账号 helper account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    helper_name = models.CharField(_("帮扶责任人 helper"), max_length=60, blank=True)
    helper_phone = models.CharField(_("帮扶责任人电话 helper phone"), max_length=20, blank=True)
    state = models.CharField(
        _("状态 state"), max_length=20, choices=State.choices, default=State.FOUND, db_index=True
    )
    cleared_how = models.CharField(
        _("风险消除方式 how the risk was cleared"),
        max_length=20,
        choices=ClearedHow.choices,
        blank=True,
    )
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发现人 found by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    monitoring_since = models.DateField(_("纳入监测日期 monitored since"), null=True, blank=True)
    cleared_on = models.DateField(_("风险消除日期 risk cleared on"), null=True, blank=True)
    closed_on = models.DateField(_("关闭日期 closed on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PovertyQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("监测户 monitored household")
        verbose_name_plural = _("监测户 monitored households")
        ordering = ["region_code", "-created_at", "id"]
        indexes = [
            models.Index(fields=["region_code", "state"], name="monitored_scope_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(state__in=OPEN_STATES),
                name="one_open_monitoring_per_household",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} ({self.get_state_display()})"

    def risk_labels(self) -> list[str]:
        from gridgov.poverty.choices import RiskType

        labels = dict(RiskType.choices)
        return [str(labels.get(code, code)) for code in self.risk_types]


class MonitoringStep(models.Model):
    """One step in a monitored household's timeline: who did what, from which state to
    which, and why. Append-only, like the audit log it accompanies."""

    monitored = models.ForeignKey(
        MonitoredHousehold,
        verbose_name=_("监测户 monitored household"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    action = models.CharField(_("操作 action"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人 actor"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人 actor"), max_length=150, blank=True)
    from_state = models.CharField(_("原状态 from"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态 to"), max_length=20)
    note = models.TextField(_("说明 note"), blank=True)
    created_at = models.DateTimeField(_("时间 at"))

    class Meta:
        verbose_name = _("监测步骤 monitoring step")
        verbose_name_plural = _("监测步骤 monitoring steps")
        ordering = ["monitored_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


class IncomeRecord(models.Model):
    """A household's income in one calendar year (家庭年收入): wages, business, property and
    transfer income less production costs give the net income; divided by the members it
    gives the per-capita net income compared with the monitoring line. Both are computed
    when the record is saved and stored, so lists and rules read them directly."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户 household"),
        on_delete=models.CASCADE,
        related_name="income_records",
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度 year"))
    wages = money(verbose_name=_("工资性收入 wages"))
    business = money(verbose_name=_("经营性收入 business income"))
    property_income = money(verbose_name=_("财产性收入 property income"))
    transfers = money(verbose_name=_("转移性收入 transfer income"))
    production_costs = money(verbose_name=_("生产经营支出 production costs"))
    medical_out_of_pocket = money(verbose_name=_("医疗自付费用 out-of-pocket medical costs"))
    member_count = models.PositiveSmallIntegerField(_("家庭人口 members"))
    net_income = money(verbose_name=_("家庭纯收入 net income"), editable=False)
    per_capita_net = money(verbose_name=_("人均纯收入 per-capita net income"), editable=False)
    notes = models.CharField(_("备注 notes"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PovertyQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("家庭年收入 income record")
        verbose_name_plural = _("家庭年收入 income records")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="one_income_per_year"),
            models.CheckConstraint(condition=Q(member_count__gte=1), name="income_has_members"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.per_capita_net}"

    def compute(self) -> None:
        """Net income and per-capita net income from the items (rounded to the fen)."""
        self.net_income = (
            Decimal(self.wages)
            + Decimal(self.business)
            + Decimal(self.property_income)
            + Decimal(self.transfers)
            - Decimal(self.production_costs)
        ).quantize(CENT, ROUND_HALF_UP)
        self.per_capita_net = (self.net_income / max(self.member_count, 1)).quantize(
            CENT, ROUND_HALF_UP
        )


class ChecklistRecord(models.Model):
    """The two-no-worries-three-guarantees checklist (两不愁三保障) and safe drinking water for
    one household and year, as a worker checked it, each item with its evidence (what they
    saw or which document). `failures` lists the items not met, computed on save."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户 household"),
        on_delete=models.CASCADE,
        related_name="checklist_records",
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度 year"))
    food = models.BooleanField(_("不愁吃 enough to eat"))
    food_evidence = models.CharField(_("佐证 evidence"), max_length=300, blank=True)
    clothing = models.BooleanField(_("不愁穿 enough to wear"))
    clothing_evidence = models.CharField(_("佐证 evidence"), max_length=300, blank=True)
    school = models.BooleanField(_("无失学辍学 no dropout aged 6–15"))
    school_evidence = models.CharField(_("佐证 evidence"), max_length=300, blank=True)
    medical = models.BooleanField(_("全员参保 every member insured"))
    medical_evidence = models.CharField(_("佐证 evidence"), max_length=300, blank=True)
    housing = models.BooleanField(_("住房A/B级 house rated A or B"))
    housing_evidence = models.CharField(_("佐证 evidence"), max_length=300, blank=True)
    water = models.BooleanField(_("饮水安全 safe drinking water"))
    water_evidence = models.CharField(_("佐证 evidence"), max_length=300, blank=True)
    failures = models.JSONField(_("未达标项 items not met"), default=list, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PovertyQuerySet.as_manager()
    scope_field = "region_code"

    ITEMS = tuple(ChecklistItem.values)

    class Meta:
        verbose_name = _("两不愁三保障 checklist")
        verbose_name_plural = _("两不愁三保障 checklists")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="one_checklist_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {', '.join(self.failures) or 'ok'}"

    def compute(self) -> None:
        self.failures = [item for item in self.ITEMS if not getattr(self, item)]

    def failure_labels(self) -> list[str]:
        labels = dict(ChecklistItem.choices)
        return [str(labels[item]) for item in self.failures]


class AssistanceMeasure(models.Model):
    """A measure of help for a monitored household (帮扶措施): industry, employment,
    education, health, housing, social assistance; who is responsible, the amount where
    money is involved, and when it runs. Follow-up visits record how it goes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    monitored = models.ForeignKey(
        MonitoredHousehold,
        verbose_name=_("监测户 monitored household"),
        on_delete=models.CASCADE,
        related_name="measures",
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    kind = models.CharField(_("类别 kind"), max_length=20, choices=MeasureKind.choices)
    description = models.CharField(_("内容 description"), max_length=300)
    responsible_name = models.CharField(_("责任人 responsible person"), max_length=60)
    responsible_phone = models.CharField(_("责任人电话 phone"), max_length=20, blank=True)
    amount = models.DecimalField(
        _("金额（元） amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    start_date = models.DateField(_("开始日期 start"))
    end_date = models.DateField(_("结束日期 end"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PovertyQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("帮扶措施 assistance measure")
        verbose_name_plural = _("帮扶措施 assistance measures")
        ordering = ["monitored_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="measure_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


class MeasureFollowUp(models.Model):
    """A follow-up visit on an assistance measure (帮扶回访): when, what was found, and
    whether the measure is working."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    measure = models.ForeignKey(
        AssistanceMeasure,
        verbose_name=_("帮扶措施 measure"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    visited_on = models.DateField(_("回访日期 visited on"))
    note = models.CharField(_("回访情况 what was found"), max_length=500)
    effective = models.BooleanField(_("措施见效 working"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PovertyQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("帮扶回访 follow-up")
        verbose_name_plural = _("帮扶回访 follow-ups")
        ordering = ["measure_id", "visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.visited_on}: {self.note[:40]}"


class MonitoringLine(models.Model):
    """The poverty-relapse monitoring line (防返贫监测线) for one year: per-capita net income
    per person per year, set by a province (or a prefecture or county stricter than it).
    A household is compared with the line of the deepest region above it."""

    region_code = models.CharField(
        _("地区代码 region"),
        max_length=6,
        db_index=True,
        help_text=_("A province (43), prefecture (4331) or county (433124) code."),
    )
    year = models.PositiveSmallIntegerField(_("年度 year"))
    amount = models.DecimalField(
        _("监测线（元/人·年） line (yuan per person per year)"), max_digits=10, decimal_places=2
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferenceQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("监测线 monitoring line")
        verbose_name_plural = _("监测线 monitoring lines")
        ordering = ["-year", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year"], name="one_line_per_year"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="line_is_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}: {self.amount}"


class RiskSettings(models.Model):
    """The thresholds of the risk rules for a region (a province, prefecture or county; the
    deepest one above a household applies): how far income may fall in a year, which share
    of income out-of-pocket medical costs may take, and which event categories count as a
    hardship. Without a row the defaults apply."""

    region_code = models.CharField(_("地区代码 region"), max_length=6, unique=True)
    drop_percent = models.PositiveSmallIntegerField(
        _("收入降幅阈值（%） income drop threshold (%)"), default=DEFAULT_DROP_PERCENT
    )
    medical_share_percent = models.PositiveSmallIntegerField(
        _("医疗自付占收入比阈值（%） medical cost share threshold (%)"),
        default=DEFAULT_MEDICAL_SHARE_PERCENT,
    )
    event_categories = models.JSONField(
        _("致困事件类别 hardship event categories"),
        default=default_event_categories,
        help_text=_("Event category codes; a parent code covers its sub-categories."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferenceQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("风险规则设置 risk settings")
        verbose_name_plural = _("风险规则设置 risk settings")
        ordering = ["region_code"]

    def __str__(self) -> str:
        return self.region_code


class RiskReview(models.Model):
    """A risk a rule found in a household's data (风险核查), waiting for a person to decide:
    confirm it (the household is found for monitoring, or the risk is added to its open
    monitoring) or dismiss it with a note. The same cause raises one review only: the
    (household, rule, cause) triple is unique."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户 household"),
        on_delete=models.CASCADE,
        related_name="risk_reviews",
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    rule = models.CharField(_("规则 rule"), max_length=30, choices=Rule.choices)
    cause_key = models.CharField(_("原因标识 cause"), max_length=80)
    year = models.PositiveSmallIntegerField(_("年度 year"), null=True, blank=True)
    reason = models.CharField(_("原因 reason"), max_length=500)
    risk_type = models.CharField(_("风险类型 risk type"), max_length=20)
    state = models.CharField(
        _("状态 state"),
        max_length=10,
        choices=ReviewState.choices,
        default=ReviewState.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人 decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间 decided at"), null=True, blank=True)
    note = models.CharField(_("说明 note"), max_length=500, blank=True)
    monitored = models.ForeignKey(
        MonitoredHousehold,
        verbose_name=_("监测户 monitored household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PovertyQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("风险核查 risk review")
        verbose_name_plural = _("风险核查 risk reviews")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region_code", "state"], name="review_scope_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "rule", "cause_key"], name="one_review_per_cause"
            ),
        ]

    def __str__(self) -> str:
        return self.reason
