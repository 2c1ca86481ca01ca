"""Fixtures for the accounts tests: calling the API as someone, and making extra people."""

import json

import pytest
from django.test import Client

from gridgov.accounts import actions
from gridgov.regions.models import Region

OTHER_PASSWORD = "another-test-password"


@pytest.fixture
def send():
    """`send(client, "POST", "/api/…", {"a": 1}, token=raw)`: one API call, JSON in and out."""

    def call(client: Client, method: str, url: str, body=None, *, token: str | None = None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.generic(
            method,
            url,
            data=b"" if body is None else json.dumps(body),
            content_type="application/json",
            headers=headers,
        )

    return call


@pytest.fixture
def make_user(db):
    """`make_user("li_si", "grid_worker", "433124110226001")`: a new person with one role
    (or none, with role=None), created through the same actions an administrator uses."""

    def make(username: str, role: str | None = None, code: str | None = None, department=None):
        user = actions.create_user(
            actor=None, username=username, password=OTHER_PASSWORD, full_name=username
        )
        if role is not None:
            actions.assign_role(
                actor=None,
                user=user,
                role=role,
                region=Region.objects.get(code=code),
                department=department,
            )
        return user

    return make
