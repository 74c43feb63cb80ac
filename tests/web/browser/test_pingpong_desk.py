"""The dispatcher sees 来回推诿 coming (on the return) and done (its own panel); reports count the pair."""

from datetime import timedelta
from typing import Any

import pytest

from hotline.tickets import service as svc
from tests.factories import DISPATCHER, make_ticket, unit_actor
from tests.web.browser.conftest import SHOTS, LiveServer, signed_in_page

pytestmark = pytest.mark.browser


def _bounce(server: LiveServer, title: str, units: list[str], *, pending_to: str | None) -> str:
    """Dispatch through ``units`` by returns; ``pending_to``: the last return waits, suggesting that unit."""
    now = server.world.clock.now() - timedelta(hours=2)
    with server.world.session() as session:
        ticket = make_ticket(session, now, title=title)
        assert ticket.id is not None
        svc.dispatch(session, ticket_id=ticket.id, unit_code=units[0], actor=DISPATCHER, now=now)
        for current, nxt in zip(units, [*units[1:], None], strict=True):
            if nxt is None and pending_to is None:
                break
            now += timedelta(minutes=5)
            suggested = pending_to if nxt is None else nxt
            svc.return_ticket(
                session,
                ticket_id=ticket.id,
                actor=unit_actor(session, current),
                now=now,
                reason="不属于本单位职责",
                suggested_unit_code=suggested,
            )
            if nxt is not None:
                svc.redispatch(session, ticket_id=ticket.id, actor=DISPATCHER, now=now, unit_code=nxt)
        return ticket.number


@pytest.mark.parametrize("size", [(1440, 900), (1920, 1080)])
def test_the_desk_warns_before_and_lists_after(
    browser: Any, live_server: LiveServer, size: tuple[int, int]
) -> None:
    warned = _bounce(live_server, f"占道经营 {size[0]}", ["housing", "urban"], pending_to="housing")
    bounced = _bounce(live_server, f"楼道堆物 {size[0]}", ["housing", "urban", "housing"], pending_to=None)
    desk = signed_in_page(browser, live_server, "dispatcher", size=size)
    row = desk.locator(f"#returns tr[data-ticket='{warned}']")
    row.wait_for()
    assert "派转经过：住建局 → 城管局" in (row.text_content() or "")
    assert row.locator(".pingpong-warning").is_visible()
    listed = desk.locator(f"#pingpong tr[data-ticket='{bounced}']")
    listed.wait_for()
    assert "住建局 → 城管局 → 住建局" in (listed.text_content() or "")
    assert desk.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    desk.screenshot(path=str(SHOTS / f"desk-pingpong-{size[0]}.png"), full_page=True)
    desk.goto(live_server.url + "/reports")
    pair = desk.locator("#pingpong-pairs tr").first
    pair.wait_for()
    text = pair.text_content() or ""
    assert "住建局" in text and "城管局" in text
    desk.context.close()
