"""Working days in China, in Asia/Shanghai time.

A day is a working day when it is Monday to Friday, unless a `CalendarDay` row says
otherwise: official holidays that fall on weekdays are off, and the make-up working days
(调休) that the State Council puts on weekends are on. The rows are seeded from the
chinese-calendar package and editable, because next year's arrangement is published each
December and a county may have a local holiday.

Deadlines end at the end of a working day (23:59:59 local). Counting follows the Civil Code
(art. 201): a period in days starts on the day after the event, so "one working day" from a
Friday afternoon ends on Monday night. Working time is the part of an interval that falls
on working days, whole days counted; it measures how long a case was suspended and where
the 70 % warning falls.
"""

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
_VERSION_KEY = "gridgov:cases:calendar-version"
_ONE_DAY = timedelta(days=1)

_lock = threading.Lock()
_loaded: dict[int, dict[date, bool]] = {}
_loaded_version: int | None = None


def calendar_version() -> int:
    return cache.get_or_set(_VERSION_KEY, 1, timeout=None)


def calendar_changed() -> None:
    """Tell every process that calendar days were edited (their cached years are dropped)."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, timeout=None)


def _overrides(year: int) -> dict[date, bool]:
    """The calendar rows of one year, loaded once per process and calendar version."""
    global _loaded_version
    version = calendar_version()
    with _lock:
        if _loaded_version != version:
            _loaded.clear()
            _loaded_version = version
        if year not in _loaded:
            from gridgov.cases.models import CalendarDay

            _loaded[year] = dict(
                CalendarDay.objects.filter(
                    date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
                ).values_list("date", "is_working_day")
            )
        return _loaded[year]


def is_working_day(day: date) -> bool:
    override = _overrides(day.year).get(day)
    if override is not None:
        return override
    return day.weekday() < 5


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def start_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def next_working_day(day: date) -> date:
    """The first working day strictly after `day`."""
    day += _ONE_DAY
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def add_working_days(moment: datetime, days: int) -> datetime:
    """The end of the `days`-th working day after the day of `moment`."""
    if days < 1:
        raise ValueError("a limit in working days is at least 1")
    day = local_date(moment)
    for _ in range(days):
        day = next_working_day(day)
    return end_of_day(day)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """How much of [start, end) falls on working days."""
    total = timedelta()
    if end <= start:
        return total
    day = local_date(start)
    last = local_date(end)
    while day <= last:
        if is_working_day(day):
            begins = max(start, start_of_day(day))
            ends = min(end, start_of_day(day + _ONE_DAY))
            if ends > begins:
                total += ends - begins
        day += _ONE_DAY
    return total


def add_working_time(moment: datetime, duration: timedelta) -> datetime:
    """The moment when `duration` of working time has passed after `moment` (the clock
    only runs on working days)."""
    remaining = duration
    cursor = moment.astimezone(SHANGHAI)
    if remaining <= timedelta():
        return cursor
    while True:
        day = cursor.date()
        next_midnight = start_of_day(day + _ONE_DAY)
        if is_working_day(day):
            available = next_midnight - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        cursor = next_midnight
