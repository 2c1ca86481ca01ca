"""Five wrong passwords in a row lock an account for 15 minutes, on the API and on the web."""

import datetime as dt

import pytest
from django.test import Client, RequestFactory

from gridgov.accounts.models import AuditEntry, User
from gridgov.testing.personas import GRID_1
from gridgov.web.forms import LoginForm

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
RIGHT = "right-password-1"
WRONG_MESSAGE = "用户名或密码不正确。The username or password is not correct."


@pytest.fixture
def forgetful(make_user):
    """A grid worker of 十八洞村 who keeps mistyping their password."""
    user = make_user("forgetful", "grid_worker", GRID_1)
    user.set_password(RIGHT)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def clock(db, time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def api_sign_in(username: str, password: str):
    return Client().post(
        "/api/auth/token",
        {"username": username, "password": password, "name": "phone"},
        content_type="application/json",
    )


def web_sign_in(username: str, password: str):
    return Client().post("/login/", {"username": username, "password": password})


def _assert_locked_message(message: str) -> None:
    assert "账号已临时锁定" in message and "15 分钟" in message
    assert "locked" in message and "15 minutes" in message


def test_five_wrong_passwords_lock_the_api_for_fifteen_minutes(forgetful, clock):
    for _attempt in range(4):
        response = api_sign_in("forgetful", "wrong")
        assert response.status_code == 401
        assert response.json() == {"detail": WRONG_MESSAGE}
    fifth = api_sign_in("forgetful", "wrong")
    assert fifth.status_code == 429
    _assert_locked_message(fifth.json()["detail"])

    # While locked, even the right password is refused with the lockout message.
    locked = api_sign_in("forgetful", RIGHT)
    assert locked.status_code == 429
    _assert_locked_message(locked.json()["detail"])
    clock.shift(dt.timedelta(minutes=14, seconds=59))
    assert api_sign_in("forgetful", RIGHT).status_code == 429

    clock.shift(dt.timedelta(seconds=1))
    response = api_sign_in("forgetful", RIGHT)
    assert response.status_code == 201
    assert response.json()["token"].startswith("ggv_")
    forgetful.refresh_from_db()
    assert forgetful.failed_login_count == 0
    assert forgetful.locked_until is None


def test_the_counter_starts_again_after_the_lock(forgetful, clock):
    for _attempt in range(5):
        api_sign_in("forgetful", "wrong")
    clock.shift(dt.timedelta(minutes=15))
    for _attempt in range(4):
        assert api_sign_in("forgetful", "wrong").status_code == 401
    assert api_sign_in("forgetful", RIGHT).status_code == 201  # four were not enough
    for _attempt in range(4):
        api_sign_in("forgetful", "wrong")
    assert api_sign_in("forgetful", "wrong").status_code == 429


def test_a_good_sign_in_forgives_earlier_mistakes(forgetful, clock):
    for _attempt in range(4):
        api_sign_in("forgetful", "wrong")
    assert api_sign_in("forgetful", RIGHT).status_code == 201
    for _attempt in range(4):
        assert api_sign_in("forgetful", "wrong").status_code == 401
    assert api_sign_in("forgetful", RIGHT).status_code == 201


def test_the_lock_is_written_to_the_audit_log(forgetful, clock, client_of):
    for _attempt in range(7):  # attempts while locked add nothing
        api_sign_in("forgetful", "wrong")
    entry = AuditEntry.objects.get(action="accounts.lock_user")
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(forgetful.pk)
    assert entry.actor is None
    assert entry.after == {"locked_until": (START + dt.timedelta(minutes=15)).isoformat()}
    assert entry.ip_address == "127.0.0.1"
    assert entry.request_id
    # Filed under the user's grid, so the people who manage them can read it.
    assert entry.region_code == GRID_1
    listed = client_of("admin").get("/api/audit/", {"action": "accounts.lock_user"}).json()
    assert [item["id"] for item in listed["items"]] == [entry.pk]
    assert client_of("outsider").get("/api/audit/", {"action": "accounts.lock_user"}).json() == {
        "items": [],
        "count": 0,
    }


def test_an_unknown_username_is_answered_like_a_wrong_password(forgetful, clock):
    wrong_password = api_sign_in("forgetful", "wrong")
    for _attempt in range(6):
        unknown = api_sign_in("nobody-by-this-name", "wrong")
        assert (unknown.status_code, unknown.json()) == (
            wrong_password.status_code,
            wrong_password.json(),
        )
    assert not User.objects.filter(username="nobody-by-this-name").exists()
    assert not AuditEntry.objects.filter(action="accounts.lock_user").exists()


def test_a_disabled_account_is_answered_like_a_wrong_password(forgetful, clock):
    User.objects.filter(pk=forgetful.pk).update(is_active=False)
    response = api_sign_in("forgetful", RIGHT)
    assert (response.status_code, response.json()) == (401, {"detail": WRONG_MESSAGE})


def test_five_wrong_passwords_lock_the_sign_in_page(forgetful, clock):
    for _attempt in range(4):
        page = web_sign_in("forgetful", "wrong")
        assert page.status_code == 200
        assert WRONG_MESSAGE in page.content.decode()
    fifth = web_sign_in("forgetful", "wrong")
    _assert_locked_message(fifth.content.decode())
    refused = web_sign_in("forgetful", RIGHT)
    assert refused.status_code == 200  # the form again, not a redirect home
    _assert_locked_message(refused.content.decode())
    assert "_auth_user_id" not in refused.wsgi_request.session

    clock.shift(dt.timedelta(minutes=15))
    welcome = web_sign_in("forgetful", RIGHT)
    assert welcome.status_code == 302
    assert welcome["Location"] == "/"
    forgetful.refresh_from_db()
    assert (forgetful.failed_login_count, forgetful.locked_until) == (0, None)


def test_the_page_and_the_api_share_one_counter(forgetful, clock):
    for _attempt in range(3):
        web_sign_in("forgetful", "wrong")
    api_sign_in("forgetful", "wrong")
    assert api_sign_in("forgetful", "wrong").status_code == 429
    _assert_locked_message(web_sign_in("forgetful", RIGHT).content.decode())


def test_the_login_form_says_the_same(forgetful, clock):
    request = RequestFactory().post("/login/")

    def form_errors(username: str, password: str) -> list[str]:
        form = LoginForm(request, data={"username": username, "password": password})
        assert not form.is_valid()
        return form.non_field_errors()

    assert form_errors("nobody-by-this-name", "wrong") == [WRONG_MESSAGE]
    for _attempt in range(4):
        assert form_errors("forgetful", "wrong") == [WRONG_MESSAGE]
    [locked] = form_errors("forgetful", "wrong")
    _assert_locked_message(locked)
    [still_locked] = form_errors("forgetful", RIGHT)
    assert still_locked == locked
    clock.shift(dt.timedelta(minutes=15))
    form = LoginForm(request, data={"username": "forgetful", "password": RIGHT})
    assert form.is_valid()
    assert form.get_user() == forgetful
