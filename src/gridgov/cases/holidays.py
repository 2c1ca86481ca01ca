"""China's official holidays and make-up working days, as the chinese-calendar package
knows them (it covers the years the State Council has announced).

Only the days that differ from a plain Monday–Friday week are kept: holidays on weekdays
and working days on weekends. Migration 0003 seeded the years known then; `gridgov cases
calendar` adds years that a newer package knows.
"""

from datetime import date

import chinese_calendar

_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


def known_years() -> list[int]:
    return sorted({day.year for day in chinese_calendar.holidays})


def official_days(year: int) -> list[tuple[date, bool, str]]:
    """(date, is_working_day, note) for every day of `year` that is not as usual."""
    days = []
    for day, name in chinese_calendar.holidays.items():
        if day.year == year and day.weekday() < 5:
            days.append((day, False, _CHINESE_NAMES.get(name, name)))
    for day, name in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            days.append((day, True, f"{_CHINESE_NAMES.get(name, name)}调休上班"))
    return sorted(days)
