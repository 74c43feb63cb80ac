"""The no-login pages in Chromium: the browser checks the same rule as the server, the server's
errors sit beside their fields with the typing kept, the mailbox is one tab away, and the progress
page speaks the citizen's words."""

from typing import Any

import pytest
from sqlmodel import func, select

from hotline.enums import Channel
from hotline.tickets.models import Ticket
from tests.web.browser.conftest import PAGE_TIMEOUT_MS, SCREENS, SHOTS, LiveServer
from web.ratelimit import RateLimiter

pytestmark = pytest.mark.browser
XSS = "<script>window.__xss = 1</script><b>x</b>"


@pytest.fixture(autouse=True)
def fresh_limits(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own count of submissions from 127.0.0.1 (the limits have their own tests)."""
    monkeypatch.setattr(live_server.world.app.state.services, "rate_limiter", RateLimiter())


def _page(browser: Any, server: LiveServer, size: tuple[int, int]) -> Any:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    return page


def _count(server: LiveServer, channel: Channel) -> int:
    with server.world.session() as session:
        query = select(func.count()).select_from(Ticket).where(Ticket.channel == channel)
        return session.exec(query).one()


def _fill(page: Any, phone: str, title: str, content: str) -> None:
    page.fill("#caller_name", "王五")
    page.fill("#caller_phone", phone)
    page.fill("#title", title)
    page.fill("#content", content)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_form_refuses_bad_input_in_the_browser_and_on_the_server_losing_nothing(
    browser: Any, live_server: LiveServer, screen: str
) -> None:
    page = _page(browser, live_server, SCREENS[screen])
    page.goto(live_server.url + "/public")
    before = _count(live_server, Channel.WEB)
    _fill(page, "12345", "灯", "坏了")
    assert page.locator("#caller_phone:invalid, #title:invalid, #content:invalid").count() == 3
    page.click("button[type=submit]")
    assert page.url.endswith("/public") and page.locator("#query-code").count() == 0  # stopped here

    # past the browser's check (an old browser, a script): the server says the same, per field
    page.evaluate("() => { document.querySelector('form[action=\"/public\"]').noValidate = true; }")
    page.select_option("#nature", "complaint")
    page.fill("#content", XSS)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "请填写正确的联系电话" in (page.text_content("#caller_phone-error") or "")
    assert page.text_content("#title-error") == "标题至少 4 个字（现有 1 个字）"
    assert page.locator("#content-error").count() == 0  # the content was long enough
    assert page.input_value("#caller_phone") == "12345" and page.input_value("#title") == "灯"
    assert page.input_value("#content") == XSS and page.input_value("#nature") == "complaint"
    assert page.evaluate("() => window.__xss === undefined")  # the HTML stayed text
    assert _count(live_server, Channel.WEB) == before
    page.screenshot(path=str(SHOTS / f"public-errors-{screen}.png"), full_page=True)

    page.fill("#caller_phone", "0739-5123456")
    page.fill("#title", "路灯不亮")
    with page.expect_navigation():
        page.click("button[type=submit]")
    code = page.text_content("#query-code") or ""
    assert len(code) == 8 and _count(live_server, Channel.WEB) == before + 1

    page.click("a:has-text('查询办理进度')")
    page.fill("#query_code", code)
    page.fill("#caller_phone", "0739-5123456")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.text_content("#status") == "已受理，正在分派"
    assert page.text_content("#progress-title") == "路灯不亮"
    assert page.evaluate("() => window.__xss === undefined")
    page.screenshot(path=str(SHOTS / f"public-progress-{screen}.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_mayors_mailbox_is_one_tab_away_and_makes_a_mailbox_ticket(
    browser: Any, live_server: LiveServer, screen: str
) -> None:
    page = _page(browser, live_server, SCREENS[screen])
    page.goto(live_server.url + "/public")
    icon = page.get_attribute("link[rel=icon]", "href")
    assert icon and page.request.get(live_server.url + icon).status == 200
    page.click("nav.tabs >> text=市长信箱")
    assert page.url.endswith("/public/mailbox")
    assert page.text_content("h1") == "市长信箱"
    assert page.get_attribute("nav.tabs a[aria-current=page]", "href") == "/public/mailbox"
    before = _count(live_server, Channel.MAILBOX)
    _fill(page, "13712345678", "建议延长图书馆开放时间", "市图书馆周末下午五点就闭馆，建议延长到晚上九点。")
    page.screenshot(path=str(SHOTS / f"public-mailbox-{screen}.png"), full_page=True)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "市长信箱" in (page.text_content("main") or "") and page.text_content("#query-code")
    assert _count(live_server, Channel.MAILBOX) == before + 1
    page.context.close()
