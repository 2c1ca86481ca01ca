"""The region browser and the region page: in scope they show, out of scope they are 404."""

import pytest

from gridgov.testing import personas


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("worker_a", personas.GRID_1),
        ("worker_a", personas.VILLAGE),  # the path above one's own grid is visible
        ("cadre", personas.GRID_2),
        ("township", personas.VILLAGE),
        ("outsider", personas.OTHER_GRID),
        ("leader", "4331"),
    ],
)
def test_region_in_scope_is_shown(client_of, username, code):
    response = client_of(username).get(f"/regions/{code}/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("worker_a", personas.GRID_2),
        ("worker_a", personas.OTHER_COUNTY),
        ("cadre", "433124110201"),  # another village of the same township
        ("township", personas.OTHER_GRID),
        ("outsider", personas.VILLAGE),
        ("leader", "999999"),  # does not exist: the same answer as forbidden
        ("leader", "not-a-code"),
    ],
)
def test_region_out_of_scope_or_missing_is_404(client_of, username, code):
    assert client_of(username).get(f"/regions/{code}/").status_code == 404


def test_township_page_has_path_children_and_map(client_of, django_assert_max_num_queries):
    client = client_of("township")
    # (One of them counts the households of the township the user may see.)
    with django_assert_max_num_queries(12):  # 11, and the unread count in the navigation
        response = client.get(f"/regions/{personas.TOWNSHIP}/")
    page = response.content.decode()
    breadcrumb = page.split('class="breadcrumb"')[1].split("</nav>")[0]
    assert 'href="/regions/4331/"' in breadcrumb
    assert 'href="/regions/433124/"' in breadcrumb
    assert '<li aria-current="page">双龙镇</li>' in breadcrumb
    assert f'href="/regions/{personas.VILLAGE}/"' in page
    assert "十八洞村" in page
    assert f'data-geojson-url="/api/regions/{personas.TOWNSHIP}/map"' in page
    assert "leaflet/leaflet.js" in page


def test_village_lists_its_grids_with_links(client_of):
    page = client_of("cadre").get(f"/regions/{personas.VILLAGE}/").content.decode()
    assert f'href="/regions/{personas.GRID_1}/"' in page
    assert "十八洞村第二网格" in page


def test_worker_sees_only_their_own_grid_in_the_village(client_of):
    page = client_of("worker_a").get(f"/regions/{personas.VILLAGE}/").content.decode()
    assert "十八洞村第一网格" in page
    assert "十八洞村第二网格" not in page


def test_map_has_no_tiles_unless_configured(client_of, settings):
    page = client_of("township").get(f"/regions/{personas.TOWNSHIP}/").content.decode()
    assert 'data-tile-url=""' in page
    settings.MAP_TILE_URL = "https://tiles.intranet.example/{z}/{x}/{y}.png"
    page = client_of("township").get(f"/regions/{personas.TOWNSHIP}/").content.decode()
    assert 'data-tile-url="https://tiles.intranet.example/{z}/{x}/{y}.png"' in page


def test_browser_starts_at_the_roots_of_the_scope(client_of):
    page = client_of("township").get("/regions/").content.decode()
    assert f'href="/regions/{personas.TOWNSHIP}/"' in page
    assert 'href="/regions/433124/"' not in page  # above the scope: reachable, not a root


@pytest.mark.parametrize("text", ["十八洞", "shibadong", "sbd", "SBD", "433124110226"])
def test_search_by_hanzi_pinyin_initials_or_code(client_of, text):
    response = client_of("township").get("/regions/", {"q": text})
    assert response.status_code == 200
    assert f'href="/regions/{personas.VILLAGE}/"' in response.content.decode()


def test_search_sees_only_the_scope(client_of):
    page = client_of("outsider").get("/regions/", {"q": "shibadong"}).content.decode()
    assert f'href="/regions/{personas.VILLAGE}/"' not in page
    assert "没有找到匹配的区划" in page


def test_search_is_paginated(client_of, django_assert_max_num_queries):
    client = client_of("leader")
    # session, user, roles, count, page, scope roots, header roles, session save (+ savepoints)
    with django_assert_max_num_queries(11):  # 10, and the unread count in the navigation
        first = client.get("/regions/", {"q": "4331"}).content.decode()
    assert 'rel="next"' in first
    second = client.get("/regions/", {"q": "4331", "page": 2}).content.decode()
    assert 'rel="prev"' in second
    assert "第 1 / " in first
    assert "第 2 / " in second


def test_search_rejects_overlong_text(client_of):
    response = client_of("township").get("/regions/", {"q": "x" * 51})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/regions/", f"/regions/{personas.TOWNSHIP}/"])
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_not_found_page_says_the_same_for_missing_and_forbidden(client_of):
    client = client_of("worker_a")

    def main_part(path: str) -> str:
        page = client.get(path).content.decode()
        return page.split("<main", 1)[1].split("</main>", 1)[0]

    forbidden = main_part(f"/regions/{personas.GRID_2}/")
    assert "不在您的管辖范围内" in forbidden
    assert forbidden == main_part("/regions/433124110226999/")
