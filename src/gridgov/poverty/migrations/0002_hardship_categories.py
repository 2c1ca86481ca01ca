"""Event categories for hardships that the poverty rules watch (illness and business failure
do not exist among the standard categories), and the default risk-rule settings for Hunan.
Idempotent (get_or_create); never imports app code."""

from django.db import migrations

PARENT = ("hardship", "因病因灾致困", "Hardship")
CHILDREN = [
    ("illness", "重大疾病", "Serious illness"),
    ("business_failure", "经营失败", "Business failure"),
]
EVENT_CATEGORIES = [
    "emergency.natural_disaster",
    "emergency.accident",
    "emergency.public_health",
    "safety.geological_hazard",
    "hardship.illness",
    "hardship.business_failure",
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    code, zh, en = PARENT
    parent, _created = Category.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": zh,
            "name_en": en,
            "default_level": "village",
            "default_department_kind": "civil_affairs",
            "sort_order": 900,
        },
    )
    for position, (child, child_zh, child_en) in enumerate(CHILDREN, start=1):
        Category.objects.get_or_create(
            code=f"{code}.{child}",
            defaults={
                "parent": parent,
                "name_zh": child_zh,
                "name_en": child_en,
                "default_level": "village",
                "default_department_kind": "civil_affairs",
                "sort_order": 900 + position,
            },
        )
    RiskSettings = apps.get_model("poverty", "RiskSettings")
    RiskSettings.objects.get_or_create(
        region_code="43",
        defaults={
            "drop_percent": 30,
            "medical_share_percent": 50,
            "event_categories": EVENT_CATEGORIES,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_official_calendar"),
        ("poverty", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
