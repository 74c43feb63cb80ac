"""A call's whole life in Chromium: operator, unit, callback, wallboard; hostile text stays text."""

import re
from typing import Any

import pytest

from tests.web.browser.conftest import SHOTS, LiveServer, signed_in_page
from tests.web.conftest import ring_and_answer

pytestmark = pytest.mark.browser
XSS = "<script>alert(1)</script><b>x</b>"
TIMEOUT_MS = 5000


def _page(browser: Any, server: LiveServer, username: str, width: int = 1600, height: int = 1000) -> Any:
    return signed_in_page(browser, server, username, size=(width, height))


def _no_injected_markup(page: Any) -> None:
    injected = (
        "() => [...document.querySelectorAll('b, script')]"
        ".filter(n => n.textContent.trim() === 'x' || n.textContent.includes('alert(1)')).length"
    )
    assert page.evaluate(injected) == 0
    assert page.evaluate("() => window.__xss === undefined")


def test_a_call_from_pop_to_callback_and_the_wallboard(browser: Any, live_server: LiveServer) -> None:
    server = live_server
    board = _page(browser, server, "supervisor", 1920, 1080)
    board.goto(server.url + "/wallboard")
    board.wait_for_function("() => document.querySelector('#live').textContent === '实时'")
    board.wait_for_function("() => document.querySelector('#waiting').textContent !== '—'")
    satisfaction = board.locator('.kpi[data-key="satisfaction"] .value')
    before = satisfaction.text_content()

    # 1. the operator takes a simulated call: the screen pop fills the form's caller
    seat = _page(browser, server, "operator1")
    assert seat.url.endswith("/seat")
    seat.wait_for_function("() => document.querySelector('#seat-code').textContent === '1001'")
    ring_and_answer(server.world, linkedid="browser-call-1", seat="1001", number="13512345678")
    seat.wait_for_selector("#pop-number:has-text('13512345678')")
    assert seat.input_value("#caller_phone") == "13512345678"
    assert seat.evaluate("() => document.activeElement.id") == "title"
    # typed from the keyboard; Tab moves to the content, Alt+D dispatches
    seat.keyboard.type(XSS)
    seat.keyboard.press("Tab")
    seat.keyboard.type("楼上装修噪音，晚上十点以后还在电钻 " + XSS)
    seat.select_option("#unit_code", "housing")
    seat.focus("#content")
    seat.keyboard.press("Alt+d")
    seat.wait_for_selector("#form-result:has-text('已派至')")
    number = re.search(r"\d{8}-\d{5}", seat.text_content("#form-result") or "")
    assert number is not None
    number_text = number.group(0)
    seat.screenshot(path=str(SHOTS / "seat.png"), full_page=True)

    # 2. the unit signs and replies
    portal = _page(browser, server, "unit_housing")
    assert portal.url.endswith("/portal")
    row = portal.locator(f"tr[data-ticket='{number_text}']")
    row.wait_for()
    assert XSS in (row.text_content() or "")
    row.focus()
    portal.keyboard.press("Enter")
    portal.wait_for_selector(f"#d-number:has-text('{number_text}')")
    assert portal.text_content("#d-title") == XSS
    _no_injected_markup(portal)
    portal.click("#btn-sign")
    portal.wait_for_selector("#d-status:has-text('办理中')")
    portal.fill("#reply-text", "已约谈施工方，夜间停工。")
    portal.click("#btn-reply")
    portal.wait_for_selector("#d-status:has-text('待回访')")
    portal.screenshot(path=str(SHOTS / "portal.png"), full_page=True)

    # 3. the dispatcher's desk shows the same hostile text as text
    desk = _page(browser, server, "dispatcher")
    desk.wait_for_selector(f"#search tr:has-text('{number_text}')")
    assert XSS in (desk.text_content("#search") or "")
    _no_injected_markup(desk)
    desk.screenshot(path=str(SHOTS / "desk.png"), full_page=True)

    # 4. the operator places the callback; the wallboard's 满意率 moves within 2 s
    seat.reload()
    callback = seat.locator(f"#callbacks tr[data-ticket='{number_text}']")
    callback.wait_for()
    callback.locator("select[data-solved]").select_option("yes")  # no default: the operator picks
    callback.get_by_role("button", name="满意", exact=True).click()
    seat.wait_for_selector(f"#callbacks:not(:has(tr[data-ticket='{number_text}']))")
    board.wait_for_function(
        "(before) => document.querySelector('.kpi[data-key=\"satisfaction\"] .value').textContent !== before",
        arg=before,
        timeout=2000,
    )
    assert satisfaction.text_content() == "100.00%"
    board.wait_for_selector("#recent li")
    assert XSS in (board.text_content("#recent") or "")
    _no_injected_markup(board)
    board.wait_for_timeout(600)  # let the charts finish their animation for the picture
    board.screenshot(path=str(SHOTS / "wallboard.png"))
    seat.screenshot(path=str(SHOTS / "seat-after-callback.png"), full_page=True)
    for page in (board, seat, portal, desk):
        page.context.close()


def test_the_public_form_and_progress_page(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/public")
    page.fill("#caller_name", "王五")
    page.fill("#caller_phone", "13600002222")
    page.fill("#title", "公交站牌破损")
    page.fill("#content", XSS)
    page.click("button[type=submit]")
    code = page.text_content("#query-code") or ""
    assert len(code) == 8
    page.goto(live_server.url + "/public/progress")
    page.fill("#query_code", code)
    page.fill("#caller_phone", "13600002222")
    page.keyboard.press("Enter")
    page.wait_for_selector("#status")
    assert page.text_content("#status") == "待派单"
    page.screenshot(path=str(SHOTS / "public-progress.png"), full_page=True)
    context.close()


def test_an_open_wallboard_goes_to_the_login_page_when_its_user_logs_out_elsewhere(
    browser: Any, live_server: LiveServer
) -> None:
    board = _page(browser, live_server, "dispatcher", 1920, 1080)
    board.goto(live_server.url + "/wallboard")
    board.wait_for_function("() => document.querySelector('#live').textContent === '实时'")
    desk = _page(browser, live_server, "dispatcher")  # the same user in another browser
    desk.goto(live_server.url + "/desk")
    # 退出. The logout also ends the desk page's own live feed, whose move to /login may abort the
    # form's own navigation (that feed closes only once the server has logged the user out), so
    # the desk is not waited on: the wallboard in the other browser is what this test is about.
    desk.click("header.top form button[type=submit]", no_wait_after=True)
    board.wait_for_url(re.compile(r"/login\?next=%2Fwallboard$"))
    assert board.locator("#username").is_visible()
