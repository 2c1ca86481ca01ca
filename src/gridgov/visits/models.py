"""Visits, the work log (民情日志) and visit plans.

A visit and a work-log entry carry the code of the region where they happened in
`region_code`, which is all that scope checks and rollups read. Both are created with a
client-generated UUID, so a phone retrying after a lost response cannot record twice.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.scope import ScopedQuerySet
from gridgov.visits.choices import HouseholdNorm, VisitKind, WorkLogKind


class VisitsQuerySet(ScopedQuerySet):
    view_permission = "visits.view"


class Visit(models.Model):
    """A visit (走访) by a grid worker or cadre to a household, a place or an organisation:
    who went, when, where the worker stood (with the distance to the target, recorded and
    never enforced: phones in the mountains are often wrong), what they found, what the
    people need and what was done for them. A finding that needs handling opens an event,
    linked here."""

    uuid = models.UUIDField(_("唯一标识 UUID"), default=uuid.uuid4, unique=True, editable=False)
    visitor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("走访人 visitor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("走访户 household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    place = models.ForeignKey(
        "registry.Place",
        verbose_name=_("场所设施 place"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("组织 organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    region_code = models.CharField(
        _("网格代码 grid code"), max_length=15, db_index=True, editable=False
    )
    visited_at = models.DateTimeField(_("走访时间 visited at"))
    latitude = models.FloatField(_("走访人纬度 worker latitude"), null=True, blank=True)
    longitude = models.FloatField(_("走访人经度 worker longitude"), null=True, blank=True)
    distance_metres = models.PositiveIntegerField(
        _("与对象距离（米） distance (metres)"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("From the worker's position to the target's; empty when either is unknown."),
    )
    kind = models.CharField(
        _("走访类型 kind"), max_length=20, choices=VisitKind.choices, default=VisitKind.ROUTINE
    )
    findings = models.TextField(_("走访情况 findings"), blank=True)
    needs_found = models.TextField(_("群众诉求 needs found"), blank=True)
    services_delivered = models.TextField(_("服务事项 services delivered"), blank=True)
    event = models.ForeignKey(
        "cases.Event",
        verbose_name=_("转办事件 event opened"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitsQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("走访 visit")
        verbose_name_plural = _("走访 visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "visited_at"], name="visit_region_time"),
        ]
        constraints = [
            # Exactly one target: a household, a place or an organisation.
            models.CheckConstraint(
                condition=(
                    Q(household__isnull=False, place__isnull=True, organisation__isnull=True)
                    | Q(household__isnull=True, place__isnull=False, organisation__isnull=True)
                    | Q(household__isnull=True, place__isnull=True, organisation__isnull=False)
                ),
                name="visit_has_exactly_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_at:%Y-%m-%d}"

    @property
    def target(self):
        return self.household or self.place or self.organisation


# The extension of a kept photo's file, from the type found in its content.
PHOTO_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png"}


def photo_path(photo: "VisitPhoto", filename: str) -> str:
    """Where storage keeps a visit photo: by upload day and the photo's UUID, with the
    extension of the type found in the content. The uploader's file name is never part of it."""
    extension = PHOTO_EXTENSIONS.get(photo.content_type, "")
    day = timezone.localdate(photo.created_at or timezone.now())
    return f"visits/{day:%Y/%m/%d}/{photo.uuid}{extension}"


class VisitPhoto(models.Model):
    """A photo taken on a visit (走访照片): the leaking roof, the medicine delivered. Like an
    event's attachment it is judged by its content and re-encoded before it is kept, so the
    phone's location and camera data are gone. Whoever sees the visit sees that it has
    photos; a key-population follow-up's photos are shown only to those who see the visit's
    notes in clear."""

    uuid = models.UUIDField(_("唯一标识 UUID"), default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(
        Visit, verbose_name=_("走访 visit"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("文件 file"), upload_to=photo_path, max_length=200)
    original_name = models.CharField(
        _("文件名 file name"),
        max_length=120,
        help_text=_("The uploader's file name, cleaned, for display only."),
    )
    content_type = models.CharField(_("类型 content type"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("宽 width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高 height"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人 uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间 uploaded at"), default=timezone.now)

    objects = VisitsQuerySet.as_manager()
    scope_field = "visit__region_code"

    class Meta:
        verbose_name = _("走访照片 visit photo")
        verbose_name_plural = _("走访照片 visit photos")
        ordering = ["visit_id", "created_at", "id"]
        constraints = [
            # The same picture twice on one visit is one photo.
            models.UniqueConstraint(fields=["visit", "sha256"], name="visit_photo_once_per_visit"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.original_name}"


class WorkLogEntry(models.Model):
    """An entry of the work log (民情日志) for work that is not a household visit: a village
    meeting, an inspection round, a publicity session, a training, a mediation; where it was,
    what happened and how many people it reached."""

    uuid = models.UUIDField(_("唯一标识 UUID"), default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(
        "accounts.User",
        verbose_name=_("记录人 author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_code = models.CharField(
        _("区划代码 region code"),
        max_length=15,
        db_index=True,
        help_text=_("The grid, village or township where the work was done."),
    )
    date = models.DateField(_("日期 date"))
    kind = models.CharField(_("类别 kind"), max_length=12, choices=WorkLogKind.choices)
    title = models.CharField(_("标题 title"), max_length=100)
    text = models.TextField(_("内容 text"), blank=True)
    people_reached = models.PositiveIntegerField(_("覆盖人数 people reached"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitsQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("民情日志 work-log entry")
        verbose_name_plural = _("民情日志 work-log entries")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["region_code", "date"], name="worklog_region_date")]

    def __str__(self) -> str:
        return self.title


class VisitNorm(models.Model):
    """How often a household is visited because of what the household is (an ordinary
    household; one living in a C- or D-rated house), set by the county. Norms for people
    come from their tags (registry.TagRule); a household follows the most frequent norm
    that applies to it."""

    norm = models.CharField(
        _("类别 norm"), max_length=12, choices=HouseholdNorm.choices, unique=True
    )
    visit_interval_days = models.PositiveSmallIntegerField(_("走访周期（天） visit every (days)"))

    class Meta:
        verbose_name = _("户走访规则 household visit norm")
        verbose_name_plural = _("户走访规则 household visit norms")
        ordering = ["norm"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit_interval_days__gte=1), name="visit_norm_at_least_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_norm_display()}: {self.visit_interval_days}"


class VisitPlan(models.Model):
    """A household's visit plan: how often it must be visited, which tag or status sets
    that, when it was last visited and when the next visit is due. Kept up to date by
    `visits.plans.refresh_plans()` after every visit and by the periodic refresh (tags
    change in the register); "overdue" is then an indexed comparison on `next_due`."""

    household = models.OneToOneField(
        "registry.Household",
        verbose_name=_("户 household"),
        on_delete=models.CASCADE,
        related_name="visit_plan",
    )
    region_code = models.CharField(_("网格代码 grid code"), max_length=15, editable=False)
    interval_days = models.PositiveSmallIntegerField(_("走访周期（天） visit every (days)"))
    why = models.CharField(
        _("依据 why"),
        max_length=40,
        help_text=_("`tag:<tag>` or `household:<norm>`: what sets the interval."),
    )
    why_private = models.BooleanField(
        _("依据需隐藏 reason masked"),
        default=False,
        help_text=_("The reason is a key-population tag or a child's tag: shown masked."),
    )
    last_visit_at = models.DateTimeField(_("最近走访 last visit"), null=True, blank=True)
    next_due = models.DateField(_("下次走访 next visit due"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisitsQuerySet.as_manager()
    scope_field = "region_code"

    class Meta:
        verbose_name = _("走访计划 visit plan")
        verbose_name_plural = _("走访计划 visit plans")
        ordering = ["next_due", "id"]
        indexes = [models.Index(fields=["region_code", "next_due"], name="visit_plan_due")]

    def __str__(self) -> str:
        return f"{self.household_id} → {self.next_due}"
