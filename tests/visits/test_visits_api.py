"""Recording visits over the API: created once, replayed, the distance kept, a finding that
opens an event in one step, validation in the user's words, and visits masked like the
register."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from visits_clock import NOW

from gridgov.accounts.models import AuditEntry
from gridgov.cases.models import Event
from gridgov.registry import actions as registry_actions
from gridgov.registry.privacy import SENSITIVE_TAG_LABEL
from gridgov.testing import personas
from gridgov.visits.models import Visit, VisitPlan

METRES_PER_DEGREE_LATITUDE = 111_195  # on the sphere used for distances


def _visit(household, **fields) -> dict:
    return {"household": str(household.uuid), "findings": "家中一切正常", **fields}


def test_a_visit_is_recorded_once_and_a_replay_returns_it(api, households):
    client = api("worker_a")
    body = _visit(households["household_1b"], uuid=str(uuid.uuid4()), kind="routine")
    first = client.post("/api/visits/", body)
    assert first.status_code == 201, first.content
    again = client.post("/api/visits/", body)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Visit.objects.filter(uuid=body["uuid"]).count() == 1
    assert AuditEntry.objects.filter(action="visits.record_visit").count() == 1
    shown = first.json()
    assert shown["target_type"] == "household"
    assert shown["target_name"] == "十八洞村梨子寨 2"
    assert shown["region_code"] == personas.GRID_1
    assert shown["visited_at"].startswith("2027-03-01T")
    assert shown["findings"] == "家中一切正常"


def test_the_workers_distance_from_the_household_is_recorded_not_enforced(api, households):
    household = households["household_1b"]
    far = 0.01  # about 1.1 km north: still recorded
    response = api("worker_a").post(
        "/api/visits/",
        _visit(household, latitude=household.latitude + far, longitude=household.longitude),
    )
    assert response.status_code == 201
    assert abs(response.json()["distance_metres"] - far * METRES_PER_DEGREE_LATITUDE) < 5
    without = api("worker_a").post("/api/visits/", _visit(household))
    assert without.json()["distance_metres"] is None


def test_a_finding_opens_an_event_in_one_step(api, households):
    household = households["household_1"]
    response = api("worker_a").post(
        "/api/visits/",
        _visit(
            household,
            findings="邻居因排水沟堵塞争执",
            open_event={"title": "排水沟堵塞引发邻里纠纷", "category": "dispute.neighbour"},
        ),
    )
    assert response.status_code == 201, response.content
    shown = response.json()
    event = Event.objects.get(uuid=shown["event_uuid"])
    assert shown["event_title"] == "排水沟堵塞引发邻里纠纷"
    assert event.source == "visit"
    assert event.region_code == personas.GRID_1
    assert event.description == "邻居因排水沟堵塞争执"
    assert event.reporter == personas.persona("worker_a")
    assert Visit.objects.get(uuid=shown["uuid"]).event == event
    # A replay neither records again nor opens a second event.
    body = _visit(
        household,
        uuid=shown["uuid"],
        open_event={"title": "排水沟堵塞引发邻里纠纷", "category": "dispute.neighbour"},
    )
    assert api("worker_a").post("/api/visits/", body).status_code == 200
    assert Event.objects.filter(title="排水沟堵塞引发邻里纠纷").count() == 1


def test_a_bad_event_category_records_nothing(api, households, error_fields):
    response = api("worker_a").post(
        "/api/visits/",
        _visit(households["household_1"], open_event={"title": "问题", "category": "no.such"}),
    )
    assert error_fields(response) == {"open_event.category"}
    message = response.json()["errors"][0]["message"]
    assert "类别" in message and "category" in message
    assert not Visit.objects.filter(household=households["household_1"]).exists()


def test_validation_names_the_field_in_chinese_and_english(api, households, error_fields):
    client = api("worker_a")
    future = _visit(households["household_1"], visited_at="2027-03-02T10:00:00+08:00")
    assert error_fields(client.post("/api/visits/", future)) == {"visited_at"}
    both = _visit(households["household_1"], place=str(uuid.uuid4()))
    assert client.post("/api/visits/", both).status_code == 404  # the place does not exist
    none = {"findings": "?"}
    response = client.post("/api/visits/", none)
    assert error_fields(response) == {"household"}
    assert "Choose exactly one target" in response.json()["errors"][0]["message"]
    half = _visit(households["household_1"], latitude=28.3)
    assert error_fields(client.post("/api/visits/", half)) == {"latitude"}


def test_places_and_organisations_are_visited_too(api, register, clock):
    client = api("worker_a")
    place = client.post("/api/visits/", {"place": str(register.places["place_1"].uuid)})
    assert place.status_code == 201
    assert place.json()["target_type"] == "place"
    assert place.json()["target_name"] == "梨子寨水井"
    organisation = client.post(
        "/api/visits/",
        {"organisation": str(register.organisations["organisation_1"].uuid), "kind": "routine"},
    )
    assert organisation.json()["target_type"] == "organisation"
    assert not VisitPlan.objects.exists()  # plans are for households


def test_a_key_population_follow_up_is_masked_for_others(api, households, register):
    household = households["household_1"]
    recorded = api("worker_a").post(
        "/api/visits/",
        _visit(household, kind="key_population", findings="按时报到，情绪稳定"),
    )
    own = recorded.json()
    assert own["kind"] == "key_population" and not own["masked"]
    seen = api("cadre").get(f"/api/visits/{own['uuid']}").json()
    assert seen["masked"]
    assert seen["kind"] == ""
    assert seen["kind_label"] == SENSITIVE_TAG_LABEL
    assert seen["findings"] == "****"
    # With a reveal grant for a member (a stated reason, audited), the cadre sees it.
    registry_actions.reveal_resident(
        actor=personas.persona("cadre"),
        resident=register.residents["adult_1"],
        reason="社区帮教回访核实情况",
    )
    seen = api("cadre").get(f"/api/visits/{own['uuid']}").json()
    assert seen["findings"] == "按时报到，情绪稳定"


def test_the_list_filters_and_costs_the_same_for_any_page(api, households):
    client = api("worker_a")
    client.post("/api/visits/", _visit(households["household_1b"]))
    client.post("/api/visits/", _visit(households["household_1b"], kind="service_delivery"))
    for _ in range(3):  # the newest: each page holds visits masked for the cadre
        client.post("/api/visits/", _visit(households["household_1"], kind="key_population"))
    listed = client.get(f"/api/visits/?household={households['household_1b'].uuid}").json()
    assert listed["count"] == 2
    assert client.get("/api/visits/?kind=service_delivery").json()["count"] == 1
    assert client.get(f"/api/visits/?within={personas.GRID_2}").json()["count"] == 0
    assert client.get("/api/visits/?from=2027-03-01&to=2027-03-01").json()["count"] == 5
    assert client.get("/api/visits/?from=2027-03-02").json()["count"] == 0
    # worker_b sees none of grid 1's visits.
    assert api("worker_b").get("/api/visits/").json() == {"items": [], "count": 0}
    cadre = api("cadre")
    with CaptureQueriesContext(connection) as one:
        assert len(cadre.get("/api/visits/?limit=1").json()["items"]) == 1
    with CaptureQueriesContext(connection) as five:
        assert len(cadre.get("/api/visits/?limit=5").json()["items"]) == 5
    assert len(five) == len(one)


def test_a_leader_reads_but_does_not_record(api, households):
    api("worker_a").post("/api/visits/", _visit(households["household_1"]))
    leader = api("leader")
    assert leader.get("/api/visits/").json()["count"] == 1
    response = leader.post("/api/visits/", _visit(households["household_1"]))
    assert response.status_code == 403


def test_the_visit_time_is_the_workers_when_given(api, households):
    earlier = "2027-02-27T15:30:00+08:00"
    response = api("worker_a").post(
        "/api/visits/", _visit(households["household_1b"], visited_at=earlier)
    )
    assert response.status_code == 201
    plan = VisitPlan.objects.get(household=households["household_1b"])
    assert plan.last_visit_at < NOW
    assert str(plan.next_due) == "2027-03-06"
