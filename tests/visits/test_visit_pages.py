"""The visits pages as people use them: recording a visit from the household card (with an
event from a finding), the household card's visits and plan, the overdue worklist, the work
log and coverage per grid; sign-in needed, out of scope is 404, masking as in the register."""

import re
import uuid

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from gridgov.cases.models import Event
from gridgov.registry.privacy import SENSITIVE_TAG_LABEL
from gridgov.testing import personas
from gridgov.visits import actions
from gridgov.visits.models import Visit, WorkLogEntry
from gridgov.visits.plans import refresh_plans


def _new(household) -> str:
    return f"/visits/households/{household.uuid}/new/"


def _card(household) -> str:
    return f"/households/{household.uuid}/"


def _form(**fields) -> dict:
    return {"uuid": str(uuid.uuid4()), "kind": "routine", **fields}


def test_the_form_offers_my_position_and_an_event(client_of, households):
    page = client_of("worker_a").get(_new(households["household_1b"])).content.decode()
    assert 'id="use-position"' in page
    assert "navigator.geolocation" in page
    assert "把发现的问题上报为事件" in page
    assert "邻里纠纷" in page  # the event categories


def test_recording_a_visit_goes_back_to_the_card(client_of, households):
    household = households["household_1b"]
    client = client_of("worker_a")
    form = _form(findings="老人身体尚好，需要代购降压药", latitude="28.3", longitude="109.6")
    response = client.post(_new(household), form)
    assert response.status_code == 302
    assert response["Location"] == _card(household)
    visit = Visit.objects.get(uuid=form["uuid"])
    assert visit.household == household
    assert visit.distance_metres is not None
    page = client.get(_card(household)).content.decode()
    assert "走访已记录" in page
    assert "老人身体尚好，需要代购降压药" in page
    # A double click sends the same form again: still one visit.
    client.post(_new(household), form)
    assert Visit.objects.filter(household=household).count() == 1


def test_a_finding_opens_an_event_from_the_form(client_of, households):
    household = households["household_1"]
    form = _form(
        findings="屋后山体有裂缝",
        open_event="on",
        event_title="屋后山体裂缝",
        event_category="safety",
        event_urgency="high",
    )
    response = client_of("worker_a").post(_new(household), form)
    assert response.status_code == 302, response.content.decode()
    event = Visit.objects.get(uuid=form["uuid"]).event
    assert event.title == "屋后山体裂缝"
    assert event.source == "visit"
    assert event.urgency == "high"


def test_an_event_without_a_title_is_refused_next_to_the_field(client_of, households):
    form = _form(findings="屋后山体有裂缝", open_event="on", event_category="safety")
    response = client_of("worker_a").post(_new(households["household_1"]), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'has-error">\s*<label for="id_event_title"', page)
    assert "The event needs a title." in page
    assert not Visit.objects.filter(uuid=form["uuid"]).exists()
    assert not Event.objects.filter(description="屋后山体有裂缝").exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [("worker_a", 200), ("worker_b", 404), ("cadre", 200), ("leader", 403), ("handler", 404)],
)
def test_who_may_open_the_form(client_of, households, username, status):
    assert client_of(username).get(_new(households["household_1"])).status_code == status


def test_a_missing_household_is_404(client_of, households):
    assert client_of("worker_a").get(f"/visits/households/{uuid.uuid4()}/new/").status_code == 404


@pytest.mark.parametrize("path", ["/visits/overdue/", "/visits/worklog/", "/visits/coverage/"])
def test_pages_need_a_session(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_household_card_shows_its_visits_and_plan(client_of, households):
    household = households["household_1b"]
    refresh_plans([household])
    page = client_of("worker_a").get(_card(household)).content.decode()
    assert "走访" in page
    assert "独居老人" in page
    assert "2027-01-11" in page  # next due: a week after registration
    assert "已逾期 49 天" in page
    assert "这户还没有走访记录。" in page
    assert _new(household) in page
    actions.record_visit(
        actor=personas.persona("worker_a"), household=household, findings="一切正常"
    )
    page = client_of("leader").get(_card(household)).content.decode()
    assert "一切正常" in page
    assert "已逾期" not in page
    assert _new(household) not in page  # leaders look, they do not record


def test_the_card_masks_why_a_key_household_is_visited(client_of, households):
    household = households["household_2"]
    actions.record_visit(
        actor=personas.persona("worker_b"),
        household=household,
        kind="key_population",
        findings="情绪稳定，未再上访",
    )
    own = client_of("worker_b").get(_card(household)).content.decode()
    assert "情绪稳定，未再上访" in own  # the worker who made the visit sees it
    page = client_of("cadre").get(_card(household)).content.decode()
    section = page[page.index('id="visits-title"') :]
    assert "情绪稳定，未再上访" not in page
    assert "重点人员回访" not in page
    assert f'record-title">{SENSITIVE_TAG_LABEL}<' in section  # the visit's kind
    assert f"（{SENSITIVE_TAG_LABEL}）" in section  # why the household is visited monthly
    assert "重点上访" not in page


def test_the_overdue_page_lists_my_households_most_overdue_first(client_of, households):
    refresh_plans(households.values())
    page = client_of("cadre").get("/visits/overdue/").content.decode()
    order = [
        page.index(text) for text in ("十八洞村梨子寨 2", "十八洞村梨子寨 1", "十八洞村竹子寨 5")
    ]
    assert order == sorted(order)
    assert "逾期 49 天" in page
    assert "共 3 户" in page
    mine = client_of("worker_b").get("/visits/overdue/").content.decode()
    assert "共 1 户" in mine and "十八洞村竹子寨 5" in mine
    assert (
        client_of("worker_b").get(f"/visits/overdue/?within={personas.GRID_1}").status_code == 404
    )


def test_the_work_log(client_of, households):
    client = client_of("worker_a")
    page = client.get("/visits/worklog/").content.decode()
    assert "写一条日志" in page
    form = {
        "uuid": str(uuid.uuid4()),
        "region": personas.GRID_1,
        "date": "2027-02-28",
        "kind": "publicity",
        "title": "防诈骗宣传",
        "text": "在梨子寨发放宣传单",
        "people_reached": "35",
    }
    response = client.post("/visits/worklog/", form)
    assert response.status_code == 302
    entry = WorkLogEntry.objects.get(uuid=form["uuid"])
    assert (entry.region_code, entry.people_reached) == (personas.GRID_1, 35)
    assert "防诈骗宣传" in client.get("/visits/worklog/").content.decode()
    assert "防诈骗宣传" not in client_of("worker_b").get("/visits/worklog/").content.decode()
    leader = client_of("leader").get("/visits/worklog/").content.decode()
    assert "防诈骗宣传" in leader and "写一条日志" not in leader
    assert client_of("leader").post("/visits/worklog/", form).status_code == 403


def test_a_work_log_entry_in_the_future_is_refused(client_of, households):
    form = {
        "uuid": str(uuid.uuid4()),
        "region": personas.GRID_1,
        "date": "2027-03-02",
        "kind": "meeting",
        "title": "村民小组会",
        "people_reached": "0",
    }
    page = client_of("worker_a").post("/visits/worklog/", form).content.decode()
    assert "The date cannot be in the future." in page


def test_coverage_per_grid_for_the_village_and_township(client_of, households):
    refresh_plans(households.values())
    actions.record_visit(actor=personas.persona("worker_a"), household=households["household_1b"])
    page = client_of("township").get(f"/visits/coverage/?within={personas.VILLAGE}").content
    page = page.decode()
    assert "十八洞村第一网格" in page and "十八洞村第二网格" in page
    assert "1 / 2 户" in page
    assert "0 / 1 户" in page
    assert re.search(r'coverage-total">33%', page)
    # Without ?within the page opens on the top of the user's scope.
    own = client_of("cadre").get("/visits/coverage/").content.decode()
    assert "十八洞村走访覆盖率" in own
    outside = client_of("worker_a").get(f"/visits/coverage/?within={personas.OTHER_GRID}")
    assert outside.status_code == 404
    assert client_of("handler").get("/visits/coverage/").status_code == 404


def _render(source: str, username: str) -> str:
    request = RequestFactory().get("/")
    request.user = personas.persona(username)
    request.resolver_match = None
    return Template("{% load visits_tags %}" + source).render(Context({"request": request}))


def test_the_worklist_summary_counts_my_overdue_households(households):
    refresh_plans(households.values())
    assert "3 户" in _render("{% overdue_visits_summary %}", "cadre")
    assert "1 户" in _render("{% overdue_visits_summary %}", "worker_b")
    assert _render("{% overdue_visits_summary %}", "handler").strip() == ""


def test_menu_links_for_those_who_see_visits(households):
    links = _render("{% visits_nav_links %}", "worker_a")
    assert 'href="/visits/overdue/"' in links and 'href="/visits/worklog/"' in links
    assert _render("{% visits_nav_links %}", "handler").strip() == ""
