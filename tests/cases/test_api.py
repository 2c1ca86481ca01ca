"""The events API as a field app and a dispatcher's screen use it: report, list, read, act,
with retries, stale versions and impossible actions answered the way a client can act on."""

import json
import uuid
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from gridgov.cases import actions, worklist
from gridgov.cases.api import CreatedOut, WorklistOut, _detail, _summaries
from gridgov.cases.choices import Level, State
from gridgov.cases.models import Event, EventStep
from gridgov.regions.models import Region
from gridgov.registry import actions as registry_actions
from gridgov.schema_json import json_response
from gridgov.testing import personas
from gridgov.testing.cases import act, at, report, user

pytestmark = pytest.mark.django_db


def _report_body(**fields):
    body = {
        "uuid": str(uuid.uuid4()),
        "title": "河堤出现裂缝",
        "category": "safety.geological_hazard",
        "grid": personas.GRID_1,
        "description": "雨后河堤出现一米长裂缝",
        "urgency": "high",
    }
    body.update(fields)
    return body


def _post(client, path, body=None, **headers):
    return client.post(path, body or {}, content_type="application/json", headers=headers)


def test_a_report_is_created_once_however_often_it_is_sent(client_of, clock):
    worker = client_of("worker_a")
    body = _report_body()
    first = _post(worker, "/api/events/", body)
    assert first.status_code == 201, first.json()
    created = first.json()
    assert created["state"] == State.REPORTED and created["level"] == Level.GRID
    assert created["holder_code"] == personas.GRID_1
    assert created["accept_due"] and first["ETag"] == '"1"'
    assert [step["action"] for step in created["steps"]] == ["report"]
    assert "accept" in created["allowed_actions"]

    again = _post(worker, "/api/events/", body)
    assert again.status_code == 200
    assert again.json()["uuid"] == created["uuid"]
    assert Event.objects.filter(uuid=body["uuid"]).count() == 1


def test_a_report_names_what_is_wrong(client_of, clock):
    worker = client_of("worker_a")
    response = _post(
        worker, "/api/events/", _report_body(category="no.such", urgency="soon", title="")
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"urgency", "title"} <= fields

    unknown = _post(worker, "/api/events/", _report_body(category="no.such"))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "category"

    resident_source = _post(worker, "/api/events/", _report_body(source="resident_web"))
    assert resident_source.status_code == 422
    assert resident_source.json()["errors"][0]["field"] == "source"
    assert Event.objects.count() == 0


def test_the_callers_phone_is_masked_in_what_the_api_returns(client_of, clock):
    township = client_of("township")
    response = _post(
        township,
        "/api/events/",
        _report_body(source="hotline", reporter_name="龙先生", reporter_phone="13812345678"),
    )
    assert response.status_code == 201
    assert response.json()["reporter_phone"] == "138****5678"
    event_uuid = response.json()["uuid"]
    assert "13812345678" not in township.get(f"/api/events/{event_uuid}").content.decode()


def test_nearby_open_events_of_the_category_are_offered_as_duplicates(client_of, clock):
    worker = client_of("worker_a")
    grid = Region.objects.get(code=personas.GRID_1)
    here = {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon}
    first = _post(worker, "/api/events/", _report_body(**here)).json()
    # About 100 m north, and one 250 m away that is not offered.
    near = {"latitude": grid.centroid_lat + 0.0009, "longitude": grid.centroid_lon}
    far = {"latitude": grid.centroid_lat - 0.00225, "longitude": grid.centroid_lon}
    _post(worker, "/api/events/", _report_body(**far))
    second = _post(worker, "/api/events/", _report_body(**near))
    offered = [event["uuid"] for event in second.json()["possible_duplicates"]]
    assert offered == [first["uuid"]]
    listed = worker.get(f"/api/events/{second.json()['uuid']}/duplicates").json()
    assert [event["uuid"] for event in listed] == [first["uuid"]]


def test_an_action_moves_the_event_and_returns_its_new_version(client_of, clock):
    event = report("worker_a")
    worker = client_of("worker_a")
    response = _post(
        worker,
        f"/api/events/{event.uuid}/actions/escalate",
        {"to_level": "village", "note": "需要村里协调"},
        **{"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["step"]["action"] == "escalate"
    assert response.json()["event"]["level"] == Level.VILLAGE
    assert response["ETag"] == '"2"'


def test_a_stale_version_is_refused_and_nothing_changes(client_of, clock):
    event = report("worker_a")
    act(event, "escalate", "worker_a", to_level=Level.VILLAGE)
    cadre = client_of("cadre")
    response = _post(cadre, f"/api/events/{event.uuid}/actions/accept", {}, **{"If-Match": '"1"'})
    assert response.status_code == 412
    assert response["ETag"] == '"2"'
    event.refresh_from_db()
    assert event.state == State.REPORTED


def test_an_impossible_action_is_409_with_what_is_possible_now(client_of, clock):
    event = report("worker_a")
    worker = client_of("worker_a")
    response = _post(worker, f"/api/events/{event.uuid}/actions/verify", {})
    assert response.status_code == 409
    body = response.json()
    assert body["state"] == State.REPORTED
    assert "accept" in body["allowed_actions"] and "escalate" in body["allowed_actions"]


def test_an_action_that_is_not_yours_is_403_and_one_out_of_scope_is_404(client_of, clock):
    event = report("worker_a")
    assert _post(client_of("leader"), f"/api/events/{event.uuid}/actions/accept").status_code == 403
    assert (
        _post(client_of("worker_b"), f"/api/events/{event.uuid}/actions/accept").status_code == 404
    )
    assert _post(client_of("worker_a"), f"/api/events/{event.uuid}/actions/fly").status_code == 404


def test_action_inputs_are_checked_by_name(client_of, clock):
    event = report("worker_a")
    worker = client_of("worker_a")
    response = _post(
        worker, f"/api/events/{event.uuid}/actions/escalate", {"to_level": "moon", "colour": 1}
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"to_level", "colour"}
    missing = _post(worker, f"/api/events/{event.uuid}/actions/resolve", {})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "evidence"
    event.refresh_from_db()
    assert event.version == 1


def test_a_retried_action_with_the_same_key_is_taken_once(client_of, clock):
    event = report("worker_a")
    worker = client_of("worker_a")
    path = f"/api/events/{event.uuid}/actions/escalate"
    headers = {"Idempotency-Key": "phone-7f3a-0001"}
    first = _post(worker, path, {"to_level": "village"}, **headers)
    second = _post(worker, path, {"to_level": "village"}, **headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["step"] == second.json()["step"]
    assert EventStep.objects.filter(event=event, action="escalate").count() == 1


def test_the_whole_dispatch_through_the_api(client_of, story):
    event = story.accepted()
    township = client_of("township")
    dispatched = _post(
        township,
        f"/api/events/{event.uuid}/actions/dispatch",
        {"lead": story.police.pk, "assisting": [story.civil_affairs.pk], "note": "请公安牵头"},
    )
    assert dispatched.status_code == 200, dispatched.json()
    detail = dispatched.json()["event"]
    assert detail["state"] == State.DISPATCHED
    assert {(a["department_name"], a["role"]) for a in detail["assignments"]} == {
        ("花垣县公安局", "lead"),
        ("花垣县民政局", "assisting"),
    }
    handler = client_of("handler")
    assert handler.get("/api/events/worklist").json()["counts"]["handle"] == 1
    accepted = _post(handler, f"/api/events/{event.uuid}/actions/department_accept")
    assert accepted.json()["event"]["state"] == State.IN_PROGRESS
    extension = _post(
        handler,
        f"/api/events/{event.uuid}/actions/request_extension",
        {"amount": 3, "reason": "等待鉴定结果"},
    )
    assert extension.json()["event"]["pending_requests"][0]["kind"] == "extension"
    assert township.get("/api/events/worklist?bucket=approve").json()["items"][0]["uuid"] == str(
        event.uuid
    )


def test_worklist_and_list_cost_the_same_queries_for_any_number_of_events(client_of, clock):
    worker = client_of("worker_a")

    def cost(path):
        with CaptureQueriesContext(connection) as queries:
            assert worker.get(path).status_code == 200
        return len(queries)

    report("worker_a", title="一")
    few = (cost("/api/events/worklist"), cost("/api/events/?open=true"))
    for index in range(8):
        report("worker_a", title=f"更多{index}")
    assert len(worker.get("/api/events/worklist").json()["items"]) == 9
    assert (cost("/api/events/worklist"), cost("/api/events/?open=true")) == few


def test_the_worklist_shows_its_events_as_the_schema_does(client_of, story, clock):
    # The route builds its items without validating them: the JSON must be the schema's.
    story.accepted(title="待派遣")
    story.dispatched(title="待处置")
    extended = story.in_progress(title="待审批")
    act(extended, "request_extension", "handler", amount=3, reason="需要协调水利部门")
    clock(at(2025, 9, 30))  # a week later: all of these are overdue, the next report not
    story.reported(title="待受理")
    for name in ("township", "handler"):
        now = timezone.now()
        found = worklist.waiting(user(name))
        events = worklist.events_of(found.entries)
        for event in events:
            event.overdue = event.due is not None and event.due < now
        shown = WorklistOut.model_validate({"counts": found.counts, "items": events}).model_dump()
        expected = json.loads(json.dumps(shown, cls=NinjaJSONEncoder))
        assert client_of(name).get("/api/events/worklist").json() == expected, name
        assert any(item["overdue"] for item in expected["items"]), name
        assert any(item["lead_department"] for item in expected["items"]), name
        page = client_of(name).get("/api/events/worklist?offset=1&limit=1").json()
        assert page["items"] == expected["items"][1:2]
        approve = client_of(name).get("/api/events/worklist?bucket=approve").json()
        assert [item["bucket"] for item in approve["items"]] == ["approve"] * approve["counts"].get(
            "approve", 0
        )


def test_lists_filter_and_count(client_of, story):
    story.accepted(title="甲：已受理")
    story.reported(level=Level.GRID, title="乙：待受理")
    leader = client_of("leader")
    everything = leader.get("/api/events/")
    assert everything["X-Total-Count"] == "2"
    accepted = leader.get("/api/events/?state=accepted").json()
    assert [event["title"] for event in accepted] == ["甲：已受理"]
    assert [e["title"] for e in leader.get("/api/events/?q=乙").json()] == ["乙：待受理"]
    assert leader.get("/api/events/?category=dispute").json()
    assert leader.get("/api/events/?category=safety").json() == []
    assert client_of("outsider").get("/api/events/").json() == []


def test_categories_are_listed_with_their_parents(client_of):
    categories = client_of("worker_a").get("/api/events/categories").json()
    by_code = {category["code"]: category for category in categories}
    assert by_code["dispute.neighbour"]["parent"] == "dispute"
    assert by_code["dispute"]["parent"] is None


def test_the_inbox_holds_my_messages_and_marks_them_read(client_of, clock):
    for title in ("甲", "乙"):
        event = report("worker_b", grid_code=personas.GRID_2, title=title)
        act(event, "escalate", "worker_b", to_level=Level.VILLAGE)  # the cadre is told
    cadre = client_of("cadre")
    inbox = cadre.get("/api/events/inbox?unread=true")
    assert inbox["X-Unread-Count"] == "2" and len(inbox.json()) == 2
    assert inbox.json()[0]["event"] == str(event.uuid)  # newest first
    first, second = (message["id"] for message in inbox.json())

    # Someone else's message is not theirs to mark.
    stranger = _post(client_of("worker_a"), "/api/events/inbox/read", {"ids": [first]})
    assert stranger.json() == {"marked": 0}
    assert cadre.get("/api/events/inbox?unread=true")["X-Unread-Count"] == "2"

    assert _post(cadre, "/api/events/inbox/read", {"ids": [first]}).json() == {"marked": 1}
    assert [m["id"] for m in cadre.get("/api/events/inbox?unread=true").json()] == [second]
    assert _post(cadre, "/api/events/inbox/read", {"all": True}).json() == {"marked": 1}
    assert cadre.get("/api/events/inbox?unread=true").json() == []
    assert len(cadre.get("/api/events/inbox").json()) == 2


def test_every_action_of_the_table_says_what_it_takes():
    from gridgov.cases import inputs, workflow

    assert set(inputs.ACTION_INPUTS) == set(workflow.TRANSITIONS)


def test_a_report_can_name_the_household_it_concerns_and_the_child_stays_masked(client_of, clock):
    worker = personas.persona("worker_a")
    grid = Region.objects.get(code=personas.GRID_1)
    household, _ = registry_actions.create_household(actor=worker, grid=grid, address="新寨 3 号")
    child, _ = registry_actions.create_resident(
        actor=worker, household=household, name="龙小燕", birth_date=date(2019, 5, 1), sex="2"
    )
    body = _report_body(
        links=[
            {"kind": "household", "uuid": str(household.uuid)},
            {"kind": "resident", "uuid": str(child.uuid)},
        ]
    )
    client = client_of("worker_a")
    created = _post(client, "/api/events/", body)
    assert created.status_code == 201, created.json()
    listed = client.get(f"/api/events/{created.json()['uuid']}/links").json()
    assert {item["kind"] for item in listed} == {"household", "resident"}
    assert "龙小燕" not in json.dumps(listed, ensure_ascii=False)
    assert "龙**" in {item["label"] for item in listed}
    steps = client.get(f"/api/events/{created.json()['uuid']}").json()["steps"]
    assert "龙小燕" not in json.dumps(steps, ensure_ascii=False)


def test_a_report_naming_a_record_out_of_sight_is_404_and_leaves_no_event(client_of, clock):
    neighbour = personas.persona("worker_b")
    grid_2 = Region.objects.get(code=personas.GRID_2)
    household, _ = registry_actions.create_household(actor=neighbour, grid=grid_2, address="下寨")
    body = _report_body(links=[{"kind": "household", "uuid": str(household.uuid)}])
    response = _post(client_of("worker_a"), "/api/events/", body)
    assert response.status_code == 404
    assert not Event.objects.filter(uuid=body["uuid"]).exists()


def test_a_link_is_removed_with_a_timeline_row(client_of, clock):
    event = report("worker_a")
    worker = personas.persona("worker_a")
    grid = Region.objects.get(code=personas.GRID_1)
    household, _ = registry_actions.create_household(actor=worker, grid=grid, address="新寨 5 号")
    client = client_of("worker_a")
    link = {"kind": "household", "uuid": str(household.uuid)}
    assert _post(client, f"/api/events/{event.uuid}/links", link).status_code == 201
    assert _post(client, f"/api/events/{event.uuid}/links", link).status_code == 200
    path = f"/api/events/{event.uuid}/links/household/{household.uuid}"
    assert client.delete(path).status_code == 204
    assert client.get(f"/api/events/{event.uuid}/links").json() == []
    assert client.delete(path).status_code == 404
    actions = [step["action"] for step in client.get(f"/api/events/{event.uuid}").json()["steps"]]
    assert actions == ["report", "link", "unlink"]


def _schema_json(schema, obj) -> dict:
    """What ninja answers for `obj` as `schema`: validated, dumped, encoded."""
    return json.loads(json.dumps(schema.from_orm(obj).model_dump(), cls=NinjaJSONEncoder))


def test_an_event_written_straight_to_json_is_what_the_schema_gives(story, clock):
    # Every list and nested schema filled: parts of two departments, a pending request, a
    # merged duplicate, a timeline with details, possible duplicates with due dates.
    event = story.in_progress(title="排水沟堵塞")
    act(event, "request_extension", "handler", amount=3, reason="需要协调水利部门")
    duplicate = report("township", title="同一排水沟（热线）", category="dispute.neighbour")
    act(duplicate, "merge", "township", into=event, note="同一事件")
    township = user("township")
    expected = {}
    for pk in (duplicate.pk, event.pk):
        shown = _detail(type("Request", (), {"user": township})(), Event.objects.get(pk=pk))
        shown.duplicate_candidates = _summaries([Event.objects.get(pk=event.pk)])
        expected[pk] = _schema_json(CreatedOut, shown)
        assert json.loads(json_response(CreatedOut, shown).content) == expected[pk]
    assert expected[duplicate.pk]["merged_into"] == str(event.uuid)
    filled = expected[event.pk]
    assert filled["assignments"] and filled["pending_requests"] and len(filled["steps"]) > 3


def test_an_object_without_a_required_attribute_is_an_error_not_null(story):
    with pytest.raises(AttributeError, match="allowed_actions"):
        json_response(CreatedOut, story.reported())


def test_a_report_is_answered_as_the_schema_shows_the_event(client_of, clock):
    worker = client_of("worker_a")
    first = _post(worker, "/api/events/", _report_body(latitude=28.58, longitude=109.48))
    answer = _post(worker, "/api/events/", _report_body(latitude=28.5801, longitude=109.4801))
    assert answer.status_code == 201, answer.json()
    event = Event.objects.get(uuid=answer.json()["uuid"])
    worker_a = user("worker_a")
    event = _detail(type("Request", (), {"user": worker_a})(), event)
    event.duplicate_candidates = _summaries(actions.possible_duplicates(event, actor=worker_a))
    assert answer.json() == _schema_json(CreatedOut, event)
    assert [item["uuid"] for item in answer.json()["possible_duplicates"]] == [first.json()["uuid"]]
    assert answer["ETag"] == '"1"' and answer["Location"] == f"/api/events/{event.uuid}"
