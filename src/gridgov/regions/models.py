"""The division tree: prefecture → county → township → village/community → grid."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from gridgov.regions.choices import GRID_PARENT_LEVELS, Kind, Level
from gridgov.regions.codes import CODE_LENGTHS, ancestor_codes, within_q

# Lets constraints say `code__length=6`.
models.CharField.register_lookup(Length)


def _code_length_matches_level() -> models.Q:
    condition = models.Q()
    for level, length in CODE_LENGTHS.items():
        condition |= models.Q(level=level, code__length=length)
    return condition


class RegionQuerySet(models.QuerySet):
    def within(self, code: str) -> "RegionQuerySet":
        """The region `code` and everything below it (one index range scan)."""
        return self.filter(within_q(code, "code"))

    def visible_to(self, user, permission: str | None = None) -> "RegionQuerySet":
        """Regions in the user's scope and the regions above it (so a worker sees the path
        from the prefecture down to their grid), nothing for anyone without a role."""
        # Scope is defined by role assignments (accounts); imported here so that the models
        # of this lower layer do not depend on accounts at import time.
        from gridgov.accounts.scope import scope_q

        return self.filter(
            scope_q(user, permission or "regions.view", field="code", with_ancestors=True)
        )


class Region(models.Model):
    """One division of the territory, from a province down to a grid (网格).

    Everything scoped in gridgov hangs off a region by its `code`, which is the significant
    prefix of the national statistical code (a grid adds three digits to its village's code);
    a code is its own path from the top, so "everything in this township" is a range of codes.
    Geometry is a GeoJSON polygon, imported from the user's GIS files or generated for a demo.
    """

    code = models.CharField(
        _("区划代码 code"),
        max_length=15,
        unique=True,
        help_text=_("Significant prefix of the statistical code; grids add three digits."),
    )
    name = models.CharField(_("名称 name"), max_length=100)
    level = models.CharField(_("层级 level"), max_length=12, choices=Level.choices, db_index=True)
    kind = models.CharField(_("类别 kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级 parent"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    name_pinyin = models.CharField(
        _("拼音 pinyin"), max_length=400, blank=True, help_text=_("Full pinyin, no spaces.")
    )
    name_initials = models.CharField(_("拼音首字母 initials"), max_length=100, blank=True)
    geometry = models.JSONField(
        _("边界 geometry"), null=True, blank=True, help_text=_("GeoJSON Polygon or MultiPolygon.")
    )
    centroid_lat = models.FloatField(_("中心纬度 latitude"), null=True, blank=True)
    centroid_lon = models.FloatField(_("中心经度 longitude"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegionQuerySet.as_manager()

    # The scope machinery reads a model's region code from this field.
    scope_field = "code"

    class Meta:
        verbose_name = _("区划 region")
        verbose_name_plural = _("区划 regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=_code_length_matches_level(), name="region_code_length_matches_level"
            )
        ]
        indexes = [
            models.Index(fields=["parent", "code"], name="region_parent_code"),
            models.Index(fields=["name_initials"], name="region_initials"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        expected = CODE_LENGTHS.get(self.level)
        if expected is None:
            raise ValidationError({"level": _("未知层级 Unknown level.")})
        if not self.code.isdigit() or len(self.code) != expected:
            raise ValidationError(
                {
                    "code": _(
                        "%(level)s 的代码必须是 %(length)d 位数字 "
                        "A %(level)s code must be %(length)d digits."
                    )
                    % {"level": self.level, "length": expected}
                }
            )
        if self.parent is not None and not (
            self.code.startswith(self.parent.code) and len(self.parent.code) < len(self.code)
        ):
            raise ValidationError(
                {"parent": _("代码必须以上级代码开头 The code must start with the parent's code.")}
            )
        if self.level == Level.GRID and (
            self.parent is None or self.parent.level not in GRID_PARENT_LEVELS
        ):
            raise ValidationError(
                {"parent": _("网格必须属于村或社区 A grid must belong to a village or community.")}
            )

    @property
    def ancestor_codes(self) -> list[str]:
        return ancestor_codes(self.code)

    def ancestors(self) -> list["Region"]:
        """The regions above this one, top first."""
        return list(Region.objects.filter(code__in=self.ancestor_codes).order_by("code"))

    @property
    def is_grid(self) -> bool:
        return self.level == Level.GRID
