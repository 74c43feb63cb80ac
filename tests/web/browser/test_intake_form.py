"""The staff ticket form in Chromium: 性质 has no default, 协办 picks from every unit by name, the
screen pop says nothing of zero calls, and /intake (no phone) shows no call bar or pop."""

from typing import Any

import pytest
from sqlmodel import select

from hotline.enums import Channel
from hotline.tickets.models import Assignment, Ticket
from hotline.units.models import Unit
from tests.factories import make_ticket
from tests.web.browser.conftest import SCREENS, SHOTS, LiveServer, signed_in_page
from tests.web.conftest import ring_and_answer

pytestmark = pytest.mark.browser


def _toast(page: Any, part: str) -> str:
    page.wait_for_selector(f"#toast:not(.hidden):has-text('{part}')")
    return page.text_content("#toast") or ""


def _units(server: LiveServer) -> list[Unit]:
    with server.world.session() as session:
        return [u for u in session.exec(select(Unit).where(Unit.active)).all() if u.kind != "expert"]


@pytest.mark.parametrize("screen", SCREENS)
def test_intake_makes_the_dispatcher_choose_a_nature_and_pick_co_units_from_all(
    browser: Any, live_server: LiveServer, screen: str
) -> None:
    page = signed_in_page(browser, live_server, "dispatcher", size=SCREENS[screen])
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(live_server.url + "/intake")
    page.wait_for_load_state("networkidle")
    # no phone at /intake: no call bar, no screen pop, no transfer buttons
    assert page.locator("#callbar, #pop, #btn-answer, [data-transfer], [data-dial]").count() == 0
    assert page.locator("nav a[href='/docs']").count() == 0  # Swagger is for admins

    # 性质 starts empty and is required
    assert page.input_value("#nature") == ""
    assert page.get_attribute("#nature", "required") is not None
    title = f"井盖缺失 {screen}"
    page.fill("#title", title)
    page.fill("#content", "人民路口井盖缺失，夜间行人容易踩空。")
    page.click("#btn-save")  # the browser's own check stops the submit at the empty select
    assert page.evaluate("() => document.activeElement.id") == "nature"
    assert page.locator("#nature:invalid").count() == 1
    page.focus("#content")
    page.keyboard.press("Alt+s")  # the shortcut saves without a submit: the page checks it too
    assert "请选择诉求性质" in _toast(page, "请选择诉求性质")
    assert page.evaluate("() => document.activeElement.id") == "nature"
    with live_server.world.session() as session:
        assert session.exec(select(Ticket).where(Ticket.title == title)).first() is None

    # 协办: every active unit is there, filtered by name, chosen ones shown as chips
    units = _units(live_server)
    assert page.locator("#co_units input[type=checkbox]").count() == len(units) > 20
    visible = page.evaluate(
        "() => { const list = document.getElementById('co_units');"
        " const row = list.querySelector('label').getBoundingClientRect().height;"
        " return Math.floor(list.clientHeight / row); }"
    )
    assert visible >= 5  # not a two-line box
    page.fill("#co-filter", "供电")
    shown = page.locator("#co_units label:not(.hidden)")
    assert shown.count() >= 1 and all("供电" in (t or "") for t in shown.all_text_contents())
    shown.first.locator("input").check()
    power = shown.first.locator("input").get_attribute("value")
    page.fill("#co-filter", "城管")
    page.locator("#co_units label:not(.hidden) input").first.check()
    urban = page.locator("#co_units label:not(.hidden) input").first.get_attribute("value")
    page.fill("#co-filter", "")
    assert page.locator("#co-chosen button").count() == 2
    assert "已选 2 个" in (page.text_content("#co-count") or "")
    page.select_option("#unit_code", "housing")
    assert page.locator("#co_units input[value='housing']").is_disabled()  # the lead is not a co-unit
    page.locator(f"#co-chosen button[data-co='{urban}']").click()
    assert page.locator("#co-chosen button").count() == 1

    page.select_option("#nature", "complaint")
    page.screenshot(path=str(SHOTS / f"intake-{screen}.png"), full_page=True)
    page.click("#btn-dispatch")
    page.wait_for_selector("#form-result:has-text('已派至')")
    with live_server.world.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.title == title)).one()
        codes = {
            session.get(Unit, a.unit_id).code  # type: ignore[union-attr]
            for a in session.exec(select(Assignment).where(Assignment.ticket_id == ticket.id)).all()
        }
    assert ticket.nature == "complaint" and codes == {"housing", power}
    assert errors == []
    page.context.close()


@pytest.mark.parametrize(
    ("operator", "seat", "number", "open_ticket", "line"),
    [
        ("operator1", "1001", "13511112222", False, "首次来电"),
        ("operator2", "1002", "13511113333", True, "重复来电（在办 1 件）"),  # no "30天内 0 次"
    ],
)
def test_the_pop_says_first_call_or_only_the_counts_that_are_not_zero(
    browser: Any, live_server: LiveServer, operator: str, seat: str, number: str, open_ticket: bool, line: str
) -> None:
    if open_ticket:  # written from a letter: an open ticket for the number, no earlier call
        with live_server.world.session() as session:
            make_ticket(session, live_server.world.clock.now(), caller_phone=number, channel=Channel.MAILBOX)
    page = signed_in_page(browser, live_server, operator, size=SCREENS["fullhd"])
    page.wait_for_function(f"() => document.querySelector('#seat-code').textContent === '{seat}'")
    assert page.locator("#callbar").count() == 1 and page.locator("#pop").count() == 1
    ring_and_answer(live_server.world, linkedid=f"pop-{number}", seat=seat, number=number)
    page.wait_for_selector(f"#pop-number:has-text('{number}')")
    assert page.text_content("#pop-repeat") == line
    assert page.locator("#pop-repeat").is_visible()
    page.context.close()
