"""Shared fixtures: the Xiangxi world and one signed-in client per persona."""

import pytest
from django.test import Client

from gridgov.demo import generate as demo
from gridgov.testing import personas


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real division tree and the personas once per test session, then the demo's
    grids and synthetic boundaries for the whole prefecture (about 9,400 grids more; the
    personas' grids are kept as they are and get a boundary too)."""
    with django_db_blocker.unblock():
        personas.load_world()
        demo.add_grids_and_boundaries(seed=demo.DEFAULT_SEED)


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
