"""Chinese first, English on request: the switch posts to Django's set_language view."""

import pytest

from gridgov.testing import personas


def _switch(client, language: str, next_page: str = "/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_page})


def test_pages_are_chinese_by_default(client_of):
    page = client_of("township").get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "我的工作" in page


def test_switching_to_english_and_back(client_of):
    client = client_of("township")
    response = _switch(client, "en")
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "My work" in page
    assert "Township centre" in page  # a role label
    assert "Sign out" in page
    _switch(client, "zh-hans")
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "乡镇综治中心" in page


def test_level_labels_and_page_strings_in_english(client_of):
    client = client_of("township")
    _switch(client, "en")
    page = client.get(f"/regions/{personas.TOWNSHIP}/").content.decode()
    assert "Township" in page  # the level label of 双龙镇
    assert "Subdivisions" in page
    assert "Village" in page
    page = client.get("/regions/", {"q": "sbd"}).content.decode()
    assert "Search regions" in page


@pytest.mark.django_db
def test_sign_in_page_in_english(client):
    _switch(client, "en", "/login/")
    page = client.get("/login/").content.decode()
    assert "Sign in" in page
    assert "wrong passwords" in page


def test_the_switch_is_a_post_form_on_every_page(client_of):
    page = client_of("worker_a").get(f"/regions/{personas.GRID_1}/").content.decode()
    assert 'action="/i18n/setlang/" method="post"' in page
    assert 'name="language" value="en"' in page
