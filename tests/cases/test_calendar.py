"""Working-day arithmetic on real Chinese calendars: the 2025 National Day golden week
(1–8 October off, Sunday 28 September and Saturday 11 October worked) and the 2026 Spring
Festival (15–23 February off, Saturdays 14 and 28 February worked)."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from gridgov.cases import actions, calendar, holidays
from gridgov.cases.models import CalendarDay
from gridgov.cases.workflow import PermissionDenied
from gridgov.testing.cases import at, user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 9, 26), True),  # Friday before the golden week
        (date(2025, 9, 27), False),  # an ordinary Saturday
        (date(2025, 9, 28), True),  # make-up Sunday
        (date(2025, 10, 1), False),  # National Day
        (date(2025, 10, 8), False),  # the last day off (Mid-Autumn joined the week)
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # make-up Saturday
        (date(2025, 10, 12), False),
        (date(2026, 2, 14), True),  # make-up Saturday before Spring Festival
        (date(2026, 2, 16), False),  # Spring Festival on a Monday
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # make-up Saturday after it
        (date(2026, 9, 25), False),  # Mid-Autumn 2026 on a Friday
    ],
)
def test_working_days_follow_the_official_arrangement(day, working):
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # An ordinary weekend: Friday + 1 working day is Monday night.
        (at(2025, 9, 19, 15), 1, at(2025, 9, 22, 23, 59, 59)),
        # Friday before the golden week: the make-up Sunday counts.
        (at(2025, 9, 26, 15), 1, at(2025, 9, 28, 23, 59, 59)),
        # The last working day before the holiday: due the first day back.
        (at(2025, 9, 30, 10), 1, at(2025, 10, 9, 23, 59, 59)),
        (at(2025, 9, 30, 10), 2, at(2025, 10, 10, 23, 59, 59)),
        # Five and ten working days for departments, straddling the holiday.
        (at(2025, 9, 26, 15), 5, at(2025, 10, 10, 23, 59, 59)),
        (at(2025, 9, 26, 15), 6, at(2025, 10, 11, 23, 59, 59)),  # the make-up Saturday
        (at(2025, 9, 26, 15), 10, at(2025, 10, 16, 23, 59, 59)),
        # Reported during the holiday: counting starts the day after, on working days.
        (at(2025, 10, 3, 9), 1, at(2025, 10, 9, 23, 59, 59)),
        # Spring Festival 2026.
        (at(2026, 2, 13, 16), 1, at(2026, 2, 14, 23, 59, 59)),
        (at(2026, 2, 13, 16), 2, at(2026, 2, 24, 23, 59, 59)),
    ],
)
def test_adding_working_days_ends_at_the_end_of_a_working_day(start, days, due):
    assert calendar.add_working_days(start, days) == due


def test_a_period_in_working_days_starts_the_next_day_even_late_at_night():
    assert calendar.add_working_days(at(2025, 9, 15, 23, 58), 1) == at(2025, 9, 16, 23, 59, 59)
    # 00:30 on Tuesday is still Tuesday in Xiangxi (16:30 on Monday in UTC).
    assert calendar.add_working_days(at(2025, 9, 16, 0, 30), 1) == at(2025, 9, 17, 23, 59, 59)


def test_working_time_skips_weekends_and_holidays_but_not_make_up_days():
    # Friday 18:00 → Monday 06:00 across the make-up Sunday: 6 h + 24 h + 6 h.
    assert calendar.working_time_between(at(2025, 9, 26, 18), at(2025, 9, 29, 6)) == timedelta(
        hours=36
    )
    # Across the whole golden week only the two half days count.
    assert calendar.working_time_between(at(2025, 9, 30, 12), at(2025, 10, 9, 12)) == timedelta(
        hours=24
    )
    assert calendar.working_time_between(at(2025, 10, 2), at(2025, 10, 1)) == timedelta()


def test_adding_working_time_is_the_inverse_of_measuring_it():
    start = at(2025, 9, 30, 12)
    assert calendar.add_working_time(start, timedelta(hours=24)) == at(2025, 10, 9, 12)
    for hours in (1, 12, 30, 50, 100, 200):
        end = calendar.add_working_time(start, timedelta(hours=hours))
        assert calendar.working_time_between(start, end) == timedelta(hours=hours)
    # From inside the holiday the clock starts on the first working day.
    assert calendar.add_working_time(at(2025, 10, 4, 15), timedelta(hours=2)) == at(2025, 10, 9, 2)


def test_the_calendar_is_seeded_from_chinese_calendar_and_editable():
    national_day = CalendarDay.objects.get(date=date(2025, 10, 1))
    assert (national_day.is_working_day, national_day.note) == (False, "国庆节")
    make_up = CalendarDay.objects.get(date=date(2025, 10, 11))
    assert make_up.is_working_day and "调休" in make_up.note
    # A local holiday on Monday 15 September 2025 moves a Friday deadline to Tuesday.
    assert calendar.add_working_days(at(2025, 9, 12, 10), 1) == at(2025, 9, 15, 23, 59, 59)
    actions.set_calendar_day(
        actor=user("admin"), day=date(2025, 9, 15), is_working_day=False, note="州庆"
    )
    assert calendar.add_working_days(at(2025, 9, 12, 10), 1) == at(2025, 9, 16, 23, 59, 59)


def test_only_configurers_edit_the_calendar():
    for name in ("township", "leader", "worker_a"):
        with pytest.raises(PermissionDenied):
            actions.set_calendar_day(actor=user(name), day=date(2025, 9, 15), is_working_day=False)
    actions.set_calendar_day(
        actor=user("outsider"), day=date(2025, 9, 15), is_working_day=False
    )  # a county centre


def test_the_command_adds_missing_official_days_and_keeps_edited_ones(capsys):
    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    CalendarDay.objects.filter(date=date(2026, 10, 2)).update(note="本地说明")
    call_command("cases", "calendar", "2026")
    assert "added 1 days" in capsys.readouterr().out
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).note == "国庆节"
    assert CalendarDay.objects.get(date=date(2026, 10, 2)).note == "本地说明"
    assert 2026 in holidays.known_years()
    call_command("cases", "calendar")
    assert "added 0 days" in capsys.readouterr().out
