"""Fixtures for the events tests and the event pages (a pytest plugin, loaded by
tests/conftest.py): a second department and its handler, more people, a frozen clock, and
`story` (gridgov.testing.cases.Story) to bring an event to any state, and `media`, a storage
folder of the test's own. A folder's own `clock` (visits, poverty) takes precedence where it
needs another date."""

from datetime import datetime

import pytest

from gridgov.accounts import actions as account_actions
from gridgov.accounts.models import Department
from gridgov.cases import calendar
from gridgov.regions.models import Region
from gridgov.testing import personas
from gridgov.testing.cases import MONDAY, Story


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    yield
    calendar.calendar_changed()  # a test may have edited the calendar inside its transaction


@pytest.fixture
def clock(time_machine, db):
    """A frozen clock starting on MONDAY; `clock(at(2025, 9, 30))` moves it."""
    time_machine.move_to(MONDAY, tick=False)

    def move(moment: datetime) -> datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    return move


@pytest.fixture
def media(settings, tmp_path):
    """A storage folder of the test's own; the files in it afterwards are what was kept
    (`gridgov.testing.photos.stored_files(media)`)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def police(db) -> Department:
    return Department.objects.get(name="花垣县公安局")


@pytest.fixture
def civil_affairs(db) -> Department:
    return Department.objects.create(
        name="花垣县民政局",
        kind="civil_affairs",
        region=Region.objects.get(code=personas.COUNTY),
    )


@pytest.fixture
def person(db):
    """`person("county", "county_centre", "433124")`: one more user with a role (and, as
    more (role, code, department) tuples, further roles)."""

    def make(username: str, role: str, code: str, department=None, *more_roles):
        user = account_actions.create_user(
            actor=None, username=username, password="x-test-password", full_name=username
        )
        for extra_role, extra_code, extra_department in ((role, code, department), *more_roles):
            account_actions.assign_role(
                actor=None,
                user=user,
                role=extra_role,
                region=Region.objects.get(code=extra_code),
                department=extra_department,
            )
        return user

    return make


@pytest.fixture
def civil(person, civil_affairs):
    """A handler of 花垣县民政局, the assisting department."""
    return person("civil", "department_handler", personas.COUNTY, civil_affairs)


@pytest.fixture
def township_b(person):
    """A second dispatcher at the 双龙镇 centre."""
    return person("township_b", "township_centre", personas.TOWNSHIP)


@pytest.fixture
def story(police, civil_affairs, civil, clock) -> Story:
    return Story(police, civil_affairs, civil)
