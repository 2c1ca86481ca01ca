"""The events' configuration in Django's admin: categories, rules and the calendar are
listed and editable by superusers, edits are audited, and a calendar edit is seen at once."""

from datetime import date

import pytest
from django.test import Client

from gridgov.accounts.models import AuditEntry, User
from gridgov.cases import calendar
from gridgov.cases.models import CalendarDay


@pytest.fixture
def admin_site(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@grid.example.cn", "root-pw-x1"))
    return client


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/admin/cases/category/", "geological_hazard"),
        ("/admin/cases/deadlinerule/", "department"),
        ("/admin/cases/escalationrule/", "突发事件"),
        ("/admin/cases/calendarday/?q=国庆", "国庆节"),
    ],
)
def test_the_configuration_is_listed(admin_site, url, expected):
    response = admin_site.get(url)
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_a_calendar_edit_is_audited_and_used_at_once(
    admin_site, django_capture_on_commit_callbacks
):
    assert calendar.is_working_day(date(2025, 9, 15))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_site.post(
            "/admin/cases/calendarday/add/",
            {"date": "2025-09-15", "is_working_day": "", "note": "州庆放假"},
        )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2025, 9, 15)).note == "州庆放假"
    assert AuditEntry.objects.filter(action="admin.add", object_type="cases.calendarday")
    assert not calendar.is_working_day(date(2025, 9, 15))
