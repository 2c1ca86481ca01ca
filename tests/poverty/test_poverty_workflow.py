"""The monitoring workflow through the API: every step, who may take it, where, and what
it leaves behind (timeline step with actor and note, audit entry)."""

import uuid

import pytest

from gridgov.accounts.models import AuditEntry
from gridgov.poverty.models import MonitoredHousehold

URL = "/api/poverty/monitored"


def act(client, monitored, action, **body):
    return client.post(f"{URL}/{monitored.uuid}/actions", {"action": action, **body})


def state_of(monitored) -> str:
    return MonitoredHousehold.objects.get(pk=monitored.pk).state


def test_a_household_goes_from_found_to_closed_one_step_at_a_time(monitoring, api):
    monitored = monitoring.monitored_1
    assert act(api("cadre"), monitored, "village_approve", note="评议通过").status_code == 200
    assert state_of(monitored) == "village_reviewed"
    response = act(api("township"), monitored, "township_approve", note="同意纳入")
    assert response.status_code == 200
    assert response.json()["state"] == "monitoring"
    assert response.json()["monitoring_since"] == "2026-06-15"
    response = act(
        api("township"), monitored, "clear_risk", cleared_how="stable_income", note="务工稳定"
    )
    assert response.json()["state"] == "risk_cleared"
    assert response.json()["cleared_how"] == "stable_income"
    response = act(api("township"), monitored, "close", note="销号")
    body = response.json()
    assert body["state"] == "closed"
    assert body["allowed_actions"] == []
    steps = [(s["action"], s["from_state"], s["to_state"], s["note"]) for s in body["steps"]]
    assert steps == [
        ("find", "", "found", "户主患病，劳动力不足"),
        ("village_approve", "found", "village_reviewed", "评议通过"),
        ("township_approve", "village_reviewed", "monitoring", "同意纳入"),
        ("clear_risk", "monitoring", "risk_cleared", "务工稳定"),
        ("close", "risk_cleared", "closed", "销号"),
    ]
    assert [s["actor_label"] for s in body["steps"]] == [
        "worker_a",
        "cadre",
        "township",
        "township",
        "township",
    ]
    audited = AuditEntry.objects.filter(object_id=str(monitored.pk)).values_list(
        "action", flat=True
    )
    assert set(audited) >= {
        "poverty.find",
        "poverty.village_approve",
        "poverty.township_approve",
        "poverty.clear_risk",
        "poverty.close",
    }


def test_the_village_sends_back_and_the_worker_resubmits(monitoring, api):
    monitored = monitoring.monitored_1
    response = act(api("cadre"), monitored, "send_back")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"note"}
    assert act(api("cadre"), monitored, "send_back", note="缺收入证明").status_code == 200
    assert state_of(monitored) == "returned"
    assert act(api("worker_a"), monitored, "resubmit", note="已补").status_code == 200
    assert state_of(monitored) == "found"


def test_the_township_may_refuse_with_a_reason(monitoring, api):
    monitored = monitoring.monitored_1
    act(api("cadre"), monitored, "village_approve")
    assert act(api("township"), monitored, "refuse").status_code == 422
    assert act(api("township"), monitored, "refuse", note="收入高于监测线").status_code == 200
    assert state_of(monitored) == "refused"
    # A refused household may be found again later.
    again = api("worker_a").post(
        URL,
        {
            "household": str(monitored.household.uuid),
            "category": "marginal_at_risk",
            "risk_types": ["accident"],
        },
    )
    assert again.status_code == 201


@pytest.mark.parametrize("action", ["township_approve", "close"])
def test_a_step_in_the_wrong_state_is_a_conflict(action, monitoring, api):
    response = act(api("township"), monitoring.monitored_1, action)
    assert response.status_code == 409
    # The township has nothing to do while the village has not reviewed.
    assert "possible now: nothing" in response.json()["detail"]
    assert state_of(monitoring.monitored_1) == "found"


def test_a_wrong_state_lists_the_steps_the_actor_can_take(monitoring, api):
    monitored = monitoring.monitored_1
    act(api("cadre"), monitored, "village_approve")
    response = act(api("cadre"), monitored, "send_back", note="x")
    assert response.status_code == 409
    assert "send_back" in response.json()["detail"]
    # The township, whose turn it is, sees its steps.
    detail = api("township").get(f"{URL}/{monitored.uuid}").json()
    assert detail["allowed_actions"] == ["township_approve", "refuse"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("worker_a", 403), ("township", 403), ("leader", 403), ("worker_b", 404), ("outsider", 404)],
)
def test_only_the_village_reviews(who, status, monitoring, api):
    response = act(api(who), monitoring.monitored_1, "village_approve")
    assert response.status_code == status
    assert state_of(monitoring.monitored_1) == "found"


def test_clearing_the_risk_says_how(monitoring, api):
    monitored = monitoring.monitored_1
    act(api("cadre"), monitored, "village_approve")
    act(api("township"), monitored, "township_approve")
    response = act(api("township"), monitored, "clear_risk")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"cleared_how"}
    assert act(api("cadre"), monitored, "clear_risk", cleared_how="assistance").status_code == 403
    assert state_of(monitored) == "monitoring"


def test_a_stale_version_is_refused(monitoring, api):
    monitored = monitoring.monitored_1
    response = api("cadre").post(
        f"{URL}/{monitored.uuid}/actions",
        {"action": "village_approve"},
        headers={"If-Match": '"7"'},
    )
    assert response.status_code == 412
    assert state_of(monitored) == "found"


def test_finding_is_safe_to_retry_and_one_household_is_monitored_once(monitoring, api):
    household = monitoring.register.households["household_1b"]
    body = {
        "uuid": str(uuid.uuid4()),
        "household": str(household.uuid),
        "category": "marginal_at_risk",
        "risk_types": ["lack_of_labour"],
        "helper_name": "杨帮扶",
    }
    first = api("worker_a").post(URL, body)
    assert first.status_code == 201
    assert first.json()["state"] == "found"
    retry = api("worker_a").post(URL, body)
    assert retry.status_code == 200
    assert retry.json()["uuid"] == first.json()["uuid"]
    another = api("cadre").post(URL, {**body, "uuid": str(uuid.uuid4())})
    assert another.status_code == 422
    assert {e["field"] for e in another.json()["errors"]} == {"household"}
    assert MonitoredHousehold.objects.filter(household=household).count() == 1


def test_finding_needs_a_category_and_a_risk(monitoring, api):
    household = monitoring.register.households["household_1b"]
    response = api("worker_a").post(
        URL, {"household": str(household.uuid), "category": "rich", "risk_types": []}
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"category", "risk_types"}


def test_measures_and_follow_ups_are_listed_on_the_household(monitoring, api):
    monitored = monitoring.monitored_1
    follow_up = api("worker_a").post(
        f"/api/poverty/measures/{monitoring.measure_1.uuid}/follow-ups",
        {"visited_on": "2026-06-01", "note": "救助金已到账", "effective": True},
    )
    assert follow_up.status_code == 201
    future = api("worker_a").post(
        f"/api/poverty/measures/{monitoring.measure_1.uuid}/follow-ups",
        {"visited_on": "2026-07-01", "note": "x"},
    )
    assert {e["field"] for e in future.json()["errors"]} == {"visited_on"}
    backwards = api("worker_a").post(
        f"{URL}/{monitored.uuid}/measures",
        {
            "kind": "industry",
            "description": "猕猴桃种苗",
            "responsible_name": "杨帮扶",
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
    )
    assert {e["field"] for e in backwards.json()["errors"]} == {"end_date"}
    detail = api("leader").get(f"{URL}/{monitored.uuid}").json()
    assert [m["description"] for m in detail["measures"]] == ["申请大病救助"]
    assert detail["measures"][0]["amount"] == "3000.00"
    assert [f["note"] for f in detail["measures"][0]["follow_ups"]] == ["救助金已到账"]


def test_the_helper_can_be_changed_and_the_change_is_on_the_timeline(monitoring, api):
    monitored = monitoring.monitored_1
    response = api("township").put(
        f"{URL}/{monitored.uuid}/helper", {"helper_name": "吴干部", "helper_phone": "13900001111"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["helper_name"] == "吴干部"
    assert body["helper_phone"] == "139****1111"
    assert body["steps"][-1]["action"] == "set_helper"
    bad = api("township").put(
        f"{URL}/{monitored.uuid}/helper", {"helper_name": "吴", "helper_phone": "12"}
    )
    assert {e["field"] for e in bad.json()["errors"]} == {"helper_phone"}


def test_the_list_filters_by_category_risk_state_and_area(monitoring, api):
    client = api("admin")

    def uuids(**query):
        return {item["uuid"] for item in client.get(URL, query).json()["items"]}

    one, other = str(monitoring.monitored_1.uuid), str(monitoring.monitored_other.uuid)
    assert uuids() == {one, other}
    assert uuids(category="unstable_exited") == {one}
    assert uuids(risk="illness") == {one, other}
    assert uuids(risk="lack_of_labour") == {one}
    assert uuids(state="monitoring") == set()
    assert uuids(within="433101") == {other}


def test_the_users_page_shows_the_workflow_table():
    from pathlib import Path

    from gridgov.poverty.workflow import TABLE

    page = Path(__file__).parents[2] / "docs" / "users" / "poverty-monitoring.md"
    rows = []
    for line in page.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0].split(" ")[0] in {spec.action for spec in TABLE}:
            rows.append((cells[0].split(" ")[0], cells[1].split(" ")[0], cells[2].split(" ")[0]))
    assert rows == [(spec.action, spec.sources[0], spec.target) for spec in TABLE]
