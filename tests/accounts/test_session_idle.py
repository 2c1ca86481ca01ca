"""A browser session ends after 30 idle minutes; every request starts the 30 minutes again
(to within a minute: the session is written at most once a minute)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gridgov.testing.personas import persona

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(db, time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def browser(clock):
    client = Client()
    client.force_login(persona("cadre"))
    return client


def test_the_session_survives_29_idle_minutes(browser, clock):
    clock.shift(dt.timedelta(minutes=29))
    response = browser.get("/api/me")
    assert response.status_code == 200
    assert response.json()["username"] == "cadre"


def test_the_session_ends_after_31_idle_minutes(browser, clock):
    clock.shift(dt.timedelta(minutes=31))
    response = browser.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "请先登录 Authentication required."}
    page = browser.get("/")
    assert page.status_code == 302
    assert page["Location"].startswith("/login/")


def test_activity_pushes_the_end_forward(browser, clock):
    # Two hours of work with a request every 25 minutes: never signed out.
    for _step in range(5):
        clock.shift(dt.timedelta(minutes=25))
        assert browser.get("/api/me").status_code == 200
    clock.shift(dt.timedelta(minutes=29))
    assert browser.get("/api/regions/").status_code == 200
    # Then a long lunch.
    clock.shift(dt.timedelta(minutes=31))
    assert browser.get("/api/me").status_code == 401


def _session_writes(queries) -> int:
    return sum(
        query["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in query["sql"]
        for query in queries.captured_queries
    )


def test_requests_within_a_minute_do_not_write_the_session(browser, clock):
    clock.shift(dt.timedelta(minutes=5))
    with CaptureQueriesContext(connection) as queries:
        assert browser.get("/api/me").status_code == 200  # moves the end forward
        clock.shift(dt.timedelta(seconds=30))
        assert browser.get("/api/me").status_code == 200
        assert browser.get("/api/regions/").status_code == 200
    assert _session_writes(queries) == 1


def test_the_end_is_counted_from_the_last_write_at_most_a_minute_early(browser, clock):
    clock.shift(dt.timedelta(minutes=5))
    assert browser.get("/api/me").status_code == 200  # written: ends at 5 + 30 minutes
    clock.shift(dt.timedelta(seconds=50))
    assert browser.get("/api/me").status_code == 200  # not written
    clock.shift(dt.timedelta(minutes=29, seconds=20))  # 30 minutes 10 s after the write
    assert browser.get("/api/me").status_code == 401
