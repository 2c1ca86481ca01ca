"""Journeys through the pages in a real browser, against the Xiangxi demo."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TOWNSHIP = "433124110"  # 双龙镇, 花垣县
VILLAGE = "433124110226"  # 十八洞村


def test_township_centre_browses_down_to_a_grid(desktop, sign_in, results_dir):
    page = desktop
    sign_in(page, "township_centre")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".who-role")).to_contain_text(["乡镇综治中心"])

    # English and back: the switch is a form posting to Django's set_language view.
    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("My work")
    expect(page.locator(".who-role")).to_contain_text(["Township centre"])
    page.click("button[name=language][value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("我的工作")

    # The township, its villages listed and drawn on the map.
    page.click(f"a[href='/regions/{TOWNSHIP}/']")
    expect(page.locator("h1")).to_have_text("双龙镇")
    expect(page.locator(".region-list")).to_contain_text("十八洞村")
    village_shape = page.locator(f"#region-map path[data-code='{VILLAGE}']")
    expect(village_shape).to_have_count(1)
    assert page.locator("#region-map path.leaflet-interactive").count() > 10
    expect(page.locator(".region-label", has_text="十八洞村")).to_be_visible()
    page.screenshot(path=results_dir / "township.png", full_page=True)

    # Clicking a village on the map opens it; its grids are listed and drawn.
    village_shape.click()
    expect(page).to_have_url(re.compile(rf"/regions/{VILLAGE}/$"))
    expect(page.locator("h1")).to_have_text("十八洞村")
    expect(page.locator(".breadcrumb")).to_contain_text("双龙镇")
    grid_links = page.locator(f".region-list a[href^='/regions/{VILLAGE}']")
    expect(grid_links.first).to_be_visible()
    expect(page.locator("#region-map path.leaflet-interactive").first).to_be_visible()

    # A grid shows its own boundary.
    grid_links.first.click()
    expect(page).to_have_url(re.compile(rf"/regions/{VILLAGE}\d{{3}}/$"))
    expect(page.locator("#region-map path").first).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("网格")


def test_grid_worker_sees_their_grid_and_nothing_next_door(desktop, sign_in):
    sign_in(desktop, "grid_worker")
    own_grid = desktop.locator(f".role-section a[href^='/regions/{VILLAGE}']")
    expect(own_grid).to_have_count(1)
    own_grid.click()
    expect(desktop.locator("#region-map path[data-code]")).to_have_count(1)
    response = desktop.goto(f"/regions/{VILLAGE}002/")
    assert response.status == 404
    expect(desktop.locator("h1")).to_have_text("未找到")


def test_wrong_password_is_refused_with_a_message(desktop, sign_in):
    sign_in(desktop, "township_centre", "not-the-password")
    expect(desktop).to_have_url(re.compile(r"/login/$"))
    expect(desktop.locator(".form-errors")).to_contain_text("用户名或密码不正确")


def test_search_finds_a_village_by_initials(desktop, sign_in):
    sign_in(desktop, "township_centre")
    desktop.goto("/regions/")
    desktop.fill("input[name=q]", "sbd")
    desktop.click("form.search button")
    expect(desktop.locator(".results .region-list")).to_contain_text("十八洞村")


def test_pages_fit_a_360_pixel_phone(phone, sign_in, results_dir):
    sign_in(phone, "township_centre")
    for path in ("/", "/regions/?q=shuang", f"/regions/{TOWNSHIP}/", f"/regions/{VILLAGE}/"):
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways: {width} px wide"
    phone.goto(f"/regions/{TOWNSHIP}/")
    expect(phone.locator(f"#region-map path[data-code='{VILLAGE}']")).to_have_count(1)
    map_width = phone.evaluate(
        "document.getElementById('region-map').getBoundingClientRect().width"
    )
    assert map_width == 360  # edge to edge
    phone.screenshot(path=results_dir / "township-phone.png", full_page=True)
