"""Role assignments held by each process: read once per user until they change, and a
change (or its rollback) is seen at once by the next request."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.accounts import actions
from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.accounts.scope import has_permission
from gridgov.regions.models import Region
from gridgov.testing import personas


def _assignment_queries(queries) -> int:
    return sum("accounts_roleassignment" in query["sql"] for query in queries.captured_queries)


def _fresh(username: str):
    """The user as the next request reads them (session or token: the row afresh)."""
    return personas.persona(username)


def test_assignments_are_read_once_while_they_do_not_change(db):
    assert has_permission(_fresh("worker_a"), "cases.report", personas.GRID_1)
    with CaptureQueriesContext(connection) as queries:
        assert has_permission(_fresh("worker_a"), "cases.report", personas.GRID_1)
        assert not has_permission(_fresh("worker_a"), "cases.report", personas.GRID_2)
    assert _assignment_queries(queries) == 0


def test_a_new_role_counts_from_the_next_request(db):
    assert not has_permission(_fresh("worker_a"), "cases.report", personas.GRID_2)
    actions.assign_role(
        actor=None,
        user=_fresh("worker_a"),
        role=Role.GRID_WORKER,
        region=Region.objects.get(code=personas.GRID_2),
    )
    assert has_permission(_fresh("worker_a"), "cases.report", personas.GRID_2)


def test_an_ended_role_stops_at_the_next_request(db):
    # Roles are ended in the admin by setting ended_at (their history is kept).
    assert has_permission(_fresh("worker_a"), "cases.report", personas.GRID_1)
    assignment = RoleAssignment.objects.get(user=_fresh("worker_a"))
    assignment.ended_at = timezone.now()
    assignment.save()
    assert not has_permission(_fresh("worker_a"), "cases.report", personas.GRID_1)


def test_a_role_change_that_rolled_back_grants_nothing(db):
    grid_2 = Region.objects.get(code=personas.GRID_2)
    with pytest.raises(RuntimeError), transaction.atomic():
        worker = _fresh("worker_a")
        actions.assign_role(actor=None, user=worker, role=Role.GRID_WORKER, region=grid_2)
        # Read inside the transaction, by the very object that was changed…
        assert has_permission(worker, "cases.report", personas.GRID_2)
        raise RuntimeError("the request failed after the change")
    # …and nothing of it is believed afterwards.
    assert not has_permission(_fresh("worker_a"), "cases.report", personas.GRID_2)
