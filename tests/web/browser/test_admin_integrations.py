"""The admin's 接口密钥 and 转接目标 in Chromium at 1440×900 and 1920×1080: a key shown once and
revoked; a transfer target added, and the operator's seat page offering it."""

from typing import Any

import pytest

from tests.web.browser.conftest import SCREENS, SHOTS, LiveServer, signed_in_page

pytestmark = pytest.mark.browser


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "horizontal scroll"


@pytest.mark.parametrize("screen", SCREENS)
def test_a_key_is_shown_once_and_revoked(browser: Any, live_server: LiveServer, screen: str) -> None:
    page = signed_in_page(browser, live_server, "admin", size=SCREENS[screen])
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.click("a[data-section=apikeys]")
    partner = f"市数据局平台-{screen}"
    page.fill("#apikey-partner", partner)
    page.click("#apikey-form button[type=submit]")
    page.wait_for_selector("#apikey-new:not([hidden])")
    key = page.text_content("#apikey-value") or ""
    assert key.startswith("h311_")
    row = page.locator("#apikey-rows tr", has_text=partner)
    row.wait_for()
    assert key[:12] in row.inner_text() and key not in row.inner_text() and "使用中" in row.inner_text()
    _fits(page)
    page.screenshot(path=str(SHOTS / f"admin-apikeys-{screen}.png"), full_page=True)
    open311 = f"{live_server.url}/open311/v2/requests.json"
    assert page.request.get(open311, headers={"X-API-Key": key}).status == 200
    # Gone on reload: only its prefix is left.
    page.reload()
    page.wait_for_load_state("networkidle")
    row = page.locator("#apikey-rows tr", has_text=partner)
    row.wait_for()
    assert page.locator("#apikey-new").is_hidden() and key not in page.content()
    # Revoked with two clicks: the first only asks.
    button = row.get_by_role("button", name="吊销")
    button.click()
    assert button.inner_text() == "确认吊销？"
    assert page.request.get(open311, headers={"X-API-Key": key}).status == 200
    button.click()
    page.locator("#apikey-rows tr", has_text=partner).filter(has_text="已吊销").wait_for()
    assert page.request.get(open311, headers={"X-API-Key": key}).status == 403
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_a_new_transfer_target_reaches_the_seat(browser: Any, live_server: LiveServer, screen: str) -> None:
    page = signed_in_page(browser, live_server, "admin", size=SCREENS[screen])
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.click("a[data-section=transfer]")
    page.locator("#transfer-rows tr", has_text="人社").wait_for()
    name, extension = f"公积金{screen}", "2101" if screen == "laptop" else "2102"
    page.fill("#transfer-name", name)
    page.fill("#transfer-extension", "21-01")  # refused in Chinese, the form keeps what was typed
    page.click("#transfer-save")
    page.locator("#toast", has_text="格式不符合要求").wait_for()
    assert page.input_value("#transfer-name") == name
    page.fill("#transfer-extension", extension)
    page.select_option("#transfer-kind", "expert")
    page.click("#transfer-save")
    row = page.locator("#transfer-rows tr", has_text=name)
    row.wait_for()
    assert extension in row.inner_text() and "专家坐席" in row.inner_text()
    _fits(page)
    page.screenshot(path=str(SHOTS / f"admin-transfer-{screen}.png"), full_page=True)
    # The operator's picker lists it by name, beside the seeded lines.
    seat = signed_in_page(browser, live_server, "operator1", size=SCREENS[screen])
    option = seat.locator(f"#transfer-expert option[value='{name}']")
    option.wait_for(state="attached")
    assert option.inner_text() == f"{name} {extension}"
    assert seat.locator("#transfer-emergency option[value='报警']").inner_text() == "110 报警"
    seat.context.close()
    # Deactivated: the seat no longer offers it.
    row.get_by_role("button", name="停用").click()
    page.locator("#transfer-rows tr", has_text=name).filter(has_text="已停用").wait_for()
    seat = signed_in_page(browser, live_server, "operator1", size=SCREENS[screen])
    seat.locator("#transfer-expert option[value='人社']").wait_for(state="attached")
    assert seat.locator(f"#transfer-target option[value='{name}']").count() == 0
    seat.context.close()
    assert errors == []
    page.context.close()
