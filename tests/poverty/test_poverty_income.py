"""Income records: the computation of net and per-capita net income, one record per
household and year, safe updates with If-Match."""

from decimal import Decimal

import pytest

from gridgov.accounts.models import AuditEntry
from gridgov.poverty.models import IncomeRecord

YEAR = 2025


def url(household, year=YEAR):
    return f"/api/poverty/households/{household.uuid}/income/{year}"


def test_per_capita_net_income_is_computed_from_the_items(monitoring, api):
    household = monitoring.register.households["household_1"]
    response = api("worker_a").put(
        url(household),
        {
            "wages": "18000.50",
            "business": "6000",
            "property_income": "400",
            "transfers": "2600",
            "production_costs": "3000",
            "medical_out_of_pocket": "1200",
            "member_count": 3,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["net_income"] == "24000.50"
    assert body["per_capita_net"] == "8000.17"  # 24000.50 / 3, rounded to the fen
    assert response["ETag"] == '"1"'
    record = IncomeRecord.objects.get(household=household, year=YEAR)
    assert (record.net_income, record.per_capita_net) == (Decimal("24000.50"), Decimal("8000.17"))


def test_the_member_count_defaults_to_the_registered_members(monitoring, api):
    household = monitoring.register.households["household_1"]  # 龙建国 and 龙小燕
    body = api("worker_a").put(url(household), {"wages": "10000"}).json()
    assert (body["member_count"], body["per_capita_net"]) == (2, "5000.00")


def test_costs_above_income_give_a_negative_net_income(monitoring, api):
    household = monitoring.register.households["household_1b"]
    body = api("worker_a").put(url(household), {"business": "1000", "production_costs": "4000"})
    assert body.json()["per_capita_net"] == "-3000.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"wages": "-1"}, "wages"),
        ({"wages": "abc"}, "wages"),
        ({"member_count": 0}, "member_count"),
    ],
)
def test_bad_values_name_their_field(body, field, monitoring, api):
    household = monitoring.register.households["household_1"]
    response = api("worker_a").put(url(household), body)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {field}


def test_a_year_in_the_future_is_refused(monitoring, api):
    household = monitoring.register.households["household_1"]
    response = api("worker_a").put(url(household, 2027), {"wages": "1"})
    assert {e["field"] for e in response.json()["errors"]} == {"year"}


def test_one_record_per_year_changed_with_the_version_read(monitoring, api):
    household = monitoring.register.households["household_1"]
    client = api("worker_a")
    assert client.put(url(household), {"wages": "10000"}).status_code == 201
    changed = client.put(url(household), {"wages": "12000"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    assert changed["ETag"] == '"2"'
    stale = client.put(url(household), {"wages": "1"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    # Someone else created it first: a client creating (If-Match "0") is told.
    other = monitoring.register.households["household_1b"]
    client.put(url(other), {"wages": "1"})
    assert client.put(url(other), {"wages": "2"}, headers={"If-Match": '"0"'}).status_code == 412
    assert IncomeRecord.objects.filter(household=household).count() == 1
    assert IncomeRecord.objects.get(household=household).per_capita_net == Decimal("6000.00")


def test_the_income_history_is_on_the_household(monitoring, api):
    household = monitoring.register.households["household_1"]
    for year, wages in ((2023, "9000"), (2024, "10000"), (2025, "8000")):
        api("worker_a").put(url(household, year), {"wages": wages, "member_count": 1})
    card = api("leader").get(f"/api/poverty/households/{household.uuid}").json()
    assert [(r["year"], r["per_capita_net"]) for r in card["income"]] == [
        (2025, "8000.00"),
        (2024, "10000.00"),
        (2023, "9000.00"),
    ]
    assert card["monitoring"]["state"] == "found"
    assert AuditEntry.objects.filter(action="poverty.record_income").count() == 3
