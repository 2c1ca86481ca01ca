"""Poverty data follows the registry's masking rules: phones masked, a child's name never
shown, and the audit log keeps no clear phone numbers."""

import json
from datetime import date

from gridgov.accounts.models import AuditEntry
from gridgov.poverty import actions
from gridgov.testing.personas import persona
from gridgov.testing.register import add_person


def test_helper_and_responsible_phones_are_masked_in_the_api(monitoring, api):
    monitored = monitoring.monitored_1
    body = api("cadre").get(f"/api/poverty/monitored/{monitored.uuid}").json()
    assert body["helper_phone"] == "138****5678"
    assert body["measures"][0]["responsible_phone"] == "138****5678"
    listed = api("cadre").get("/api/poverty/monitored").json()["items"]
    assert {item["helper_phone"] for item in listed} == {"138****5678"}
    assert "13812345678" not in api("cadre").get("/api/poverty/monitored").content.decode()


def test_the_head_is_named_as_the_register_shows_them(monitoring, api):
    body = api("cadre").get(f"/api/poverty/monitored/{monitoring.monitored_1.uuid}").json()
    assert body["head_name"] == "龙建国"


def test_a_child_head_of_household_is_masked(monitoring, api):
    household = monitoring.register.households["household_1b"]
    child = add_person(
        "施小明", grid=household.grid, born=date(2015, 5, 5), serial=91, household=household
    )
    type(household).objects.filter(pk=household.pk).update(head=child)
    monitored, _ = actions.find_household(
        actor=persona("worker_a"),
        household=type(household).objects.get(pk=household.pk),
        category="sudden_hardship",
        risk_types=["accident"],
    )
    body = api("cadre").get(f"/api/poverty/monitored/{monitored.uuid}").json()
    assert body["head_name"] == "施**"
    assert "施小明" not in json.dumps(body, ensure_ascii=False)


def test_the_audit_log_keeps_no_clear_phone(monitoring):
    entries = AuditEntry.objects.filter(action__in=["poverty.find", "poverty.add_measure"])
    assert entries.count() == 2
    for entry in entries:
        text = str(entry.after)
        assert "13812345678" not in text
        assert "138****5678" in text
