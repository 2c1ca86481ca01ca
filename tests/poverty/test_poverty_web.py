"""The poverty pages: the township view, the review worklist, a monitored household, and
the section on the household card."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.poverty import actions
from gridgov.poverty.models import (
    ChecklistRecord,
    IncomeRecord,
    MonitoredHousehold,
    RiskReview,
)
from gridgov.testing.personas import persona


def test_the_township_view_shows_households_by_category_and_risk_with_helpers(
    monitoring, client_of
):
    response = client_of("township").get("/poverty/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "十八洞村梨子寨 1" in page
    assert "杨帮扶" in page
    assert "脱贫不稳定户" in page
    assert "吉首市矮寨社区" not in page  # another county
    filtered = client_of("township").get("/poverty/", {"risk": "accident"}).content.decode()
    assert "十八洞村梨子寨 1" not in filtered


def test_the_overview_takes_as_many_queries_for_one_household_as_for_several(monitoring, client_of):
    client = client_of("admin")

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/poverty/").status_code == 200
        return len(captured)

    before = count()
    for key in ("household_1b", "household_2"):
        actions.find_household(
            actor=persona("township"),
            household=monitoring.register.households[key],
            category="marginal_at_risk",
            risk_types=["accident"],
        )
    assert count() == before


@pytest.mark.parametrize(("who", "status"), [("handler", 404), ("worker_b", 404), ("leader", 200)])
def test_the_monitored_page_is_scoped(who, status, monitoring, client_of):
    url = f"/poverty/monitored/{monitoring.monitored_1.uuid}/"
    assert client_of(who).get(url).status_code == status


def test_the_cadre_reviews_from_the_monitored_page(monitoring, client_of):
    monitored = monitoring.monitored_1
    client = client_of("cadre")
    page = client.get(f"/poverty/monitored/{monitored.uuid}/").content.decode()
    assert "村级审核通过" in page and "申请大病救助" in page
    response = client.post(
        f"/poverty/monitored/{monitored.uuid}/step/",
        {"action": "village_approve", "note": "评议通过"},
    )
    assert response.status_code == 302
    assert MonitoredHousehold.objects.get(pk=monitored.pk).state == "village_reviewed"
    # The worker may not take the township's step.
    denied = client_of("worker_a").post(
        f"/poverty/monitored/{monitored.uuid}/step/", {"action": "township_approve"}
    )
    assert denied.status_code == 403


def test_the_worklist_lists_pending_reviews_and_the_cadre_decides(monitoring, client_of):
    page = client_of("cadre").get("/poverty/reviews/").content.decode()
    assert "住房安全等级为 D 级" in page
    assert "确认风险" in page
    assert "确认风险" not in client_of("worker_a").get("/poverty/reviews/").content.decode()
    response = client_of("cadre").post(
        f"/poverty/reviews/{monitoring.review_1.uuid}/decide/",
        {"decision": "dismiss", "note": "已加固"},
    )
    assert response.status_code == 302
    assert RiskReview.objects.get(pk=monitoring.review_1.pk).state == "dismissed"
    no_note = client_of("cadre").post(
        f"/poverty/reviews/{monitoring.review_other.uuid}/decide/", {"decision": "dismiss"}
    )
    assert no_note.status_code == 404  # 吉首市: out of the cadre's scope


def test_the_household_card_shows_monitoring_income_and_checklist(monitoring, client_of, api):
    household = monitoring.register.households["household_1"]
    api("worker_a").put(f"/api/poverty/households/{household.uuid}/income/2025", {"wages": "12000"})
    page = client_of("worker_a").get(f"/households/{household.uuid}/").content.decode()
    assert "防返贫监测" in page
    assert "待村审核" in page
    assert "6000.00" in page  # per-capita net income of 2 members


def test_a_worker_finds_a_household_from_its_card(monitoring, client_of):
    household = monitoring.register.households["household_1b"]
    client = client_of("worker_a")
    card = client.get(f"/households/{household.uuid}/").content.decode()
    assert f"/poverty/households/{household.uuid}/find/" in card
    form = client.get(f"/poverty/households/{household.uuid}/find/")
    token = form.context["form"]["uuid"].value()
    body = {
        "uuid": token,
        "category": "marginal_at_risk",
        "risk_types": ["lack_of_labour", "illness"],
        "helper_name": "杨帮扶",
        "note": "独居老人，无劳动力",
    }
    response = client.post(f"/poverty/households/{household.uuid}/find/", body)
    assert response.status_code == 302
    monitored = MonitoredHousehold.objects.get(household=household)
    assert set(monitored.risk_types) == {"illness", "lack_of_labour"}
    # Sent twice (a double click): still one record.
    assert client.post(f"/poverty/households/{household.uuid}/find/", body).status_code == 302
    assert MonitoredHousehold.objects.filter(household=household).count() == 1
    assert client_of("leader").get(f"/poverty/households/{household.uuid}/find/").status_code == 403


def test_income_and_checklist_are_recorded_from_the_web(monitoring, client_of):
    household = monitoring.register.households["household_1"]
    client = client_of("worker_a")
    url = f"/poverty/households/{household.uuid}/income/"
    assert client.get(url, {"year": "2025"}).status_code == 200
    response = client.post(url, {"year": "2025", "wages": "9000", "transfers": "1000"})
    assert response.status_code == 302
    record = IncomeRecord.objects.get(household=household, year=2025)
    assert (record.member_count, record.per_capita_net) == (2, Decimal("5000.00"))
    # The form carries the version it showed; a stale one is refused with a message.
    page = client.get(url, {"year": "2025"})
    assert page.context["form"]["version"].value() == 1
    client.post(url, {"year": "2025", "version": "1", "wages": "9500"})
    stale = client.post(url, {"year": "2025", "version": "1", "wages": "1"})
    assert stale.status_code == 200
    assert "刚被别人修改过" in stale.content.decode()

    url = f"/poverty/households/{household.uuid}/checklist/"
    answers = {item: "yes" for item in ("food", "clothing", "school", "medical", "housing")}
    missing = client.post(url, {"year": "2025", **answers, "water": "no"})
    assert missing.status_code == 200
    assert missing.context["form"].errors.keys() == {"water_evidence"}
    done = client.post(url, {"year": "2025", **answers, "water": "no", "water_evidence": "缺水"})
    assert done.status_code == 302
    assert ChecklistRecord.objects.get(household=household).failures == ["water"]
    card = client.get(f"/households/{household.uuid}/").content.decode()
    assert "饮水安全有保障" in card


PERSONA_ORDER = (
    "worker_a",
    "worker_b",
    "cadre",
    "township",
    "handler",
    "leader",
    "outsider",
    "admin",
)
# fmt: off
PAGES = {
    #                                   w_a  w_b  cad  twn  hnd  ldr  out  adm
    "overview":  (lambda m: {},
                  (200, 200, 200, 200, 404, 200, 200, 200)),
    "reviews":   (lambda m: {},
                  (200, 200, 200, 200, 404, 200, 200, 200)),
    "monitored": (lambda m: {"monitored_uuid": m.monitored_1.uuid},
                  (200, 404, 200, 200, 404, 200, 404, 200)),
    "find":      (lambda m: {"household_uuid": m.register.households["household_1b"].uuid},
                  (200, 404, 200, 200, 404, 403, 404, 403)),
    "income":    (lambda m: {"household_uuid": m.register.households["household_1"].uuid},
                  (200, 404, 200, 200, 404, 403, 404, 403)),
    "checklist": (lambda m: {"household_uuid": m.register.households["household_1"].uuid},
                  (200, 404, 200, 200, 404, 403, 404, 403)),
}
# fmt: on


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_page_answers_each_persona_by_scope(name, monitoring, client_of, client):
    from django.urls import reverse

    kwargs, statuses = PAGES[name]
    url = reverse(f"poverty:{name}", kwargs=kwargs(monitoring))
    actual = tuple(client_of(who).get(url).status_code for who in PERSONA_ORDER)
    assert actual == statuses
    assert client.get(url).status_code == 302  # to the sign-in page
