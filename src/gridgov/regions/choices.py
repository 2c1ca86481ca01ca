"""Levels and kinds of regions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    PREFECTURE = "prefecture", _("市州")
    COUNTY = "county", _("县市区")
    TOWNSHIP = "township", _("乡镇街道")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")


# Levels at which grids hang: grids always belong to a village or community.
GRID_PARENT_LEVELS = (Level.VILLAGE, Level.COMMUNITY)


class Kind(models.TextChoices):
    """The statistical kind of a division (from the NBS files) or `grid`."""

    PROVINCE = "province", _("省")
    PREFECTURE = "prefecture", _("地级行政区")
    COUNTY_CITY = "county_city", _("县级市")
    DISTRICT = "district", _("市辖区")
    COUNTY = "county", _("县")
    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    OTHER = "other", _("其他（统计用）")
    GRID = "grid", _("网格")
