"""A resident's journey on a phone, without an account: report a problem, keep the code,
come back when the village has dealt with it, and rate the answer.

The staff's part runs in the demo server's own database, through the same helpers the
events tests use (`gridgov.testing.cases.act`), as the demo's grid worker and village cadre.
"""

import re

import pytest
from playwright.sync_api import expect

from gridgov.testing.browser import fits_the_phone

pytestmark = pytest.mark.e2e

COUNTY, TOWNSHIP, VILLAGE = "433124", "433124110", "433124110226"  # 花垣县 双龙镇 十八洞村
RESULT = "保洁员已将垃圾池清运干净，并约定每两天清运一次"


def _as_staff(in_server, code: str) -> None:
    """The grid worker solves the matter on the spot, the village cadre checks and closes."""
    in_server(
        f"""
from gridgov.accounts.models import User
from gridgov.cases.models import Event
from gridgov.testing.cases import act

event = Event.objects.get(tracking_code={code!r})
act(event, "resolve", User.objects.get(username="grid_worker"), evidence={RESULT!r})
act(event, "verify", User.objects.get(username="village_cadre"), note="已回访核实")
act(event, "close", User.objects.get(username="village_cadre"))
"""
    )


def test_a_resident_reports_follows_and_rates_on_a_phone(phone, in_server, results_dir):
    page = phone
    page.goto("/public/")
    fits_the_phone(page)
    page.click("a.big-button[href='/public/new/']")
    expect(page).to_have_url(re.compile(r"/public/new/$"))

    # With JavaScript the lists follow each other by themselves, and the phone's location
    # is offered; the "next" buttons are for browsers without it.
    expect(page.locator("#locate-me")).to_be_visible()
    expect(page.locator("button[name=step]").first).to_be_hidden()
    page.select_option("select[name=category]", "environment.garbage")
    page.fill("textarea[name=description]", "村口垃圾池三天没人清运，气味很大")
    # Each choice lists the next one (the page is sent back and comes again).
    with page.expect_navigation():
        page.select_option("select[name=county]", COUNTY)
    with page.expect_navigation():
        page.select_option("select[name=township]", TOWNSHIP)
    page.select_option("select[name=village]", VILLAGE)
    expect(page.locator("textarea[name=description]")).to_have_value(
        "村口垃圾池三天没人清运，气味很大"
    )
    page.fill("input[name=phone]", "138 1234 1234")
    fits_the_phone(page)
    page.screenshot(path=results_dir / "public-new.png", full_page=True)
    page.click("form#resident-form button.primary")

    expect(page).to_have_url(re.compile(r"/public/submitted/[0-9A-Z]{12}/$"))
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{12}", code)
    fits_the_phone(page)
    page.screenshot(path=results_dir / "public-submitted.png", full_page=True)

    _as_staff(in_server, code)

    # Days later: the code, typed in small letters, finds the request.
    page.goto("/public/")
    page.fill("input[name=code]", code.lower())
    page.click("form[action='/public/track/'] button")
    expect(page).to_have_url(re.compile(rf"/public/track/{code}/$"))
    expect(page.locator("#state")).to_contain_text("已办结")
    expect(page.locator("#result")).to_have_text(RESULT)
    expect(page.locator("#timeline")).to_contain_text("十八洞村")
    expect(page.locator("body")).not_to_contain_text("13812341234")
    expect(page.locator("body")).not_to_contain_text("麻秀英")  # the grid worker's name

    page.check("input[name=rate-score][value='5']")
    page.fill("textarea[name=rate-comment]", "很快就清运了，谢谢")
    page.click("form#rate-form button.primary")
    expect(page.locator(".messages")).to_contain_text("谢谢您的评价")
    expect(page.locator("#rate-form")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("5 / 5")
    fits_the_phone(page)
    page.screenshot(path=results_dir / "public-rated.png", full_page=True)
