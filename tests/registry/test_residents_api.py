"""Registering and changing people through the API: exactly-once creates, checks against the
ID number, versions (ETag / If-Match), moves, tags, and floating people without a household."""

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from gridgov.accounts.models import AuditEntry
from gridgov.registry import idnumbers
from gridgov.registry.models import PopulationTag, Resident, ResidentMove
from gridgov.testing.personas import GRID_1, GRID_2

BORN = date(1990, 8, 15)
NEW_NUMBER = idnumbers.make("433124", BORN, 153)  # a man


def _new_person(register, **extra) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "household": str(register.households["household_1"].uuid),
        "name": "龙成",
        "id_number": NEW_NUMBER,
        "phone": "13974310001",
        **extra,
    }


def test_a_create_with_the_clients_uuid_happens_once(api, register):
    client = api("worker_a")
    person = _new_person(register)
    first = client.post("/api/residents/", person)
    assert first.status_code == 201, first.content
    assert first.json()["uuid"] == person["uuid"]
    assert first["ETag"] == '"1"'
    # The phone lost the answer; the field app sends the same request again.
    again = client.post("/api/residents/", person)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Resident.objects.filter(uuid=person["uuid"]).count() == 1
    assert Resident.objects.filter(id_number=NEW_NUMBER).count() == 1
    resident = Resident.objects.get(uuid=person["uuid"])
    entries = AuditEntry.objects.filter(
        action="registry.create_resident", object_id=str(resident.pk)
    )
    assert entries.count() == 1
    assert entries.get().actor.username == "worker_a"


@pytest.mark.parametrize("username", ["leader", "admin"])
def test_readers_may_not_register_people_not_even_by_replaying(username, api, register):
    person = _new_person(register)
    response = api(username).post("/api/residents/", person)
    assert response.status_code == 403
    assert not Resident.objects.filter(uuid=person["uuid"]).exists()
    # Replaying a create that someone else made gives them nothing either, and a number
    # that is already registered is not confirmed to them.
    existing = register.residents["adult_1"]
    replay = {**person, "uuid": str(existing.uuid)}
    assert api(username).post("/api/residents/", replay).status_code == 403
    taken = {**person, "id_number": existing.id_number}
    assert api(username).post("/api/residents/", taken).status_code == 403


def test_readers_hear_no_before_they_hear_stale(api, register):
    response = api("leader").patch(
        _url(register), {"notes": "领导批示"}, headers={"If-Match": '"99"'}
    )
    assert response.status_code == 403


def test_birth_date_and_sex_come_from_the_id_number(api, register):
    response = api("worker_a").post("/api/residents/", _new_person(register))
    assert response.status_code == 201
    assert response.json()["birth_date"] == "1990-08-15"
    assert response.json()["sex"] == "1"


def test_a_birth_date_that_disagrees_with_the_id_is_refused(api, register, error_fields):
    response = api("worker_a").post(
        "/api/residents/", _new_person(register, birth_date="1990-08-16")
    )
    assert error_fields(response) == {"birth_date"}
    assert "1990-08-15" in response.json()["errors"][0]["message"]
    assert not Resident.objects.filter(id_number=NEW_NUMBER).exists()


def test_a_sex_that_disagrees_with_the_id_is_refused(api, register, error_fields):
    response = api("worker_a").post("/api/residents/", _new_person(register, sex="2"))
    assert error_fields(response) == {"sex"}
    assert "男 male" in response.json()["errors"][0]["message"]


def test_both_disagreements_are_reported_at_once(api, register, error_fields):
    response = api("worker_a").post(
        "/api/residents/", _new_person(register, sex="2", birth_date="1991-01-01")
    )
    assert error_fields(response) == {"birth_date", "sex"}


def test_an_id_number_already_registered_is_refused(api, register, error_fields):
    taken = register.id_number("adult_1")
    response = api("worker_a").post("/api/residents/", _new_person(register, id_number=taken))
    assert error_fields(response) == {"id_number"}
    assert "already registered" in response.json()["errors"][0]["message"]
    # Written differently (a space, full-width digits), it is still the same number.
    spaced = taken[:6] + " " + taken[6:]
    response = api("worker_a").post("/api/residents/", _new_person(register, id_number=spaced))
    assert error_fields(response) == {"id_number"}


def test_two_people_registering_one_number_at_once_get_a_field_error(
    api, register, monkeypatch, error_fields
):
    """When the check before the insert passes for both (they raced), the database's unique
    constraint decides, and the loser is told which field, not given a server error."""
    real_filter = Resident.objects.filter

    def blind_filter(*args, **kwargs):
        if "id_number" in kwargs:  # the duplicate check: pretend nobody has the number yet
            return Resident.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Resident.objects, "filter", blind_filter)
    taken = register.id_number("adult_1")
    response = api("worker_a").post("/api/residents/", _new_person(register, id_number=taken))
    assert error_fields(response) == {"id_number"}


def test_an_invalid_phone_is_refused(api, register, error_fields):
    for phone in ("12345", "1387431234", "电话"):
        response = api("worker_a").post("/api/residents/", _new_person(register, phone=phone))
        assert error_fields(response) == {"phone"}, phone


def test_phones_are_stored_as_digits(api, register):
    client = api("worker_a")
    created = client.post("/api/residents/", _new_person(register, phone="+86 139-7431-0001"))
    assert created.status_code == 201, created.content
    assert Resident.objects.get(uuid=created.json()["uuid"]).phone == "13974310001"


def test_a_name_is_required(api, register, error_fields):
    response = api("worker_a").post("/api/residents/", _new_person(register, name=""))
    assert error_fields(response) == {"name"}
    response = api("worker_a").post("/api/residents/", _new_person(register, name="   "))
    assert error_fields(response) == {"name"}


def test_a_floating_person_needs_only_a_grid(api):
    person = {
        "uuid": str(uuid.uuid4()),
        "grid": GRID_1,
        "name": "田小花",
        "residence_status": "floating",
    }
    response = api("worker_a").post("/api/residents/", person)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["household_uuid"] is None
    assert body["region_code"] == GRID_1
    assert body["residence_status"] == "floating"


def test_a_person_needs_a_household_or_a_grid(api, error_fields):
    response = api("worker_a").post("/api/residents/", {"name": "田小花"})
    assert error_fields(response) == {"household"}


def test_a_member_lives_in_the_grid_of_the_household(api, register):
    person = _new_person(register, household=str(register.households["household_2"].uuid))
    person["grid"] = GRID_1  # ignored: the household decides
    response = api("cadre").post("/api/residents/", person)
    assert response.status_code == 201
    assert response.json()["region_code"] == GRID_2


# --- Changes and versions ---


def _url(register, key="adult_1") -> str:
    return f"/api/residents/{register.residents[key].uuid}"


def test_a_change_with_the_current_version_is_saved(api, register):
    client = api("worker_a")
    read = client.get(_url(register))
    version = read.json()["version"]
    assert read["ETag"] == f'"{version}"'
    changed = client.patch(
        _url(register), {"residence_status": "working_away"}, headers={"If-Match": read["ETag"]}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["residence_status"] == "working_away"
    assert changed.json()["version"] == version + 1
    assert changed["ETag"] == f'"{version + 1}"'
    resident = Resident.objects.get(pk=register.residents["adult_1"].pk)
    assert resident.residence_status == "working_away"
    assert resident.updated_at > register.residents["adult_1"].updated_at


def test_a_change_from_a_stale_version_is_refused_with_the_current_one(api, register):
    client = api("worker_a")
    etag = client.get(_url(register))["ETag"]
    # Someone else changes the record first.
    assert api("cadre").patch(_url(register), {"notes": "村里核实过"}).status_code == 200
    stale = client.patch(_url(register), {"notes": "我的修改"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    current = Resident.objects.get(pk=register.residents["adult_1"].pk).version
    assert stale.json()["current_version"] == current
    assert stale["ETag"] == f'"{current}"'
    assert Resident.objects.get(pk=register.residents["adult_1"].pk).notes == "村里核实过"
    # A weak ETag, as some proxies rewrite it, and "*" both work.
    weak = client.patch(_url(register), {"notes": "再改"}, headers={"If-Match": f'W/"{current}"'})
    assert weak.status_code == 200
    any_version = client.patch(_url(register), {"notes": "又改"}, headers={"If-Match": "*"})
    assert any_version.status_code == 200


def test_nonsense_in_if_match_is_refused(api, register):
    response = api("worker_a").patch(_url(register), {"notes": "x"}, headers={"If-Match": "abc"})
    assert response.status_code == 412


def test_a_change_is_checked_against_the_id_number(api, register, error_fields):
    response = api("worker_a").patch(_url(register), {"birth_date": "1975-03-09"})
    assert error_fields(response) == {"birth_date"}


def test_a_corrected_id_number_brings_its_own_birth_date_and_sex(api, register):
    corrected = idnumbers.make("433124", date(1976, 3, 8), 262)
    response = api("worker_a").patch(_url(register), {"id_number": corrected})
    assert response.status_code == 200, response.content
    resident = Resident.objects.get(pk=register.residents["adult_1"].pk)
    assert (resident.id_number, resident.birth_date, resident.sex) == (
        corrected,
        date(1976, 3, 8),
        "2",
    )


def test_a_change_of_the_id_number_to_one_already_registered_is_refused(
    api, register, error_fields
):
    response = api("worker_a").patch(_url(register), {"id_number": register.id_number("elder_1")})
    assert error_fields(response) == {"id_number"}


def test_every_change_is_audited(api, register):
    api("worker_a").patch(_url(register), {"notes": "新备注"})
    entry = AuditEntry.objects.get(
        action="registry.update_resident", object_id=str(register.residents["adult_1"].pk)
    )
    assert entry.before["notes"] == "龙建国的备注"
    assert entry.after["notes"] == "新备注"
    assert entry.after["version"] == entry.before["version"] + 1


# --- Moves ---


def test_a_move_to_another_household_keeps_the_person_and_records_the_move(api, register):
    adult = register.residents["adult_1"]
    destination = register.households["household_2"]
    response = api("cadre").post(
        f"/api/residents/{adult.uuid}/move",
        {"household": str(destination.uuid), "reason": "婚后迁入竹子寨"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["uuid"] == str(adult.uuid)
    assert body["household_uuid"] == str(destination.uuid)
    assert body["region_code"] == GRID_2
    moved = Resident.objects.get(pk=adult.pk)
    assert moved.region_code == GRID_2
    assert Resident.objects.filter(uuid=adult.uuid).count() == 1
    move = ResidentMove.objects.get(resident=moved)
    assert (move.from_household_id, move.to_household_id) == (
        register.households["household_1"].pk,
        destination.pk,
    )
    assert (move.from_region_code, move.to_region_code) == (GRID_1, GRID_2)
    assert move.reason == "婚后迁入竹子寨"
    # The tags went with the person, and the old household has no head any more.
    assert set(
        PopulationTag.objects.filter(resident=moved).values_list("region_code", flat=True)
    ) == {GRID_2}
    household_1 = api("cadre").get(f"/api/households/{register.households['household_1'].uuid}")
    assert household_1.json()["head_uuid"] is None
    # Now worker_b keeps the record, and worker_a no longer sees it.
    assert api("worker_b").get(f"/api/residents/{adult.uuid}").status_code == 200
    assert api("worker_a").get(f"/api/residents/{adult.uuid}").status_code == 404
    audit = AuditEntry.objects.get(action="registry.move_resident", object_id=str(adult.pk))
    assert audit.reason == "婚后迁入竹子寨"
    assert (audit.before["region_code"], audit.after["region_code"]) == (GRID_1, GRID_2)


def test_a_worker_cannot_move_someone_into_a_grid_they_do_not_see(api, register):
    adult = register.residents["adult_1"]
    response = api("worker_a").post(
        f"/api/residents/{adult.uuid}/move",
        {"household": str(register.households["household_2"].uuid)},
    )
    assert response.status_code == 404
    assert Resident.objects.get(pk=adult.pk).region_code == GRID_1
    assert not ResidentMove.objects.filter(resident=adult).exists()


# --- Tags ---


def _tags(response) -> dict[str, dict]:
    return {tag["label"]: tag for tag in response.json()["tags"]}


def test_a_tag_is_added_once_and_ended(api, register):
    client = api("worker_a")
    elder = register.residents["elder_1"]
    tag = {
        "uuid": str(uuid.uuid4()),
        "tag": "dibao",
        "attention_level": "medium",
        "start_date": "2024-01-01",
    }
    added = client.post(f"/api/residents/{elder.uuid}/tags", tag)
    assert added.status_code == 201, added.content
    assert _tags(added)["低保对象"]["tag"] == "dibao"
    assert _tags(added)["低保对象"]["attention_level"] == "medium"
    assert client.post(f"/api/residents/{elder.uuid}/tags", tag).status_code == 200
    assert PopulationTag.objects.filter(uuid=tag["uuid"]).count() == 1
    assert (
        AuditEntry.objects.filter(action="registry.add_tag", object_id=str(elder.pk)).count() == 1
    )

    # Ending it today keeps it on the card until the day is over; ended yesterday, it is gone.
    today = timezone.localdate()
    ended = client.post(
        f"/api/residents/{elder.uuid}/tags/{tag['uuid']}/end", {"end_date": str(today)}
    )
    assert ended.status_code == 200
    assert _tags(ended)["低保对象"]["end_date"] == str(today)
    ended = client.post(
        f"/api/residents/{elder.uuid}/tags/{tag['uuid']}/end",
        {"end_date": str(today - timedelta(days=1))},
    )
    assert "低保对象" not in _tags(ended)
    assert "独居老人" in _tags(ended)  # the other tag stays
    assert PopulationTag.objects.get(uuid=tag["uuid"]).end_date == today - timedelta(days=1)


def test_a_tag_cannot_end_before_it_starts(api, register, error_fields):
    client = api("worker_a")
    elder = register.residents["elder_1"]
    tag = register.tags["elder_1"]
    response = client.post(
        f"/api/residents/{elder.uuid}/tags/{tag.uuid}/end", {"end_date": "2018-12-31"}
    )
    assert error_fields(response) == {"end_date"}
    response = client.post(
        f"/api/residents/{elder.uuid}/tags",
        {"tag": "dibao", "start_date": "2024-01-01", "end_date": "2023-01-01"},
    )
    assert error_fields(response) == {"end_date"}


def test_the_tag_filter_lists_people_with_a_current_tag(api, register):
    client = api("worker_a")
    listed = client.get("/api/residents/", {"tag": "elderly_alone"}).json()
    assert [person["name"] for person in listed["items"]] == ["施成富"]
    tag = register.tags["elder_1"]
    future = timezone.localdate() + timedelta(days=30)
    client.post(
        f"/api/residents/{register.residents['elder_1'].uuid}/tags/{tag.uuid}/end",
        {"end_date": str(future)},
    )
    # Ending next month: still a current tag, on the card and in the filter.
    assert client.get("/api/residents/", {"tag": "elderly_alone"}).json()["count"] == 1
