"""The register: households, residents, places, organisations and population tags.

Every record sits in one grid and carries that grid's code in `region_code`, which is all
that scope checks and rollups read. Records are created with a client-generated UUID, so a
field app retrying after a lost response cannot create the same record twice.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.scope import ScopedQuerySet
from gridgov.registry.choices import (
    AttentionLevel,
    DisabilityLevel,
    Education,
    Ethnicity,
    ExportKind,
    ExportStatus,
    HealthInsurance,
    HouseholdType,
    HousingSafety,
    OrganisationKind,
    PlaceKind,
    RelationToHead,
    ResidenceStatus,
    Sex,
    Tag,
)


class RegistryQuerySet(ScopedQuerySet):
    view_permission = "registry.view"


class RegisteredInGrid(models.Model):
    """What every register record has: a client UUID, its grid, and a version for ETags."""

    uuid = models.UUIDField(_("唯一标识 UUID"), default=uuid.uuid4, unique=True, editable=False)
    grid = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属网格 grid"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_code = models.CharField(
        _("网格代码 grid code"), max_length=15, db_index=True, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegistryQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.grid_id and self.grid.level != "grid":
            raise ValidationError(
                {
                    "grid": _("必须选择一个网格 Choose a grid, not a %(level)s.")
                    % {"level": self.grid.level}
                }
            )


class Household(RegisteredInGrid):
    """A household (户): the people who live together at one address, registered in one grid.
    Its members are residents; one of them is the head. Location defaults to the grid's
    centre until a worker records the door."""

    address = models.CharField(_("地址 address"), max_length=200)
    register_number = models.CharField(
        _("户编号 register number"),
        max_length=40,
        blank=True,
        help_text=_(
            "The household's number in the township's own register (户口簿户号); an import "
            "recognises the household by its grid and this number."
        ),
    )
    house_number = models.CharField(_("门牌号 house number"), max_length=40, blank=True)
    latitude = models.FloatField(_("纬度 latitude"), null=True, blank=True)
    longitude = models.FloatField(_("经度 longitude"), null=True, blank=True)
    household_type = models.CharField(
        _("户别 household type"),
        max_length=12,
        choices=HouseholdType.choices,
        default=HouseholdType.REGISTERED,
    )
    housing_safety = models.CharField(
        _("住房安全等级 housing safety"), max_length=1, choices=HousingSafety.choices, blank=True
    )
    head = models.ForeignKey(
        "Resident",
        verbose_name=_("户主 head of household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("备注 notes"), blank=True)

    class Meta:
        verbose_name = _("户 household")
        verbose_name_plural = _("户 households")
        ordering = ["region_code", "address", "id"]
        indexes = [
            models.Index(fields=["region_code", "housing_safety"], name="household_grid_safety"),
            models.Index(fields=["region_code", "register_number"], name="household_register"),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.house_number}".strip()


class Resident(RegisteredInGrid):
    """A person (人) in the register. The national ID number, when known, is checked
    (GB 11643 checksum) and must agree with the birth date and sex recorded. A resident who
    moves keeps this record; the move is written to their history."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("所在户 household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    name = models.CharField(_("姓名 name"), max_length=60)
    # Searched by prefix within a scope: on PostgreSQL through the (column, region_code)
    # pattern indexes of migration 0003, which make single-column indexes redundant.
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_initials = models.CharField(max_length=30, blank=True, editable=False)
    id_number = models.CharField(
        _("身份证号码 ID number"), max_length=18, null=True, blank=True, unique=True
    )
    id_last6 = models.CharField(max_length=6, blank=True, db_index=True, editable=False)
    birth_date = models.DateField(_("出生日期 birth date"), null=True, blank=True)
    sex = models.CharField(_("性别 sex"), max_length=1, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(
        _("民族 ethnicity"), max_length=2, choices=Ethnicity.choices, blank=True
    )
    phone = models.CharField(_("联系电话 phone"), max_length=20, blank=True, db_index=True)
    relation_to_head = models.CharField(
        _("与户主关系 relation to head"), max_length=2, choices=RelationToHead.choices, blank=True
    )
    residence_status = models.CharField(
        _("居住状态 residence status"),
        max_length=16,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.LIVING_HERE,
    )
    away_since = models.DateField(
        _("外出时间 away since"),
        null=True,
        blank=True,
        help_text=_("When a member left to work away."),
    )
    education = models.CharField(
        _("文化程度 education"), max_length=2, choices=Education.choices, blank=True
    )
    health_insurance = models.CharField(
        _("医疗保险 health insurance"), max_length=12, choices=HealthInsurance.choices, blank=True
    )
    disability_level = models.CharField(
        _("残疾等级 disability level"), max_length=1, choices=DisabilityLevel.choices, blank=True
    )
    notes = models.TextField(_("备注 notes"), blank=True)

    class Meta:
        verbose_name = _("居民 resident")
        verbose_name_plural = _("居民 residents")
        ordering = ["region_code", "household_id", "id"]
        indexes = [
            models.Index(fields=["region_code", "name"], name="resident_grid_name"),
            models.Index(fields=["birth_date"], name="resident_birth_date"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_repr(self) -> str:
        """The audit log never keeps a child's name (under 14): only the surname."""
        from gridgov.registry.privacy import is_minor, mask_name

        return mask_name(self.name) if is_minor(self) else self.name


class ResidentMove(models.Model):
    """One move of a resident between households or grids, kept so that a person's history
    survives moving house, marriage into another village or re-zoning."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="moves")
    from_household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    to_household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_region_code = models.CharField(max_length=15)
    to_region_code = models.CharField(max_length=15, db_index=True)
    moved_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("原因 reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("迁移记录 move")
        verbose_name_plural = _("迁移记录 moves")
        ordering = ["-moved_at"]

    def __str__(self) -> str:
        return f"{self.from_region_code} → {self.to_region_code}"


class Place(RegisteredInGrid):
    """A place or thing (地、物) that grid workers watch: a building, a venue, a hazard site,
    a bridge, a well or water supply; with its location and the person who keeps it."""

    kind = models.CharField(_("类别 kind"), max_length=16, choices=PlaceKind.choices)
    name = models.CharField(_("名称 name"), max_length=100)
    address = models.CharField(_("地址 address"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度 latitude"), null=True, blank=True)
    longitude = models.FloatField(_("经度 longitude"), null=True, blank=True)
    keeper_name = models.CharField(_("负责人 keeper"), max_length=60, blank=True)
    keeper_phone = models.CharField(_("负责人电话 keeper phone"), max_length=20, blank=True)
    notes = models.TextField(_("备注 notes"), blank=True)

    class Meta:
        verbose_name = _("场所设施 place")
        verbose_name_plural = _("场所设施 places")
        ordering = ["region_code", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Organisation(RegisteredInGrid):
    """An organisation (组织) in a grid: an enterprise, school, clinic, social organisation,
    party branch or co-operative, with its contact and size."""

    kind = models.CharField(_("类别 kind"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("名称 name"), max_length=100)
    address = models.CharField(_("地址 address"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度 latitude"), null=True, blank=True)
    longitude = models.FloatField(_("经度 longitude"), null=True, blank=True)
    contact_name = models.CharField(_("联系人 contact"), max_length=60, blank=True)
    contact_phone = models.CharField(_("联系电话 contact phone"), max_length=20, blank=True)
    size = models.PositiveIntegerField(_("人数 people"), null=True, blank=True)
    notes = models.TextField(_("备注 notes"), blank=True)

    class Meta:
        verbose_name = _("组织 organisation")
        verbose_name_plural = _("组织 organisations")
        ordering = ["region_code", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class PopulationTag(models.Model):
    """A resident's membership of a key population or care group (重点人群/关爱人群), with
    how closely they are followed and from when to when. Visit plans derive from tags."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tags")
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    tag = models.CharField(_("类别 tag"), max_length=30, choices=Tag.choices)
    attention_level = models.CharField(
        _("关注程度 attention level"),
        max_length=8,
        choices=AttentionLevel.choices,
        default=AttentionLevel.GENERAL,
    )
    start_date = models.DateField(_("开始日期 start date"))
    end_date = models.DateField(_("结束日期 end date"), null=True, blank=True)
    notes = models.CharField(_("备注 notes"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegistryQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("人群标签 population tag")
        verbose_name_plural = _("人群标签 population tags")
        ordering = ["tag", "start_date"]
        indexes = [models.Index(fields=["tag", "region_code"], name="tag_region")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="tag_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.get_tag_display()


class TagRule(models.Model):
    """How often a tagged person is visited (the visit norm), set per tag by the county."""

    tag = models.CharField(_("类别 tag"), max_length=30, choices=Tag.choices, unique=True)
    visit_interval_days = models.PositiveSmallIntegerField(_("走访周期（天） visit every (days)"))

    class Meta:
        verbose_name = _("走访规则 visit rule")
        verbose_name_plural = _("走访规则 visit rules")
        ordering = ["tag"]

    def __str__(self) -> str:
        return f"{self.get_tag_display()}: {self.visit_interval_days}"


class RevealGrant(models.Model):
    """Permission, given for a stated reason, to see one resident's sensitive data in clear
    for a short time (30 minutes). Every grant is also written to the audit log."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("原因 reason"), max_length=300)
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("查看明文授权 reveal grant")
        verbose_name_plural = _("查看明文授权 reveal grants")
        indexes = [models.Index(fields=["user", "resident", "expires_at"], name="reveal_lookup")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.resident_id} until {self.expires_at:%H:%M}"


class ExportRequest(models.Model):
    """A request to download part of the register as a spreadsheet (批量导出申请). Batch
    downloads of personal information need a stated reason, and approval by someone else
    when they are large or in clear (GB/T 35273 §7.1); every step is in the audit log."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("申请人 requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_code = models.CharField(
        _("导出范围 region"),
        max_length=15,
        db_index=True,
        help_text=_("The export holds records within this region only."),
    )
    kind = models.CharField(_("导出内容 kind"), max_length=12, choices=ExportKind.choices)
    file_format = models.CharField(
        _("文件格式 format"),
        max_length=4,
        choices=[("xlsx", "XLSX"), ("csv", "CSV")],
        default="xlsx",
    )
    filters = models.JSONField(_("筛选条件 filters"), default=dict, blank=True)
    clear = models.BooleanField(
        _("明文导出 in clear"),
        default=False,
        help_text=_("ID numbers, phones and sensitive tags unmasked: always needs approval."),
    )
    row_count = models.PositiveIntegerField(_("记录数 rows"))
    reason = models.CharField(_("导出原因 reason"), max_length=300)
    status = models.CharField(
        _("状态 status"),
        max_length=10,
        choices=ExportStatus.choices,
        default=ExportStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("审批人 decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间 decided at"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见 note"), max_length=300, blank=True)
    expires = models.DateTimeField(
        _("下载截止 download until"),
        null=True,
        blank=True,
        help_text=_("An approved export can be downloaded until then."),
    )
    downloaded_at = models.DateTimeField(_("首次下载 first downloaded"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegistryQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("导出申请 export request")
        verbose_name_plural = _("导出申请 export requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="export_not_self_approved",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.region_code} ({self.row_count})"
