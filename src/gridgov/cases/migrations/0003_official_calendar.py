"""Seed the working-day calendar with China's official holidays on weekdays and make-up
working days on weekends, for every year the installed chinese-calendar package knows.
Later years are added with `gridgov cases calendar`; rows can be edited by hand. This
migration reads the package directly and never imports app code."""

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("cases", "CalendarDay")
    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    rows = [
        CalendarDay(date=day, is_working_day=False, note=names.get(name, name))
        for day, name in chinese_calendar.holidays.items()
        if day.weekday() < 5
    ] + [
        CalendarDay(date=day, is_working_day=True, note=f"{names.get(name, name)}调休上班")
        for day, name in chinese_calendar.workdays.items()
        if day.weekday() >= 5
    ]
    CalendarDay.objects.bulk_create(sorted(rows, key=lambda row: row.date))


def unseed(apps, schema_editor):
    apps.get_model("cases", "CalendarDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_standard_categories")]

    operations = [migrations.RunPython(seed, unseed)]
