"""Fixtures for the register's tests: calling the API as a persona, JSON in and out; an
import checked in one process or in two."""

import pytest
from django.test import Client

from gridgov.registry import imports
from gridgov.testing.personas import persona


class JsonClient(Client):
    """A test client whose POST and PATCH bodies are JSON."""

    def post(self, path, data=None, **extra):
        extra.setdefault("content_type", "application/json")
        return super().post(path, data, **extra)

    def patch(self, path, data=None, **extra):
        extra.setdefault("content_type", "application/json")
        return super().patch(path, data, **extra)


@pytest.fixture
def api(db):
    """`api("worker_a").post("/api/residents/", {...})`: signed in as that persona (or as a
    User object)."""

    def make(who) -> JsonClient:
        client = JsonClient()
        client.force_login(persona(who) if isinstance(who, str) else who)
        return client

    return make


@pytest.fixture
def error_fields():
    """`error_fields(response)`: the names of the fields a 422 answer complains about."""

    def fields(response) -> set[str]:
        assert response.status_code == 422, response.content
        return {error["field"] for error in response.json()["errors"]}

    return fields


@pytest.fixture(params=["one process", "two processes"])
def either_process(request, monkeypatch):
    """Run the test twice: with the file checked in the importing process, and as a large
    file is on SQLite, in a second process (here from the first row on, whatever the
    database, in chunks of two rows, so that rows of one household and duplicates fall in
    different chunks)."""
    if request.param == "two processes":
        monkeypatch.setattr(imports, "PARALLEL_ROWS", 1)
        monkeypatch.setattr(imports, "PARALLEL_DATABASES", {"sqlite", "postgresql"})
        monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    return request.param
