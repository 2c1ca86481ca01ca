"""Who may call each poverty route on what: the scope table of the poverty app.

Columns are the personas of gridgov.testing.personas in this order: worker_a, worker_b,
cadre, township, handler, leader, outsider, admin. 404 means out of scope (the same body as
a missing object), 403 visible but not allowed. Department handlers have no part in
poverty monitoring, so they see nothing.
"""

import uuid

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from gridgov.testing.personas import PERSONAS
from gridgov.testing.scope import ALL, MISSING_UUID, NOT_FOUND, PERSONA_ORDER

YEAR = 2025


NOT_FOUND_FOR_ALL = ALL(404)

# fmt: off
ROUTES = {
    ("GET", "/api/poverty/monitored"): {
        #                       w_a  w_b  cad  twn  hnd  ldr  out  adm
        "list":                ALL(200),
    },
    ("POST", "/api/poverty/monitored"): {
        "household_1b":        (201, 404, 201, 201, 404, 403, 404, 403),
        "other_household_b":   (404, 404, 404, 404, 404, 403, 403, 403),
        "missing_household":   NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/poverty/monitored/{monitored_uuid}"): {
        "monitored_1":         (200, 404, 200, 200, 404, 200, 404, 200),
        "monitored_other":     (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":             NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/poverty/monitored/{monitored_uuid}/actions"): {
        "monitored_1":         (403, 404, 200, 403, 404, 403, 404, 403),
        "monitored_other":     (404, 404, 404, 404, 404, 403, 403, 403),
        "missing":             NOT_FOUND_FOR_ALL,
    },
    ("PUT", "/api/poverty/monitored/{monitored_uuid}/helper"): {
        "monitored_1":         (200, 404, 200, 200, 404, 403, 404, 403),
        "monitored_other":     (404, 404, 404, 404, 404, 403, 200, 403),
        "missing":             NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/poverty/monitored/{monitored_uuid}/measures"): {
        "monitored_1":         (201, 404, 201, 201, 404, 403, 404, 403),
        "monitored_other":     (404, 404, 404, 404, 404, 403, 403, 403),
        "missing":             NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/poverty/measures/{measure_uuid}/follow-ups"): {
        "measure_1":           (201, 404, 201, 201, 404, 403, 404, 403),
        "measure_other":       (404, 404, 404, 404, 404, 403, 403, 403),
        "missing":             NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/poverty/households/{household_uuid}"): {
        "household_1":         (200, 404, 200, 200, 404, 200, 404, 200),
        "other_household":     (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":             NOT_FOUND_FOR_ALL,
    },
    ("PUT", "/api/poverty/households/{household_uuid}/income/{year}"): {
        "household_1":         (201, 404, 201, 201, 404, 403, 404, 403),
        "other_household":     (404, 404, 404, 404, 404, 403, 403, 403),
        "missing":             NOT_FOUND_FOR_ALL,
    },
    ("PUT", "/api/poverty/households/{household_uuid}/checklist/{year}"): {
        "household_1":         (201, 404, 201, 201, 404, 403, 404, 403),
        "other_household":     (404, 404, 404, 404, 404, 403, 403, 403),
        "missing":             NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/poverty/reviews"): {
        "list":                ALL(200),
    },
    ("POST", "/api/poverty/reviews/{review_uuid}/decision"): {
        "review_1":            (403, 404, 200, 403, 404, 403, 404, 403),
        "review_other":        (404, 404, 404, 404, 404, 403, 403, 403),
        "missing":             NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/poverty/lines"): {
        "list":                ALL(200),
    },
    ("PUT", "/api/poverty/lines/{region_code}/{year}"): {
        "prefecture":          (403, 403, 403, 403, 404, 403, 403, 201),
        "county":              (403, 403, 403, 403, 404, 403, 404, 201),
        "other_county":        (404, 404, 404, 404, 404, 403, 201, 201),
        "missing":             NOT_FOUND_FOR_ALL,
    },
}
# fmt: on


def _household(key):
    return lambda world: {"household_uuid": world.register.households[key].uuid}


TARGETS = {
    "list": lambda world: {},
    "household_1": _household("household_1"),
    "other_household": _household("other_household"),
    "household_1b": lambda world: {
        "body": {"household": str(world.register.households["household_1b"].uuid)}
    },
    "other_household_b": lambda world: {
        "body": {"household": str(world.register.households["other_household_b"].uuid)}
    },
    "missing_household": lambda world: {"body": {"household": MISSING_UUID}},
    "monitored_1": lambda world: {"monitored_uuid": world.monitored_1.uuid},
    "monitored_other": lambda world: {"monitored_uuid": world.monitored_other.uuid},
    "measure_1": lambda world: {"measure_uuid": world.measure_1.uuid},
    "measure_other": lambda world: {"measure_uuid": world.measure_other.uuid},
    "review_1": lambda world: {"review_uuid": world.review_1.uuid},
    "review_other": lambda world: {"review_uuid": world.review_other.uuid},
    "prefecture": lambda world: {"region_code": "4331"},
    "county": lambda world: {"region_code": "433124"},
    "other_county": lambda world: {"region_code": "433101"},
    "missing": lambda world: {
        "monitored_uuid": MISSING_UUID,
        "measure_uuid": MISSING_UUID,
        "household_uuid": MISSING_UUID,
        "review_uuid": MISSING_UUID,
        "region_code": "4399",
    },
}

CHECKLIST = {item: True for item in ("food", "clothing", "school", "medical", "housing", "water")}

BODIES = {
    ("POST", "/api/poverty/monitored"): lambda: {
        "uuid": str(uuid.uuid4()),
        "category": "marginal_at_risk",
        "risk_types": ["illness"],
        "note": "入户走访发现",
    },
    ("POST", "/api/poverty/monitored/{monitored_uuid}/actions"): lambda: {
        "action": "village_approve",
        "note": "村民代表评议通过",
    },
    ("PUT", "/api/poverty/monitored/{monitored_uuid}/helper"): lambda: {
        "helper_name": "张帮扶",
        "helper_phone": "13900001111",
    },
    ("POST", "/api/poverty/monitored/{monitored_uuid}/measures"): lambda: {
        "uuid": str(uuid.uuid4()),
        "kind": "employment",
        "description": "推荐到县城务工",
        "responsible_name": "张帮扶",
        "start_date": "2026-05-01",
    },
    ("POST", "/api/poverty/measures/{measure_uuid}/follow-ups"): lambda: {
        "uuid": str(uuid.uuid4()),
        "visited_on": "2026-06-10",
        "note": "已到岗",
    },
    ("PUT", "/api/poverty/households/{household_uuid}/income/{year}"): lambda: {
        "wages": "20000",
        "member_count": 2,
    },
    ("PUT", "/api/poverty/households/{household_uuid}/checklist/{year}"): lambda: CHECKLIST,
    ("POST", "/api/poverty/reviews/{review_uuid}/decision"): lambda: {
        "decision": "dismiss",
        "note": "已修缮，住房安全",
    },
    ("PUT", "/api/poverty/lines/{region_code}/{year}"): lambda: {"amount": "7000"},
}


def _request(world, route, target):
    _method, path = route
    params = dict(TARGETS[target](world))
    body = {**(BODIES[route]() if route in BODIES else {}), **params.pop("body", {})}
    url = path
    params.setdefault("year", YEAR)
    for name, value in params.items():
        url = url.replace("{" + name + "}", str(value))
    return url, body or None


CASES = [(route, target) for route, row in ROUTES.items() for target in row]


def test_the_table_names_each_persona_and_a_missing_object():
    assert set(PERSONA_ORDER) == set(PERSONAS)
    for (_method, path), row in ROUTES.items():
        for target, statuses in row.items():
            assert target in TARGETS
            assert len(statuses) == len(PERSONA_ORDER)
        if "{" in path:
            assert any(target.startswith("missing") for target in row), path


@pytest.mark.parametrize(("route", "target"), CASES, ids=[f"{m} {p} {t}" for (m, p), t in CASES])
def test_each_persona_gets_the_status_in_the_table(route, target, monitoring, api):
    method, _path = route
    expected = dict(zip(PERSONA_ORDER, ROUTES[route][target], strict=True))
    actual = {}
    for username in PERSONA_ORDER:
        with transaction.atomic():
            url, body = _request(monitoring, route, target)
            response = api(username).generic(method, url, body or "")
            actual[username] = response.status_code
            if response.status_code == 404:
                assert response.json() == NOT_FOUND, (username, url)
            transaction.set_rollback(True)
    assert actual == expected


@pytest.mark.parametrize("route", sorted(ROUTES), ids=[f"{m} {p}" for m, p in sorted(ROUTES)])
def test_anonymous_callers_must_sign_in(route, monitoring, api):
    target = next(iter(ROUTES[route]))
    url, body = _request(monitoring, route, target)
    response = api(None).generic(route[0], url, body or "")
    assert response.status_code == 401


# --- Lists: exactly the rows in scope, in a fixed number of queries -------------------------


def _scope(username):
    return PERSONAS[username][1]


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_the_monitored_list_holds_what_the_persona_may_see(username, monitoring, api):
    items = api(username).get("/api/poverty/monitored").json()["items"]
    seen = {item["uuid"] for item in items}
    expected = {
        str(m.uuid)
        for m in (monitoring.monitored_1, monitoring.monitored_other)
        if username != "handler" and m.region_code.startswith(_scope(username))
    }
    assert seen == expected


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_the_review_list_holds_what_the_persona_may_see(username, monitoring, api):
    items = api(username).get("/api/poverty/reviews").json()["items"]
    expected = {
        str(r.uuid)
        for r in (monitoring.review_1, monitoring.review_other)
        if username != "handler" and r.region_code.startswith(_scope(username))
    }
    assert {item["uuid"] for item in items} == expected


def test_lists_take_the_same_number_of_queries_for_one_row_or_many(monitoring, api):
    from django.db import connection

    from gridgov.poverty import actions
    from gridgov.poverty.models import RiskReview
    from gridgov.testing.personas import persona

    client = api("admin")

    def count(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = {url: count(url) for url in ("/api/poverty/monitored", "/api/poverty/reviews")}
    household = monitoring.register.households["household_2"]
    actions.find_household(
        actor=persona("worker_b"),
        household=household,
        category="marginal_at_risk",
        risk_types=["accident"],
    )
    for number in range(3):
        RiskReview.objects.create(
            household=household,
            region_code=household.region_code,
            rule="checklist",
            cause_key=f"checklist:{YEAR}:{number}",
            reason="x",
            risk_type="other",
        )
    after = {url: count(url) for url in before}
    assert after == before
