"""The seat's call bar and its drafts in Chromium, on the demo's call simulator (1440×900).

The simulator runs in the server's loop as in the demo, but quiet: no arrivals, no breaks, calls
that never answer or end by themselves. ``_ring`` (test-only) puts a caller on a chosen seat's
phone, so each step happens when the test says. Each test works at its own seat.
"""

import asyncio
import re
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlmodel import Session, select

from hotline.calls.events import CallEvent, CallEventKind
from hotline.calls.models import Call, Seat
from hotline.calls.service import handle_call_event
from hotline.clock import SystemClock
from hotline.config import Settings
from hotline.enums import CallDirection, SeatState
from hotline.tickets import service as tickets
from hotline.tickets.models import Ticket
from telephony.simulator import SimConfig, Simulation, _Call
from tests.factories import DISPATCHER, make_ticket, unit_actor
from tests.web.browser.conftest import CHROMIUM, SHOTS, LiveServer, Served, serve_in_thread, signed_in_page
from tests.web.conftest import build_engine, drop_engine, ring_and_answer, web_settings
from web.adapters import RulesOnlyClassifier
from web.app import create_app
from web.deps import AppServices
from web.telephony import SimulatorRunner

pytestmark = pytest.mark.browser
TIMEOUT_MS = 8000
T = TypeVar("T")
QUIET = SimConfig(
    seats=3,
    calls_per_day=0,  # nothing arrives unless a test rings
    ring_s=(3600.0, 3600.0),  # nobody answers but the operator
    mean_handle_s=1e7,  # nobody hangs up but the operator
    transfer_share=0.0,
    wrap_up_share=1.0,
    wrap_up_s=(3.0, 3.0),  # after a call: 3 s of wrap-up, then ready
    breaks_per_seat_hour=0.0,
)
BUTTONS = (
    "btn-answer",
    "btn-hangup",
    "btn-blind",
    "btn-attended",
    "btn-xfer-complete",
    "btn-xfer-threeway",
    "btn-xfer-cancel",
    "btn-ready",
    "btn-pause",
    "btn-login",
    "btn-logoff",
)


@dataclass
class SimServer:
    url: str
    services: AppServices
    sim: Simulation
    loop: asyncio.AbstractEventLoop

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine in the server's loop (where the simulator lives) and wait for it."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=10)

    def ring(self, seat: str, number: str, linkedid: str) -> None:
        self.run(_ring(self.sim, f"Local/{seat}@agents", number, linkedid))

    def call(self, linkedid: str) -> Call:
        with Session(self.services.engine) as session:
            return session.exec(select(Call).where(Call.linkedid == linkedid)).one()


async def _ring(sim: Simulation, interface: str, number: str, linkedid: str) -> None:
    """A caller queues and rings this seat (test-only: the simulator's arrivals pick a seat themselves)."""
    sim.sync()
    seat = sim.seat(interface)
    call = _Call(linkedid=linkedid, number=number, name="张三", joined=sim.now, patience_s=1e9)
    sim._calls[linkedid] = call
    sim._emit(CallEventKind.QUEUED, call=call)
    call.state, call.seat, call.rang = "ringing", seat, sim.now
    sim._set(seat, SeatState.RINGING, call)
    sim._emit(CallEventKind.SEAT_RINGING, call=call, seat=seat)
    await sim._flush()
    sim.poke()


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[SimServer]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    engine = build_engine("sqlite", tmp_path_factory.mktemp("seat-calls"), sqlite_template)
    app = create_app(
        Settings(database_url=str(engine.url)),
        web=web_settings(wallboard_refresh_s=30),
        engine=engine,
        clock=SystemClock(),
        classifier=RulesOnlyClassifier(),
    )
    services: AppServices = app.state.services
    with serve_in_thread(app) as (server, _thread):
        listener = server.servers[0]
        loop = listener.get_loop()
        runner = SimulatorRunner(services, config=QUIET, speed=1.0)
        services.call_control = runner.simulation.control  # what the demo's lifespan does
        asyncio.run_coroutine_threadsafe(runner.start(), loop).result(timeout=10)
        port = listener.sockets[0].getsockname()[1]
        yield SimServer(f"http://127.0.0.1:{port}", services, runner.simulation, loop)
        asyncio.run_coroutine_threadsafe(runner.stop(), loop).result(timeout=10)
    drop_engine(engine)


def _seat_page(browser: Any, server: Served, username: str) -> Any:
    page = signed_in_page(browser, server, username)
    page.set_default_timeout(TIMEOUT_MS)
    assert page.url.endswith("/seat")
    return page


def _state(page: Any, state: str) -> None:
    page.wait_for_selector(f"#seat-state[data-state='{state}']")


def _enabled(page: Any) -> set[str]:
    found: list[str] = page.evaluate(
        "(ids) => ids.filter((id) => !document.getElementById(id).disabled)", list(BUTTONS)
    )
    return set(found)


def _toast(page: Any, words: str) -> str:
    page.wait_for_selector(f"#toast:not(.hidden):has-text('{words}')")
    return str(page.text_content("#toast"))


def test_the_call_bar_follows_a_simulated_call_and_offers_only_what_applies(
    browser: Any, sim_server: SimServer
) -> None:
    page = _seat_page(browser, sim_server, "operator1")
    _state(page, "ready")
    assert page.text_content("#seat-state") == "空闲"
    assert _enabled(page) == {"btn-pause", "btn-logoff"}

    # a caller rings: 接听 and nothing that needs a conversation
    sim_server.ring("1001", "13800138000", "seat-bar-1")
    _state(page, "ringing")
    assert page.text_content("#seat-state") == "来电振铃"
    assert page.text_content("#call-number") == "13800138000"
    assert _enabled(page) == {"btn-answer", "btn-pause"}
    page.screenshot(path=str(SHOTS / "seat-ringing.png"))

    page.click("#btn-answer")
    _state(page, "talking")
    _toast(page, "已接听")
    assert page.text_content("#call-direction") == "呼入"
    page.wait_for_selector("#pop-number:has-text('13800138000')")
    assert page.input_value("#caller_phone") == "13800138000"
    assert _enabled(page) == {"btn-hangup", "btn-blind", "btn-attended", "btn-pause"}
    first = page.text_content("#call-timer") or ""
    assert re.fullmatch(r"\d\d:\d\d", first)
    page.wait_for_function("(t) => document.querySelector('#call-timer').textContent !== t", arg=first)
    assert sim_server.call("seat-bar-1").answered_at is not None
    page.fill("#title", "咨询公积金提取")
    page.screenshot(path=str(SHOTS / "seat-talking.png"))

    page.click("#btn-hangup")
    _state(page, "wrap_up")
    assert page.text_content("#seat-state") == "话后处理"
    assert "btn-hangup" not in _enabled(page) and "btn-answer" not in _enabled(page)
    assert sim_server.call("seat-bar-1").ended_at is not None
    page.wait_for_selector("#seat-state[data-state='ready']", timeout=10_000)  # wrap-up ends by itself

    # 示忙 with a reason, 示闲; 签出 and 签入 through the phone system
    page.select_option("#pause-reason", "培训")
    page.click("#btn-pause")
    _state(page, "paused")
    assert page.text_content("#seat-reason") == "（培训）"
    assert _enabled(page) == {"btn-ready", "btn-logoff"}
    page.keyboard.press("F2")
    _state(page, "ready")
    page.click("#btn-logoff")
    _state(page, "offline")
    assert page.text_content("#seat-state") == "离线（未签入）"
    assert _enabled(page) == {"btn-login"}
    page.click("#btn-login")
    _state(page, "ready")
    page.context.close()


def test_an_unsaved_form_survives_the_next_call_and_a_reload(browser: Any, sim_server: SimServer) -> None:
    page = _seat_page(browser, sim_server, "operator2")
    _state(page, "ready")
    sim_server.ring("1002", "13800000001", "draft-a")
    _state(page, "ringing")
    page.click("#btn-answer")
    page.wait_for_selector("#pop-number:has-text('13800000001')")
    assert page.input_value("#caller_phone") == "13800000001"
    page.keyboard.type("小区门口路灯不亮")  # the pop put the cursor in the title
    page.fill("#content", "已经坏了两个星期，晚上很黑。")
    page.wait_for_selector("#draft-state:has-text('草稿已自动保存')")
    page.click("#btn-hangup")
    _state(page, "wrap_up")
    page.wait_for_selector("#seat-state[data-state='ready']", timeout=10_000)

    # the next call is answered while the form holds unsaved typing: it waits in a banner
    sim_server.ring("1002", "13900000002", "draft-b")
    _state(page, "ringing")
    page.click("#btn-answer")
    page.wait_for_selector("#incoming:not(.hidden)")
    assert "新来电 13900000002" in (page.text_content("#incoming-text") or "")
    page.wait_for_selector("#pop-number:has-text('13900000002')")  # the pop shows who is talking
    assert page.input_value("#title") == "小区门口路灯不亮"
    assert page.input_value("#caller_phone") == "13800000001"
    assert page.input_value("#call_linkedid") == "draft-a"
    page.screenshot(path=str(SHOTS / "seat-banner.png"))

    page.click("#btn-switch")
    page.wait_for_selector("#incoming", state="hidden")
    assert page.input_value("#caller_phone") == "13900000002"
    assert page.input_value("#title") == ""
    drafts = page.locator("#drafts li")
    assert drafts.count() == 1
    assert "13800000001" in (drafts.text_content() or "") and "小区门口路灯不亮" in (
        drafts.text_content() or ""
    )

    # typing for the second call, then a reload: both drafts come back
    page.fill("#title", "噪音投诉")
    page.reload()
    page.wait_for_load_state("networkidle")
    _state(page, "talking")
    assert page.input_value("#title") == "噪音投诉"
    assert page.input_value("#caller_phone") == "13900000002"
    assert page.locator("#incoming").is_hidden()  # the restored form is the live call's
    page.locator("#drafts li[data-draft='draft-a'] button", has_text="继续").click()
    assert page.input_value("#title") == "小区门口路灯不亮"
    assert page.input_value("#content") == "已经坏了两个星期，晚上很黑。"
    page.wait_for_selector("#drafts li[data-draft='draft-b']")

    # a saved ticket clears its draft; the ticket belongs to the first call
    page.select_option("#nature", "help")  # 性质 has no default: the operator chooses
    page.click("#btn-save")
    page.wait_for_selector("#form-result:has-text('已保存工单')")
    assert page.locator("#drafts li[data-draft='draft-a']").count() == 0
    leftover = page.evaluate("() => Object.keys(localStorage).filter((k) => k.includes('draft-a'))")
    assert leftover == []
    with Session(sim_server.services.engine) as session:
        call = session.exec(select(Call).where(Call.linkedid == "draft-a")).one()
        saved = session.exec(select(Ticket).where(Ticket.call_id == call.id)).one()
    assert saved.title == "小区门口路灯不亮"
    page.click("#btn-hangup")
    _state(page, "wrap_up")
    page.context.close()


def test_attended_transfer_cancel_then_three_way_on_the_simulator(
    browser: Any, sim_server: SimServer
) -> None:
    page = _seat_page(browser, sim_server, "operator3")
    _state(page, "ready")
    sim_server.ring("1003", "13600000003", "xfer-1")
    _state(page, "ringing")
    page.click("#btn-answer")
    _state(page, "talking")

    page.click("#btn-attended")  # no target yet: the page asks for one
    _toast(page, "请选择转接目标")
    page.select_option("#transfer-target", "人社")
    page.click("#btn-attended")
    assert "正在咨询专线 人社" in _toast(page, "正在咨询")
    page.wait_for_selector("#call-transfer:has-text('咨询转接中：人社')")
    assert _enabled(page) == {
        "btn-hangup",
        "btn-xfer-complete",
        "btn-xfer-threeway",
        "btn-xfer-cancel",
        "btn-pause",
    }

    page.click("#btn-xfer-cancel")
    _toast(page, "已取消转接")
    assert {"btn-blind", "btn-attended"} <= _enabled(page)
    assert "btn-xfer-threeway" not in _enabled(page)

    page.click("#btn-attended")
    _toast(page, "正在咨询")
    page.click("#btn-xfer-threeway")
    _toast(page, "三方通话中")
    page.wait_for_selector("#call-transfer:has-text('三方通话：人社')")
    assert page.text_content("#seat-state") == "通话中"
    assert _enabled(page) == {"btn-hangup", "btn-pause"}
    call = sim_server.call("xfer-1")
    assert (call.transferred_to, call.ended_at) == ("2001", None)  # 人社 dialled as its extension
    page.screenshot(path=str(SHOTS / "seat-threeway.png"))

    page.click("#btn-hangup")
    _state(page, "wrap_up")
    assert sim_server.call("xfer-1").ended_at is not None
    page.wait_for_selector("#seat-state[data-state='ready']", timeout=10_000)

    # the emergency banner's 转 119 is a blind transfer of the live call
    sim_server.ring("1003", "13600000004", "xfer-2")
    _state(page, "ringing")
    page.click("#btn-answer")
    _state(page, "talking")
    page.fill("#title", "厨房着火了")
    page.fill("#content", "家里厨房着火了，火很大")
    page.wait_for_selector("#emergency:not(.hidden)")
    page.click("#emergency [data-transfer='119']")
    _toast(page, "已转接紧急电话 119")
    _state(page, "wrap_up")
    transferred = sim_server.call("xfer-2")
    assert (transferred.transferred_to, transferred.outcome.value) == ("119", "transferred")
    page.context.close()


def test_callbacks_and_missed_calls_are_dialled_from_the_seat(browser: Any, sim_server: SimServer) -> None:
    services = sim_server.services
    now = services.clock.now()
    with Session(services.engine) as session:
        ticket = make_ticket(session, now, caller_phone="13700000007", title="回访测试工单")
        assert ticket.id is not None
        unit = unit_actor(session, "housing")
        tickets.dispatch(session, ticket_id=ticket.id, unit_code="housing", actor=DISPATCHER, now=now)
        tickets.sign(session, ticket_id=ticket.id, actor=unit, now=now)
        tickets.reply(session, ticket_id=ticket.id, actor=unit, now=now, text="已修复。")
        for kind, at in ((CallEventKind.QUEUED, now), (CallEventKind.ABANDONED, now + timedelta(seconds=30))):
            event = CallEvent(
                kind=kind, at=at, linkedid="missed-1", queue="12345", caller_number="13500000008"
            )
            handle_call_event(session, event=event, publisher=services.hub)
        ticket_id, number = ticket.id, ticket.number
    page = _seat_page(browser, sim_server, "operator1")
    _state(page, "ready")
    row = page.locator(f"#callbacks tr[data-ticket='{number}']")
    row.get_by_role("button", name="拨打", exact=True).click()
    assert "正在呼叫 13700000007：请先接起话机" in _toast(page, "正在呼叫")
    _state(page, "ringing")
    assert page.text_content("#seat-state") == "外呼振铃"
    assert {"btn-hangup", "btn-answer"} <= _enabled(page)
    assert page.locator("button[data-dial]:enabled").count() == 0  # no second call while one rings
    _state(page, "talking")  # the simulated citizen picks up after a few seconds
    assert page.text_content("#call-direction") == "外呼"
    with Session(services.engine) as session:
        placed = session.exec(select(Call).where(Call.ticket_id == ticket_id)).one()
    assert (placed.direction, placed.caller_number) == (CallDirection.OUTBOUND, "13700000007")
    assert page.input_value("#caller_phone") == ""  # a callback is recorded on its ticket, not a new form
    page.click("#btn-hangup")
    _state(page, "wrap_up")
    page.wait_for_selector("#seat-state[data-state='ready']", timeout=10_000)

    page.locator("#missed tr[data-call='missed-1']").get_by_role("button", name="回拨", exact=True).click()
    _toast(page, "正在呼叫 13500000008")
    _state(page, "ringing")
    page.click("#btn-hangup")  # give up before the citizen answers
    page.wait_for_selector("#seat-state[data-state='ready']")
    page.context.close()


def test_without_a_phone_system_the_buttons_answer_in_chinese(browser: Any, live_server: LiveServer) -> None:
    page = _seat_page(browser, live_server, "operator1")
    _state(page, "offline")
    ring_and_answer(live_server.world, linkedid="no-phone-1", seat="1001", number="13800138001")
    _state(page, "talking")
    page.click("#btn-hangup")
    assert "未连接电话系统" in _toast(page, "操作失败")
    with Session(live_server.world.engine) as session:
        seat = session.exec(select(Seat).where(Seat.code == "1001")).one()
    assert seat.state is SeatState.TALKING  # nothing pretended it hung up
    page.context.close()
