"""Sensitive personal data is masked on every surface (design decision 3): API lists,
details, search and household cards; the audit log; log output; caches; URLs."""

import json
import logging
import re
import uuid
from datetime import date

import pytest

from gridgov.accounts.models import AuditEntry
from gridgov.registry import idnumbers
from gridgov.registry.models import Resident
from gridgov.testing.personas import GRID_1

MASKED_ID = re.compile(r"^433124\*{8}[0-9]{3}[0-9X]$")
SENSITIVE_LABEL = "重点人群 ****"


def _people(response) -> dict[str, dict]:
    body = response.json()
    items = body["items"] if "items" in body else body.get("members", [body])
    return {person["uuid"]: person for person in items}


def _surfaces(api, register, username="cadre") -> dict[str, dict[str, dict]]:
    """Every API surface that shows people, as `username` sees them: uuid → person."""
    client = api(username)
    household = register.households["household_1"].uuid
    return {
        "list": _people(client.get("/api/residents/")),
        "search": _people(client.post("/api/residents/search", {"text": "long"})),
        "card": _people(client.get(f"/api/households/{household}")),
        "detail": {
            str(r.uuid): client.get(f"/api/residents/{r.uuid}").json()
            for r in register.residents.values()
            if r.region_code == GRID_1
        },
    }


@pytest.mark.parametrize("username", ["worker_a", "cadre", "leader", "admin"])
def test_id_numbers_and_phones_are_masked_everywhere(username, api, register):
    adult = register.residents["adult_1"]
    for surface, people in _surfaces(api, register, username).items():
        person = people[str(adult.uuid)]
        assert MASKED_ID.match(person["id_number"]), (surface, person["id_number"])
        assert person["id_number"].endswith(adult.id_number[-4:])
        assert person["phone"] == "138****2345", surface
        assert person["masked"] is True


@pytest.mark.parametrize("url", ["/api/residents/", "/api/households/", "/api/places/"])
def test_no_clear_id_number_or_phone_in_any_answer(url, api, register):
    client = api("cadre")
    text = client.get(url).content.decode()
    text += client.post("/api/residents/search", {"text": "long"}).content.decode()
    text += client.get(
        f"/api/households/{register.households['household_1'].uuid}"
    ).content.decode()
    for resident in register.residents.values():
        assert resident.id_number not in text
        if resident.phone:
            assert resident.phone not in text
    for place in register.places.values():
        if place.keeper_phone:
            assert place.keeper_phone not in text


def test_contact_numbers_of_places_and_organisations_are_masked(api, register):
    client = api("worker_a")
    place = client.get(f"/api/places/{register.places['place_1'].uuid}").json()
    assert place["keeper_phone"] == "138****9999"
    organisation = client.get(
        f"/api/organisations/{register.organisations['organisation_1'].uuid}"
    ).json()
    assert organisation["contact_phone"] == "138****8888"
    listed = client.get("/api/organisations/").json()
    assert {o["contact_phone"] for o in listed} == {"138****8888"}


def test_key_population_tags_are_a_label_without_the_tag(api, register):
    for surface, people in _surfaces(api, register).items():
        tags = people[str(register.residents["adult_1"].uuid)]["tags"]
        assert tags == [
            {
                "uuid": str(register.tags["adult_1"].uuid),
                "tag": "",
                "label": SENSITIVE_LABEL,
                "attention_level": "",
                "start_date": "2020-05-01",
                "end_date": None,
                "masked": True,
            }
        ], surface
        # A care group is not sensitive: it is shown as it is.
        elder = people.get(str(register.residents["elder_1"].uuid))
        if elder is not None:
            assert [(t["tag"], t["label"]) for t in elder["tags"]] == [
                ("elderly_alone", "独居老人")
            ]
    answer = api("cadre").get("/api/residents/").content.decode()
    for code, label in (("released_prisoner", "刑满释放"), ("key_petitioner", "重点上访")):
        assert code not in answer and label not in answer


@pytest.mark.parametrize("username", ["leader", "admin"])
def test_readers_cannot_list_people_by_a_key_population(username, api, register):
    """Filtering by a sensitive tag would say who is in it: that needs the permission to see
    tags in clear. Care groups can be listed by anyone who sees the register."""
    client = api(username)
    response = client.get("/api/residents/", {"tag": "released_prisoner"})
    assert response.status_code == 403
    care = client.get("/api/residents/", {"tag": "elderly_alone"}).json()
    assert [person["name"] for person in care["items"]] == ["施成富"]


def test_keepers_list_their_key_population_masked(api, register):
    listed = api("worker_a").get("/api/residents/", {"tag": "released_prisoner"}).json()
    assert [person["name"] for person in listed["items"]] == ["龙建国"]
    assert listed["items"][0]["tags"][0]["label"] == SENSITIVE_LABEL
    assert api("worker_b").get("/api/residents/", {"tag": "released_prisoner"}).json() == {
        "items": [],
        "count": 0,
    }


def test_everything_about_a_child_is_masked(api, register):
    child = register.residents["child_1"]
    for surface, people in _surfaces(api, register).items():
        person = people[str(child.uuid)]
        assert person["minor"] is True, surface
        assert person["name"] == "龙**", surface
        assert person["birth_date"] is None and person["age"] is None, surface
        assert MASKED_ID.match(person["id_number"]), surface
        assert person["notes"] == "****", surface
        assert (person["ethnicity"], person["education"]) == ("", ""), surface
        # Even a care-group tag says only that there is one.
        assert [(t["tag"], t["label"], t["masked"]) for t in person["tags"]] == [
            ("", "****", True)
        ], surface
    text = api("cadre").get("/api/residents/").content.decode()
    assert "龙小燕" not in text and "left_behind_child" not in text and "留守儿童" not in text
    assert str(child.birth_date) not in text


def test_a_child_is_found_by_name_but_shown_masked(api, register):
    found = api("cadre").post("/api/residents/search", {"text": "龙小"}).json()
    assert [person["name"] for person in found["items"]] == ["龙**"]


# --- The audit log ---


def _audit_text(entries) -> str:
    return " ".join(
        json.dumps(entry.before, ensure_ascii=False)
        + json.dumps(entry.after, ensure_ascii=False)
        + entry.reason
        for entry in entries
    )


def test_the_audit_log_holds_no_clear_values(api, register):
    client = api("worker_a")
    number = idnumbers.make("433124", date(2016, 2, 2), 88)  # a girl of under 14
    created = client.post(
        "/api/residents/",
        {
            "uuid": str(uuid.uuid4()),
            "household": str(register.households["household_1"].uuid),
            "name": "龙小妹",
            "id_number": number,
            "phone": "13974319876",
            "notes": "父母在广东打工",
        },
    )
    assert created.status_code == 201, created.content
    child = created.json()["uuid"]
    adult = register.residents["adult_1"]
    household_1b = str(register.households["household_1b"].uuid)
    steps = [
        client.patch(f"/api/residents/{adult.uuid}", {"phone": "13974315555"}),
        client.post(
            f"/api/residents/{adult.uuid}/tags", {"tag": "drug_user", "start_date": "2024-01-01"}
        ),
        client.post(f"/api/residents/{adult.uuid}/move", {"household": household_1b}),
        client.post(f"/api/residents/{adult.uuid}/reveal", {"reason": "核实身份证号码"}),
        client.patch(
            f"/api/places/{register.places['place_1'].uuid}", {"keeper_phone": "13974317777"}
        ),
    ]
    assert [response.status_code for response in steps] == [200, 201, 200, 200, 200]
    entries = AuditEntry.objects.filter(action__startswith="registry.")
    assert entries.count() == 6
    text = _audit_text(entries)
    for clear in (
        number,
        adult.id_number,
        "13974319876",
        "13974315555",
        adult.phone,
        "13974317777",
        register.places["place_1"].keeper_phone,
        "drug_user",
        "吸毒",
        "龙小妹",
        "2016-02-02",
        "父母在广东打工",
    ):
        assert clear not in text, clear
    created_entry = entries.get(action="registry.create_resident")
    assert created_entry.after["id_number"] == number[:6] + "********" + number[-4:]
    assert created_entry.after["phone"] == "139****9876"
    assert created_entry.after["name"] == "龙**"
    assert Resident.objects.get(uuid=child).name == "龙小妹"  # the register itself keeps it


# --- Logs ---


def test_no_log_line_carries_an_id_number(api, register, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    client = api("worker_a")
    number = idnumbers.make("433124", date(1988, 10, 1), 171)
    person = {
        "uuid": str(uuid.uuid4()),
        "household": str(register.households["household_1"].uuid),
        "name": "龙日志",
        "id_number": number,
        "phone": "13974312222",
    }
    assert client.post("/api/residents/", person).status_code == 201
    # The same number again under another UUID: refused, and logged as a 422.
    assert client.post("/api/residents/", {**person, "uuid": str(uuid.uuid4())}).status_code == 422
    # The same number a second time in a race, which the database's constraint refuses.
    real_filter = Resident.objects.filter
    monkeypatch.setattr(
        Resident.objects,
        "filter",
        lambda *a, **kw: Resident.objects.none() if "id_number" in kw else real_filter(*a, **kw),
    )
    assert client.post("/api/residents/", {**person, "uuid": str(uuid.uuid4())}).status_code == 422
    # Searching by the number (the right way) and the wrong way.
    assert client.post("/api/residents/search", {"text": number}).status_code == 200
    assert client.get("/api/residents/", {"q": number}).status_code == 422
    created = Resident.objects.get(uuid=person["uuid"])
    revealed = client.post(f"/api/residents/{created.uuid}/reveal", {"reason": "核实身份"})
    assert revealed.status_code == 200
    assert caplog.records, "the requests above did log something"
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    for clear in (number, number[-6:], "13974312222"):
        assert clear not in logged


# --- Caches and URLs ---


def test_answers_with_personal_data_are_never_cached(api, register):
    client = api("worker_a")
    adult = register.residents["adult_1"]
    household = register.households["household_1"]
    responses = {
        "list": client.get("/api/residents/"),
        "detail": client.get(f"/api/residents/{adult.uuid}"),
        "search": client.post("/api/residents/search", {"text": "long"}),
        "card": client.get(f"/api/households/{household.uuid}"),
        "households": client.get("/api/households/"),
        "reveal": client.post(f"/api/residents/{adult.uuid}/reveal", {"reason": "核实身份"}),
        "change": client.patch(f"/api/residents/{adult.uuid}", {"notes": "x"}),
        "create": client.post("/api/residents/", {"grid": GRID_1, "name": "田新"}),
        "places": client.get("/api/places/"),
        "refused": client.get("/api/residents/", {"q": adult.id_number}),
    }
    for surface, response in responses.items():
        assert response.status_code < 500, surface
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives, surface


@pytest.mark.parametrize(
    "query",
    [
        "433124197503081314",  # a full number
        "43312419750308131x",  # with a lower-case x
        "４３３１２４１９７５０３０８１３１４",  # full-width
        "081314",  # the last six
        "08131X",  # the last six, ending in X
        "13874312345",  # a mobile number
        "138-7431-2345",
        "+86 138 7431 2345",
        "0743-8221234",  # a landline
    ],
)
def test_id_and_phone_numbers_are_refused_in_urls(query, api, register):
    response = api("worker_a").get("/api/residents/", {"q": query})
    assert response.status_code == 422
    assert "POST /api/residents/search" in response.json()["detail"]


def test_names_pinyin_and_initials_still_work_in_urls(api, register):
    client = api("worker_a")
    for query in ("龙建", "longjian", "ljg"):
        response = client.get("/api/residents/", {"q": query})
        assert response.status_code == 200, query
        assert [p["name"] for p in response.json()["items"]] == ["龙建国"], query


def test_no_route_takes_a_private_value_in_its_url():
    """Read from the OpenAPI description: no path or query parameter of any route is an ID
    number, a phone number or the free text of the search."""
    from gridgov.api import api as gridgov_api

    schema = gridgov_api.get_openapi_schema()
    names = {
        parameter["name"]
        for operations in schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
    }
    assert names, "the API has parameters at all"
    assert not names & {"id_number", "phone", "text", "keeper_phone", "contact_phone"}


def test_the_audit_log_does_not_name_a_child(client_of):
    """A child's record written to the log keeps only the surname, in every column."""
    from datetime import date

    from gridgov.accounts.models import AuditEntry
    from gridgov.registry import idnumbers

    birth = date(date.today().year - 6, 3, 9)
    payload = {
        "grid": "433124110226001",
        "name": "龙小燕",
        "id_number": idnumbers.make("433124", birth, 122),
    }
    response = client_of("worker_a").post(
        "/api/residents/", payload, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.filter(action="registry.create_resident").latest("id")
    assert entry.object_repr == "龙**"
    assert "小燕" not in f"{entry.object_repr}{entry.before}{entry.after}"
