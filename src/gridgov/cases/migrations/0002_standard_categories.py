"""The standard event categories of design.md with their sub-categories, the default
deadline rules (design.md: accept 1/2 working days; handle 1/2 at a grid, village or
township, 5/10 for departments; verify 2/3; urgent matters in hours) and the skip-level
rules. Everything here is editable afterwards; this migration never imports app code."""

from django.db import migrations

# (code, Chinese, English, default level, default lead department kind, sub-categories)
# Sub-categories: (code, Chinese, English, lead department kind or "" for the parent's).
CATEGORIES = [
    ("dispute", "矛盾纠纷", "Disputes", "village", "justice", [
        ("family", "婚姻家庭纠纷", "Family dispute", ""),
        ("neighbour", "邻里纠纷", "Neighbour dispute", ""),
        ("land", "土地承包纠纷", "Land contract dispute", "agriculture"),
        ("homestead", "宅基地纠纷", "Homestead dispute", "natural_resources"),
        ("labour", "劳资纠纷", "Labour dispute", "human_resources"),
        ("expropriation", "征地拆迁纠纷", "Land expropriation dispute", "natural_resources"),
        ("medical", "医疗纠纷", "Medical dispute", "health"),
        ("collective_assets", "集体资产纠纷", "Collective assets dispute", "agriculture"),
        ("village_affairs", "村务管理纠纷", "Village affairs dispute", "civil_affairs"),
    ]),
    ("security", "治安", "Public security", "township", "public_security", [
        ("theft", "盗窃", "Theft", ""),
        ("gambling", "赌博", "Gambling", ""),
        ("drugs", "涉毒", "Drugs", ""),
        ("gangs", "涉黑涉恶", "Gangs and organised crime", ""),
    ]),
    ("safety", "安全隐患", "Safety hazards", "township", "emergency", [
        ("fire", "消防安全", "Fire hazard", ""),
        ("work_safety", "安全生产", "Work safety", ""),
        ("food", "食品安全", "Food safety", "health"),
        ("pollution", "环境污染", "Pollution", "ecology"),
        ("geological_hazard", "地质灾害", "Geological hazard", "natural_resources"),
        ("dangerous_house", "危房", "Dangerous house", "housing"),
        ("road", "道路交通安全", "Road safety", "public_security"),
    ]),
    ("environment", "人居环境", "Living environment", "village", "agriculture", [
        ("garbage", "垃圾处理", "Garbage", "urban_management"),
        ("sewage", "污水治理", "Sewage", "ecology"),
        ("toilets", "厕所改造", "Toilets", ""),
        ("village_appearance", "村容村貌", "Village appearance", ""),
    ]),
    ("service", "民生服务", "Public services", "village", "civil_affairs", [
        ("education", "教育", "Education", "education"),
        ("social_security", "社会保障", "Social security", "human_resources"),
        ("employment", "就业", "Employment", "human_resources"),
        ("medical_insurance", "医疗保险", "Medical insurance", "health"),
        ("housing", "住房", "Housing", "housing"),
        ("documents", "证件办理", "Documents", "public_security"),
        ("proxy", "代办服务", "Proxy services (代办)", ""),
    ]),
    ("opinion", "社情民意", "Public opinion", "township", "petitions", []),
    ("publicity", "政策宣传", "Policy publicity", "grid", "", []),
    ("emergency", "突发事件", "Sudden events", "county", "emergency", [
        ("natural_disaster", "自然灾害", "Natural disaster", ""),
        ("accident", "事故灾难", "Accident", ""),
        ("public_health", "公共卫生事件", "Public health event", "health"),
        ("social_safety", "社会安全事件", "Social safety event", "public_security"),
    ]),
]

# Default rules for every category (category NULL): (level, urgency) → unit and limits as
# (accept yellow, red), (handle yellow, red), (verify yellow, red).
LOCAL = ("working_days", (1, 2), (1, 2), (2, 3))
DEPARTMENT = ("working_days", (1, 2), (5, 10), (2, 3))
URGENT = ("hours", (2, 4), (24, 48), (24, 48))
LEVELS = ("grid", "village", "township", "county", "department")

# Skip-level escalation: (category, urgency) → the level it may go straight to.
SKIP_LEVEL = [
    ("emergency", "high", "county"),
    ("emergency", "medium", "township"),
    ("safety", "high", "township"),
    ("security", "high", "township"),
    ("dispute", "high", "township"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    DeadlineRule = apps.get_model("cases", "DeadlineRule")
    EscalationRule = apps.get_model("cases", "EscalationRule")
    by_code = {}
    for order, (code, zh, en, level, kind, children) in enumerate(CATEGORIES, start=1):
        parent = Category.objects.create(
            code=code,
            name_zh=zh,
            name_en=en,
            default_level=level,
            default_department_kind=kind,
            needs_emergency_grade=code == "emergency",
            sort_order=order * 100,
        )
        by_code[code] = parent
        for position, (child, child_zh, child_en, child_kind) in enumerate(children, start=1):
            Category.objects.create(
                code=f"{code}.{child}",
                parent=parent,
                name_zh=child_zh,
                name_en=child_en,
                default_level=level,
                default_department_kind=child_kind or kind,
                needs_emergency_grade=code == "emergency",
                sort_order=order * 100 + position,
            )
    for level in LEVELS:
        for urgency in ("low", "medium", "high"):
            if urgency == "high":
                unit, accept, handle, verify = URGENT
            else:
                unit, accept, handle, verify = DEPARTMENT if level == "department" else LOCAL
            DeadlineRule.objects.create(
                category=None,
                level=level,
                urgency=urgency,
                unit=unit,
                accept_yellow=accept[0],
                accept_red=accept[1],
                handle_yellow=handle[0],
                handle_red=handle[1],
                verify_yellow=verify[0],
                verify_red=verify[1],
                warning_percent=70,
            )
    for code, urgency, target in SKIP_LEVEL:
        EscalationRule.objects.create(
            category=by_code[code], urgency=urgency, target_level=target
        )


def unseed(apps, schema_editor):
    apps.get_model("cases", "EscalationRule").objects.all().delete()
    apps.get_model("cases", "DeadlineRule").objects.filter(category__isnull=True).delete()
    Category = apps.get_model("cases", "Category")
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
