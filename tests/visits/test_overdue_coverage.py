"""Overdue visits and coverage per grid, over the API, on a frozen clock."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from visits_clock import NOW

from gridgov.registry.models import Household
from gridgov.registry.privacy import SENSITIVE_TAG_LABEL
from gridgov.testing import personas
from gridgov.visits import actions
from gridgov.visits.plans import refresh_plans


def test_overdue_households_most_overdue_first(api, households):
    refresh_plans(households.values())
    items = api("cadre").get("/api/visits/overdue").json()["items"]
    # On 1 March: 梨子寨 2 (weekly, due 11 January), then the monthly ones (due 3 February).
    assert [item["address"] for item in items] == [
        "十八洞村梨子寨 2",
        "十八洞村梨子寨 1",
        "十八洞村竹子寨 5",
    ]
    assert [item["days_overdue"] for item in items] == [49, 26, 26]
    assert items[0]["why_label"] == "独居老人"
    # Why a key household is visited monthly is as private as the tag.
    assert items[2]["why_label"] == SENSITIVE_TAG_LABEL
    assert items[2]["why"] == ""


def test_each_worker_sees_the_overdue_households_of_their_grid(api, households):
    refresh_plans(households.values())
    grid_2 = [
        item["address"] for item in api("worker_b").get("/api/visits/overdue").json()["items"]
    ]
    assert grid_2 == ["十八洞村竹子寨 5"]
    assert api("handler").get("/api/visits/overdue").json() == {"items": [], "count": 0}
    within = api("township").get(f"/api/visits/overdue?within={personas.GRID_2}").json()
    assert within["count"] == 1


def test_the_overdue_list_costs_the_same_for_any_page(api, households, register):
    extra = [
        Household.objects.create(
            grid=households["household_1"].grid,
            region_code=personas.GRID_1,
            address=f"十八洞村新寨 {number}",
        )
        for number in range(6)
    ]
    Household.objects.filter(pk__in=[h.pk for h in extra]).update(
        created_at=NOW - timedelta(days=200)
    )
    refresh_plans([*households.values(), *extra])
    client = api("worker_a")
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/visits/overdue?limit=1").json()["items"]) == 1
    with CaptureQueriesContext(connection) as eight:
        assert len(client.get("/api/visits/overdue?limit=8").json()["items"]) == 8
    assert len(one) == len(eight)


def test_coverage_per_grid(api, households):
    refresh_plans(households.values())
    actions.record_visit(actor=personas.persona("worker_a"), household=households["household_1b"])
    rows = api("township").get(f"/api/visits/coverage?within={personas.VILLAGE}").json()
    assert rows == [
        {
            "region_code": personas.GRID_1,
            "grid_name": "十八洞村第一网格",
            "households": 2,
            "covered": 1,
            "overdue": 1,
            "share": 0.5,
        },
        {
            "region_code": personas.GRID_2,
            "grid_name": "十八洞村第二网格",
            "households": 1,
            "covered": 0,
            "overdue": 1,
            "share": 0.0,
        },
    ]
    # A worker's coverage of the village holds their own grid only.
    mine = api("worker_a").get(f"/api/visits/coverage?within={personas.VILLAGE}").json()
    assert [row["region_code"] for row in mine] == [personas.GRID_1]


def test_coverage_is_one_query(api, households):
    refresh_plans(households.values())
    client = api("leader")
    client.get("/api/visits/coverage?within=4331")  # warm the session and the role cache
    with CaptureQueriesContext(connection) as queries:
        rows = client.get("/api/visits/coverage?within=4331").json()
    assert [row["region_code"] for row in rows] == [
        personas.OTHER_GRID,
        personas.GRID_1,
        personas.GRID_2,
    ]
    aggregate = [q for q in queries.captured_queries if "visits_visitplan" in q["sql"]]
    assert len(aggregate) == 1
