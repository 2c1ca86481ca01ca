"""Places (地、物) and organisations (组织) through the API: created once, changed with
If-Match, contact numbers checked and masked, kept within the actor's grids."""

import uuid

import pytest

from gridgov.accounts.models import AuditEntry
from gridgov.registry.models import Organisation, Place
from gridgov.testing.personas import GRID_1, GRID_2

KINDS = {
    "places": (Place, "keeper_phone", {"kind": "bridge", "name": "梨子寨风雨桥"}),
    "organisations": (
        Organisation,
        "contact_phone",
        {"kind": "cooperative", "name": "梨子寨养蜂合作社", "size": 8},
    ),
}


def _record(register, kind: str, key: str = "1"):
    records = register.places if kind == "places" else register.organisations
    return records[f"{kind[:-1]}_{key}" if key != "other" else f"other_{kind[:-1]}"]


@pytest.mark.parametrize("kind", KINDS)
def test_created_once_with_the_clients_uuid(kind, api):
    model, phone_field, fields = KINDS[kind]
    body = {"uuid": str(uuid.uuid4()), "grid": GRID_1, **fields, phone_field: "138 7431 6666"}
    client = api("worker_a")
    first = client.post(f"/api/{kind}/", body)
    assert first.status_code == 201, first.content
    assert first["ETag"] == '"1"'
    assert client.post(f"/api/{kind}/", body).json() == first.json()
    record = model.objects.get(uuid=body["uuid"])
    assert getattr(record, phone_field) == "13874316666"
    assert first.json()[phone_field] == "138****6666"


@pytest.mark.parametrize("kind", KINDS)
def test_a_wrong_contact_number_names_its_field(kind, api, error_fields):
    _model, phone_field, fields = KINDS[kind]
    response = api("worker_a").post(f"/api/{kind}/", {"grid": GRID_1, **fields, phone_field: "123"})
    assert error_fields(response) == {phone_field}


@pytest.mark.parametrize("kind", KINDS)
def test_a_change_with_the_current_version(kind, api, register):
    model, phone_field, _fields = KINDS[kind]
    record = _record(register, kind)
    client = api("worker_a")
    read = client.get(f"/api/{kind}/{record.uuid}")
    assert read["ETag"] == '"1"'
    changed = client.patch(
        f"/api/{kind}/{record.uuid}",
        {"notes": "二〇二五年检修", phone_field: "13974310000"},
        headers={"If-Match": read["ETag"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] == '"2"'
    body = changed.json()
    assert (body["notes"], body["version"], body[phone_field]) == (
        "二〇二五年检修",
        2,
        "139****0000",
    )
    assert body["name"] == record.name  # what was not sent stays
    stored = model.objects.get(pk=record.pk)
    assert getattr(stored, phone_field) == "13974310000"
    entry = AuditEntry.objects.get(action=f"registry.update_{kind[:-1]}", object_id=str(record.pk))
    assert entry.after[phone_field] == "139****0000"
    assert entry.before["notes"] == "" and entry.after["notes"] == "二〇二五年检修"


@pytest.mark.parametrize("kind", KINDS)
def test_a_change_from_a_stale_version_is_refused(kind, api, register):
    model, _phone_field, _fields = KINDS[kind]
    record = _record(register, kind)
    client = api("worker_a")
    assert client.patch(f"/api/{kind}/{record.uuid}", {"notes": "先改"}).status_code == 200
    stale = client.patch(
        f"/api/{kind}/{record.uuid}", {"notes": "后改"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert model.objects.get(pk=record.pk).notes == "先改"


@pytest.mark.parametrize("kind", KINDS)
def test_a_name_cannot_be_emptied(kind, api, register, error_fields):
    record = _record(register, kind)
    response = api("worker_a").patch(f"/api/{kind}/{record.uuid}", {"name": None})
    assert error_fields(response) == {"name"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_record_stays_in_a_grid(kind, api, register, error_fields):
    record = _record(register, kind)
    assert error_fields(api("worker_a").patch(f"/api/{kind}/{record.uuid}", {"grid": None})) == {
        "grid"
    }


@pytest.mark.parametrize("kind", KINDS)
def test_moving_to_another_grid_within_reach(kind, api, register):
    model, _phone_field, _fields = KINDS[kind]
    record = _record(register, kind)
    assert api("worker_a").patch(f"/api/{kind}/{record.uuid}", {"grid": GRID_2}).status_code == 404
    assert model.objects.get(pk=record.pk).region_code == GRID_1
    moved = api("cadre").patch(f"/api/{kind}/{record.uuid}", {"grid": GRID_2})
    assert moved.status_code == 200
    assert moved.json()["region_code"] == GRID_2
    assert api("worker_b").get(f"/api/{kind}/{record.uuid}").status_code == 200


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("username", ["leader", "admin"])
def test_readers_may_not_change(kind, username, api, register):
    model, _phone_field, _fields = KINDS[kind]
    record = _record(register, kind)
    response = api(username).patch(f"/api/{kind}/{record.uuid}", {"notes": "领导批示"})
    assert response.status_code == 403
    assert model.objects.get(pk=record.pk).version == 1


@pytest.mark.parametrize("kind", KINDS)
def test_lists_filter_by_kind_name_and_region(kind, api, register):
    client = api("cadre")
    kind_value = "well" if kind == "places" else "cooperative"
    names = {r["name"] for r in client.get(f"/api/{kind}/", {"kind": kind_value}).json()}
    assert names == {_record(register, kind, "1").name, _record(register, kind, "2").name}
    within = client.get(f"/api/{kind}/", {"within": GRID_2}).json()
    assert [r["name"] for r in within] == [_record(register, kind, "2").name]
    named = client.get(f"/api/{kind}/", {"q": _record(register, kind, "1").name[2:5]}).json()
    assert [r["name"] for r in named] == [_record(register, kind, "1").name]
