"""Django's admin, as a superuser uses it: people, roles, departments, tokens and the audit
log are there; the log and the tokens cannot be edited; changes made there are audited."""

import pytest
from django.test import Client

from gridgov.accounts import actions, audit
from gridgov.accounts.models import ApiToken, AuditEntry, RoleAssignment, User
from gridgov.regions.models import Region
from gridgov.testing.personas import GRID_1, GRID_2, persona


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@grid.example.cn", "root-test-password")


@pytest.fixture
def admin_site(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/admin/accounts/user/", "worker_a"),
        ("/admin/accounts/department/", "花垣县公安局"),
        ("/admin/accounts/roleassignment/", "433124110226001"),
        ("/admin/accounts/apitoken/", "phone"),
        ("/admin/accounts/auditentry/", "accounts.assign_role"),
        ("/admin/regions/region/?q=十八洞", "433124110226"),
    ],
)
def test_the_lists_show_what_is_there(url, expected, admin_site):
    actions.issue_token(actor=persona("worker_a"), name="phone")
    response = admin_site.get(url)
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_a_person_with_the_administrator_role_but_no_superuser_flag_is_kept_out(db):
    client = Client()
    client.force_login(persona("admin"))
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_audit_log_can_be_read_but_not_written(admin_site):
    entry = audit.record(actor=None, action="test.entry", region_code=GRID_1, reason="原因")
    page = admin_site.get(f"/admin/accounts/auditentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert "test.entry" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert admin_site.get("/admin/accounts/auditentry/add/").status_code == 403
    assert admin_site.get(f"/admin/accounts/auditentry/{entry.pk}/delete/").status_code == 403
    response = admin_site.post(
        f"/admin/accounts/auditentry/{entry.pk}/change/", {"action": "rewritten", "reason": ""}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.action, entry.reason) == ("test.entry", "原因")


def test_a_token_is_shown_without_its_digest_and_can_be_revoked(admin_site):
    token, raw = actions.issue_token(actor=persona("worker_a"), name="phone")
    page = admin_site.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.prefix in page
    assert token.digest not in page and raw not in page
    assert 'name="_save"' not in page
    assert admin_site.get("/admin/accounts/apitoken/add/").status_code == 403
    response = admin_site.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(
        action="accounts.revoke_token", object_id=str(token.pk), actor_label="root"
    ).exists()


def test_a_role_given_in_the_admin_is_checked_and_audited(admin_site):
    newcomer = User.objects.create_user("newcomer", password="newcomer-password-1")
    grid_2 = Region.objects.get(code=GRID_2)
    refused = admin_site.post(
        "/admin/accounts/roleassignment/add/",
        {"user": newcomer.pk, "role": "grid_worker", "region": grid_2.parent_id},
    )
    assert refused.status_code == 200  # the form again: a grid worker works in a grid
    assert "不能分配在这一层级" in refused.content.decode()
    response = admin_site.post(
        "/admin/accounts/roleassignment/add/",
        {"user": newcomer.pk, "role": "grid_worker", "region": grid_2.pk},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=newcomer)
    assert assignment.region_code == GRID_2
    entry = AuditEntry.objects.get(action="admin.add", object_id=str(assignment.pk))
    assert entry.actor_label == "root"
    assert entry.region_code == GRID_2
    assert entry.after["role"] == "grid_worker"


def test_roles_departments_and_people_cannot_be_deleted_here(admin_site):
    assignment = RoleAssignment.objects.get(user=persona("worker_a"))
    department = RoleAssignment.objects.get(user=persona("handler")).department
    assert admin_site.get(f"/admin/accounts/department/{department.pk}/delete/").status_code == 403
    # Regions change through the loader and the grid actions, not here.
    assert admin_site.get("/admin/regions/region/add/").status_code == 403
    assert (
        admin_site.get(f"/admin/accounts/roleassignment/{assignment.pk}/delete/").status_code == 403
    )
    assert (
        admin_site.get(f"/admin/accounts/user/{persona('worker_a').pk}/delete/").status_code == 403
    )


def test_disabling_someone_in_the_admin_revokes_their_tokens(admin_site):
    worker = persona("worker_b")
    _token, raw = actions.issue_token(actor=worker, name="phone")
    assignment = RoleAssignment.objects.get(user=worker)
    form = {
        "username": worker.username,
        "full_name": worker.full_name,
        "email": "",
        # is_active left out: the box is unticked
        "failed_login_count": 0,
        "locked_until_0": "",
        "locked_until_1": "",
        "role_assignments-TOTAL_FORMS": 1,
        "role_assignments-INITIAL_FORMS": 1,
        "role_assignments-MIN_NUM_FORMS": 0,
        "role_assignments-MAX_NUM_FORMS": 1000,
        "role_assignments-0-id": assignment.pk,
        "role_assignments-0-user": worker.pk,
        "role_assignments-0-role": assignment.role,
        "role_assignments-0-region": assignment.region_id,
        "role_assignments-0-department": "",
        "role_assignments-0-ended_at_0": "",
        "role_assignments-0-ended_at_1": "",
    }
    response = admin_site.post(f"/admin/accounts/user/{worker.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    worker.refresh_from_db()
    assert not worker.is_active
    assert ApiToken.objects.get(user=worker).revoked_at is not None
    entry = AuditEntry.objects.get(action="admin.change", object_id=str(worker.pk))
    assert entry.after == {"is_active": False}
    assert entry.region_code == GRID_2
    # Ticking the box again does not bring the token back.
    User.objects.filter(pk=worker.pk).update(is_active=True)
    bearer = Client().get("/api/me", headers={"Authorization": f"Bearer {raw}"})
    assert bearer.status_code == 401
