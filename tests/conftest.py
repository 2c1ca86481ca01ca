"""Shared fixtures: the Xiangxi world and one signed-in client per persona."""

import pytest
from django.test import Client

from gridgov import process_cache
from gridgov.accounts import scope
from gridgov.demo import generate as demo
from gridgov.testing import personas
from gridgov.testing import register as test_register

pytest_plugins = ["gridgov.testing.case_fixtures"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real division tree and the personas once per test session, then the demo's
    grids and synthetic boundaries for the whole prefecture (about 9,400 grids more; the
    personas' grids are kept as they are and get a boundary too)."""
    with django_db_blocker.unblock():
        personas.load_world()
        demo.add_grids_and_boundaries(seed=demo.DEFAULT_SEED)


@pytest.fixture(autouse=True)
def _configuration_from_this_test():
    """Categories, rules and role assignments held in memory are read again from each
    test's own database state (a test's rows are rolled back; signals do not see that)."""
    process_cache.forget_all()
    scope.forget_all_assignments()


@pytest.fixture
def user_of(db):
    return personas.persona


@pytest.fixture
def client_of(db):
    """`client_of("worker_a")`: a test client signed in as that persona."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(personas.persona(username))
        return client

    return make


@pytest.fixture(scope="module")
def register(django_db_setup, django_db_blocker):
    """The test register of `gridgov.testing.register`: households, residents, tags, places
    and organisations in grid 1, grid 2 and a 吉首市 grid, built once per test module."""
    with django_db_blocker.unblock():
        built = test_register.build()
    yield built
    with django_db_blocker.unblock():
        test_register.remove(built)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need a real server (row locks across connections): on SQLite
    they are deselected, not skipped, and `make test-postgres` runs them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    needs_postgres = [item for item in items if item.get_closest_marker("postgres")]
    if needs_postgres:
        config.hook.pytest_deselected(items=needs_postgres)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
