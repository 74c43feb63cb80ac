"""Live auto-fill: the notes fill 五要素 marked as suggestions; the operator's edit or save confirms them."""

from typing import Any

import pytest

from tests.web.browser.conftest import SCREENS, LiveServer, signed_in_page

pytestmark = pytest.mark.browser
NOTES = "双清区龙须塘街道金龙小区3栋楼下烧烤店油烟直排，连续一周了，要求尽快整改"


def _suggested(page: Any) -> list[str]:
    found: list[str] = page.evaluate(
        "() => [...document.querySelectorAll('#ticket-form [data-suggested]')].map((f) => f.id).sort()"
    )
    return found


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_notes_fill_the_elements_until_the_operator_confirms(
    browser: Any, live_server: LiveServer, screen: str
) -> None:
    page = signed_in_page(browser, live_server, "dispatcher", size=SCREENS[screen])
    page.goto(live_server.url + "/intake")
    page.fill("#who", "金龙小区物业")  # typed by the operator: never replaced
    page.focus("#content")
    page.keyboard.type(NOTES)
    page.wait_for_selector("#address[data-suggested]")
    assert page.input_value("#address") == "双清区龙须塘街道金龙小区3栋"
    assert page.input_value("#when") == "连续一周了" and page.input_value("#title") == "楼下烧烤店油烟直排"
    assert page.input_value("#who") == "金龙小区物业"
    assert {"address", "when", "title", "district", "street"} <= set(_suggested(page))
    assert "who" not in _suggested(page) and page.is_visible("#suggested-note")
    page.fill("#when", "上周一开始")  # the operator corrects one: that one is confirmed
    assert "when" not in _suggested(page) and "address" in _suggested(page)
    page.select_option("#nature", "complaint")
    page.click("#btn-save")
    page.wait_for_selector("#form-result:has-text('已保存工单')")
    assert _suggested(page) == [] and page.is_hidden("#suggested-note")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()
