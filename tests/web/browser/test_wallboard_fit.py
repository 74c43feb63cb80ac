"""The wallboard fits every screen from 1366×768 to 4K; the seat's callback asks 已解决 with no default."""

from typing import Any

import pytest
from sqlmodel import Session, select

from hotline.enums import Satisfaction
from hotline.tickets import service as tickets
from hotline.tickets.models import CallbackRecord, Ticket
from tests.factories import DISPATCHER, OPERATOR, make_ticket, unit_actor
from tests.web.browser.conftest import SHOTS, LiveServer, signed_in_page

pytestmark = pytest.mark.browser
TIMEOUT_MS = 5000
SIZES = [(1366, 768), (1440, 900), (1920, 1080), (3840, 2160)]
PANELS = "header, .kpi, .tile"


def _page(browser: Any, server: LiveServer, username: str, width: int, height: int) -> Any:
    return signed_in_page(browser, server, username, size=(width, height))


def _replied_ticket(server: LiveServer, title: str) -> tuple[int, str]:
    """A ticket the housing unit has replied to: due a callback."""
    services = server.world.app.state.services
    now = services.clock.now()
    with Session(services.engine) as session:
        ticket = make_ticket(session, now, caller_phone="13700000009", title=title)
        assert ticket.id is not None
        unit = unit_actor(session, "housing")
        tickets.dispatch(session, ticket_id=ticket.id, unit_code="housing", actor=DISPATCHER, now=now)
        tickets.sign(session, ticket_id=ticket.id, actor=unit, now=now)
        tickets.reply(session, ticket_id=ticket.id, actor=unit, now=now, text="已处理。")
        return ticket.id, ticket.number


@pytest.fixture(scope="module")
def board_data(live_server: LiveServer) -> None:
    """Something in every panel: a solved and an unsolved callback, so 解决率 is 50 %."""
    services = live_server.world.app.state.services
    for n, solved in enumerate((True, False)):
        ticket_id, _ = _replied_ticket(live_server, f"大屏测试工单{n}")
        with Session(services.engine) as session:
            tickets.record_callback(
                session,
                ticket_id=ticket_id,
                actor=OPERATOR,
                now=services.clock.now(),
                reached=True,
                satisfaction=Satisfaction.SATISFIED,
                solved=solved,
            )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_panel_lies_inside_the_screen_without_overlap(
    browser: Any, live_server: LiveServer, board_data: None, width: int, height: int
) -> None:
    page = _page(browser, live_server, "supervisor", width, height)
    page.goto(live_server.url + "/wallboard")
    page.wait_for_function("() => document.querySelector('#live').textContent === '实时'")
    page.wait_for_function("() => document.querySelector('#ranking tr') !== null")
    boxes = page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)].map((n) => {
            const r = n.getBoundingClientRect();
            return { name: n.dataset.key || n.querySelector('h1, h2, .label')?.textContent || n.className,
                     left: r.left, top: r.top, right: r.right, bottom: r.bottom };
        })""",
        PANELS,
    )
    assert len(boxes) == 1 + 8 + 6  # header, 8 figures, 6 tiles
    for box in boxes:
        assert box["left"] >= 0 and box["top"] >= 0, box
        assert box["right"] <= width and box["bottom"] <= height, box
        assert box["right"] - box["left"] > 0 and box["bottom"] - box["top"] > 0, box
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["right"] <= b["left"]
                or b["right"] <= a["left"]
                or a["bottom"] <= b["top"]
                or b["bottom"] <= a["top"]
            )
            assert apart, (a, b)
    # Nothing scrolls: the page is exactly the screen.
    assert page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    ) == [
        width,
        height,
    ]
    # Each figure's number is whole inside its tile (not clipped by the narrower columns).
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('.kpi .value')]"
        ".filter((v) => v.scrollWidth > v.clientWidth).length"
    )
    assert clipped == 0
    # The ranking's rates are whole too (only a long unit name may end in an ellipsis).
    cut = page.evaluate(
        "() => [...document.querySelectorAll('#ranking td:not(:nth-child(2))')]"
        ".filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent)"
    )
    assert cut == []
    solve = page.locator('.kpi[data-key="solve"]')
    assert solve.locator(".label").text_content() == "解决率"
    assert solve.locator(".value").text_content() == "50.00%"
    assert (solve.locator(".target").text_content() or "").endswith("1/2")
    assert page.locator("#ranking-table th", has_text="解决").count() == 1
    page.wait_for_timeout(600)  # let the charts finish their animation for the picture
    page.screenshot(path=str(SHOTS / f"wallboard-{width}x{height}.png"))
    page.context.close()


def test_a_reached_callback_needs_an_explicit_solved_answer(browser: Any, live_server: LiveServer) -> None:
    ticket_id, number = _replied_ticket(live_server, "回访解决测试")
    page = _page(browser, live_server, "operator1", 1600, 1000)
    row = page.locator(f"#callbacks tr[data-ticket='{number}']")
    row.wait_for()
    choice = row.locator("select[data-solved]")
    assert choice.input_value() == ""  # no default
    row.get_by_role("button", name="满意", exact=True).click()
    page.wait_for_selector("#toast:has-text('请先选择问题是否解决')")
    services = live_server.world.app.state.services
    with Session(services.engine) as session:
        assert (
            session.exec(select(CallbackRecord).where(CallbackRecord.ticket_id == ticket_id)).first() is None
        )
    choice.select_option("no")
    row.get_by_role("button", name="满意", exact=True).click()
    page.wait_for_selector(f"#callbacks:not(:has(tr[data-ticket='{number}']))")
    with Session(services.engine) as session:
        record = session.exec(select(CallbackRecord).where(CallbackRecord.ticket_id == ticket_id)).one()
        assert (record.reached, record.solved) == (True, False)
        assert session.get_one(Ticket, ticket_id).solved is False
    page.context.close()
