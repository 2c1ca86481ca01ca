"""Fixtures for the visits tests: a frozen clock, the API as a persona, and households with a
known registration date (plans count from it until the first visit)."""

from datetime import datetime

import pytest
from django.test import Client
from visits_clock import NOW, REGISTERED

from gridgov.registry.models import Household
from gridgov.testing.personas import persona


class JsonClient(Client):
    """A test client whose POST bodies are JSON."""

    def post(self, path, data=None, **extra):
        extra.setdefault("content_type", "application/json")
        return super().post(path, data, **extra)


@pytest.fixture
def api(db):
    """`api("worker_a").post("/api/visits/", {...})`: signed in as that persona."""

    def make(who) -> JsonClient:
        client = JsonClient()
        client.force_login(persona(who) if isinstance(who, str) else who)
        return client

    return make


@pytest.fixture
def clock(time_machine, db):
    """The clock frozen at NOW; `clock(moment)` moves it."""
    time_machine.move_to(NOW, tick=False)

    def move(moment: datetime) -> datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    return move


@pytest.fixture
def households(register, clock):
    """The test register's households, all registered on REGISTERED (inside the test's
    transaction, so the module's register is unchanged afterwards)."""
    Household.objects.filter(pk__in=[h.pk for h in register.households.values()]).update(
        created_at=REGISTERED
    )
    return {key: Household.objects.get(pk=h.pk) for key, h in register.households.items()}


@pytest.fixture
def error_fields():
    """`error_fields(response)`: the names of the fields a 422 answer complains about."""

    def fields(response) -> set[str]:
        assert response.status_code == 422, response.content
        return {error["field"] for error in response.json()["errors"]}

    return fields
