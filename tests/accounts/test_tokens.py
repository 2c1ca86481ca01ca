"""API tokens for the field app: issued once, stored as a digest, expiring, revocable, and
dead the moment their user is disabled (as are the user's browser sessions)."""

import datetime as dt
import hashlib

import pytest
from django.conf import settings
from django.test import Client

from gridgov.accounts import actions
from gridgov.accounts.models import ApiToken, AuditEntry, User
from gridgov.regions.models import Region
from gridgov.testing.personas import GRID_1, GRID_2, OTHER_GRID, PASSWORD, VILLAGE, persona

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(db, time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def issue(username: str = "worker_a", password: str = PASSWORD):
    response = Client().post(
        "/api/auth/token",
        {"username": username, "password": password, "name": "华为 phone"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def me(raw: str):
    return Client().get("/api/me", headers={"Authorization": f"Bearer {raw}"})


def test_the_raw_token_is_shown_once_and_only_its_digest_is_kept(db):
    issued = issue()
    raw = issued["token"]
    assert raw.startswith("ggv_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=issued["id"])
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.prefix == raw[:10] == issued["prefix"]
    assert stored.name == "华为 phone"
    assert stored.user == persona("worker_a")
    row = ApiToken.objects.filter(pk=stored.pk).values().get()
    assert not any(raw in str(value) for value in row.values())
    # Listing my tokens never shows the token again.
    listed = Client().get("/api/auth/tokens", headers={"Authorization": f"Bearer {raw}"}).json()
    assert [token["id"] for token in listed] == [issued["id"]]
    assert "token" not in listed[0] and raw not in str(listed)
    # Nor does the audit log.
    entry = AuditEntry.objects.get(action="accounts.issue_token", object_id=str(stored.pk))
    assert raw not in str(entry.after) and raw[10:] not in entry.object_repr
    assert entry.region_code == GRID_1


def test_a_bearer_token_signs_the_field_app_in(db):
    raw = issue()["token"]
    response = me(raw)
    assert response.status_code == 200
    assert response.json()["username"] == "worker_a"
    assert ApiToken.objects.get(digest=ApiToken.digest_of(raw)).last_used_at is not None


def test_a_token_works_without_a_csrf_token(db):
    """The field app has no cookies: its writes go through on the token alone."""
    raw = issue("admin")["token"]
    victim = persona("worker_b")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/users/{victim.pk}/deactivate", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200


def test_a_session_write_needs_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("admin"))
    victim = persona("worker_b")
    response = client.post(f"/api/users/{victim.pk}/deactivate")
    assert response.status_code == 403
    victim.refresh_from_db()
    assert victim.is_active


def test_a_token_expires(clock):
    raw = issue()["token"]
    clock.shift(dt.timedelta(days=settings.API_TOKEN_DAYS) - dt.timedelta(minutes=1))
    assert me(raw).status_code == 200
    clock.shift(dt.timedelta(minutes=2))
    response = me(raw)
    assert response.status_code == 401
    assert response.json() == {"detail": "请先登录 Authentication required."}


def test_a_revoked_token_stops_working(db):
    first = issue()
    second = issue()
    response = Client().delete(
        f"/api/auth/tokens/{first['id']}", headers={"Authorization": f"Bearer {second['token']}"}
    )
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert me(first["token"]).status_code == 401
    assert me(second["token"]).status_code == 200  # revoking one leaves the others alone
    assert AuditEntry.objects.filter(
        action="accounts.revoke_token", object_id=str(first["id"]), actor=persona("worker_a")
    ).exists()


def test_nobody_can_revoke_someone_elses_token(db):
    mine = issue("worker_a")
    for other in ("worker_b", "admin"):
        client = Client()
        client.force_login(persona(other))
        response = client.delete(f"/api/auth/tokens/{mine['id']}")
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到 Not found."}
    assert me(mine["token"]).status_code == 200


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_disabling_a_user_ends_their_tokens_and_sessions(db, make_user):
    victim = make_user("leaving", "grid_worker", GRID_1)
    raw = issue("leaving", "another-test-password")["token"]
    browser = _signed_in(victim)
    assert me(raw).status_code == 200
    assert browser.get("/api/me").status_code == 200

    response = _signed_in(persona("admin")).post(f"/api/users/{victim.pk}/deactivate")
    assert response.status_code == 200
    assert response.json()["is_active"] is False

    assert me(raw).status_code == 401
    assert browser.get("/api/me").status_code == 401
    page = browser.get("/")
    assert page.status_code == 302
    assert page["Location"].startswith("/login/")
    assert ApiToken.objects.get(digest=ApiToken.digest_of(raw)).revoked_at is not None
    entry = AuditEntry.objects.get(action="accounts.deactivate_user", object_id=str(victim.pk))
    assert entry.actor == persona("admin")
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})
    assert entry.region_code == GRID_1


def test_the_deactivate_action_does_the_same(db, make_user):
    victim = make_user("leaving", "grid_worker", GRID_1)
    raw = issue("leaving", "another-test-password")["token"]
    browser = _signed_in(victim)
    actions.deactivate_user(actor=persona("admin"), user=victim)
    assert me(raw).status_code == 401
    assert browser.get("/api/me").status_code == 401
    assert browser.get("/").status_code == 302
    # Doing it twice changes nothing and does not write a second entry.
    actions.deactivate_user(actor=persona("admin"), user=User.objects.get(pk=victim.pk))
    assert AuditEntry.objects.filter(action="accounts.deactivate_user").count() == 1


def test_only_those_who_manage_people_there_may_disable_them(db, make_user):
    victim = make_user("staying", "grid_worker", GRID_1)
    raw = issue("staying", "another-test-password")["token"]
    # 吉首市's county centre cannot even see people of 花垣县.
    outsider = _signed_in(persona("outsider")).post(f"/api/users/{victim.pk}/deactivate")
    assert outsider.status_code == 404
    assert outsider.json() == {"detail": "未找到 Not found."}
    # A leader sees them but is read-only.
    leader = _signed_in(persona("leader")).post(f"/api/users/{victim.pk}/deactivate")
    assert leader.status_code == 403
    victim.refresh_from_db()
    assert victim.is_active
    assert me(raw).status_code == 200
    assert not AuditEntry.objects.filter(action="accounts.deactivate_user").exists()


@pytest.mark.parametrize(
    ("grids", "filed_under"),
    [
        ([GRID_1], GRID_1),
        ([GRID_1, GRID_2], VILLAGE),
        ([GRID_1, OTHER_GRID], "4331"),
    ],
)
def test_the_entry_is_filed_where_the_person_works(grids, filed_under, make_user):
    """So that those who manage the person read it in /api/audit/."""
    victim = make_user("leaving", "grid_worker", grids[0])
    for code in grids[1:]:
        actions.assign_role(
            actor=None, user=victim, role="grid_worker", region=Region.objects.get(code=code)
        )
    actions.deactivate_user(actor=persona("admin"), user=victim)
    entry = AuditEntry.objects.get(action="accounts.deactivate_user")
    assert entry.region_code == filed_under
    admin_sees = _signed_in(persona("admin")).get("/api/audit/", {"action": entry.action})
    assert [item["id"] for item in admin_sees.json()["items"]] == [entry.pk]


@pytest.mark.postgres
def test_on_postgresql_the_token_statement_is_prepared_once_repeated(db):
    # Every API call reads its token: after five calls the server has it prepared and stops
    # parsing and planning it (GRIDGOV_DATABASE_PREPARED, on by default).
    from django.db import connection

    def prepared_token_statements() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%accounts_apitoken%"],
            )
            return cursor.fetchone()[0]

    raw = issue()["token"]
    assert prepared_token_statements() == 0
    for _ in range(6):
        assert me(raw).status_code == 200
    assert prepared_token_statements() == 1
