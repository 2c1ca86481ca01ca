"""The risk rules: each raises a review exactly once for the same cause, with its reason in
Chinese and English; a person decides every review; nothing is cleared automatically."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from gridgov.cases.models import EventLink
from gridgov.poverty import rules
from gridgov.poverty.models import MonitoredHousehold, MonitoringLine, RiskReview
from gridgov.registry.models import Household, Resident
from gridgov.testing.cases import report
from gridgov.testing.personas import persona
from gridgov.testing.register import add_person

YEAR = 2025
HOUSEHOLDS = "/api/poverty/households"


@pytest.fixture
def line(db):
    return MonitoringLine.objects.create(region_code="4331", year=YEAR, amount=Decimal("7000"))


def put_income(api, household, year=YEAR, who="worker_a", **items):
    response = api(who).put(f"{HOUSEHOLDS}/{household.uuid}/income/{year}", items)
    assert response.status_code in (200, 201), response.content
    return response.json()


def reviews(household, rule=None):
    rows = RiskReview.objects.filter(household=household)
    return list(rows.filter(rule=rule) if rule else rows)


def test_income_below_the_line_raises_one_review_with_its_reason(monitoring, line, api):
    household = monitoring.register.households["household_1b"]
    body = put_income(api, household, wages="5000", transfers="1000", member_count=1)
    [raised] = body["reviews_raised"]
    assert raised["rule"] == "income_below_line"
    assert raised["reason"] == (
        "2025年人均纯收入 6,000.00 元，低于监测线 7,000.00 元 Per-capita net income in 2025 is "
        "6,000.00 yuan, below the monitoring line of 7,000.00 yuan."
    )
    again = put_income(api, household, wages="5500", member_count=1)
    assert again["reviews_raised"] == []
    assert len(reviews(household, "income_below_line")) == 1


def test_the_deepest_line_applies(monitoring, line, api):
    MonitoringLine.objects.create(region_code="433124", year=YEAR, amount=Decimal("5000"))
    household = monitoring.register.households["household_1b"]
    assert put_income(api, household, wages="6000", member_count=1)["reviews_raised"] == []


def test_no_line_for_the_year_raises_nothing(monitoring, api):
    household = monitoring.register.households["household_1b"]
    assert put_income(api, household, wages="100", member_count=1)["reviews_raised"] == []


def test_income_falling_more_than_thirty_percent_raises_a_review(monitoring, api):
    household = monitoring.register.households["household_1b"]
    put_income(api, household, year=2024, wages="10000", member_count=1)
    body = put_income(api, household, wages="6900", member_count=1)
    assert [r["rule"] for r in body["reviews_raised"]] == ["income_drop"]
    assert "31.0%" in body["reviews_raised"][0]["reason"]
    assert "fell 31.0% from 2024 to 2025" in body["reviews_raised"][0]["reason"]


def test_a_fall_of_thirty_percent_or_less_raises_nothing(monitoring, api):
    household = monitoring.register.households["household_1b"]
    put_income(api, household, year=2024, wages="10000", member_count=1)
    assert put_income(api, household, wages="7000", member_count=1)["reviews_raised"] == []


def test_recording_last_year_late_still_finds_the_drop(monitoring, api):
    household = monitoring.register.households["household_1b"]
    put_income(api, household, wages="5000", member_count=1)
    body = put_income(api, household, year=2024, wages="10000", member_count=1)
    assert [r["rule"] for r in body["reviews_raised"]] == ["income_drop"]


def test_medical_costs_above_the_share_of_income_raise_a_review(monitoring, api):
    household = monitoring.register.households["household_1b"]
    body = put_income(
        api, household, wages="20000", medical_out_of_pocket="10000.01", member_count=1
    )
    assert [r["rule"] for r in body["reviews_raised"]] == ["medical_costs"]
    assert body["reviews_raised"][0]["risk_type"] == "illness"
    other = monitoring.register.households["household_1"]
    assert (
        put_income(api, other, wages="20000", medical_out_of_pocket="10000")["reviews_raised"] == []
    )


def test_checklist_failures_are_listed_and_each_raises_a_review(monitoring, api):
    household = monitoring.register.households["household_1b"]
    answers = {
        "food": True,
        "clothing": True,
        "school": False,
        "school_evidence": "长子初二辍学在家",
        "medical": True,
        "housing": False,
        "housing_evidence": "鉴定为C级",
        "water": False,
        "water_evidence": "自来水未通",
    }
    response = api("worker_a").put(f"{HOUSEHOLDS}/{household.uuid}/checklist/{YEAR}", answers)
    assert response.status_code == 201
    body = response.json()
    assert body["failures"] == ["school", "housing", "water"]
    assert sorted(r["rule"] for r in body["reviews_raised"]) == [
        "checklist",
        "child_out_of_school",
        "unsafe_house",
    ]
    water = next(r for r in body["reviews_raised"] if r["rule"] == "checklist")
    assert water["reason"].startswith("2025年两不愁三保障核查未达标：饮水安全有保障")
    again = api("worker_a").put(f"{HOUSEHOLDS}/{household.uuid}/checklist/{YEAR}", answers)
    assert again.status_code == 200
    assert again.json()["reviews_raised"] == []
    card = api("cadre").get(f"{HOUSEHOLDS}/{household.uuid}").json()
    assert card["checklists"][0]["failures"] == ["school", "housing", "water"]
    assert len(card["pending_reviews"]) == 3 + 1  # and the review the fixture made


def test_an_item_not_met_must_say_what_was_found(monitoring, api):
    household = monitoring.register.households["household_1b"]
    answers = {item: True for item in ("food", "clothing", "school", "medical", "housing")}
    response = api("worker_a").put(
        f"{HOUSEHOLDS}/{household.uuid}/checklist/{YEAR}", {**answers, "water": False}
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"water_evidence"}


def test_a_child_of_school_age_not_in_school_raises_a_review_without_naming_them(monitoring, api):
    household = monitoring.register.households["household_1b"]
    add_person(
        "施小花",
        grid=household.grid,
        born=date(2014, 3, 1),
        serial=81,
        household=household,
        education="00",
    )
    add_person(
        "施小草",
        grid=household.grid,
        born=date(2022, 3, 1),
        serial=83,
        household=household,
        education="00",
    )  # four years old: not of school age
    [raised] = rules.evaluate(household, YEAR)
    assert raised.rule == "child_out_of_school"
    assert "施" not in raised.reason
    assert raised.reason.startswith("户内有 6–15 岁适龄儿童登记为未上学")
    assert rules.evaluate(household, YEAR) == []


def test_a_house_rated_c_or_d_raises_a_review_once_per_rating(monitoring):
    # A fresh copy: the register's objects are shared by the module's tests.
    household = Household.objects.get(pk=monitoring.register.households["household_1"].pk)
    Household.objects.filter(pk=household.pk).update(housing_safety="C")
    household.refresh_from_db()
    [raised] = rules.evaluate(household, YEAR)
    assert (raised.rule, raised.reason) == (
        "unsafe_house",
        "住房安全等级为 C 级 The house is rated C (not safe).",
    )
    assert rules.evaluate(household, YEAR) == []
    Household.objects.filter(pk=household.pk).update(housing_safety="D")
    household.refresh_from_db()
    assert [r.cause_key for r in rules.evaluate(household, YEAR)] == ["housing:D"]


def test_a_member_with_a_new_disability_raises_a_review_with_the_name_masked(monitoring):
    household = monitoring.register.households["household_1"]
    Resident.objects.filter(pk=monitoring.register.residents["adult_1"].pk).update(
        disability_level="2"
    )
    [raised] = rules.evaluate(household, YEAR)
    assert raised.rule == "new_disability"
    assert raised.risk_type == "disability"
    assert "龙**" in raised.reason and "龙建国" not in raised.reason
    assert rules.evaluate(household, YEAR) == []


@pytest.mark.parametrize(
    ("category", "risk_type"),
    [
        ("emergency.natural_disaster", "natural_disaster"),
        ("hardship.illness", "illness"),
        ("hardship.business_failure", "business_failure"),
        ("safety.geological_hazard", "natural_disaster"),
    ],
)
def test_a_hardship_event_linked_to_the_household_raises_a_review(category, risk_type, monitoring):
    household = monitoring.register.households["household_1b"]
    grade = {"emergency_grade": "IV"} if category.startswith("emergency.") else {}
    event = report("worker_a", category=category, title="山洪冲毁房屋", **grade)
    EventLink.objects.create(event=event, household=household, created_by=persona("worker_a"))
    [raised] = rules.evaluate(household, YEAR)
    assert raised.rule == "hardship_event"
    assert raised.risk_type == risk_type
    assert "山洪冲毁房屋" in raised.reason
    assert rules.evaluate(household, YEAR) == []


def test_an_event_of_another_category_raises_nothing(monitoring):
    household = monitoring.register.households["household_1b"]
    event = report("worker_a", category="dispute.neighbour")
    EventLink.objects.create(event=event, household=household)
    assert rules.evaluate(household, YEAR) == []


def test_the_command_evaluates_an_area_and_raises_nothing_twice(monitoring, line, capsys):
    # Both households are being monitored, so the nightly evaluation looks at them.
    household = monitoring.register.households["household_1"]
    other = monitoring.register.households["other_household"]
    Household.objects.filter(pk__in=[household.pk, other.pk]).update(housing_safety="C")
    untouched = monitoring.register.households["household_2"]  # nothing about it is watched
    Household.objects.filter(pk=untouched.pk).update(housing_safety="C")
    call_command("poverty", "evaluate", "--within", "433124", "--year", str(YEAR))
    assert "433124: 1 reviews raised" in capsys.readouterr().out
    assert [r.cause_key for r in reviews(household)] == ["housing:C"]
    assert [r.cause_key for r in reviews(other)] == ["housing:D"]  # the fixture's only
    call_command("poverty", "evaluate", "--year", str(YEAR))
    assert "all: 1 reviews raised" in capsys.readouterr().out
    assert sorted(r.cause_key for r in reviews(other)) == ["housing:C", "housing:D"]
    call_command("poverty", "evaluate", "--year", str(YEAR))
    assert "all: 0 reviews raised" in capsys.readouterr().out
    assert reviews(untouched) == []


# --- Deciding -----------------------------------------------------------------------------


def decide(api, review, who="cadre", **body):
    return api(who).post(f"/api/poverty/reviews/{review.uuid}/decision", body)


def test_confirming_a_review_opens_monitoring_in_state_found(monitoring, api):
    review = monitoring.review_1
    response = decide(api, review, decision="confirm", note="入户核实属实")
    assert response.status_code == 200
    assert response.json()["state"] == "confirmed"
    monitored = MonitoredHousehold.objects.get(uuid=response.json()["monitored_uuid"])
    assert (monitored.state, monitored.category, monitored.risk_types) == (
        "found",
        "marginal_at_risk",
        ["other"],
    )
    [step] = monitored.steps.all()
    assert step.action == "find" and step.actor_label == "cadre"
    assert step.note.startswith("住房安全等级为 D 级") and step.note.endswith("入户核实属实")
    assert decide(api, review, decision="dismiss", note="x").status_code == 409


def test_confirming_adds_the_risk_to_an_open_monitoring(monitoring, api):
    household = monitoring.register.households["household_1"]
    event = report("worker_a", category="hardship.business_failure")
    EventLink.objects.create(event=event, household=household)
    [review] = rules.evaluate(household, YEAR)
    response = decide(api, review, decision="confirm")
    assert response.json()["monitored_uuid"] == str(monitoring.monitored_1.uuid)
    monitored = MonitoredHousehold.objects.get(pk=monitoring.monitored_1.pk)
    assert monitored.risk_types == ["illness", "lack_of_labour", "business_failure"]
    assert monitored.state == "found"
    assert monitored.steps.last().action == "add_risk"


def test_dismissing_needs_a_note_and_only_the_village_decides(monitoring, api):
    review = monitoring.review_1
    assert decide(api, review, who="township", decision="dismiss", note="x").status_code == 403
    response = decide(api, review, decision="dismiss")
    assert {e["field"] for e in response.json()["errors"]} == {"note"}
    response = decide(api, review, decision="dismiss", note="已修缮，鉴定为B级")
    assert response.json()["state"] == "dismissed"
    assert response.json()["decided_by"] == "cadre"
    assert api("cadre").get("/api/poverty/reviews").json()["count"] == 0
    dismissed = api("cadre").get("/api/poverty/reviews", {"state": "dismissed"}).json()
    assert [r["note"] for r in dismissed["items"]] == ["已修缮，鉴定为B级"]


def test_nothing_is_cleared_automatically(monitoring, line, api):
    household = monitoring.register.households["household_1"]
    [raised] = put_income(api, household, wages="3000", member_count=1)["reviews_raised"]
    put_income(api, household, wages="30000", member_count=1)  # income recovered
    assert RiskReview.objects.get(uuid=raised["uuid"]).state == "pending"
    assert MonitoredHousehold.objects.get(pk=monitoring.monitored_1.pk).state == "found"


def test_the_nightly_job_runs_the_rules_for_this_year(monitoring):
    from gridgov.poverty.tasks import evaluate_risks

    household = monitoring.register.households["household_1"]
    Household.objects.filter(pk=household.pk).update(housing_safety="C")
    assert evaluate_risks.call_local() == 1
    assert evaluate_risks.call_local() == 0
    assert [r.cause_key for r in reviews(household)] == ["housing:C"]
