"""Swagger UI and ReDoc render in Chromium with every other host unreachable, under the app's CSP."""

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web.browser.conftest import SHOTS, LiveServer

pytestmark = pytest.mark.browser
TIMEOUT_MS = 10000
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# Each page records the CSP violations it meets (the browser reports them as events, not errors).
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _offline_page(browser: Any, server: LiveServer) -> tuple[Any, list[str], list[str]]:
    """A page whose requests to any host but the test server fail, as on the hotline's network."""
    local = urlsplit(server.url).netloc
    blocked: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")

    def only_local(route: Any) -> None:
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, blocked, errors


def test_swagger_ui_lists_the_operations_offline(browser: Any, live_server: LiveServer) -> None:
    page, blocked, errors = _offline_page(browser, live_server)
    page.goto(live_server.url + "/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 50
    assert page.locator(".opblock-summary-path[data-path='/api/tickets']").count() >= 1
    page.locator(".info .title").filter(has_text="12345 政务服务便民热线").wait_for()
    # an operation opens (the UI's own scripts work, not just the first paint)
    page.locator(".opblock-summary-path[data-path='/api/me']").first.click()
    page.wait_for_selector(".opblock.is-open .responses-wrapper")
    violations = page.evaluate("() => window.__csp")
    page.screenshot(path=str(SHOTS / "api-docs.png"))
    page.context.close()
    assert blocked == []
    assert violations == [], violations
    assert errors == []


def test_redoc_renders_and_searches_offline(browser: Any, live_server: LiveServer) -> None:
    page, blocked, errors = _offline_page(browser, live_server)
    page.goto(live_server.url + "/redoc")
    page.get_by_role("heading", name="12345 政务服务便民热线").first.wait_for()
    page.wait_for_selector("[data-section-id^='operation/']")
    # the search index lives in a web worker (blob: URL, allowed on this page only)
    page.fill("input[aria-label='Search']", "extension")
    page.wait_for_selector("[data-role='search:results'] li[role='menuitem']")
    violations = page.evaluate("() => window.__csp")
    page.screenshot(path=str(SHOTS / "api-redoc.png"))
    page.context.close()
    assert blocked == []
    # the one thing refused: Redocly's logo in ReDoc's footer, from their CDN (ReDoc then hides it)
    assert violations == [f"img-src {REDOCLY_LOGO}"], violations
    assert [error for error in errors if REDOCLY_LOGO not in error] == []
