"""Code tables of visits, the work log and visit norms."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.registry.choices import ORDINARY_VISIT_DAYS


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("日常走访")
    KEY_POPULATION = "key_population", _("重点人员回访")
    POVERTY_MONITORING = "poverty_monitoring", _("防返贫监测走访")
    SERVICE_DELIVERY = "service_delivery", _("上门服务")
    EMERGENCY_CHECK = "emergency_check", _("应急排查")


# A key-population follow-up says that someone in the household is in a key population,
# which is as sensitive as the tag itself: its kind and notes are masked like the tag.
SENSITIVE_KINDS = frozenset({VisitKind.KEY_POPULATION})


class WorkLogKind(models.TextChoices):
    MEETING = "meeting", _("会议")
    INSPECTION = "inspection", _("巡查")
    PUBLICITY = "publicity", _("政策宣传")
    TRAINING = "training", _("培训")
    MEDIATION = "mediation", _("矛盾调解")
    OTHER = "other", _("其他")


class HouseholdNorm(models.TextChoices):
    """Visit norms that come from the household itself rather than from a member's tag."""

    ORDINARY = "ordinary", _("普通户")
    HOUSING_C = "housing_C", _("C级危房户")
    HOUSING_D = "housing_D", _("D级危房户")


# Days between visits when the county has not set its own norm.
DEFAULT_NORM_DAYS = {
    HouseholdNorm.ORDINARY: ORDINARY_VISIT_DAYS,
    HouseholdNorm.HOUSING_C: 30,
    HouseholdNorm.HOUSING_D: 7,
}
