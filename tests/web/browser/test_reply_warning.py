"""答非所问 in the portal: the clerk sees why a reply is weak, may submit it anyway; the desk reviews it."""

from typing import Any

import pytest

from hotline.enums import TicketStatus
from hotline.ports import ReplyVerdict
from hotline.tickets import service as svc
from tests.factories import DISPATCHER, make_ticket, unit_actor
from tests.web.browser.conftest import SHOTS, LiveServer, signed_in_page

pytestmark = pytest.mark.browser
STOCK = "您反映的问题已收悉，我单位高度重视，将认真研究，积极协调相关部门妥善处理，感谢您的支持。"


def test_a_stock_reply_is_warned_then_confirmed_then_reviewed(browser: Any, live_server: LiveServer) -> None:
    now = live_server.world.clock.now()
    with live_server.world.session() as session:
        ticket = make_ticket(session, now, title="楼道灯坏了两个月")
        assert ticket.id is not None
        svc.dispatch(session, ticket_id=ticket.id, unit_code="housing", actor=DISPATCHER, now=now)
        svc.sign(session, ticket_id=ticket.id, actor=unit_actor(session, "housing"), now=now)
        number = ticket.number
    portal = signed_in_page(browser, live_server, "unit_housing")
    portal.click("[role=tab][data-status=handling]")
    portal.locator(f"#inbox tr[data-ticket='{number}']").click()
    portal.wait_for_selector(f"#d-number:has-text('{number}')")
    portal.fill("#reply-text", STOCK)
    portal.click("#btn-reply")
    portal.wait_for_selector("#reply-warning:not([hidden])")
    warning = portal.text_content("#reply-warning-text") or ""
    assert "多为套话" in warning and "未写明具体办理措施" in warning
    assert portal.text_content("#d-status") == "办理中" and portal.input_value("#reply-text") == STOCK
    portal.screenshot(path=str(SHOTS / "portal-reply-warning.png"), full_page=True)
    portal.click("#btn-reply-anyway")
    portal.wait_for_selector("#d-status:has-text('待回访')")
    assert portal.is_hidden("#reply-warning")
    desk = signed_in_page(browser, live_server, "dispatcher")
    row = desk.locator(f"#reply-review tr[data-ticket='{number}']")
    row.wait_for()
    assert "多为套话" in (row.text_content() or "")
    for page in (portal, desk):
        page.context.close()


def test_the_desk_closes_a_reviewed_reply_whose_caller_declined_a_callback(
    browser: Any, live_server: LiveServer
) -> None:
    now = live_server.world.clock.now()
    with live_server.world.session() as session:
        ticket = make_ticket(session, now, title="小区门口路灯不亮", consent_callback=False)
        assert ticket.id is not None
        unit = unit_actor(session, "housing")
        svc.dispatch(session, ticket_id=ticket.id, unit_code="housing", actor=DISPATCHER, now=now)
        svc.sign(session, ticket_id=ticket.id, actor=unit, now=now)
        weak = ReplyVerdict(score=0.1, low=True, issues=("boilerplate",))
        svc.reply(session, ticket_id=ticket.id, actor=unit, now=now, text=STOCK, verdict=weak, confirmed=True)
        number = ticket.number
    desk = signed_in_page(browser, live_server, "dispatcher")
    row = desk.locator(f"#reply-review tr[data-ticket='{number}']")
    row.get_by_role("button", name="复核无误，办结").click()
    desk.wait_for_selector("text=已办结（来电人不同意回访）")
    row.wait_for(state="detached")
    with live_server.world.session() as session:
        assert svc.get_ticket(session, ticket_id=ticket.id, actor=DISPATCHER).status is TicketStatus.CLOSED
    desk.context.close()
