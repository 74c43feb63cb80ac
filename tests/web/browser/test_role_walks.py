"""Each role's real job, end to end in Chromium, on a laptop (1440×900) and a control-room screen (1920×1080).

One ticket goes the whole way: a dispatcher records a letter at /intake and dispatches it from the
desk, the housing unit signs, reaches the citizen and replies, an operator makes the callback, the
supervisor finds it closed, reads the reports and exports them, and the admin sees it all in the
audit trail. On every page: nothing is cut off sideways, no script error, no dialog.
"""

import re
from typing import Any

import pytest

from tests.web.browser.conftest import SCREENS, SHOTS, LiveServer, signed_in_page

pytestmark = pytest.mark.browser


class Walk:
    """The pages one screen size opens, with the script errors they raised."""

    def __init__(self, browser: Any, server: LiveServer, size: tuple[int, int]) -> None:
        self.browser, self.server, self.size = browser, server, size
        self.errors: list[str] = []
        self.pages: list[Any] = []

    def open(self, username: str, path: str | None = None) -> Any:
        page = signed_in_page(self.browser, self.server, username, size=self.size)
        page.on("pageerror", lambda err: self.errors.append(f"{page.url}: {err}"))
        if path:
            page.goto(self.server.url + path)
            page.wait_for_load_state("networkidle")
        self.pages.append(page)
        return page

    def fits(self, page: Any, name: str) -> None:
        """Nothing wider than the window (no sideways scrolling), and a picture for the record."""
        wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{name} at {self.size}: {wide} px cut off on the right"
        page.screenshot(path=str(SHOTS / f"walk-{name}-{self.size[0]}.png"), full_page=True)

    def close(self) -> None:
        for page in self.pages:
            page.context.close()
        assert self.errors == []


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_one_ticket_through_every_role(browser: Any, live_server: LiveServer, screen: str) -> None:
    walk = Walk(browser, live_server, SCREENS[screen])
    title = f"来信：小区楼道灯长期不亮 {screen}"

    # The dispatcher records a letter (no call) and keeps it as a draft.
    intake = walk.open("dispatcher", "/intake")
    intake.fill("#caller_name", "赵六")
    intake.fill("#caller_phone", "13700001111")
    intake.fill("#address", "双清区龙须塘街道 12 号楼")
    intake.fill("#title", title)
    intake.fill("#content", "小区 12 号楼楼道灯坏了两个月，老人晚上上下楼不安全，多次找物业未修。")
    intake.select_option("#nature", "complaint")
    intake.click("#btn-save")
    intake.wait_for_selector("#form-result:has-text('已保存工单')")
    found = re.search(r"\d{8}-\d{5}", intake.text_content("#form-result") or "")
    assert found is not None
    number = found.group(0)
    walk.fits(intake, "intake")

    # At the desk the draft waits; the dispatcher picks 住建局 and dispatches it.
    desk = walk.open("dispatcher")
    assert desk.url.endswith("/desk")
    row = desk.locator(f"#drafts tr[data-ticket='{number}']")
    row.wait_for()
    row.locator("select").select_option("housing")
    row.get_by_role("button", name="派单").click()
    desk.wait_for_selector(f"#toast:has-text('已派单 {number}')")
    desk.wait_for_selector(f"#drafts:not(:has(tr[data-ticket='{number}']))")
    walk.fits(desk, "desk")

    # The housing clerk signs, calls the citizen, and replies.
    portal = walk.open("unit_housing")
    assert portal.url.endswith("/portal")
    portal.locator(f"#inbox tr[data-ticket='{number}']").click()
    portal.wait_for_selector(f"#d-number:has-text('{number}')")
    portal.click("#btn-sign")
    portal.wait_for_selector("#d-status:has-text('办理中')")
    portal.click("#btn-contact")
    portal.wait_for_selector("#d-events:has-text('联系')")
    portal.fill("#reply-text", "已安排物业更换 12 号楼全部楼道灯，并与赵先生电话确认。")
    portal.click("#btn-reply")
    portal.wait_for_selector("#d-status:has-text('待回访')")
    walk.fits(portal, "portal")

    # An operator rings the citizen back: solved, satisfied.
    seat = walk.open("operator1")
    callback = seat.locator(f"#callbacks tr[data-ticket='{number}']")
    callback.wait_for()
    callback.locator("select[data-solved]").select_option("yes")
    callback.get_by_role("button", name="满意", exact=True).click()
    seat.wait_for_selector(f"#callbacks:not(:has(tr[data-ticket='{number}']))")
    walk.fits(seat, "seat")

    # The supervisor finds it closed, reads the period's figures and exports them.
    board = walk.open("supervisor")
    board.fill("#search-number", number)
    board.click("#search-form button[type=submit]")
    board.wait_for_selector(f"#search tr[data-ticket='{number}']:has-text('已办结')")
    board.goto(live_server.url + "/reports")
    board.wait_for_selector("#totals :text('受理')")
    with board.expect_download() as download:
        board.click("#export")
    assert download.value.suggested_filename.endswith(".xlsx")
    walk.fits(board, "reports")
    board.goto(live_server.url + "/wallboard")
    board.wait_for_function("() => document.querySelector('#live').textContent === '实时'")
    walk.fits(board, "wallboard")

    # The admin: every tab of /admin opens, and the trail shows the day's sign-ins.
    admin = walk.open("admin")
    assert admin.url.endswith("/admin")
    tabs = admin.locator("nav.tabs a")
    assert tabs.count() >= 1
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        key = tab.get_attribute("data-section")
        tab.click()
        admin.wait_for_selector(f"#admin-{key}:not([hidden])")
        admin.wait_for_load_state("networkidle")
        walk.fits(admin, f"admin-{key}")
    admin.click("nav.tabs a[data-section=audit]")
    admin.select_option("#audit-action", "login.ok")
    admin.click("#audit-form button[type=submit]")
    admin.wait_for_selector("#audit-rows tr[data-action='login.ok']")
    walk.close()
