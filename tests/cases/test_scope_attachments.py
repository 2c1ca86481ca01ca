"""The scope table of the attachment routes: every persona, every target, the status each
gets (read by tests/accounts/test_scope_matrix.py::test_every_api_route_has_a_row).

Targets:
- event_in_grid_1: reported by worker_a in grid 1, held there, with one picture attached;
- dispatched_event: the same story carried on to the 花垣县公安局 handler (in progress);
- missing: a UUID that names nothing.

An attachment is read by everyone who sees its event and added by those who work on it
(report, accept or handle there); leaders and administrators look only (403).
"""

import io
import uuid
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from PIL import Image

from gridgov.cases import attachments
from gridgov.testing.personas import persona
from gridgov.testing.scope import MISSING_UUID, NOT_FOUND, PERSONA_ORDER

SIGN_IN_REQUIRED = {"detail": "请先登录 Authentication required."}
NOT_FOUND_FOR_ALL = (404,) * len(PERSONA_ORDER)

# fmt: off
ROUTES: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {
    # Statuses in PERSONA_ORDER: (w_a, w_b, cadre, township, handler, leader, outsider, admin)
    ("POST", "/api/attachments/"): {
        "event_in_grid_1":   (201, 404, 201, 201, 404, 403, 404, 403),
        "dispatched_event":  (201, 404, 201, 201, 201, 403, 404, 403),
        "missing":           NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/attachments/"): {
        "event_in_grid_1":   (200, 404, 200, 200, 404, 200, 404, 200),
        "dispatched_event":  (200, 404, 200, 200, 200, 200, 404, 200),
        "missing":           NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/attachments/{attachment_uuid}"): {
        "event_in_grid_1":   (200, 404, 200, 200, 404, 200, 404, 200),
        "dispatched_event":  (200, 404, 200, 200, 200, 200, 404, 200),
        "missing":           NOT_FOUND_FOR_ALL,
    },
    ("GET", "/api/attachments/{attachment_uuid}/file"): {
        "event_in_grid_1":   (200, 404, 200, 200, 404, 200, 404, 200),
        "dispatched_event":  (200, 404, 200, 200, 200, 200, 404, 200),
        "missing":           NOT_FOUND_FOR_ALL,
    },
}
# fmt: on


def _picture(shade: int) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, shade, shade)).save(out, "PNG")
    return SimpleUploadedFile("现场.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def world(story, media):
    """The two events, each with one picture; attachment UUIDs and event UUIDs by target."""
    worker = persona("worker_a")
    in_grid = story.reported(level="grid")
    dispatched = story.in_progress()
    found = {"missing": (MISSING_UUID, MISSING_UUID)}
    for name, event, shade in (
        ("event_in_grid_1", in_grid, 10),
        ("dispatched_event", dispatched, 20),
    ):
        attachment, _ = attachments.attach(actor=worker, event=event, upload=_picture(shade))
        found[name] = (str(event.uuid), str(attachment.uuid))
    return found


def _call(client: Client, route: tuple[str, str], event_uuid: str, attachment_uuid: str):
    method, path = route
    if method == "POST":
        return client.post(
            path, {"event": event_uuid, "file": _picture(200), "uuid": str(uuid.uuid4())}
        )
    if path == "/api/attachments/":
        return client.get(f"{path}?{urlencode({'event': event_uuid})}")
    return client.get(path.replace("{attachment_uuid}", attachment_uuid))


CASES = [(route, target) for route, row in ROUTES.items() for target in row]


@pytest.mark.parametrize(("route", "target"), CASES, ids=[f"{m} {p} {t}" for (m, p), t in CASES])
def test_each_persona_gets_the_status_in_the_table(route, target, world):
    event_uuid, attachment_uuid = world[target]
    expected = dict(zip(PERSONA_ORDER, ROUTES[route][target], strict=True))
    actual = {}
    for username in PERSONA_ORDER:
        client = Client()
        client.force_login(persona(username))
        # Each persona's call is undone afterwards, so one upload does not change the next.
        with transaction.atomic():
            response = _call(client, route, event_uuid, attachment_uuid)
            actual[username] = response.status_code
            if response.status_code == 404:
                assert response.json() == NOT_FOUND, username  # missing = forbidden
            transaction.set_rollback(True)
    assert actual == expected


@pytest.mark.parametrize("route", list(ROUTES), ids=[f"{m} {p}" for m, p in ROUTES])
def test_anonymous_callers_must_sign_in(route, world):
    event_uuid, attachment_uuid = world["event_in_grid_1"]

    response = _call(Client(), route, event_uuid, attachment_uuid)

    assert response.status_code == 401
    assert response.json() == SIGN_IN_REQUIRED
