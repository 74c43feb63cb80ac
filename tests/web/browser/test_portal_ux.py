"""The unit portal as a clerk uses it: buttons follow state, a return picks a unit by name, outcomes stay."""

import re
from typing import Any

import pytest

from tests.web.browser.conftest import SHOTS, LiveServer, signed_in_page
from tests.web.conftest import TICKET

pytestmark = pytest.mark.browser
TIMEOUT_MS = 5000

# Create and dispatch through the dispatcher's own session (the page's CSRF token), as the desk does.
DISPATCH = """async ([ticket, unit]) => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const post = async (path, body) => {
    const r = await fetch(path, { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf } });
    if (!r.ok) throw new Error(path + " " + r.status + " " + await r.text());
    return r.json();
  };
  const created = await post("/api/tickets", ticket);
  return (await post(`/api/tickets/${created.ticket.id}/dispatch`, { unit_code: unit })).number;
}"""


def _page(browser: Any, server: LiveServer, username: str) -> Any:
    return signed_in_page(browser, server, username)


def _open(portal: Any, number: str) -> None:
    portal.locator(f"#inbox tr[data-ticket='{number}']").click()
    portal.wait_for_selector(f"#d-number:has-text('{number}')")


def _disabled(portal: Any, *ids: str) -> list[bool]:
    return [portal.is_disabled(f"#{i}") for i in ids]


def _toast_gone(portal: Any) -> None:
    """Wait out the 5 s toast: what the clerk still sees afterwards is what stays on the ticket."""
    portal.wait_for_selector("#toast", state="hidden", timeout=8000)


def test_a_unit_signs_asks_for_an_extension_and_returns(browser: Any, live_server: LiveServer) -> None:
    server = live_server
    desk = _page(browser, server, "dispatcher")
    kept = desk.evaluate(DISPATCH, [{**TICKET, "title": "楼道照明损坏"}, "housing"])
    returned = desk.evaluate(DISPATCH, [{**TICKET, "title": "价格监管投诉误派"}, "housing"])

    portal = _page(browser, server, "unit_housing")
    assert portal.url.endswith("/portal")

    # 1. a dispatched ticket: only 签收, 联系 and 退单 make sense before signing
    _open(portal, kept)
    assert _disabled(portal, "btn-sign", "btn-contact", "btn-reply", "btn-return", "btn-extend") == [
        False,
        False,
        True,
        False,
        True,
    ]
    assert portal.is_disabled("#reply-text")  # its inputs shut with the button
    assert portal.get_attribute("#btn-reply", "title") == "请先签收"
    assert portal.text_content("#d-mine") == "本单位：主办，尚未签收"
    portal.click("#btn-sign")
    portal.wait_for_selector("#d-status:has-text('办理中')")
    # signed: 签收 is done with, 回复 and 延期 open up
    assert _disabled(portal, "btn-sign", "btn-reply", "btn-return", "btn-extend") == [
        True,
        False,
        False,
        False,
    ]
    assert not portal.is_disabled("#reply-text")
    assert portal.get_attribute("#btn-sign", "title") == "本单位已签收"
    assert re.fullmatch(r"本单位：主办，已于 .+ 签收", portal.text_content("#d-mine") or "")
    _toast_gone(portal)
    assert portal.is_visible("#detail-result")
    assert (portal.text_content("#detail-result") or "").startswith(f"已签收：{kept}")

    # 2. an extension: pending is shown, asking again is not possible
    portal.fill("#ext-days", "4")
    portal.fill("#ext-reason", "需协调供电公司更换线路")
    portal.click("#btn-extend")
    portal.wait_for_selector("#d-extension:has-text('延期申请待审批')")
    assert "4 个工作日" in (portal.text_content("#d-extension") or "")
    assert "需协调供电公司更换线路" in (portal.text_content("#d-extension") or "")
    assert portal.is_disabled("#btn-extend")
    assert portal.get_attribute("#btn-extend", "title") == "已有延期申请待审批"
    assert "申请延期" in (portal.text_content("#d-events") or "")  # the timeline speaks Chinese
    assert "request_extension" not in (portal.text_content("#d-events") or "")
    _toast_gone(portal)
    assert (portal.text_content("#detail-result") or "").startswith(f"已申请延期 4 个工作日：{kept}")
    # the pending request survives a reload: it comes from the ticket, not from the page's memory
    portal.reload()
    portal.wait_for_load_state("networkidle")
    portal.click("[role=tab][data-status='handling']")
    _open(portal, kept)
    assert portal.is_visible("#d-extension")
    assert portal.is_disabled("#btn-extend")

    # 3. a return: the suggested unit is picked from a list by its name
    portal.click("[role=tab][data-status='dispatched']")
    _open(portal, returned)
    options = portal.eval_on_selector_all("#return-unit option", "os => os.map(o => o.textContent)")
    assert "发改委" in options
    assert "住建局" not in options  # not the unit itself
    portal.fill("#return-reason", "价格问题属发改委职责")
    portal.select_option("#return-unit", label="发改委")
    portal.click("#btn-return")
    portal.wait_for_selector("#d-status:has-text('已退单')")
    assert _disabled(portal, "btn-sign", "btn-contact", "btn-reply", "btn-return", "btn-extend") == [True] * 5
    assert "等待派单员审核" in (portal.text_content("#d-mine") or "")
    _toast_gone(portal)
    assert (portal.text_content("#detail-result") or "").startswith(f"已退单（建议由发改委承办）：{returned}")
    # the unit still finds it under its own 已退单
    portal.click("[role=tab][data-status='returned']")
    portal.wait_for_selector(f"#inbox tr[data-ticket='{returned}']")
    assert portal.locator(f"#inbox tr[data-ticket='{kept}']").count() == 0
    portal.screenshot(path=str(SHOTS / "portal-ux.png"), full_page=True)

    # the dispatcher sees the suggestion as the unit's code, the one picked by name
    pending = desk.evaluate("async () => (await (await fetch('/api/worklists/returns')).json())")
    ours = [r for r in pending if r["ticket"]["number"] == returned]
    assert [r["suggested_unit_code"] for r in ours] == ["ndrc"]
