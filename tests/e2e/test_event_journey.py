"""An event's way from the field to verification, in a real browser on a 360 px phone.

麻秀英 (the demo `grid_worker` of 十八洞村's first grid) reports a blocked drain: she puts it
on the map with a tap and sends the form. She hands it up to the village, the village cadre
to the 双龙镇 township centre, which accepts it and dispatches it to 花垣县公安局; the police
handler signs for it and reports the result; 麻秀英 verifies it. Everyone works on a phone,
and no page may scroll sideways.
"""

import re

import pytest
from playwright.sync_api import expect

from gridgov.testing.browser import PHONE_WIDTH, fits_the_phone

pytestmark = pytest.mark.e2e


TITLE = "梨子寨排水沟堵塞，雨天漫进农户院子"


@pytest.fixture
def phone_of(browser, live_server_url, sign_in):
    """`phone_of("township_centre")`: a fresh phone-sized tab, signed in as that demo user."""
    contexts = []

    def open_phone(username: str):
        context = browser.new_context(
            base_url=live_server_url,
            locale="zh-CN",
            viewport={"width": PHONE_WIDTH, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
        )
        contexts.append(context)
        page = context.new_page()
        sign_in(page, username)
        expect(page).to_have_url(re.compile(r"/$"))
        return page

    yield open_phone
    for context in contexts:
        context.close()


def _take(page, event_url: str, action: str, fill=None) -> None:
    """Open the event, unfold one action's form, fill it, send it, and see it done."""
    page.goto(event_url)
    form = page.locator(f"#action-{action}")
    form.locator("summary").click()
    if fill is not None:
        fill(form)
    form.locator("button.primary").click()
    expect(page.locator(".message-success")).to_be_visible()
    fits_the_phone(page)


def test_an_event_from_the_phone_to_verification(phone_of, results_dir):
    worker = phone_of("grid_worker")

    # The worklist, then the intake form: a tap on the map fills the coordinates.
    worker.goto("/work/")
    fits_the_phone(worker)
    worker.click("a.button[href='/events/new/']")
    expect(worker.locator("#event-pick-map.region-map-ready")).to_be_visible()
    fits_the_phone(worker)
    worker.select_option("select[name=category]", "environment.sewage")
    worker.fill("input[name=title]", TITLE)
    worker.fill("textarea[name=description]", "村口排水沟被泥沙堵住，已影响三户")
    worker.locator("#event-pick-map").click()
    expect(worker.locator("input[name=latitude]")).not_to_have_value("")
    expect(worker.locator("input[name=longitude]")).not_to_have_value("")
    worker.fill("input[name=address]", "梨子寨村口")
    worker.screenshot(path=results_dir / "event-intake-phone.png", full_page=True)
    worker.click("form.intake-form button.primary")
    expect(worker).to_have_url(re.compile(r"/events/[0-9a-f-]{36}/$"))
    expect(worker.locator("h1")).to_contain_text(TITLE)
    expect(worker.locator(".badge.state")).to_have_text("待受理")
    expect(worker.locator("#region-map path[data-point]")).to_have_count(1)
    fits_the_phone(worker)
    event_url = worker.url

    # Up the chain: the grid to the village, the village to the township centre.
    _take(
        worker, event_url, "escalate", lambda form: form.locator("select").select_option("village")
    )
    cadre = phone_of("village_cadre")
    _take(
        cadre, event_url, "escalate", lambda form: form.locator("select").select_option("township")
    )

    # The township centre finds it in its worklist, accepts it and dispatches it.
    township = phone_of("township_centre")
    for address in ("/events/?overdue=on", "/events/hotline/?q=shibadong", "/inbox/"):
        township.goto(address)
        fits_the_phone(township)
    township.goto("/work/?bucket=accept")
    township.locator(".event-row", has_text=TITLE).locator("a").click()
    expect(township).to_have_url(event_url)
    _take(township, event_url, "accept")
    _take(
        township,
        event_url,
        "dispatch",
        lambda form: (
            form.locator("select[name=dispatch-lead]").select_option(label="花垣县公安局"),
            form.locator("textarea[name=dispatch-note]").fill("请派出所到现场处理"),
        ),
    )
    expect(township.locator(".assignment-list")).to_contain_text("花垣县公安局")

    # The police handler signs for it and reports the result.
    handler = phone_of("department_handler")
    handler.goto("/inbox/")
    expect(handler.locator(".nav-inbox .unread-count")).to_be_visible()
    handler.locator(".notification", has_text=TITLE).first.locator("a").click()
    expect(handler).to_have_url(event_url)
    _take(handler, event_url, "department_accept")
    _take(
        handler,
        event_url,
        "report",
        lambda form: form.locator("textarea").fill("已组织清淤，排水恢复畅通"),
    )

    # Back to 麻秀英, who reported it: she checks the result and verifies it.
    worker.goto("/work/?bucket=verify")
    worker.locator(".event-row", has_text=TITLE).locator("a").click()
    _take(worker, event_url, "verify", lambda form: form.locator("textarea").fill("回访属实"))
    expect(worker.locator(".badge.state")).to_have_text("已核查")
    timeline = worker.locator(".timeline")
    for label in ("上报", "受理", "派遣", "部门签收", "办结反馈", "核查通过"):
        expect(timeline).to_contain_text(label)
    worker.screenshot(path=results_dir / "event-verified-phone.png", full_page=True)
