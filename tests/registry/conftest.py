"""Fixtures for the register's tests: calling the API as a persona, JSON in and out."""

import pytest
from django.test import Client

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
