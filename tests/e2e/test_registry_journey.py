"""A grid worker's day with the register, in a real browser on a 360 px phone.

麻秀英 (the demo `grid_worker` of 十八洞村's first grid) opens her grid, a household card,
sees the members' ID numbers masked, shows one in clear for a stated reason, and adds a new
member through the form. No page may scroll sideways on the phone.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from gridgov.registry import idnumbers
from gridgov.testing.browser import fits_the_phone

pytestmark = pytest.mark.e2e

GRID = "433124110226001"  # 十八洞村 grid 1, where the demo grid worker works

MASKED_ID = re.compile(r"^[0-9]{6}\*{8}[0-9]{3}[0-9X]$")
CLEAR_ID = re.compile(r"^[0-9]{17}[0-9X]$")
NEW_MEMBER = "龙春花"
NEW_MEMBER_ID = idnumbers.make("433124", date(1996, 4, 12), 982)


def _ensure_a_household(page) -> None:
    """The demo is to fill every grid with households; until it does, register one (with
    its members) through the API, with the signed-in worker's own session."""
    found = page.request.get(f"/api/households/?within={GRID}&limit=1")
    assert found.ok, found.text()
    if int(found.headers["x-total-count"]) > 0:
        return
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    headers = {"X-CSRFToken": token}
    household = page.request.post(
        "/api/households/",
        data={
            "grid": GRID,
            "address": "十八洞村梨子寨",
            "house_number": "1号",
            "housing_safety": "B",
        },
        headers=headers,
    )
    assert household.ok, household.text()
    people = [
        ("施成富", date(1958, 5, 3), 131, "02"),
        ("龙德成", date(1961, 8, 20), 142, "10"),
        ("施全友", date(1986, 2, 11), 153, "20"),
    ]
    for name, born, serial, relation in people:
        person = page.request.post(
            "/api/residents/",
            data={
                "household": household.json()["uuid"],
                "name": name,
                "id_number": idnumbers.make("433124", born, serial),
                "relation_to_head": relation,
                "phone": f"1387431{serial:04d}",
            },
            headers=headers,
        )
        assert person.ok, person.text()


def test_grid_worker_reveals_a_member_and_adds_one(phone, sign_in, results_dir):
    page = phone
    sign_in(page, "grid_worker")
    expect(page).to_have_url(re.compile(r"/$"))
    _ensure_a_household(page)
    fits_the_phone(page)

    # Her grid, and the households registered in it.
    page.click(f".role-section a[href='/regions/{GRID}/']")
    expect(page.locator("h1")).to_contain_text("十八洞村")
    fits_the_phone(page)
    page.click(f"a.count-link[href='/households/?within={GRID}']")
    expect(page.locator(".record").first).to_be_visible()
    fits_the_phone(page)
    page.screenshot(path=results_dir / "registry-list-phone.png", full_page=True)

    # A household with members: their ID numbers are masked.
    page.locator(".record", has_text=re.compile(r"[1-9][0-9]* 人")).first.locator("a").click()
    expect(page).to_have_url(re.compile(r"/households/[0-9a-f-]{36}/$"))
    card_url = page.url
    masked = page.locator(".member .id-number").first
    expect(masked).to_have_text(MASKED_ID)
    for text in page.locator(".member .id-number").all_inner_texts():
        assert MASKED_ID.match(text), text
    expect(page.locator("#region-map path[data-point]")).to_have_count(1)
    fits_the_phone(page)
    page.screenshot(path=results_dir / "registry-card-phone.png", full_page=True)

    # Show one member in clear: it takes a reason, then the page says until when.
    member = page.locator(".member", has=page.locator(".id-number", has_text="*")).first
    member.locator("a.member-name").click()
    expect(page.locator(".details .id-number")).to_have_text(MASKED_ID)
    page.click(".reveal button.primary")  # no reason given: refused, next to the field
    expect(page.locator(".reveal .field-error")).to_contain_text("请说明查看原因")
    page.fill("input[name='reveal-reason']", "入户走访，核实身份信息")
    page.click(".reveal button.primary")
    expect(page.locator(".details .id-number")).to_have_text(CLEAR_ID)
    expect(page.locator(".reveal-notice")).to_contain_text(
        re.compile(r"[0-9]{2}:[0-9]{2} 后自动恢复隐藏")
    )
    expect(page.locator(".reveal")).to_have_count(0)
    assert not CLEAR_ID.search(page.url)
    fits_the_phone(page)
    page.screenshot(path=results_dir / "registry-revealed-phone.png", full_page=True)

    # Add a new member through the form: birth date and sex come from the ID number.
    page.goto(card_url)
    page.click("text=添加成员")
    page.fill("input[name=name]", NEW_MEMBER)
    page.fill("input[name=id_number]", NEW_MEMBER_ID)
    page.select_option("select[name=relation_to_head]", "30")
    page.select_option("select[name=ethnicity]", "06")
    fits_the_phone(page)
    page.screenshot(path=results_dir / "registry-new-member-phone.png", full_page=True)
    page.click("form.record-form button.primary")
    expect(page).to_have_url(re.compile(r"/residents/[0-9a-f-]{36}/$"))
    expect(page.locator("h1")).to_have_text(NEW_MEMBER)
    expect(page.locator(".details .id-number")).to_have_text(MASKED_ID)
    expect(page.locator(".details")).to_contain_text("1996-04-12")
    expect(page.locator(".details")).to_contain_text("女")
    page.goto(card_url)
    expect(page.locator(".member-list")).to_contain_text(NEW_MEMBER)
    fits_the_phone(page)


def test_register_pages_on_a_desktop(desktop, sign_in, results_dir):
    page = desktop
    sign_in(page, "grid_worker")
    _ensure_a_household(page)
    page.goto(f"/households/?within={GRID}")
    expect(page.locator(".record").first).to_be_visible()
    page.screenshot(path=results_dir / "registry-list-desktop.png", full_page=True)
    page.locator(".record a").first.click()
    expect(page.locator("#region-map path[data-code]")).to_have_count(1)
    page.screenshot(path=results_dir / "registry-card-desktop.png", full_page=True)
    page.goto("/residents/")
    page.fill("input[name=text]", "l")
    page.click("form.search button.primary")
    expect(page).to_have_url(re.compile(r"/residents/$"))  # a POST: nothing in the address
    expect(page.locator(".results-count")).to_be_visible()
    page.screenshot(path=results_dir / "registry-search-desktop.png", full_page=True)
