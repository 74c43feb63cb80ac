"""每月一题 from the reports page: the brief opens, fits the screen, and names this month's hot spot."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline.categories.service import get_category_by_code
from tests.factories import make_ticket
from tests.web.browser.conftest import SCREENS, SHOTS, LiveServer, signed_in_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_the_brief_from_the_reports_page(browser: Any, live_server: LiveServer, screen: str) -> None:
    now = datetime.now(UTC)
    with live_server.world.session() as session:
        vending = get_category_by_code(session, code="urban.street_vending").id
        for i in range(2):
            make_ticket(session, now, title=f"夜市占道 {screen} {i}", district="邵东市", category_id=vending)
    month = now.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    page = signed_in_page(browser, live_server, "supervisor", size=SCREENS[screen])
    page.goto(live_server.url + "/reports")
    page.click("#brief")
    page.wait_for_selector("#brief-page")
    page.fill("#month", month)
    page.click("#brief-page button[type=submit]")
    page.wait_for_selector(".brief-topic h2:has-text('邵东市 · 占道经营')")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / f"brief-{screen}.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#brief-xlsx")
    assert download.value.suggested_filename == f"hotline-brief-{month}.xlsx"
    page.context.close()
