"""THE shared scope test: every route of the API, every persona, in and out of scope.

Every (method, path) of `gridgov.api.api` must have a row in ROUTES, or
`test_every_api_route_has_a_row` fails: a route added tomorrow is covered the day it is added.
A row maps target objects to the status each persona gets, in PERSONA_ORDER:

- 200/201: the object is in the persona's scope and the action is theirs to do;
- 404: out of scope, with exactly the body of an object that does not exist ("missing");
- 403: the persona can see the object but may not do this to it (a leader is read-only);
- anonymous callers get 401 everywhere except at the public sign-in route.

The register's routes point at the records of the `register` fixture
(`gridgov.testing.register`): households, people, tags, places and organisations in grid 1,
grid 2 and a 吉首市 grid. A target may also put into the request body what it is about (the
grid of a new household, the household someone moves to): that object is then looked up
like a path parameter, 404 when out of scope.

The lists are then checked row by row against what the persona table says each person may
see, computed here without the scope code; and every way of holding no valid role
(none, an unknown role, an ended one, a disabled account) must see nothing at all.
"""

import ast
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.utils import timezone

from gridgov.accounts import actions, audit
from gridgov.accounts.models import ApiToken, AuditEntry, Department, RoleAssignment, User
from gridgov.api import api
from gridgov.regions import actions as region_actions
from gridgov.regions import geometry
from gridgov.regions.models import Region
from gridgov.registry import exports
from gridgov.registry.models import ExportRequest, Household, Organisation, Place, Resident
from gridgov.testing.personas import (
    COUNTY,
    GRID_1,
    GRID_2,
    OTHER_COUNTY,
    OTHER_GRID,
    PASSWORD,
    PERSONAS,
    TOWNSHIP,
    VILLAGE,
    persona,
)
from gridgov.testing.register import Register
from gridgov.testing.scope import ALL, MISSING_UUID, NOT_FOUND, OK, PERSONA_ORDER

SIGN_IN_REQUIRED = {"detail": "请先登录 Authentication required."}

OTHER_VILLAGE = OTHER_GRID[:12]  # 矮寨社区, 吉首市
OTHER_TOWNSHIP = "433124109"  # 花垣镇: in 花垣县 but not in 双龙镇
MISSING_CODE = VILLAGE + "999"  # a well-formed grid code that does not exist
MISSING_ID = 987654321

# Who may read people and the audit log, from the design's table of users (not from roles.py:
# if the permission matrix changes, this test must be changed with it, on purpose).
READS_USERS = {"township", "leader", "outsider", "admin"}
READS_AUDIT = {"outsider", "admin"}
# Everyone who works with the register reads it; departments see people through their cases.
READS_REGISTER = {"worker_a", "worker_b", "cadre", "township", "leader", "outsider", "admin"}
# Batch downloads of personal data need approval (GB/T 35273 §7.1): by the county centre or an
# administrator, never by the person who asked.
APPROVES_EXPORTS = {"outsider", "admin"}


NOT_FOUND_FOR_ALL = ALL(404)

# fmt: off
ROUTES: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {
    # Statuses in PERSONA_ORDER:      (w_a, w_b, cadre, township, handler, leader, outsider, admin)
    ("POST", "/api/auth/token"): {
        "own_credentials":              ALL(201),
    },
    ("GET", "/api/auth/tokens"): {
        "nothing":                      OK,
    },
    ("DELETE", "/api/auth/tokens/{token_id}"): {
        "own_token":                    OK,
        "stranger_token":               NOT_FOUND_FOR_ALL,
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/me"): {
        "nothing":                      OK,
    },
    ("GET", "/api/regions/"): {
        "nothing":                      OK,
    },
    ("GET", "/api/regions/locate"): {
        "point_in_grid_1":              OK,
        "point_in_other_grid":          OK,
    },
    ("GET", "/api/regions/{code}"): {
        "grid_1":                       (200, 404, 200, 200, 200, 200, 404, 200),
        "grid_2":                       (404, 200, 200, 200, 200, 200, 404, 200),
        "county":                       (200, 200, 200, 200, 200, 200, 404, 200),
        "other_grid":                   (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/regions/{code}/children"): {
        "village":                      (200, 200, 200, 200, 200, 200, 404, 200),
        "other_village":                (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/regions/{code}/map"): {
        "grid_1":                       (200, 404, 200, 200, 200, 200, 404, 200),
        "other_grid":                   (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/regions/{code}/grids"): {
        "village":                      (403, 403, 403, 403, 403, 403, 404, 201),
        "other_village":                (404, 404, 404, 404, 404, 403, 201, 201),
        "missing_village":              NOT_FOUND_FOR_ALL,
    },
    ("PUT", "/api/regions/{code}/geometry"): {
        "grid_1":                       (403, 404, 403, 403, 403, 403, 404, 200),
        "other_grid":                   (404, 404, 404, 404, 404, 403, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/departments/"): {
        "nothing":                      OK,
    },
    ("GET", "/api/departments/{department_id}"): {
        "county_police":                (200, 200, 200, 200, 200, 200, 404, 200),
        "township_office":              (200, 200, 200, 200, 200, 200, 404, 200),
        "other_township_office":        (404, 404, 404, 404, 200, 200, 404, 200),
        "other_county_police":          (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/users/"): {
        "nothing":                      OK,
    },
    ("GET", "/api/users/{user_id}"): {
        "worker_a":                     (404, 404, 404, 200, 404, 200, 404, 200),
        "handler":                      (404, 404, 404, 404, 404, 200, 404, 200),
        "outsider":                     (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/users/{user_id}/deactivate"): {
        "worker_in_grid_1":             (404, 404, 404, 403, 404, 403, 404, 200),
        "worker_in_other_county":       (404, 404, 404, 404, 404, 403, 403, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/audit/"): {
        "nothing":                      OK,
    },
    # --- The register. Leaders and administrators read it (masked) but never change it:
    # 403 on what they can see; the department handler has no register at all: 404. A grid
    # named in a body is looked up like any other object (404 when not visible), so the
    # handler, who sees the grids of the county, gets 403 when creating in one.
    ("GET", "/api/households/"): {
        "nothing":                      OK,
    },
    ("POST", "/api/households/"): {
        "in_grid_1":                    (201, 404, 201, 201, 403, 403, 404, 403),
        "in_grid_2":                    (404, 201, 201, 201, 403, 403, 404, 403),
        "in_other_grid":                (404, 404, 404, 404, 404, 403, 201, 403),
        "missing_grid":                 NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/households/{household_uuid}"): {
        "household_1":                  (200, 404, 200, 200, 404, 200, 404, 200),
        "household_2":                  (404, 200, 200, 200, 404, 200, 404, 200),
        "other_household":              (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("PATCH", "/api/households/{household_uuid}"): {
        "household_1":                  (200, 404, 200, 200, 404, 403, 404, 403),
        "household_2":                  (404, 200, 200, 200, 404, 403, 404, 403),
        "other_household":              (404, 404, 404, 404, 404, 403, 200, 403),
        "household_1_to_grid_2":        (404, 404, 200, 200, 404, 403, 404, 403),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/residents/"): {
        "nothing":                      OK,
    },
    ("POST", "/api/residents/"): {
        "in_household_1":               (201, 404, 201, 201, 404, 403, 404, 403),
        "in_household_2":               (404, 201, 201, 201, 404, 403, 404, 403),
        "in_other_household":           (404, 404, 404, 404, 404, 403, 201, 403),
        "in_grid_1":                    (201, 404, 201, 201, 403, 403, 404, 403),
        "missing_household":            NOT_FOUND_FOR_ALL,
        "missing_grid":                 NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/residents/search"): {
        "nothing":                      OK,
    },
    ("GET", "/api/residents/{resident_uuid}"): {
        "resident_1":                   (200, 404, 200, 200, 404, 200, 404, 200),
        "child_1":                      (200, 404, 200, 200, 404, 200, 404, 200),
        "floating_1":                   (200, 404, 200, 200, 404, 200, 404, 200),
        "resident_2":                   (404, 200, 200, 200, 404, 200, 404, 200),
        "other_resident":               (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("PATCH", "/api/residents/{resident_uuid}"): {
        "resident_1":                   (200, 404, 200, 200, 404, 403, 404, 403),
        "resident_2":                   (404, 200, 200, 200, 404, 403, 404, 403),
        "other_resident":               (404, 404, 404, 404, 404, 403, 200, 403),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/residents/{resident_uuid}/move"): {
        "resident_1_to_household_1b":   (200, 404, 200, 200, 404, 403, 404, 403),
        "resident_1_to_household_2":    (404, 404, 200, 200, 404, 403, 404, 403),
        "other_resident_to_household_1b": (404, 404, 404, 404, 404, 403, 404, 403),
        "other_resident_to_other_household_b": (404, 404, 404, 404, 404, 403, 200, 403),
        "resident_1_to_missing_household": NOT_FOUND_FOR_ALL,
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/residents/{resident_uuid}/tags"): {
        "resident_1":                   (201, 404, 201, 201, 404, 403, 404, 403),
        "resident_2":                   (404, 201, 201, 201, 404, 403, 404, 403),
        "other_resident":               (404, 404, 404, 404, 404, 403, 201, 403),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/residents/{resident_uuid}/tags/{tag_uuid}/end"): {
        "tag_1":                        (200, 404, 200, 200, 404, 403, 404, 403),
        "other_tag":                    (404, 404, 404, 404, 404, 403, 200, 403),
        "tag_of_another_resident":      NOT_FOUND_FOR_ALL,
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/residents/{resident_uuid}/reveal"): {
        "resident_1":                   (200, 404, 200, 200, 404, 403, 404, 403),
        "resident_2":                   (404, 200, 200, 200, 404, 403, 404, 403),
        "other_resident":               (404, 404, 404, 404, 404, 403, 200, 403),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/places/"): {
        "nothing":                      OK,
    },
    ("POST", "/api/places/"): {
        "in_grid_1":                    (201, 404, 201, 201, 403, 403, 404, 403),
        "in_other_grid":                (404, 404, 404, 404, 404, 403, 201, 403),
        "missing_grid":                 NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/places/{place_uuid}"): {
        "place_1":                      (200, 404, 200, 200, 404, 200, 404, 200),
        "place_2":                      (404, 200, 200, 200, 404, 200, 404, 200),
        "other_place":                  (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("PATCH", "/api/places/{place_uuid}"): {
        "place_1":                      (200, 404, 200, 200, 404, 403, 404, 403),
        "place_2":                      (404, 200, 200, 200, 404, 403, 404, 403),
        "other_place":                  (404, 404, 404, 404, 404, 403, 200, 403),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/organisations/"): {
        "nothing":                      OK,
    },
    ("POST", "/api/organisations/"): {
        "in_grid_1":                    (201, 404, 201, 201, 403, 403, 404, 403),
        "in_other_grid":                (404, 404, 404, 404, 404, 403, 201, 403),
        "missing_grid":                 NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/organisations/{organisation_uuid}"): {
        "organisation_1":               (200, 404, 200, 200, 404, 200, 404, 200),
        "organisation_2":               (404, 200, 200, 200, 404, 200, 404, 200),
        "other_organisation":           (404, 404, 404, 404, 404, 200, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("PATCH", "/api/organisations/{organisation_uuid}"): {
        "organisation_1":               (200, 404, 200, 200, 404, 403, 404, 403),
        "organisation_2":               (404, 200, 200, 200, 404, 403, 404, 403),
        "other_organisation":           (404, 404, 404, 404, 404, 403, 200, 403),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    # Exports: village cadres and the centres export; a region the caller cannot see is 404,
    # one they see without the export permission 403. An export request is seen by the one
    # who asked and by those who may decide it (county centre, administrator); nobody decides
    # their own, and only the one who asked downloads the file.
    ("POST", "/api/exports"): {
        "export_grid_1":                (403, 404, 201, 201, 403, 403, 404, 403),
        "export_other_grid":            (404, 404, 404, 404, 404, 403, 201, 403),
        "missing_region":               NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/exports"): {
        "nothing":                      OK,
    },
    ("GET", "/api/exports/{export_uuid}"): {
        "approved_export_by_cadre":     (404, 404, 200, 404, 404, 404, 404, 200),
        "pending_export_by_cadre":      (404, 404, 200, 404, 404, 404, 404, 200),
        "pending_export_by_outsider":   (404, 404, 404, 404, 404, 404, 200, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/exports/{export_uuid}/approve"): {
        "pending_export_by_cadre":      (404, 404, 403, 404, 404, 404, 404, 200),
        "pending_export_by_outsider":   (404, 404, 404, 404, 404, 404, 403, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("POST", "/api/exports/{export_uuid}/refuse"): {
        "pending_export_by_cadre":      (404, 404, 403, 404, 404, 404, 404, 200),
        "pending_export_by_outsider":   (404, 404, 404, 404, 404, 404, 403, 200),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/exports/{export_uuid}/file"): {
        "approved_export_by_cadre":     (404, 404, 200, 404, 404, 404, 404, 403),
        "approved_export_by_outsider":  (404, 404, 404, 404, 404, 404, 200, 403),
        "missing":                      NOT_FOUND_FOR_ALL,
    },
}
# fmt: on

# Routes anyone may call without signing in.
PUBLIC_ROUTES = {("POST", "/api/auth/token")}


def _square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


# Far from Xiangxi, so that no boundary of the test world's other grids overlaps them.
GRID_1_SQUARE = _square(80.00, 40.00)
OTHER_GRID_SQUARE = _square(80.10, 40.10)
POINT_IN_GRID_1 = {"lat": 40.005, "lon": 80.005}
POINT_IN_OTHER_GRID = {"lat": 40.105, "lon": 80.105}


def _fresh() -> str:
    """A new client-generated UUID, as the field app sends with every create."""
    return str(uuid.uuid4())


# Request bodies of the routes that take one; `username` is the persona calling. A target
# may add to the body (the grid or household it names) with a "body" entry.
BODIES = {
    ("POST", "/api/auth/token"): lambda username: {"username": username, "password": PASSWORD},
    ("POST", "/api/regions/{code}/grids"): lambda username: {"name": "新网格"},
    ("PUT", "/api/regions/{code}/geometry"): lambda username: {"geometry": _square(110.0, 29.0)},
    ("POST", "/api/households/"): lambda username: {
        "uuid": _fresh(),
        "grid": GRID_1,
        "address": "十八洞村新寨",
    },
    ("PATCH", "/api/households/{household_uuid}"): lambda username: {"notes": "走访时更新"},
    ("POST", "/api/residents/"): lambda username: {"uuid": _fresh(), "name": "龙新生"},
    ("POST", "/api/residents/search"): lambda username: {"text": "long"},
    ("PATCH", "/api/residents/{resident_uuid}"): lambda username: {"notes": "走访时更新"},
    ("POST", "/api/residents/{resident_uuid}/move"): lambda username: {"reason": "分户"},
    ("POST", "/api/residents/{resident_uuid}/tags"): lambda username: {
        "uuid": _fresh(),
        "tag": "dibao",
        "start_date": "2024-01-01",
    },
    ("POST", "/api/residents/{resident_uuid}/tags/{tag_uuid}/end"): lambda username: {
        "end_date": "2025-01-01"
    },
    ("POST", "/api/residents/{resident_uuid}/reveal"): lambda username: {
        "reason": "核实低保申请材料"
    },
    ("POST", "/api/places/"): lambda username: {
        "uuid": _fresh(),
        "grid": GRID_1,
        "kind": "well",
        "name": "新水井",
    },
    ("PATCH", "/api/places/{place_uuid}"): lambda username: {"notes": "已检修"},
    ("POST", "/api/organisations/"): lambda username: {
        "uuid": _fresh(),
        "grid": GRID_1,
        "kind": "cooperative",
        "name": "新合作社",
    },
    ("PATCH", "/api/organisations/{organisation_uuid}"): lambda username: {"size": 30},
    ("POST", "/api/exports"): lambda username: {"within": GRID_1, "reason": "季度走访名单"},
    ("POST", "/api/exports/{export_uuid}/approve"): lambda username: {"note": "同意"},
    ("POST", "/api/exports/{export_uuid}/refuse"): lambda username: {"note": "范围过大"},
}


@dataclass
class World:
    """The personas' world plus the objects the rows point at."""

    county_police: Department
    township_office: Department
    other_township_office: Department
    other_county_police: Department
    worker_in_grid_1: User
    worker_in_other_county: User
    stranger_token: ApiToken
    register: Register
    exports: dict[str, ExportRequest]


def _own_token(world: World, username: str) -> dict:
    token, _raw = actions.issue_token(actor=persona(username), name="scope matrix")
    return {"token_id": token.pk}


def _household(key: str):
    return lambda world, username: {"household_uuid": world.register.households[key].uuid}


def _resident(key: str):
    return lambda world, username: {"resident_uuid": world.register.residents[key].uuid}


def _move(resident: str, household: str | None):
    def target(world: World, username: str) -> dict:
        households = world.register.households
        return {
            "resident_uuid": world.register.residents[resident].uuid,
            "body": {"household": str(households[household].uuid) if household else MISSING_UUID},
        }

    return target


def _tag(resident: str, tag_of: str):
    return lambda world, username: {
        "resident_uuid": world.register.residents[resident].uuid,
        "tag_uuid": world.register.tags[tag_of].uuid,
    }


def _in_grid(code: str):
    return lambda world, username: {"body": {"grid": code}}


def _in_household(key: str | None):
    def target(world: World, username: str) -> dict:
        households = world.register.households
        return {"body": {"household": str(households[key].uuid) if key else MISSING_UUID}}

    return target


def _place(key: str):
    return lambda world, username: {"place_uuid": world.register.places[key].uuid}


def _organisation(key: str):
    return lambda world, username: {"organisation_uuid": world.register.organisations[key].uuid}


def _export(key: str):
    return lambda world, username: {"export_uuid": world.exports[key].uuid}


# Target name → the path and query parameters for `username` calling (and, under "body",
# what it adds to the request body).
TARGETS = {
    "nothing": lambda world, username: {},
    "own_credentials": lambda world, username: {},
    "own_token": _own_token,
    "stranger_token": lambda world, username: {"token_id": world.stranger_token.pk},
    "missing": lambda world, username: {
        "code": MISSING_CODE,
        "token_id": MISSING_ID,
        "department_id": MISSING_ID,
        "user_id": MISSING_ID,
        "household_uuid": MISSING_UUID,
        "resident_uuid": MISSING_UUID,
        "tag_uuid": MISSING_UUID,
        "place_uuid": MISSING_UUID,
        "organisation_uuid": MISSING_UUID,
        "export_uuid": MISSING_UUID,
        # A well-formed body, so that the missing object is what the answer is about.
        "body": {"household": str(world.register.households["household_1b"].uuid)},
    },
    "point_in_grid_1": lambda world, username: POINT_IN_GRID_1,
    "point_in_other_grid": lambda world, username: POINT_IN_OTHER_GRID,
    "grid_1": lambda world, username: {"code": GRID_1},
    "grid_2": lambda world, username: {"code": GRID_2},
    "county": lambda world, username: {"code": COUNTY},
    "other_grid": lambda world, username: {"code": OTHER_GRID},
    "village": lambda world, username: {"code": VILLAGE},
    "other_village": lambda world, username: {"code": OTHER_VILLAGE},
    "missing_village": lambda world, username: {"code": VILLAGE[:-3] + "999"},
    "county_police": lambda world, username: {"department_id": world.county_police.pk},
    "township_office": lambda world, username: {"department_id": world.township_office.pk},
    "other_township_office": lambda world, username: {
        "department_id": world.other_township_office.pk
    },
    "other_county_police": lambda world, username: {"department_id": world.other_county_police.pk},
    "worker_a": lambda world, username: {"user_id": persona("worker_a").pk},
    "handler": lambda world, username: {"user_id": persona("handler").pk},
    "outsider": lambda world, username: {"user_id": persona("outsider").pk},
    "worker_in_grid_1": lambda world, username: {"user_id": world.worker_in_grid_1.pk},
    "worker_in_other_county": lambda world, username: {"user_id": world.worker_in_other_county.pk},
    "in_grid_1": _in_grid(GRID_1),
    "in_grid_2": _in_grid(GRID_2),
    "in_other_grid": _in_grid(OTHER_GRID),
    "missing_grid": _in_grid(MISSING_CODE),
    "household_1": _household("household_1"),
    "household_2": _household("household_2"),
    "other_household": _household("other_household"),
    "household_1_to_grid_2": lambda world, username: {
        "household_uuid": world.register.households["household_1"].uuid,
        "body": {"grid": GRID_2},
    },
    "in_household_1": _in_household("household_1"),
    "in_household_2": _in_household("household_2"),
    "in_other_household": _in_household("other_household"),
    "missing_household": _in_household(None),
    "resident_1": _resident("adult_1"),
    "child_1": _resident("child_1"),
    "floating_1": _resident("floating_1"),
    "resident_2": _resident("adult_2"),
    "other_resident": _resident("other_adult"),
    "resident_1_to_household_1b": _move("adult_1", "household_1b"),
    "resident_1_to_household_2": _move("adult_1", "household_2"),
    "other_resident_to_household_1b": _move("other_adult", "household_1b"),
    "other_resident_to_other_household_b": _move("other_adult", "other_household_b"),
    "resident_1_to_missing_household": _move("adult_1", None),
    "tag_1": _tag("adult_1", "adult_1"),
    "other_tag": _tag("other_adult", "other_adult"),
    "tag_of_another_resident": _tag("adult_1", "elder_1"),
    "place_1": _place("place_1"),
    "place_2": _place("place_2"),
    "other_place": _place("other_place"),
    "organisation_1": _organisation("organisation_1"),
    "organisation_2": _organisation("organisation_2"),
    "other_organisation": _organisation("other_organisation"),
    "export_grid_1": lambda world, username: {"body": {"within": GRID_1}},
    "export_other_grid": lambda world, username: {"body": {"within": OTHER_GRID}},
    "missing_region": lambda world, username: {"body": {"within": MISSING_CODE}},
    "approved_export_by_cadre": _export("approved_export_by_cadre"),
    "pending_export_by_cadre": _export("pending_export_by_cadre"),
    "approved_export_by_outsider": _export("approved_export_by_outsider"),
    "pending_export_by_outsider": _export("pending_export_by_outsider"),
}

_PLACEHOLDER = re.compile(r"{(\w+)}")


def _url(path: str, params: dict) -> str:
    """Fill the path's placeholders from `params`; the remaining ones form the query."""
    names = set(_PLACEHOLDER.findall(path))
    url = path.format(**{name: params[name] for name in names})
    query = {key: value for key, value in params.items() if key not in names}
    return f"{url}?{urlencode(query)}" if query and not names else url


def _signed_in(username: str) -> Client:
    client = Client()
    client.force_login(persona(username))
    return client


def _request(world: World, route: tuple[str, str], target: str, username: str):
    """The URL and body of `username` calling `route` on `target`."""
    _method, path = route
    params = dict(TARGETS[target](world, username))
    extra_body = params.pop("body", {})
    body_of = BODIES.get(route)
    body = {**body_of(username), **extra_body} if body_of else None
    return _url(path, params), body


@pytest.fixture
def world(db, make_user, register):
    county_police = Department.objects.get(region__code=COUNTY, kind="public_security")
    township_office = Department.objects.create(
        name="双龙镇民政办", kind="civil_affairs", region=Region.objects.get(code=TOWNSHIP)
    )
    other_township_office = Department.objects.create(
        name="花垣镇民政办", kind="civil_affairs", region=Region.objects.get(code=OTHER_TOWNSHIP)
    )
    other_county_police = Department.objects.create(
        name="吉首市公安局", kind="public_security", region=Region.objects.get(code=OTHER_COUNTY)
    )
    stranger = make_user("stranger", "grid_worker", GRID_2)

    def export(username: str, within: str, *, clear: bool) -> ExportRequest:
        # A masked export of a few rows is approved at once; a clear one waits for approval.
        return exports.request_export(
            actor=persona(username),
            kind="residents",
            region_code=within,
            clear=clear,
            reason="走访名单",
        )

    stranger_token, _raw = actions.issue_token(actor=stranger, name="stranger's phone")
    return World(
        county_police=county_police,
        township_office=township_office,
        other_township_office=other_township_office,
        other_county_police=other_county_police,
        worker_in_grid_1=make_user("grid_one_worker", "grid_worker", GRID_1),
        worker_in_other_county=make_user("jishou_worker", "grid_worker", OTHER_GRID),
        stranger_token=stranger_token,
        register=register,
        exports={
            "approved_export_by_cadre": export("cadre", GRID_1, clear=False),
            "pending_export_by_cadre": export("cadre", GRID_1, clear=True),
            "approved_export_by_outsider": export("outsider", OTHER_GRID, clear=False),
            "pending_export_by_outsider": export("outsider", OTHER_GRID, clear=True),
        },
    )


@pytest.fixture
def drawn_grids(db, django_capture_on_commit_callbacks):
    """Boundaries of known places for grid 1 and the 吉首市 grid, for the point locator."""
    with django_capture_on_commit_callbacks(execute=True):
        region_actions.set_geometry(
            actor=None, region=Region.objects.get(code=GRID_1), geojson=GRID_1_SQUARE
        )
        region_actions.set_geometry(
            actor=None, region=Region.objects.get(code=OTHER_GRID), geojson=OTHER_GRID_SQUARE
        )
    yield
    # The test's transaction is rolled back: tell the point locator these polygons are gone.
    geometry.geometry_changed()


def api_routes() -> set[tuple[str, str]]:
    """Every (method, path) the API answers, read from the mounted routers."""
    routes = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    routes.add((method, re.sub("/+", "/", f"/api{prefix}{path}")))
    return routes


def api_url_paths() -> set[str]:
    """Every path the API's URL patterns resolve, from Django's side (docs excluded)."""
    paths = set()
    for pattern in api.urls[0]:
        if pattern.name in ("openapi-json", "openapi-view", "api-root"):
            continue
        paths.add("/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern)))
    return paths


def _rows_elsewhere() -> set[tuple[str, str]]:
    """The routes whose rows live in an app's own scope test, `tests/<app>/test_scope_<app>.py`,
    as the keys of its module-level `ROUTES` (same format, its own objects and fixtures)."""
    found = set()
    for module in Path(__file__).parents[1].glob("*/test_scope_*.py"):
        if module.samefile(__file__):
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in tree.body:
            target = node.target if isinstance(node, ast.AnnAssign) else None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            if isinstance(target, ast.Name) and target.id == "ROUTES":
                found |= {ast.literal_eval(key) for key in node.value.keys}
    return found


def test_every_api_route_has_a_row():
    routes = api_routes()
    rows = set(ROUTES) | _rows_elsewhere()
    assert {path for _method, path in routes} == api_url_paths()
    assert routes - rows == set(), "add these routes to ROUTES in a scope test"
    assert rows - routes == set(), "these rows name routes that no longer exist"
    assert not set(ROUTES) & _rows_elsewhere(), "a route has rows in two scope tests"


def test_every_row_names_each_persona_and_a_missing_object():
    assert set(PERSONA_ORDER) == set(PERSONAS)
    for (method, path), row in ROUTES.items():
        for target, statuses in row.items():
            assert target in TARGETS, target
            assert len(statuses) == len(PERSONA_ORDER), (method, path, target)
        if _PLACEHOLDER.search(path):
            assert any(target.startswith("missing") for target in row), (method, path)


CASES = [(route, target) for route, row in ROUTES.items() for target in row]


@pytest.mark.parametrize(("route", "target"), CASES, ids=[f"{m} {p} {t}" for (m, p), t in CASES])
def test_each_persona_gets_the_status_in_the_table(route, target, world, send, request):
    method, _path = route
    if target.startswith("point_"):
        request.getfixturevalue("drawn_grids")
    expected = dict(zip(PERSONA_ORDER, ROUTES[route][target], strict=True))
    actual = {}
    for username in PERSONA_ORDER:
        client = _signed_in(username)
        # Each persona's call is undone afterwards, so a write by one does not change the
        # next one's answer.
        with transaction.atomic():
            url, body = _request(world, route, target, username)
            response = send(client, method, url, body)
            actual[username] = response.status_code
            if response.status_code == 404:
                # Forbidden and missing must be indistinguishable.
                assert response.json() == NOT_FOUND, (username, url)
            transaction.set_rollback(True)
    assert actual == expected


@pytest.mark.parametrize("route", sorted(ROUTES), ids=[f"{m} {p}" for m, p in sorted(ROUTES)])
def test_anonymous_callers_must_sign_in(route, world, send):
    method, _path = route
    target = next(iter(ROUTES[route]))
    url, body = _request(world, route, target, "admin")
    for token in (None, "ggv_not-a-real-token", "not even the right shape"):
        response = send(Client(), method, url, body, token=token)
        if route in PUBLIC_ROUTES:
            assert response.status_code == 201
        else:
            assert response.status_code == 401, (url, token)
            assert response.json() == SIGN_IN_REQUIRED


# --- Lists: exactly the rows the persona table allows. ---


def _scope_of(username: str) -> str:
    return PERSONAS[username][1]


def _related(code: str, scope: str) -> bool:
    """A region code the scope reaches: within it, or on the path above it."""
    return code.startswith(scope) or scope.startswith(code)


def _every_item(client: Client, url: str) -> list[dict]:
    items: list[dict] = []
    while True:
        response = client.get(url, {"limit": 1000, "offset": len(items)})
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        if len(items) >= body["count"]:
            return items


def _all_region_codes() -> list[str]:
    return list(Region.objects.values_list("code", flat=True))


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_region_list_holds_the_scope_and_the_path_above_it(username, world):
    scope = _scope_of(username)
    expected = {code for code in _all_region_codes() if _related(code, scope)}
    listed = [region["code"] for region in _every_item(_signed_in(username), "/api/regions/")]
    assert len(listed) == len(set(listed))
    assert set(listed) == expected


def test_region_lists_in_plain_words(world):
    """The rule above, spelled out for a few personas so a reader can check it by eye."""
    worker = {r["code"] for r in _every_item(_signed_in("worker_a"), "/api/regions/")}
    assert worker == {"4331", COUNTY, TOWNSHIP, VILLAGE, GRID_1}
    handler = {r["code"] for r in _every_item(_signed_in("handler"), "/api/regions/")}
    assert "4331" in handler and GRID_2 in handler
    assert all(code == "4331" or code.startswith(COUNTY) for code in handler)
    outsider = {r["code"] for r in _every_item(_signed_in("outsider"), "/api/regions/")}
    assert "4331" in outsider and OTHER_GRID in outsider
    assert all(code == "4331" or code.startswith(OTHER_COUNTY) for code in outsider)
    everything = set(_all_region_codes())
    assert {r["code"] for r in _every_item(_signed_in("leader"), "/api/regions/")} == everything
    assert {r["code"] for r in _every_item(_signed_in("admin"), "/api/regions/")} == everything


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_children_are_the_visible_children(username, world):
    scope = _scope_of(username)
    parents = dict(Region.objects.values_list("code", "parent__code"))
    client = _signed_in(username)
    for code in ("4331", COUNTY, TOWNSHIP, VILLAGE, OTHER_COUNTY, OTHER_VILLAGE):
        response = client.get(f"/api/regions/{code}/children")
        if not _related(code, scope):
            assert response.status_code == 404, code
            continue
        expected = {
            child for child, parent in parents.items() if parent == code and _related(child, scope)
        }
        assert response.status_code == 200, code
        assert {child["code"] for child in response.json()} == expected, code


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_department_list_holds_the_scope_and_the_path_above_it(username, world):
    scope = _scope_of(username)
    expected = {
        pk
        for pk, code in Department.objects.values_list("pk", "region_code")
        if _related(code, scope)
    }
    listed = {d["id"] for d in _every_item(_signed_in(username), "/api/departments/")}
    assert listed == expected
    assert len(Department.objects.all()) == 4  # the rows above are a real choice among four


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_user_list_holds_people_with_a_role_in_scope(username, world, make_user):
    # An ended role does not make a person visible where they no longer work.
    retired = make_user("retired_worker", "grid_worker", GRID_1)
    RoleAssignment.objects.filter(user=retired).update(ended_at=timezone.now())
    scope = _scope_of(username)
    expected = set()
    if username in READS_USERS:
        expected = {
            name
            for name, code in RoleAssignment.objects.filter(ended_at__isnull=True).values_list(
                "user__username", "region_code"
            )
            if code.startswith(scope)
        }
    listed = [u["username"] for u in _every_item(_signed_in(username), "/api/users/")]
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    assert "retired_worker" not in listed


def test_township_centre_sees_the_people_of_its_township(world):
    listed = {u["username"] for u in _every_item(_signed_in("township"), "/api/users/")}
    assert listed == {"worker_a", "worker_b", "cadre", "township", "stranger", "grid_one_worker"}


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_audit_list_holds_entries_in_scope(username, world):
    for code in (GRID_1, OTHER_GRID, COUNTY, OTHER_COUNTY, "4331", ""):
        audit.record(actor=None, action="test.marker", region_code=code)
    scope = _scope_of(username)
    expected = set()
    if username in READS_AUDIT:
        expected = {
            pk
            for pk, code in AuditEntry.objects.values_list("pk", "region_code")
            if code and code.startswith(scope)
        }
    listed = {entry["id"] for entry in _every_item(_signed_in(username), "/api/audit/")}
    assert listed == expected
    # An entry without a region is nobody's: not even the administrator's.
    unplaced = AuditEntry.objects.get(action="test.marker", region_code="")
    assert unplaced.pk not in listed


REGISTER_LISTS = {
    "/api/households/": Household,
    "/api/residents/": Resident,
    "/api/places/": Place,
    "/api/organisations/": Organisation,
}


def _every_record(client: Client, method: str, url: str, body: dict | None = None) -> list[str]:
    """The UUIDs of every record a register list (or the search) returns, page by page.
    The lists of residents (and the search) answer {"items", "count"}; the others a plain
    list, with the total in X-Total-Count for households."""
    uuids: list[str] = []
    while True:
        page = {"limit": 500, "offset": len(uuids)}
        if method == "GET":
            response = client.get(url, page)
        else:
            response = client.post(url, {**body, **page}, content_type="application/json")
        assert response.status_code == 200, response.content
        payload = response.json()
        items = payload["items"] if isinstance(payload, dict) else payload
        uuids += [item["uuid"] for item in items]
        if len(items) < 500:
            return uuids


@pytest.mark.parametrize("username", PERSONA_ORDER)
@pytest.mark.parametrize("url", sorted(REGISTER_LISTS))
def test_register_lists_hold_exactly_the_records_in_scope(url, username, world):
    model = REGISTER_LISTS[url]
    scope = _scope_of(username)
    expected = set()
    if username in READS_REGISTER:
        expected = {
            str(key)
            for key, code in model.objects.values_list("uuid", "region_code")
            if code.startswith(scope)
        }
    listed = _every_record(_signed_in(username), "GET", url)
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    # The rows above are a real choice: the register has records in three grids.
    assert {code[:15] for code in model.objects.values_list("region_code", flat=True)} >= {
        GRID_1,
        OTHER_GRID,
    }


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_resident_search_finds_only_people_in_scope(username, world):
    # "long" is the full pinyin of the surnames 龙 and 隆: people in grid 1, grid 2 and 吉首市.
    scope = _scope_of(username)
    everybody = Resident.objects.filter(name_pinyin__startswith="long")
    assert {code for code in everybody.values_list("region_code", flat=True)} == {
        GRID_1,
        GRID_2,
        OTHER_GRID,
    }
    expected = set()
    if username in READS_REGISTER:
        expected = {
            str(key)
            for key, code in everybody.values_list("uuid", "region_code")
            if code.startswith(scope)
        }
    client = _signed_in(username)
    found = _every_record(client, "POST", "/api/residents/search", {"text": "long"})
    assert set(found) == expected
    response = client.post(
        "/api/residents/search", {"text": "long"}, content_type="application/json"
    )
    assert response.json()["count"] == len(expected)


def test_register_lists_in_plain_words(world):
    """The rule above, spelled out for a few personas."""
    names = {
        username: {
            item["name"] for item in _signed_in(username).get("/api/residents/").json()["items"]
        }
        for username in ("worker_a", "worker_b", "handler", "outsider")
    }
    assert names["worker_a"] == {"龙建国", "龙**", "施成富", "麻秀英"}  # the girl of 8 is masked
    assert names["worker_b"] == {"隆德明"}
    assert names["handler"] == set()
    assert names["outsider"] == {"龙光荣"}


@pytest.mark.parametrize("username", PERSONA_ORDER)
def test_export_list_holds_own_requests_and_those_to_decide(username, world):
    scope = _scope_of(username)
    expected = {
        str(key)
        for key, requester, code in ExportRequest.objects.values_list(
            "uuid", "requested_by__username", "region_code"
        )
        if requester == username or (username in APPROVES_EXPORTS and code.startswith(scope))
    }
    response = _signed_in(username).get("/api/exports")
    assert response.status_code == 200
    listed = [export["uuid"] for export in response.json()]
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    assert {e["status"] for e in response.json() if e["uuid"] in expected} <= {
        "approved",
        "pending",
    }


def test_export_lists_in_plain_words(world):
    def listed(username: str) -> set[str]:
        return {
            export_name
            for export_name, export in world.exports.items()
            for item in _signed_in(username).get("/api/exports").json()
            if item["uuid"] == str(export.uuid)
        }

    assert listed("cadre") == {"approved_export_by_cadre", "pending_export_by_cadre"}
    assert listed("outsider") == {"approved_export_by_outsider", "pending_export_by_outsider"}
    assert listed("admin") == set(world.exports)
    for username in ("worker_a", "township", "handler", "leader"):
        assert listed(username) == set(), username


LIST_URLS = ["/api/regions/", "/api/departments/", "/api/users/", "/api/audit/"]


def _warmed_up(username: str) -> Client:
    """A signed-in client whose first request is made: the process now holds the user's
    role assignments, as it does for every later request of a running server."""
    client = _signed_in(username)
    client.get("/api/me")
    return client


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_queries_do_not_grow_with_the_page(url, world, django_assert_max_num_queries):
    client = _warmed_up("admin")
    with django_assert_max_num_queries(10) as one_row:
        small = client.get(url, {"limit": 1})
    with django_assert_max_num_queries(10) as many_rows:
        large = client.get(url, {"limit": 200})
    assert len(small.json()["items"]) == 1
    assert len(large.json()["items"]) > 3
    assert len(one_row) == len(many_rows)


def test_children_queries_do_not_grow_with_the_number_of_children(
    world, django_assert_max_num_queries
):
    client = _warmed_up("admin")
    with django_assert_max_num_queries(10) as few:
        village = client.get(f"/api/regions/{VILLAGE}/children")
    with django_assert_max_num_queries(10) as many:
        county = client.get(f"/api/regions/{COUNTY}/children")
    assert 0 < len(village.json()) < len(county.json())
    assert len(few) == len(many)


# --- Failing closed: no valid role, no rows. ---


def _sees_nothing(client: Client, world: World) -> None:
    for url in LIST_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json() == {"items": [], "count": 0}, url
    details = [
        "/api/regions/4331",
        f"/api/regions/{GRID_1}",
        "/api/regions/4331/children",
        f"/api/regions/{GRID_1}/map",
        f"/api/departments/{world.county_police.pk}",
        f"/api/users/{persona('worker_a').pk}",
    ]
    for url in details:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == NOT_FOUND
    located = client.get("/api/regions/locate", POINT_IN_GRID_1)
    assert located.json() == {"region": None}
    assert client.get("/api/me").json()["permissions"] == []
    for url in REGISTER_LISTS:
        assert _every_record(client, "GET", url) == [], url
    assert client.get("/api/exports").json() == []
    for export in world.exports.values():
        response = client.get(f"/api/exports/{export.uuid}")
        assert response.status_code == 404
    assert _every_record(client, "POST", "/api/residents/search", {"text": "long"}) == []
    register = world.register
    for url in [
        f"/api/households/{register.households['household_1'].uuid}",
        f"/api/residents/{register.residents['adult_1'].uuid}",
        f"/api/places/{register.places['place_1'].uuid}",
        f"/api/organisations/{register.organisations['organisation_1'].uuid}",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == NOT_FOUND


def test_a_user_without_a_role_sees_nothing(world, drawn_grids, make_user):
    client = Client()
    client.force_login(make_user("nobody"))
    _sees_nothing(client, world)


@pytest.mark.parametrize("unknown_role", ["superuser", "Administrator", "administrator "])
def test_a_role_nobody_knows_grants_nothing(unknown_role, world, drawn_grids, make_user):
    ghost = make_user("ghost", "administrator", "4331")
    RoleAssignment.objects.filter(user=ghost).update(role=unknown_role)
    client = Client()
    client.force_login(ghost)
    _sees_nothing(client, world)


def test_an_ended_assignment_grants_nothing(world, drawn_grids, make_user):
    retired = make_user("retired", "administrator", "4331")
    RoleAssignment.objects.filter(user=retired).update(ended_at=timezone.now())
    client = Client()
    client.force_login(retired)
    _sees_nothing(client, world)


def test_a_disabled_user_sees_nothing(world, make_user, send):
    gone = make_user("gone", "administrator", "4331")
    _token, raw = actions.issue_token(actor=gone, name="phone")
    client = Client()
    client.force_login(gone)
    assert client.get("/api/regions/4331").status_code == 200
    User.objects.filter(pk=gone.pk).update(is_active=False)
    for url in [*LIST_URLS, *REGISTER_LISTS, "/api/regions/4331", "/api/me"]:
        assert client.get(url).status_code == 401, url
        assert send(Client(), "GET", url, token=raw).status_code == 401, url
    # And the querysets themselves, for code that holds a stale user object.
    gone.is_active = False
    for queryset in (
        Region.objects,
        Department.objects,
        RoleAssignment.objects,
        AuditEntry.objects,
        *(model.objects for model in REGISTER_LISTS.values()),
    ):
        assert not queryset.visible_to(gone).exists()


def test_anonymous_querysets_are_empty(world):
    for queryset in (
        Region.objects,
        Department.objects,
        RoleAssignment.objects,
        AuditEntry.objects,
        *(model.objects for model in REGISTER_LISTS.values()),
    ):
        assert not queryset.visible_to(AnonymousUser()).exists()
        assert not queryset.visible_to(None).exists()


def test_locate_names_only_a_grid_in_scope(drawn_grids):
    def located(username: str, point: dict):
        return _signed_in(username).get("/api/regions/locate", point).json()["region"]

    assert located("worker_a", POINT_IN_GRID_1)["code"] == GRID_1
    assert located("admin", POINT_IN_GRID_1)["code"] == GRID_1
    assert located("worker_b", POINT_IN_GRID_1) is None
    assert located("outsider", POINT_IN_GRID_1) is None
    assert located("outsider", POINT_IN_OTHER_GRID)["code"] == OTHER_GRID
    assert located("worker_a", POINT_IN_OTHER_GRID) is None
