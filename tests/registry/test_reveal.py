"""Showing a person in clear: it needs the permission and a reason, is written to the audit
log, is for the one who asked only, and lapses after 30 minutes."""

import datetime as dt

import pytest

from gridgov.accounts.models import AuditEntry
from gridgov.registry.models import RevealGrant

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
REASON = "核实低保申请人身份"


@pytest.fixture
def clock(db, time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def _reveal(client, resident, reason=REASON):
    return client.post(f"/api/residents/{resident.uuid}/reveal", {"reason": reason})


def _seen(client, resident) -> dict:
    response = client.get(f"/api/residents/{resident.uuid}")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("username", ["leader", "admin"])
def test_those_who_only_read_the_register_may_not_reveal(username, api, register):
    adult = register.residents["adult_1"]
    client = api(username)
    assert client.get(f"/api/residents/{adult.uuid}").status_code == 200  # they can see it
    response = _reveal(client, adult)
    assert response.status_code == 403
    assert "permission" in response.json()["detail"]
    assert _seen(client, adult)["masked"] is True
    assert not RevealGrant.objects.exists()
    assert not AuditEntry.objects.filter(action="registry.reveal_resident").exists()


def test_a_reader_is_told_no_before_being_asked_for_a_reason(api, register):
    response = _reveal(api("leader"), register.residents["adult_1"], "看看")
    assert response.status_code == 403


@pytest.mark.parametrize("username", ["worker_b", "handler", "outsider"])
def test_someone_who_cannot_see_the_person_gets_not_found(username, api, register):
    response = _reveal(api(username), register.residents["adult_1"])
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到 Not found."}


@pytest.mark.parametrize("reason", ["", "   ", "看看", "abc"])
def test_a_reason_is_required(reason, api, register, error_fields):
    response = _reveal(api("worker_a"), register.residents["adult_1"], reason)
    assert error_fields(response) == {"reason"}
    assert not RevealGrant.objects.exists()


def test_the_reason_is_in_the_audit_log(api, register, clock):
    adult = register.residents["adult_1"]
    response = _reveal(api("worker_a"), adult, f"  {REASON}  ")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="registry.reveal_resident")
    assert entry.actor.username == "worker_a"
    assert entry.object_id == str(adult.pk)
    assert entry.region_code == adult.region_code
    assert entry.reason == REASON
    assert entry.after == {"expires_at": "2025-03-03T09:30:00+00:00"}
    assert response["X-Reveal-Expires"] == "2025-03-03T09:30:00+00:00"


def test_the_answer_and_later_reads_are_in_clear(api, register, clock):
    adult = register.residents["adult_1"]
    client = api("worker_a")
    revealed = _reveal(client, adult).json()
    assert (revealed["id_number"], revealed["phone"]) == (adult.id_number, adult.phone)
    assert revealed["tags"][0]["tag"] == "released_prisoner"
    assert revealed["masked"] is False
    assert _seen(client, adult)["id_number"] == adult.id_number
    listed = {p["uuid"]: p for p in client.get("/api/residents/").json()["items"]}
    assert listed[str(adult.uuid)]["phone"] == adult.phone
    # Only that person: the others in the list stay masked.
    elder = register.residents["elder_1"]
    assert listed[str(elder.uuid)]["phone"] == "074****1234"
    assert listed[str(elder.uuid)]["masked"] is True


def test_only_the_one_who_asked_sees_in_clear(api, register, clock):
    adult = register.residents["adult_1"]
    _reveal(api("worker_a"), adult)
    for username in ("cadre", "township", "leader"):
        seen = _seen(api(username), adult)
        assert seen["masked"] is True, username
        assert seen["id_number"] != adult.id_number, username


def test_a_childs_record_can_be_revealed_for_a_reason(api, register, clock):
    child = register.residents["child_1"]
    client = api("worker_a")
    assert _seen(client, child)["name"] == "龙**"
    assert _reveal(client, child, "办理留守儿童关爱登记").status_code == 200
    seen = _seen(client, child)
    assert seen["name"] == "龙小燕"
    assert seen["birth_date"] == str(child.birth_date)
    assert seen["tags"][0]["tag"] == "left_behind_child"


def test_clear_values_lapse_after_30_minutes(api, register, clock):
    adult = register.residents["adult_1"]
    client = api("worker_a")
    _reveal(client, adult)
    clock.shift(dt.timedelta(minutes=29))
    assert _seen(client, adult)["id_number"] == adult.id_number
    clock.shift(dt.timedelta(minutes=2))
    seen = _seen(client, adult)
    assert seen["masked"] is True
    assert seen["id_number"] != adult.id_number
    assert seen["phone"] == "138****2345"
    assert seen["tags"][0]["tag"] == ""
    text = client.get("/api/residents/").content.decode()
    text += client.post("/api/residents/search", {"text": adult.id_number}).content.decode()
    assert adult.id_number not in text and adult.phone not in text
    # Asking again, for a new reason, gives another 30 minutes and another audit entry.
    assert _reveal(client, adult, "再次核实身份信息").status_code == 200
    assert _seen(client, adult)["id_number"] == adult.id_number
    assert AuditEntry.objects.filter(action="registry.reveal_resident").count() == 2
