"""Codes of poverty-relapse monitoring (design.md, "Vocabulary"): categories, risk types,
workflow states, checklist items, assistance kinds and the risk rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    UNSTABLE_EXITED = "unstable_exited", _("脱贫不稳定户 Unstable exited household")
    MARGINAL_AT_RISK = "marginal_at_risk", _("边缘易致贫户 Marginal household at risk")
    SUDDEN_HARDSHIP = "sudden_hardship", _("突发严重困难户 Household in sudden hardship")


class RiskType(models.TextChoices):
    ILLNESS = "illness", _("因病 Illness")
    NATURAL_DISASTER = "natural_disaster", _("因灾 Natural disaster")
    DISABILITY = "disability", _("因残 Disability")
    LACK_OF_LABOUR = "lack_of_labour", _("缺劳力 Lack of labour")
    ACCIDENT = "accident", _("因意外事故 Accident")
    BUSINESS_FAILURE = "business_failure", _("因产业经营失败 Business failure")
    UNSTABLE_EMPLOYMENT = "unstable_employment", _("因务工就业不稳 Unstable employment")
    EDUCATION_COSTS = "education_costs", _("因学 Education costs")
    OTHER = "other", _("其他 Other")


class State(models.TextChoices):
    """Where a monitored household stands (design.md: found → village review → township
    approval → monitoring → risk cleared → closed)."""

    FOUND = "found", _("待村审核 Found, awaiting village review")
    RETURNED = "returned", _("退回补充 Sent back for more information")
    VILLAGE_REVIEWED = "village_reviewed", _("待乡镇审批 Reviewed, awaiting township approval")
    MONITORING = "monitoring", _("监测帮扶中 Under monitoring")
    RISK_CLEARED = "risk_cleared", _("风险已消除 Risk cleared")
    CLOSED = "closed", _("已关闭 Closed")
    REFUSED = "refused", _("不予纳入 Not included")


# A household has at most one monitoring record in these states at a time.
OPEN_STATES = (
    State.FOUND,
    State.RETURNED,
    State.VILLAGE_REVIEWED,
    State.MONITORING,
    State.RISK_CLEARED,
)
# States the worklists show: someone has to decide something.
PENDING_STATES = (State.FOUND, State.RETURNED, State.VILLAGE_REVIEWED, State.RISK_CLEARED)


class ClearedHow(models.TextChoices):
    """How a household's risk was cleared (风险消除方式)."""

    STABLE_INCOME = "stable_income", _("收入持续稳定 Income stable above the line")
    RISK_GONE = "risk_gone", _("致贫风险自然消除 The cause of the risk has gone")
    ASSISTANCE = "assistance", _("帮扶措施见效 Assistance worked")
    SOCIAL_SECURITY = "social_security", _("纳入兜底保障 Covered by social assistance")
    OTHER = "other", _("其他 Other")


class ChecklistItem(models.TextChoices):
    """The two-no-worries-three-guarantees checklist (两不愁三保障) and safe drinking water."""

    FOOD = "food", _("不愁吃 Enough to eat")
    CLOTHING = "clothing", _("不愁穿 Enough to wear")
    SCHOOL = "school", _("义务教育有保障 No school dropout aged 6–15")
    MEDICAL = "medical", _("基本医疗有保障 Every member medically insured")
    HOUSING = "housing", _("住房安全有保障 House rated A or B")
    WATER = "water", _("饮水安全有保障 Safe drinking water")


class MeasureKind(models.TextChoices):
    INDUSTRY = "industry", _("产业帮扶 Industry")
    EMPLOYMENT = "employment", _("就业帮扶 Employment")
    EDUCATION = "education", _("教育帮扶 Education")
    HEALTH = "health", _("健康帮扶 Health")
    HOUSING = "housing", _("住房保障 Housing")
    SOCIAL_ASSISTANCE = "social_assistance", _("社会救助 Social assistance")
    OTHER = "other", _("其他 Other")


class Rule(models.TextChoices):
    """The risk rules of rules.py: each raises a review a person decides."""

    INCOME_BELOW_LINE = "income_below_line", _("人均纯收入低于监测线 Income below the line")
    INCOME_DROP = "income_drop", _("人均纯收入大幅下降 Income fell sharply")
    MEDICAL_COSTS = "medical_costs", _("医疗自付费用过高 High out-of-pocket medical costs")
    CHILD_OUT_OF_SCHOOL = "child_out_of_school", _("适龄儿童失学辍学 Child aged 6–15 not in school")
    UNSAFE_HOUSE = "unsafe_house", _("住房不安全 House rated C or D")
    CHECKLIST = "checklist", _("两不愁三保障未达标 Checklist item not met")
    HARDSHIP_EVENT = "hardship_event", _("发生致困事件 Hardship event")
    NEW_DISABILITY = "new_disability", _("新增残疾成员 Member with a new disability")


class ReviewState(models.TextChoices):
    PENDING = "pending", _("待核查 Pending")
    CONFIRMED = "confirmed", _("已确认 Confirmed")
    DISMISSED = "dismissed", _("已排除 Dismissed")


class Decision(models.TextChoices):
    CONFIRM = "confirm", _("确认风险 Confirm")
    DISMISS = "dismiss", _("排除 Dismiss")
