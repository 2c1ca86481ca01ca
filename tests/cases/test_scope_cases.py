"""The scope table of the events API (the same rules as tests/accounts/test_scope_matrix.py):
every route, every persona, in and out of scope.

- 200/201: in the persona's scope and theirs to do;
- 404: out of scope, with exactly the body of an event that does not exist;
- 403: the persona sees the event but the action is not theirs (a leader only looks, a grid
  worker does not take a department's part);
- anonymous callers get 401 everywhere.

Events: `event_1` reported by worker_a in grid 1 (waiting at the grid), `event_2` by worker_b
in grid 2, `other_event` by the 吉首市 county centre in one of its grids, and `dispatched_1`,
from grid 1, dispatched by the township to the county police (whose handler sees it).
"""

import uuid
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client

from gridgov.accounts.models import Department
from gridgov.cases import links
from gridgov.cases.choices import Level
from gridgov.regions.models import Region
from gridgov.registry import actions as registry_actions
from gridgov.testing import personas
from gridgov.testing.cases import act, report
from gridgov.testing.scope import ALL, MISSING_UUID, NOT_FOUND, OK, PERSONA_ORDER

MISSING_GRID = personas.VILLAGE + "999"


# fmt: off
ROUTES: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {
    # Statuses in PERSONA_ORDER:     (w_a, w_b, cadre, township, handler, leader, outsider, admin)
    ("GET", "/api/events/categories"): {
        "nothing":                     OK,
    },
    # Reporting in a grid: who works there reports; who only sees it (leaders, departments,
    # administrators) gets 403; a grid out of sight is 404 like one that does not exist.
    ("POST", "/api/events/"): {
        "in_grid_1":                   (201, 404, 201, 201, 403, 403, 404, 403),
        "in_grid_2":                   (404, 201, 201, 201, 403, 403, 404, 403),
        "in_other_grid":               (404, 404, 404, 404, 404, 403, 201, 403),
        "missing_grid":                ALL(404),
    },
    ("GET", "/api/events/"): {
        "nothing":                     OK,
    },
    ("GET", "/api/events/worklist"): {
        "nothing":                     OK,
    },
    ("GET", "/api/events/inbox"): {
        "nothing":                     OK,
    },
    ("POST", "/api/events/inbox/read"): {
        "nothing":                     OK,
    },
    ("GET", "/api/events/{event_uuid}"): {
        "event_1":                     (200, 404, 200, 200, 404, 200, 404, 200),
        "event_2":                     (404, 200, 200, 200, 404, 200, 404, 200),
        "other_event":                 (404, 404, 404, 404, 404, 200, 200, 200),
        "dispatched_1":                (200, 404, 200, 200, 200, 200, 404, 200),
        "missing":                     ALL(404),
    },
    ("GET", "/api/events/{event_uuid}/duplicates"): {
        "event_1":                     (200, 404, 200, 200, 404, 200, 404, 200),
        "other_event":                 (404, 404, 404, 404, 404, 200, 200, 200),
        "dispatched_1":                (200, 404, 200, 200, 200, 200, 404, 200),
        "missing":                     ALL(404),
    },
    # Linking the register: who works on the event and sees the record; leaders and
    # administrators only look (403); a department handler has no register (404).
    ("GET", "/api/events/{event_uuid}/links"): {
        "event_1":                     (200, 404, 200, 200, 404, 200, 404, 200),
        "dispatched_1":                (200, 404, 200, 200, 200, 200, 404, 200),
        "missing":                     ALL(404),
    },
    ("POST", "/api/events/{event_uuid}/links"): {
        "household_1_to_event_1":      (201, 404, 201, 201, 404, 403, 404, 403),
        "household_1_to_dispatched_1": (201, 404, 201, 201, 404, 403, 404, 403),
        "household_1_to_other_event":  (404, 404, 404, 404, 404, 403, 404, 403),
        "missing":                     ALL(404),
    },
    ("DELETE", "/api/events/{event_uuid}/links/{kind}/{record_uuid}"): {
        "linked_household_1":          (204, 404, 204, 204, 404, 403, 404, 403),
        "missing":                     ALL(404),
    },
    # Accepting is for the unit holding the event or a unit above it; taking a department's
    # part is for that department's handler.
    ("POST", "/api/events/{event_uuid}/actions/{action}"): {
        "accept_event_1":              (200, 404, 200, 200, 404, 403, 404, 403),
        "accept_other_event":          (404, 404, 404, 404, 404, 403, 200, 403),
        "department_accept_dispatched_1": (403, 404, 403, 403, 200, 403, 404, 403),
        "unknown_action_event_1":      ALL(404),
        "missing":                     ALL(404),
    },
}
# fmt: on


@pytest.fixture
def events(clock) -> dict:
    police = Department.objects.get(name="花垣县公安局")
    dispatched = report("worker_a", title="需要派遣")
    act(dispatched, "escalate", "worker_a", to_level=Level.VILLAGE)
    act(dispatched, "escalate", "cadre", to_level=Level.TOWNSHIP)
    act(dispatched, "accept", "township")
    act(dispatched, "dispatch", "township", lead=police)
    event_1 = report("worker_a")
    worker_a = personas.persona("worker_a")
    grid_1 = Region.objects.get(code=personas.GRID_1)
    household, _ = registry_actions.create_household(actor=worker_a, grid=grid_1, address="新寨")
    linked_1 = report("worker_a", title="已关联住户")
    links.link(actor=worker_a, event=linked_1, target=household)
    return {
        "household_1": household,
        "event_1": event_1,
        "linked_1": linked_1,
        "event_2": report("worker_b", grid_code=personas.GRID_2),
        "other_event": report("outsider", grid_code=personas.OTHER_GRID),
        "dispatched_1": dispatched,
    }


def _target(name: str, events: dict) -> tuple[dict, dict]:
    """(path parameters, request body) for a target."""
    fresh = {"uuid": str(uuid.uuid4()), "title": "路面塌陷", "category": "safety.road"}
    grids = {
        "in_grid_1": personas.GRID_1,
        "in_grid_2": personas.GRID_2,
        "in_other_grid": personas.OTHER_GRID,
        "missing_grid": MISSING_GRID,
    }
    if name in grids:
        return {}, {**fresh, "grid": grids[name]}
    household = events["household_1"]
    if name == "missing":
        return {
            "event_uuid": MISSING_UUID,
            "action": "accept",
            "kind": "household",
            "record_uuid": household.uuid,
        }, {"kind": "household", "uuid": str(household.uuid)}
    if name.startswith("household_1_to_"):
        event = events[name.removeprefix("household_1_to_")]
        return {"event_uuid": event.uuid}, {"kind": "household", "uuid": str(household.uuid)}
    if name == "linked_household_1":
        return {
            "event_uuid": events["linked_1"].uuid,
            "kind": "household",
            "record_uuid": household.uuid,
        }, {}
    if name in events:
        return {"event_uuid": events[name].uuid}, {}
    if name.startswith("accept_"):
        return {"event_uuid": events[name.removeprefix("accept_")].uuid, "action": "accept"}, {}
    if name.startswith("department_accept_"):
        key = name.removeprefix("department_accept_")
        return {"event_uuid": events[key].uuid, "action": "department_accept"}, {}
    if name == "unknown_action_event_1":
        return {"event_uuid": events["event_1"].uuid, "action": "fly"}, {}
    assert name == "nothing", name
    return {}, {}


def _send(client: Client, method: str, path: str, params: dict, body: dict):
    url = path.format(**params) if params else path
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    return client.post(url, body, content_type="application/json")


CASES = [(route, target) for route, row in ROUTES.items() for target in row]


@pytest.mark.parametrize(("route", "target"), CASES, ids=[f"{m} {p} {t}" for (m, p), t in CASES])
def test_each_persona_gets_the_status_in_the_table(route, target, events, client_of):
    method, path = route
    expected = dict(zip(PERSONA_ORDER, ROUTES[route][target], strict=True))
    actual = {}
    for username in PERSONA_ORDER:
        client = client_of(username)
        # Each persona's call is undone afterwards, so one's write does not change the next
        # one's answer.
        with transaction.atomic():
            params, body = _target(target, events)
            response = _send(client, method, path, params, body)
            actual[username] = response.status_code
            if response.status_code == 404:
                assert response.json() == NOT_FOUND, (username, target)
            transaction.set_rollback(True)
    assert actual == expected


@pytest.mark.parametrize("route", sorted(ROUTES), ids=[f"{m} {p}" for m, p in sorted(ROUTES)])
def test_anonymous_callers_must_sign_in(route, events):
    method, path = route
    params, body = _target(next(iter(ROUTES[route])), events)
    response = _send(Client(), method, path, params, body)
    assert response.status_code == 401


def test_lists_hold_only_events_in_scope(events, client_of):
    by_uuid = {str(event.uuid): name for name, event in events.items() if name != "household_1"}
    expected = {
        "worker_a": {"event_1", "linked_1", "dispatched_1"},
        "worker_b": {"event_2"},
        "cadre": {"event_1", "linked_1", "event_2", "dispatched_1"},
        "township": {"event_1", "linked_1", "event_2", "dispatched_1"},
        "handler": {"dispatched_1"},
        "leader": set(by_uuid.values()),
        "outsider": {"other_event"},
        "admin": set(by_uuid.values()),
    }
    for username, names in expected.items():
        listed = client_of(username).get("/api/events/?" + urlencode({"limit": 200})).json()
        assert {by_uuid[item["uuid"]] for item in listed} == names, username
