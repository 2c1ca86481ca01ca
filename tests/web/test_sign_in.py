"""Signing in and out through the pages, and the idle sign-out."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from gridgov.testing import personas

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def _sign_in(client, username="township", password=personas.PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def test_sign_in_page_renders(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_sign_in_goes_home(client):
    response = _sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_sign_in_returns_to_the_page_asked_for(client):
    response = client.post(
        "/login/?next=/regions/",
        {"username": "township", "password": personas.PASSWORD, "next": "/regions/"},
    )
    assert response["Location"] == "/regions/"


def test_wrong_password_shows_the_error(client):
    response = _sign_in(client, password="wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_lockout_message_is_shown(client, settings):
    get_user_model().objects.create_user(username="forgetful", password="right-password-1")
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        response = _sign_in(client, username="forgetful", password="wrong")
    assert "账号已临时锁定" in response.content.decode()
    response = _sign_in(client, username="forgetful", password="right-password-1")
    assert "账号已临时锁定" in response.content.decode()


def test_sign_out_needs_post(client):
    _sign_in(client)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_session_ends_after_30_idle_minutes():
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        _sign_in(client)
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity pushes the expiry forward
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
