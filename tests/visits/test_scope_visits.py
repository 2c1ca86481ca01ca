"""The scope table of the visits API: every route, every persona, in and out of scope.

Columns in the order worker_a, worker_b, cadre, township, handler, leader, outsider, admin.
200/201: in scope and theirs to do; 404: out of scope, with exactly the body of an object
that does not exist; 403: visible but not theirs to do. Grid staff, village cadres and
township centres record; the county centre (outsider, in 吉首市), leaders and administrators
only look; department handlers have no part in visits. The register's records named in a
body (the household visited, the region of a work-log entry) are looked up like a path
parameter. A key-population follow-up's photo is opened only by whoever sees the visit's
notes in clear (here its visitor); everyone else gets the 404 of a missing photo.
tests/accounts/test_scope_matrix.py checks that every route has a row here.
"""

import hashlib
import io
import json
import uuid
from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from PIL import Image

from gridgov.accounts.models import User
from gridgov.cases.calendar import SHANGHAI
from gridgov.testing.personas import GRID_1, GRID_2, OTHER_GRID, VILLAGE, persona
from gridgov.testing.scope import ALL, MISSING_UUID, NOT_FOUND, OK, PERSONA_ORDER
from gridgov.visits.models import Visit, VisitPhoto

MISSING_GRID = VILLAGE + "999"


NOT_FOUND_FOR_ALL = ALL(404)
# Recording in grid 1: grid-1 staff and those above them; read-only roles 403; the rest 404.
RECORD_IN_GRID_1 = (201, 404, 201, 201, 404, 403, 404, 403)
RECORD_IN_GRID_2 = (404, 201, 201, 201, 404, 403, 404, 403)
RECORD_OUTSIDE = (404, 404, 404, 404, 404, 403, 403, 403)
SEE_GRID_1 = (200, 404, 200, 200, 404, 200, 404, 200)
SEE_GRID_2 = (404, 200, 200, 200, 404, 200, 404, 200)
SEE_OUTSIDE = (404, 404, 404, 404, 404, 200, 200, 200)

# fmt: off
ROUTES: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {
    # Statuses in PERSONA_ORDER:      (w_a, w_b, cadre, township, handler, leader, outsider, admin)
    ("POST", "/api/visits/"): {
        "household_1":                  RECORD_IN_GRID_1,
        "household_2":                  (404, 201, 201, 201, 404, 403, 404, 403),
        "other_household":              (404, 404, 404, 404, 404, 403, 403, 403),
        "place_1":                      RECORD_IN_GRID_1,
        "organisation_1":               RECORD_IN_GRID_1,
        "missing_household":            NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/visits/"): {
        "nothing":                      OK,
    },
    ("GET", "/api/visits/{visit_uuid}"): {
        "visit_1":                      (200, 404, 200, 200, 404, 200, 404, 200),
        "visit_2":                      (404, 200, 200, 200, 404, 200, 404, 200),
        "other_visit":                  (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/visits/{visit_uuid}/photos"): {
        "visit_1":                      RECORD_IN_GRID_1,
        "visit_2":                      RECORD_IN_GRID_2,
        "other_visit":                  RECORD_OUTSIDE,
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/visits/{visit_uuid}/photos"): {
        "visit_1":                      SEE_GRID_1,
        "visit_2":                      SEE_GRID_2,
        "other_visit":                  SEE_OUTSIDE,
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/visits/photos/{photo_uuid}/file"): {
        "photo_1":                      SEE_GRID_1,
        "photo_2":                      SEE_GRID_2,
        "key_population_photo":         (200, 404, 404, 404, 404, 404, 404, 404),
        "other_photo":                  SEE_OUTSIDE,
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/visits/worklog"): {
        "nothing":                      OK,
    },
    ("POST", "/api/visits/worklog"): {
        "in_grid_1":                    (201, 404, 201, 201, 403, 403, 404, 403),
        "in_village":                   (403, 403, 201, 201, 403, 403, 404, 403),
        "in_other_grid":                (404, 404, 404, 404, 404, 403, 403, 403),
        "missing_region":               NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/visits/overdue"): {
        "nothing":                      OK,
    },
    ("GET", "/api/visits/coverage"): {
        "village":                      (200, 200, 200, 200, 403, 200, 404, 200),
        "other_village":                (404, 404, 404, 404, 404, 200, 200, 200),
        "missing_region":               NOT_FOUND_FOR_ALL,
    },
}
# fmt: on


def _target(world, target: str) -> tuple[dict, dict]:
    """(path and query parameters, body) of a target."""
    register = world["register"]
    households = {
        "household_1": register.households["household_1"].uuid,
        "household_2": register.households["household_2"].uuid,
        "other_household": register.households["other_household"].uuid,
        "missing_household": MISSING_UUID,
    }
    if target in households:
        return {}, {"household": str(households[target]), "findings": "正常"}
    if target == "place_1":
        return {}, {"place": str(register.places["place_1"].uuid)}
    if target == "organisation_1":
        return {}, {"organisation": str(register.organisations["organisation_1"].uuid)}
    visits = {
        "visit_1": world["visits"]["visit_1"],
        "visit_2": world["visits"]["visit_2"],
        "other_visit": world["visits"]["other_visit"],
        "missing": MISSING_UUID,
    }
    if target in visits:
        params = {"visit_uuid": str(visits[target]), "photo_uuid": str(MISSING_UUID)}
        return params, {"file": SimpleUploadedFile("photo.jpg", _jpeg((9, 99, 9)))}
    if target in world["photos"]:
        return {"photo_uuid": str(world["photos"][target])}, {}
    regions = {
        "in_grid_1": GRID_1,
        "in_village": VILLAGE,
        "in_other_grid": OTHER_GRID,
        "village": VILLAGE,
        "other_village": OTHER_GRID[:12],
        "missing_region": MISSING_GRID,
    }
    if target in regions:
        return {"within": regions[target]}, {
            "region": regions[target],
            "kind": "meeting",
            "title": "村民小组会",
        }
    if target == "nothing":
        return {}, {}
    raise KeyError(target)


def _jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "JPEG")
    return out.getvalue()


def _request(world, route, target):
    method, path = route
    params, body = _target(world, target)
    if path.endswith("/photos") and method == "POST":
        return method, path.format(**params), body  # multipart, with the photo
    if "{" in path:
        return method, path.format(**params), None
    if method == "GET":
        query = f"?within={params['within']}" if "within" in params else ""
        return method, path + query, None
    return method, path, body


def _call(client: Client, method: str, url: str, body):
    if body is not None and "file" in body:
        body["file"].seek(0)
        return client.post(url, body)
    return client.generic(
        method,
        url,
        data=b"" if body is None else json.dumps(body),
        content_type="application/json",
    )


@pytest.fixture
def world(register, db, media):
    moment = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)

    def visit(household_key: str, visitor: User, kind: str = "routine") -> uuid.UUID:
        household = register.households[household_key]
        return Visit.objects.create(
            visitor=visitor,
            household=household,
            region_code=household.region_code,
            visited_at=moment,
            kind=kind,
            findings="正常",
        ).uuid

    def photo(visit_uuid: uuid.UUID, colour) -> uuid.UUID:
        found = Visit.objects.get(uuid=visit_uuid)
        data = _jpeg(colour)
        kept = VisitPhoto(
            visit=found,
            original_name="photo.jpg",
            content_type="image/jpeg",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=found.visitor,
        )
        kept.file.save("photo.jpg", ContentFile(data), save=True)
        return kept.uuid

    visits = {
        "visit_1": visit("household_1", persona("worker_a")),
        "visit_2": visit("household_2", persona("worker_b")),
        "other_visit": visit("other_household", persona("admin")),
        "key_population_visit": visit("household_1", persona("worker_a"), "key_population"),
    }
    return {
        "register": register,
        "visits": visits,
        "photos": {
            "photo_1": photo(visits["visit_1"], (1, 0, 0)),
            "photo_2": photo(visits["visit_2"], (2, 0, 0)),
            "key_population_photo": photo(visits["key_population_visit"], (3, 0, 0)),
            "other_photo": photo(visits["other_visit"], (4, 0, 0)),
        },
    }


CASES = [(route, target) for route, row in ROUTES.items() for target in row]


def test_every_row_names_each_persona_and_a_missing_object():
    for (method, path), row in ROUTES.items():
        for statuses in row.values():
            assert len(statuses) == len(PERSONA_ORDER), (method, path)
        if "{" in path or method == "POST" or "coverage" in path:
            assert any(target.startswith("missing") for target in row), (method, path)


@pytest.mark.parametrize(("route", "target"), CASES, ids=[f"{m} {p} {t}" for (m, p), t in CASES])
def test_each_persona_gets_the_status_in_the_table(route, target, world):
    expected = dict(zip(PERSONA_ORDER, ROUTES[route][target], strict=True))
    actual = {}
    for username in PERSONA_ORDER:
        client = Client()
        client.force_login(persona(username))
        # Each persona's call is undone afterwards, so one's write does not change the next.
        with transaction.atomic():
            method, url, body = _request(world, route, target)
            response = _call(client, method, url, body)
            actual[username] = response.status_code
            if response.status_code == 404:
                assert response.json() == NOT_FOUND, (username, url)
            transaction.set_rollback(True)
    assert actual == expected


@pytest.mark.parametrize("route", sorted(ROUTES), ids=[f"{m} {p}" for m, p in sorted(ROUTES)])
def test_anonymous_callers_must_sign_in(route, world):
    method, url, body = _request(world, route, next(iter(ROUTES[route])))
    response = _call(Client(), method, url, body)
    assert response.status_code == 401


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_lists_hold_exactly_the_visits_in_scope(username, world):
    client = Client()
    client.force_login(persona(username))
    listed = {item["uuid"] for item in client.get("/api/visits/?limit=500").json()["items"]}
    scope = {
        "worker_a": GRID_1,
        "worker_b": GRID_2,
        "cadre": VILLAGE,
        "township": VILLAGE[:9],
        "leader": "4331",
        "outsider": OTHER_GRID[:6],
        "admin": "4331",
    }.get(username)
    expected = {
        str(Visit.objects.get(uuid=value).uuid)
        for value in world["visits"].values()
        if scope and Visit.objects.get(uuid=value).region_code.startswith(scope)
    }
    assert listed == expected
