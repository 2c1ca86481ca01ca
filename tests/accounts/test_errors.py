"""API errors as people read them: status 422, a list of errors each naming its field, with a
code for programs and a message in Chinese and in English."""

import re

import pytest
from django.test import Client

from gridgov import errors
from gridgov.regions.models import Region
from gridgov.testing.personas import VILLAGE, persona

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _admin() -> Client:
    client = Client()
    client.force_login(persona("admin"))
    return client


def _errors_by_field(response) -> dict[str, dict]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"errors"}
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}
        assert CHINESE.search(error["message"]), error
        assert ENGLISH.search(error["message"]), error
    return {error["field"]: error for error in body["errors"]}


def _post_grid(body: dict):
    return _admin().post(f"/api/regions/{VILLAGE}/grids", body, content_type="application/json")


def test_locate_names_both_bad_coordinates(db):
    errors = _errors_by_field(_admin().get("/api/regions/locate", {"lat": 100, "lon": "x"}))
    assert set(errors) == {"lat", "lon"}
    assert errors["lat"]["code"] == "less_than_equal"
    assert "90" in errors["lat"]["message"]
    assert errors["lon"]["code"] == "float_parsing"


def test_a_missing_parameter_is_named(db):
    errors = _errors_by_field(_admin().get("/api/regions/locate", {"lat": 28.2}))
    assert errors["lon"]["code"] == "missing"
    assert errors["lon"]["message"] == "必填 This field is required."


def test_a_boundary_that_crosses_itself_is_refused(db):
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    errors = _errors_by_field(_post_grid({"name": "新网格", "geometry": bow_tie}))
    assert list(errors) == ["geometry"]
    assert "自相交" in errors["geometry"]["message"]
    assert not Region.objects.filter(name="新网格").exists()


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [109.6, 28.2]},
        {"type": "Polygon", "coordinates": "nonsense"},
        "a string is not an object",
    ],
)
def test_a_boundary_that_is_not_a_polygon_is_refused(geometry, db):
    errors = _errors_by_field(_post_grid({"name": "新网格", "geometry": geometry}))
    assert list(errors) == ["geometry"]
    assert not Region.objects.filter(name="新网格").exists()


@pytest.mark.parametrize("code", [VILLAGE + "01", VILLAGE + "0011", VILLAGE + "00a"])
def test_a_grid_code_must_be_fifteen_digits(code, db):
    errors = _errors_by_field(_post_grid({"name": "新网格", "code": code}))
    assert list(errors) == ["code"]
    assert errors["code"]["code"] == "string_pattern_mismatch"


def test_every_missing_field_of_a_body_is_named(db):
    response = Client().post("/api/auth/token", {}, content_type="application/json")
    errors = _errors_by_field(response)
    assert set(errors) == {"username", "password"}


def test_a_page_cannot_be_the_whole_table(db):
    errors = _errors_by_field(_admin().get("/api/audit/", {"limit": 100_000}))
    assert errors["limit"]["code"] == "less_than_equal"
    assert "1000" in errors["limit"]["message"]


def test_an_unknown_level_lists_the_known_ones(db):
    errors = _errors_by_field(_admin().get("/api/regions/", {"level": "district"}))
    assert "township" in errors["level"]["message"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"username": 17, "password": "x"}, "username", "string_type"),
        ({"username": "worker_a", "password": ["x"]}, "password", "string_type"),
        ({"username": "worker_a", "password": "x", "name": ""}, "name", "string_too_short"),
    ],
)
def test_a_value_of_the_wrong_kind_is_named(body, field, code, db):
    response = Client().post("/api/auth/token", body, content_type="application/json")
    errors_found = _errors_by_field(response)
    assert errors_found[field]["code"] == code


def test_an_error_without_a_translation_still_has_chinese_in_it():
    [error] = errors.from_pydantic(
        [{"type": "url_parsing", "loc": ("body", "payload", "homepage"), "msg": "Bad URL"}]
    )
    assert error == {"field": "homepage", "code": "url_parsing", "message": "无效 Invalid: Bad URL"}


def test_a_body_that_is_not_json_is_named_in_both_languages(client_of):
    response = client_of("admin").post(
        "/api/regions/433124110226/grids", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert "JSON" in error["message"] and "请求体" in error["message"]
