"""Households through the API: where they are, who heads them, moving them between grids
(within the actor's reach only), and no half-written records when something fails."""

import uuid

import pytest

from gridgov.accounts import actions as account_actions
from gridgov.accounts.models import AuditEntry
from gridgov.accounts.roles import Role
from gridgov.regions.models import Region
from gridgov.registry.models import Household, PopulationTag, Resident
from gridgov.testing.personas import GRID_1, GRID_2, OTHER_GRID


def _grid(code: str) -> Region:
    return Region.objects.get(code=code)


def test_a_new_household_is_placed_at_the_centre_of_its_grid(api):
    grid = _grid(GRID_1)
    assert grid.centroid_lat is not None
    response = api("worker_a").post(
        "/api/households/", {"uuid": str(uuid.uuid4()), "grid": GRID_1, "address": "梨子寨 3 号"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["latitude"], body["longitude"]) == (grid.centroid_lat, grid.centroid_lon)
    assert body["region_code"] == GRID_1
    assert response["ETag"] == '"1"'


def test_a_recorded_door_is_kept(api):
    response = api("worker_a").post(
        "/api/households/",
        {"grid": GRID_1, "address": "梨子寨 4 号", "latitude": 28.1234, "longitude": 109.5678},
    )
    assert (response.json()["latitude"], response.json()["longitude"]) == (28.1234, 109.5678)


def test_a_household_is_created_once(api):
    client = api("worker_a")
    household = {"uuid": str(uuid.uuid4()), "grid": GRID_1, "address": "梨子寨 5 号"}
    first = client.post("/api/households/", household)
    again = client.post("/api/households/", {**household, "address": "重发时改了地址"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Household.objects.filter(uuid=household["uuid"]).count() == 1
    created = Household.objects.get(uuid=household["uuid"])
    assert created.address == "梨子寨 5 号"
    entries = AuditEntry.objects.filter(
        action="registry.create_household", object_id=str(created.pk)
    )
    assert entries.count() == 1


def test_someone_elses_uuid_gets_not_found(api, register):
    """A UUID taken by a household the caller cannot see: 404, and nothing about it."""
    taken = register.households["household_2"]
    response = api("worker_a").post(
        "/api/households/", {"uuid": str(taken.uuid), "grid": GRID_1, "address": "梨子寨 6 号"}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到 Not found."}


def test_a_grid_must_be_a_grid(api, register):
    response = api("cadre").post(
        "/api/households/", {"grid": GRID_1[:12] + "000", "address": "村委会"}
    )
    assert response.status_code == 404


# --- The head ---


def _patch(client, household, body, if_match: str | None = None):
    headers = {"If-Match": if_match} if if_match else {}
    return client.patch(f"/api/households/{household.uuid}", body, headers=headers)


def test_the_head_must_be_a_member(api, register, error_fields):
    household = register.households["household_1"]
    outsider_to_it = register.residents["elder_1"]  # lives next door
    response = _patch(api("worker_a"), household, {"head": str(outsider_to_it.uuid)})
    assert error_fields(response) == {"head"}
    assert "member" in response.json()["errors"][0]["message"]
    assert Household.objects.get(pk=household.pk).head_id == register.residents["adult_1"].pk


def test_a_member_can_become_head_and_the_head_can_be_cleared(api, register):
    household = register.households["household_1"]
    child = register.residents["child_1"]
    client = api("worker_a")
    etag = client.get(f"/api/households/{household.uuid}")["ETag"]
    changed = _patch(client, household, {"head": str(child.uuid)}, if_match=etag)
    assert changed.status_code == 200, changed.content
    assert changed.json()["head_uuid"] == str(child.uuid)
    assert changed["ETag"] != etag
    cleared = _patch(client, household, {"head": None})
    assert cleared.json()["head_uuid"] is None
    stale = _patch(client, household, {"notes": "x"}, if_match=etag)
    assert stale.status_code == 412


# --- Moving a household between grids ---


def test_moving_a_household_within_scope_moves_its_members(api, register):
    household = register.households["household_1"]
    members = [register.residents["adult_1"], register.residents["child_1"]]
    versions = {m.pk: m.version for m in members}
    response = _patch(api("cadre"), household, {"grid": GRID_2})
    assert response.status_code == 200, response.content
    assert response.json()["region_code"] == GRID_2
    for member in Resident.objects.filter(pk__in=versions):
        assert member.region_code == GRID_2
        assert member.grid.code == GRID_2
        assert member.version == versions[member.pk] + 1  # their ETags changed too
    assert set(
        PopulationTag.objects.filter(resident__in=members).values_list("region_code", flat=True)
    ) == {GRID_2}
    # The pin was the old grid's centre: it moved to the new one.
    grid_2 = _grid(GRID_2)
    assert (response.json()["latitude"], response.json()["longitude"]) == (
        grid_2.centroid_lat,
        grid_2.centroid_lon,
    )
    # Now it is grid 2's household, for the record and for the workers.
    assert api("worker_a").get(f"/api/households/{household.uuid}").status_code == 404
    card = api("worker_b").get(f"/api/households/{household.uuid}").json()
    assert {member["uuid"] for member in card["members"]} == {str(m.uuid) for m in members}
    # The floating person and the neighbours of grid 1 stayed where they were.
    assert Resident.objects.get(pk=register.residents["elder_1"].pk).region_code == GRID_1
    assert Resident.objects.get(pk=register.residents["floating_1"].pk).region_code == GRID_1


def test_a_recorded_door_stays_when_the_household_is_rezoned(api, register):
    household = register.households["household_1"]
    Household.objects.filter(pk=household.pk).update(latitude=28.5, longitude=109.5)
    response = _patch(api("cadre"), household, {"grid": GRID_2})
    assert (response.json()["latitude"], response.json()["longitude"]) == (28.5, 109.5)


def _unchanged(register) -> None:
    household = Household.objects.get(pk=register.households["household_1"].pk)
    assert household.region_code == GRID_1 and household.version == 1
    assert set(
        Resident.objects.filter(household=household).values_list("region_code", flat=True)
    ) == {GRID_1}
    assert not AuditEntry.objects.filter(action="registry.update_household").exists()


def test_a_household_stays_in_a_grid(api, register, error_fields):
    response = _patch(api("worker_a"), register.households["household_1"], {"grid": None})
    assert error_fields(response) == {"grid"}


def test_moving_a_household_to_a_grid_the_worker_cannot_see_is_not_found(api, register):
    response = _patch(api("worker_a"), register.households["household_1"], {"grid": GRID_2})
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到 Not found."}
    _unchanged(register)


@pytest.fixture
def worker_who_also_leads(db):
    """A grid worker of grid 1 who is also a leader of the prefecture: they see every grid,
    but may change the register in grid 1 only."""
    user = account_actions.create_user(
        actor=None, username="worker_and_leader", password="x-test-password", full_name="两职"
    )
    account_actions.assign_role(actor=None, user=user, role=Role.GRID_WORKER, region=_grid(GRID_1))
    account_actions.assign_role(actor=None, user=user, role=Role.LEADER, region=_grid("4331"))
    return user


def test_moving_a_household_out_of_reach_is_rolled_back(api, register, worker_who_also_leads):
    """The target grid is visible (as a leader) but not the actor's to keep: the re-check
    after the change, inside the transaction, undoes everything."""
    client = api(worker_who_also_leads)
    household = register.households["household_1"]
    assert client.get(f"/api/regions/{OTHER_GRID}").status_code == 200
    response = _patch(client, household, {"grid": OTHER_GRID, "notes": "迁往吉首"})
    assert response.status_code == 404
    _unchanged(register)
    assert Household.objects.get(pk=household.pk).notes == ""
    # Within grid 1 the same person may change it.
    assert _patch(client, household, {"notes": "走访"}).status_code == 200


def test_moving_a_member_out_of_reach_is_rolled_back(api, register, worker_who_also_leads):
    adult = register.residents["adult_1"]
    response = api(worker_who_also_leads).post(
        f"/api/residents/{adult.uuid}/move",
        {"household": str(register.households["other_household"].uuid)},
    )
    assert response.status_code == 404
    assert Resident.objects.get(pk=adult.pk).region_code == GRID_1
    assert not adult.moves.exists()


# --- Failures leave nothing behind ---


def _failing_audit(*args, **kwargs):
    raise RuntimeError("the audit table is unavailable")


def test_a_failure_after_the_insert_leaves_no_household(api, monkeypatch):
    monkeypatch.setattr("gridgov.accounts.audit.record", _failing_audit)
    client = api("worker_a")
    client.raise_request_exception = False
    household = {"uuid": str(uuid.uuid4()), "grid": GRID_1, "address": "梨子寨 7 号"}
    response = client.post("/api/households/", household)
    assert response.status_code == 500
    assert not Household.objects.filter(uuid=household["uuid"]).exists()
    # Once the audit works again, the same request (the field app retries) creates it.
    monkeypatch.undo()
    assert client.post("/api/households/", household).status_code == 201


def test_a_failure_during_a_move_leaves_every_member_in_place(api, register, monkeypatch):
    monkeypatch.setattr("gridgov.accounts.audit.record", _failing_audit)
    client = api("cadre")
    client.raise_request_exception = False
    response = _patch(client, register.households["household_1"], {"grid": GRID_2})
    assert response.status_code == 500
    _unchanged(register)


def test_a_failure_leaves_no_resident_either(api, monkeypatch):
    monkeypatch.setattr("gridgov.accounts.audit.record", _failing_audit)
    client = api("worker_a")
    client.raise_request_exception = False
    key = str(uuid.uuid4())
    response = client.post("/api/residents/", {"uuid": key, "grid": GRID_1, "name": "田失败"})
    assert response.status_code == 500
    assert not Resident.objects.filter(uuid=key).exists()
