"""Every web page, walked from the URL list: a page added tomorrow is covered today.

Pages that take a region code or a record's UUID answer 200 inside the user's scope and 404
outside it (the same as for a code or UUID that does not exist); every page but the sign-in
page needs a session. Pages that only take a POST are visited with an empty POST.
"""

import re
import uuid
from datetime import date

import pytest
from django.urls import URLPattern

from gridgov.cases import actions as case_actions
from gridgov.regions.models import Region
from gridgov.registry import actions
from gridgov.testing import personas
from gridgov.web.urls import urlpatterns

PUBLIC = {"login"}
POST_ONLY = {
    "event_attach",
    "logout",
    "resident_reveal",
    "resident_add_tag",
    "resident_end_tag",
    "event_act",
    "inbox_read",
}
MISSING = {
    "code": "433124110226999",
    "household_uuid": uuid.UUID(int=1),
    "resident_uuid": uuid.UUID(int=2),
    "tag_uuid": uuid.UUID(int=3),
    "event_uuid": uuid.UUID(int=4),
    "place_uuid": uuid.UUID(int=5),
    "organisation_uuid": uuid.UUID(int=6),
    "action": "accept",
}
# Path parameters that name no record (an action of the workflow).
NOT_RECORDS = {"action"}


def _pages(*, with_parameters: bool) -> list[URLPattern]:
    return [
        pattern
        for pattern in urlpatterns
        if bool(pattern.pattern.converters) == with_parameters and pattern.name not in PUBLIC
    ]


def _path(pattern: URLPattern, values: dict | None = None) -> str:
    route = str(pattern.pattern)
    for name in pattern.pattern.converters:
        route = re.sub(rf"<\w+:{name}>", str((values or MISSING)[name]), route)
    return "/" + route


def _visit(client, pattern: URLPattern, path: str):
    return client.post(path) if pattern.name in POST_ONLY else client.get(path)


def _records_in(grid_code: str, username: str) -> dict:
    """A household with one tagged member and an event in a grid, made by someone who works
    there."""
    actor = personas.persona(username)
    grid = Region.objects.get(code=grid_code)
    household, _ = actions.create_household(actor=actor, grid=grid, address="测试地址")
    resident, _ = actions.create_resident(actor=actor, household=household, name="测试人")
    tag, _ = actions.add_tag(
        actor=actor, resident=resident, tag="dibao", start_date=date(2024, 1, 1)
    )
    event, _ = case_actions.report_event(
        actor=actor, uuid=uuid.uuid4(), title="测试事件", category="dispute.neighbour", grid=grid
    )
    place, _ = actions.create_place(actor=actor, grid=grid, kind="well", name="测试水井")
    organisation, _ = actions.create_organisation(
        actor=actor, grid=grid, kind="cooperative", name="测试合作社"
    )
    return {
        "place_uuid": place.uuid,
        "organisation_uuid": organisation.uuid,
        "code": grid_code,
        "household_uuid": household.uuid,
        "resident_uuid": resident.uuid,
        "tag_uuid": tag.uuid,
        "event_uuid": event.uuid,
        "action": "accept",
    }


@pytest.fixture
def records(db) -> dict[str, dict]:
    return {
        "own": _records_in(personas.GRID_1, "worker_a"),
        "neighbour": _records_in(personas.GRID_2, "worker_b"),
        "other_county": _records_in(personas.OTHER_GRID, "outsider"),
    }


@pytest.mark.parametrize("pattern", _pages(with_parameters=True), ids=lambda p: p.name)
def test_pages_answer_in_scope_and_404_outside(client_of, records, pattern):
    client = client_of("worker_a")
    assert _visit(client, pattern, _path(pattern, records["own"])).status_code == 200
    assert _visit(client, pattern, _path(pattern, records["neighbour"])).status_code == 404
    assert _visit(client, pattern, _path(pattern, records["other_county"])).status_code == 404
    assert _visit(client, pattern, _path(pattern, MISSING)).status_code == 404


@pytest.mark.parametrize(
    "pattern",
    [p for p in _pages(with_parameters=True) if len(set(p.pattern.converters) - NOT_RECORDS) > 1],
    ids=lambda p: p.name,
)
def test_a_record_of_one_grid_cannot_be_reached_through_another(client_of, records, pattern):
    """Mixing an own record with a neighbour's (own resident, neighbour's tag) is a 404 too."""
    mixed = dict(records["own"], tag_uuid=records["neighbour"]["tag_uuid"])
    assert _visit(client_of("worker_a"), pattern, _path(pattern, mixed)).status_code == 404


@pytest.mark.parametrize(
    "pattern",
    _pages(with_parameters=False) + _pages(with_parameters=True),
    ids=lambda p: p.name,
)
@pytest.mark.django_db
def test_every_page_needs_a_session(client, pattern):
    response = _visit(client, pattern, _path(pattern))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "pattern",
    [p for p in _pages(with_parameters=False) if p.name not in POST_ONLY],
    ids=lambda p: p.name,
)
def test_user_without_a_role_sees_no_region(client_of, django_user_model, pattern):
    django_user_model.objects.create_user(username="no_role", password="x")
    page = client_of("no_role").get(_path(pattern)).content.decode()
    assert "/regions/43" not in page
    assert 'href="/households/' not in page
