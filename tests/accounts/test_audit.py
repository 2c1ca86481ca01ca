"""The audit log: the database itself refuses to rewrite it; each entry says who did what to
which record, where, from which address and in which request; sensitive values are masked."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from gridgov.accounts import audit
from gridgov.accounts.models import AuditEntry
from gridgov.regions.models import Region
from gridgov.testing.personas import GRID_1, persona

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[109.6, 28.2], [109.61, 28.2], [109.61, 28.21], [109.6, 28.21], [109.6, 28.2]]
    ],
}


def _save_changed(entry):
    entry.action = "rewritten"
    entry.save()


def _raw(sql: str):
    def run(entry):
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("{id}", "%s"), [entry.pk] if "{id}" in sql else [])

    return run


def _truncate(entry):
    with connection.cursor() as cursor:
        # Foreign-key checks of this test's transaction are deferred; PostgreSQL refuses a
        # TRUNCATE while they are pending, for a reason that has nothing to do with us.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE accounts_auditentry")


ATTEMPTS = {
    "instance.save()": _save_changed,
    "instance.delete()": lambda entry: entry.delete(),
    "queryset.update()": lambda entry: AuditEntry.objects.filter(pk=entry.pk).update(
        action="rewritten"
    ),
    "queryset.delete()": lambda entry: AuditEntry.objects.filter(pk=entry.pk).delete(),
    "bulk_update()": lambda entry: AuditEntry.objects.bulk_update(
        [AuditEntry(pk=entry.pk, action="rewritten")], ["action"]
    ),
    "raw UPDATE": _raw("UPDATE accounts_auditentry SET action = 'rewritten' WHERE id = {id}"),
    "raw UPDATE of every row": _raw("UPDATE accounts_auditentry SET reason = ''"),
    "raw DELETE": _raw("DELETE FROM accounts_auditentry WHERE id = {id}"),
    "raw DELETE of every row": _raw("DELETE FROM accounts_auditentry"),
}
if connection.vendor == "postgresql":
    ATTEMPTS["raw TRUNCATE"] = _truncate


@pytest.fixture
def entry(db):
    return audit.record(
        actor=persona("admin"),
        action="test.original",
        region_code=GRID_1,
        after={"name": "十八洞村第一网格"},
        reason="原因 the original reason",
    )


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=list(ATTEMPTS))
def test_the_database_refuses_to_rewrite_history(attempt, entry):
    original = AuditEntry.objects.filter(pk=entry.pk).values().get()
    count = AuditEntry.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ATTEMPTS[attempt](entry)
    assert AuditEntry.objects.filter(pk=entry.pk).values().get() == original
    assert AuditEntry.objects.count() == count


def test_new_entries_can_still_be_written_after_a_refusal(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    later = audit.record(actor=None, action="test.later", region_code=GRID_1)
    assert AuditEntry.objects.filter(pk__in=[entry.pk, later.pk]).count() == 2


def _admin() -> Client:
    client = Client()
    client.force_login(persona("admin"))
    return client


def _put_geometry(client: Client, **headers):
    return client.put(
        f"/api/regions/{GRID_1}/geometry",
        {"geometry": SQUARE},
        content_type="application/json",
        headers=headers,
    )


def test_an_api_write_is_traced_to_its_request(db):
    response = _put_geometry(_admin())
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert len(request_id) >= 16
    entry = AuditEntry.objects.get(action="regions.set_geometry")
    grid = Region.objects.get(code=GRID_1)
    assert entry.request_id == request_id
    assert entry.actor == persona("admin")
    assert entry.actor_label == "admin"
    assert (entry.object_type, entry.object_id) == ("regions.region", str(grid.pk))
    assert GRID_1 in entry.object_repr
    assert entry.region_code == GRID_1
    assert entry.ip_address == "127.0.0.1"
    assert entry.after == {"has_geometry": True}
    # The administrator finds it again by object.
    listed = _admin().get(
        "/api/audit/",
        {"action": "regions.set_geometry", "object_type": "regions.region", "object_id": grid.pk},
    )
    assert [item["request_id"] for item in listed.json()["items"]] == [request_id]


def test_every_request_has_its_own_id(db):
    client = _admin()
    ids = {client.get("/api/me")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_a_sane_request_id_from_the_proxy_is_kept(db):
    response = _put_geometry(_admin(), **{"X-Request-ID": "nginx-5f2b9c01"})
    assert response["X-Request-ID"] == "nginx-5f2b9c01"
    assert AuditEntry.objects.get(action="regions.set_geometry").request_id == "nginx-5f2b9c01"


@pytest.mark.parametrize(
    "sent", ["short", "has spaces in it", "x" * 65, "<script>alert(1)</script>"]
)
def test_an_odd_request_id_is_replaced(sent, db):
    response = _put_geometry(_admin(), **{"X-Request-ID": sent})
    assert response["X-Request-ID"] != sent
    entry = AuditEntry.objects.get(action="regions.set_geometry")
    assert entry.request_id == response["X-Request-ID"]


def test_behind_the_proxy_the_address_it_saw_is_recorded(db, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The first address was written by the client and proves nothing; our proxy appended
    # the last one.
    _put_geometry(_admin(), **{"X-Forwarded-For": "203.0.113.9, 198.51.100.7"})
    assert AuditEntry.objects.get(action="regions.set_geometry").ip_address == "198.51.100.7"


def test_a_forwarded_address_that_is_not_an_address_is_not_recorded(db, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = _put_geometry(_admin(), **{"X-Forwarded-For": "unknown"})
    assert response.status_code == 200
    assert AuditEntry.objects.get(action="regions.set_geometry").ip_address is None


def test_without_the_proxy_setting_forwarded_headers_are_ignored(db):
    _put_geometry(_admin(), **{"X-Forwarded-For": "203.0.113.9"})
    assert AuditEntry.objects.get(action="regions.set_geometry").ip_address == "127.0.0.1"


def test_sensitive_values_are_masked_before_they_are_stored(db):
    entry = audit.record(
        actor=persona("admin"),
        action="test.masking",
        region_code=GRID_1,
        before={"national_id": "433101199001011234", "phone": "13812341234", "name": "张三"},
        after={
            "members": [
                {"national_id": "433124200501017777", "relation": "子"},
                {"national_id": "43312419800101888X", "mobile": "13987654321"},
            ],
            "contact": {"phone": "13700001111"},
            "phone": ["13611112222", "13633334444"],
        },
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.before == {
        "national_id": "433101********1234",
        "phone": "138****1234",
        "name": "张三",
    }
    assert stored.after == {
        "members": [
            {"national_id": "433124********7777", "relation": "子"},
            {"national_id": "433124********888X", "mobile": "139****4321"},
        ],
        "contact": {"phone": "137****1111"},
        "phone": ["136****2222", "136****4444"],
    }
    row = str(AuditEntry.objects.filter(pk=entry.pk).values().get())
    for clear in ("199001011234", "13812341234", "200501017777", "13987654321", "13700001111"):
        assert clear not in row
    listed = _admin().get("/api/audit/", {"action": "test.masking"}).json()["items"]
    assert listed[0]["before"]["national_id"] == "433101********1234"
