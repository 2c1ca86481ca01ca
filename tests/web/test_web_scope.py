"""Every web page, walked from the URL list: a page added tomorrow is covered today.

Pages that take a region code answer 200 inside the user's scope and 404 outside it (the
same as for a code that does not exist); every page but the sign-in page needs a session.
"""

import pytest
from django.urls import URLPattern

from gridgov.testing import personas
from gridgov.web.urls import urlpatterns

PUBLIC = {"login"}
POST_ONLY = {"logout"}


def _pages(with_code: bool) -> list[URLPattern]:
    return [
        pattern
        for pattern in urlpatterns
        if ("code" in pattern.pattern.converters) == with_code and pattern.name not in PUBLIC
    ]


def _path(pattern: URLPattern, code: str = "") -> str:
    return "/" + str(pattern.pattern).replace("<str:code>", code)


@pytest.mark.parametrize("pattern", _pages(with_code=True), ids=lambda p: p.name)
def test_region_pages_answer_in_scope_and_404_outside(client_of, pattern):
    client = client_of("worker_a")
    assert client.get(_path(pattern, personas.GRID_1)).status_code == 200
    assert client.get(_path(pattern, personas.GRID_2)).status_code == 404
    assert client.get(_path(pattern, personas.OTHER_GRID)).status_code == 404
    assert client.get(_path(pattern, "433124110226999")).status_code == 404


@pytest.mark.parametrize(
    "pattern", _pages(with_code=False) + _pages(with_code=True), ids=lambda p: p.name
)
@pytest.mark.django_db
def test_every_page_needs_a_session(client, pattern):
    path = _path(pattern, personas.GRID_1)
    response = client.post(path) if pattern.name in POST_ONLY else client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "pattern",
    [p for p in _pages(with_code=False) if p.name not in POST_ONLY],
    ids=lambda p: p.name,
)
def test_user_without_a_role_sees_no_region(client_of, django_user_model, pattern):
    django_user_model.objects.create_user(username="no_role", password="x")
    page = client_of("no_role").get(_path(pattern)).content.decode()
    assert "/regions/43" not in page
