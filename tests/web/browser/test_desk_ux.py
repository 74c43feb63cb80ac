"""The dispatcher's desk in Chromium at 1440×900: 派单, search, 督办 by number, /intake without a call bar."""

from typing import Any

import pytest

from hotline.seed.data import DEMO_PASSWORD
from tests.web.browser.conftest import SHOTS, LiveServer

pytestmark = pytest.mark.browser
TIMEOUT_MS = 5000
CREATE = """async (body) => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const response = await fetch("/api/tickets", {method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}});
  return (await response.json()).ticket.number;
}"""


class Desk:
    """A logged-in page that records every dialog and script error, so a test can assert there were none."""

    def __init__(self, browser: Any, server: LiveServer, username: str) -> None:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.url = server.url
        self.page.goto(server.url + "/login")
        self.page.fill("#username", username)
        self.page.fill("#password", DEMO_PASSWORD)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.page.wait_for_load_state("networkidle")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def create(self, title: str, content: str) -> str:
        body = {"title": title, "content": content, "caller_phone": "13900001111", "district": "双清区"}
        number: str = self.page.evaluate(CREATE, body)
        return number

    def open_desk(self) -> None:
        self.page.goto(self.url + "/desk")
        self.page.wait_for_load_state("networkidle")

    def toast(self, words: str) -> str:
        self.page.wait_for_selector(f"#toast:not(.hidden):has-text('{words}')")
        return str(self.page.text_content("#toast"))


def test_dispatch_without_a_unit_says_so_in_chinese(browser: Any, live_server: LiveServer) -> None:
    desk = Desk(browser, live_server, "dispatcher")
    number = desk.create("路灯不亮测试", "小区门口路灯坏了一周")
    desk.open_desk()
    row = desk.page.locator(f"#drafts tr[data-ticket='{number}']")
    row.locator("select").select_option("")
    row.locator("button", has_text="派单").click()
    assert "请先选择承办单位" in desk.toast("请先选择承办单位")
    desk.page.reload()
    desk.page.wait_for_load_state("networkidle")
    assert desk.page.locator(f"#drafts tr[data-ticket='{number}']").count() == 1  # still a draft
    assert desk.dialogs == [] and desk.errors == []


def test_search_by_number_and_keyword_finds_the_ticket(browser: Any, live_server: LiveServer) -> None:
    desk = Desk(browser, live_server, "dispatcher")
    wanted = desk.create("井盖缺失查询测试", "人行道上井盖不见了，晚上很危险")
    other = desk.create("噪音扰民查询测试", "楼下烧烤店深夜噪音")
    desk.open_desk()
    desk.page.fill("#search-number", wanted)
    desk.page.click("#search-form button[type=submit]")
    desk.page.wait_for_function("() => document.querySelectorAll('#search tr').length === 1")
    assert desk.page.locator(f"#search tr[data-ticket='{wanted}']").count() == 1

    desk.page.fill("#search-number", "")
    desk.page.fill("#search-q", "烧烤店")
    desk.page.click("#search-form button[type=submit]")
    desk.page.wait_for_selector(f"#search tr[data-ticket='{other}']")
    assert desk.page.locator("#search tr").count() == 1

    desk.page.fill("#search-q", "")
    desk.page.fill("#search-from", "2030-01-02")
    desk.page.fill("#search-to", "2030-01-01")
    desk.page.click("#search-form button[type=submit]")
    assert "起始日期不能晚于截止日期" in desk.toast("起始日期")
    assert desk.dialogs == [] and desk.errors == []


def test_supervision_by_number_shows_the_number_and_confirms_in_a_toast(
    browser: Any, live_server: LiveServer
) -> None:
    number = Desk(browser, live_server, "dispatcher").create("违章搭建督办测试", "邻居在楼顶私搭乱建")
    desk = Desk(browser, live_server, "supervisor")
    desk.open_desk()
    desk.page.fill("#sv-number", "20000101-99999")
    desk.page.fill("#sv-note", "请加快办理")
    desk.page.click("#supervise-form button[type=submit]")
    assert "未找到工单 20000101-99999" in desk.toast("未找到工单")

    desk.page.fill("#sv-number", number)
    desk.page.click("#supervise-form button[type=submit]")
    assert f"已督办 {number}" in desk.toast("已督办")
    row = desk.page.locator(f"#supervisions tr[data-ticket='{number}']")
    row.wait_for()
    assert row.locator("a").text_content() == number
    assert "工单 " not in (desk.page.text_content("#supervisions") or "")
    desk.page.screenshot(path=str(SHOTS / "desk-1440.png"), full_page=True)
    assert desk.dialogs == [] and desk.errors == []


def test_intake_for_a_dispatcher_has_no_call_bar(browser: Any, live_server: LiveServer) -> None:
    desk = Desk(browser, live_server, "dispatcher")
    desk.page.goto(live_server.url + "/intake")
    desk.page.wait_for_load_state("networkidle")
    assert desk.page.locator("#callbar").count() == 0
    assert desk.page.locator("#btn-answer, #btn-ready, #seat-code").count() == 0
    assert desk.page.locator("#title").is_visible()
    assert desk.dialogs == [] and desk.errors == []
