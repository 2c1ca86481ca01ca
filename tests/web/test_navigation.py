"""The navigation offers each person what their role allows, and nothing else."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "offered"), [("township", True), ("worker_a", False), ("leader", False)]
)
def test_bulk_import_is_offered_only_to_those_who_may_import(client_of, persona, offered):
    page = client_of(persona).get("/").content.decode()
    assert ('href="/registry/import/"' in page) is offered
