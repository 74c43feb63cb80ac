"""No English on any screen: every role signs in, opens every page (every admin tab too) and meets
a few refusals; the visible text and the toasts must hold no English prose (``tests/english.py``).

A ticket with a full timeline (登记, 派单, 签收, 申请延期, 批准延期, 备注) is made first, so the
timelines show every kind of row; its page, the unit's portal and the desk are read with it.
"""

import re
from typing import Any

import pytest
from sqlmodel import Session, select

from hotline.calls.models import Seat
from hotline.categories.models import Category
from hotline.tickets import service as svc
from hotline.units.models import Unit
from hotline.users.models import User
from hotline.users.service import actor_for
from tests.english import english_words
from tests.factories import make_ticket
from tests.web.browser.conftest import LiveServer, signed_in_page

pytestmark = pytest.mark.browser

# role → the pages it works on (the ticket's own page is added to each staff role)
PAGES = {
    "operator1": ["/seat", "/intake"],
    "dispatcher": ["/desk", "/intake"],
    "supervisor": ["/desk", "/reports", "/reports/brief", "/wallboard"],
    "unit_housing": ["/portal"],
    "admin": ["/admin", "/reports"],
}
PUBLIC = ["/login", "/public", "/public/mailbox", "/public/progress", "/no-such-page"]
# A refusal's toast is the server's own words, whatever the page adds in front.
TOAST = "#toast:not(.hidden)"


def _identifiers(server: LiveServer) -> frozenset[str]:
    """What admins type as codes and pages show as data: usernames, unit, category and seat codes,
    the seats' phone interfaces (Local/1001@agents)."""
    with Session(server.world.engine) as session:
        found = {*session.exec(select(User.username)), *session.exec(select(Unit.code))}
        found |= {*session.exec(select(Category.code)), *session.exec(select(Seat.code))}
        found |= set(session.exec(select(Seat.interface)))
    return frozenset(part for code in found for part in re.split(r"[./@]", code))


def _english(page: Any, where: str, data: frozenset[str] = frozenset()) -> list[str]:
    """The English words in what ``page`` shows now (its visible text, the toast included)."""
    shown = page.evaluate("() => document.body.innerText")
    found = english_words(shown, data=data)
    return [f"{where}: {word!r} in …{_around(shown, word)}…" for word in found]


def _around(text: str, word: str) -> str:
    at = text.find(word)
    return text[max(0, at - 30) : at + len(word) + 30].replace("\n", " ⏎ ")


@pytest.fixture(scope="module")
def ticket(live_server: LiveServer) -> tuple[int, str]:
    """A ticket dispatched to 住建局, signed, with an extension asked for and granted, and a note."""
    world = live_server.world
    now = world.clock.now()
    with Session(world.engine) as session:

        def actor(name: str) -> Any:
            return actor_for(session.exec(select(User).where(User.username == name)).one())

        operator, dispatcher, unit = actor("operator1"), actor("dispatcher"), actor("unit_housing")
        made = make_ticket(session, now, actor=operator, title="楼道灯长期不亮（界面语言检查）")
        assert made.id is not None
        ticket_id, number = made.id, made.number
        svc.dispatch(session, ticket_id=ticket_id, unit_code="housing", actor=dispatcher, now=now)
        svc.sign(session, ticket_id=ticket_id, actor=unit, now=now)
        request = svc.request_extension(
            session, ticket_id=ticket_id, actor=unit, now=now, working_days=3, reason="需协调物业"
        )
        assert request.id is not None
        svc.decide_extension(session, request_id=request.id, approve=True, actor=dispatcher, now=now)
    return ticket_id, number


def _refuse(page: Any, path: str, body: dict[str, Any] | None = None, *, csrf: bool = True) -> str:
    """POST ``path`` from the page through its own ``api``/``attempt`` (the toast a button shows on
    a refusal) and return the toast's text; ``csrf=False`` sends the request without the token."""
    page.evaluate(
        """async ([path, body, csrf]) => {
            const m = await import("/static/common.js");
            const meta = document.querySelector('meta[name="csrf-token"]');
            const token = meta?.content;
            if (!csrf && meta) meta.content = "";
            await m.attempt(() => m.api(path, { method: "POST", body }));
            if (meta) meta.content = token;
        }""",
        [path, body if body is not None else {}, csrf],
    )
    page.wait_for_selector(TOAST)
    return str(page.inner_text("#toast"))


def test_every_page_of_every_role_is_chinese(
    browser: Any, live_server: LiveServer, ticket: tuple[int, str]
) -> None:
    ticket_id, number = ticket
    english: list[str] = []
    errors: list[str] = []
    data = _identifiers(live_server)
    for username, paths in PAGES.items():
        page = signed_in_page(browser, live_server, username)
        page.on("pageerror", lambda err: errors.append(str(err)))
        own = [*paths, f"/tickets/{ticket_id}"] if username != "unit_housing" else paths
        for path in own:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            english += _english(page, f"{username} {path}", data)
            if path == "/admin":
                for key in page.locator(".tabs a[data-section]").evaluate_all(
                    "tabs => tabs.map(a => a.dataset.section)"
                ):
                    page.click(f".tabs a[data-section={key}]")
                    page.locator(f"#admin-{key}").wait_for(state="visible")
                    page.wait_for_load_state("networkidle")
                    english += _english(page, f"admin tab {key}", data)
            if path == "/portal":  # the ticket's timeline in the portal
                page.locator("#status-tabs [data-status='handling'], [data-status='handling']").first.click()
                page.locator(f"text={number}").first.click()
                page.locator("#d-events li").first.wait_for()
                events = page.inner_text("#d-events")
                assert "申请延期" in events and "批准延期" in events and "签收" in events, events
                english += _english(page, "portal timeline", data)
        page.context.close()
    for path in PUBLIC:
        page = browser.new_page(locale="zh-CN")
        page.goto(live_server.url + path, wait_until="networkidle")
        english += _english(page, f"anonymous {path}")
        page.close()
    assert english == [], "English on screen:\n" + "\n".join(english)
    assert errors == []


def test_the_ticket_timeline_names_each_action(
    browser: Any, live_server: LiveServer, ticket: tuple[int, str]
) -> None:
    ticket_id, _ = ticket
    page = signed_in_page(browser, live_server, "dispatcher")
    page.goto(f"{live_server.url}/tickets/{ticket_id}")
    rows = page.inner_text("table:has(td) >> nth=-1")
    for label in ("登记", "派单", "签收", "申请延期", "批准延期"):
        assert label in page.inner_text("body"), label
    assert not re.search(r"request_extension|approve_extension|dispatch\b", page.inner_text("body")), rows
    assert "+00:00" not in page.inner_text("body")
    page.context.close()


def test_refusals_are_toasted_in_chinese(
    browser: Any, live_server: LiveServer, ticket: tuple[int, str]
) -> None:
    ticket_id, _ = ticket
    page = signed_in_page(browser, live_server, "operator1")
    page.goto(live_server.url + "/seat")
    page.wait_for_load_state("networkidle")
    toasts = {
        # an illegal lifecycle move: a ticket in a unit's hands cannot be closed on the spot
        "move": _refuse(page, f"/api/tickets/{ticket_id}/close-on-spot", {"answer": "已当场答复来电人"}),
        # bad form input: an empty title and content
        "input": _refuse(page, "/api/tickets", {"title": " ", "content": " ", "caller_phone": "13800138000"}),
        # a state-changing request without the CSRF token
        "csrf": _refuse(page, "/api/tickets", {"title": "路灯不亮", "content": "路灯坏了"}, csrf=False),
    }
    page.context.close()
    assert "当前状态为办理中，话务员不能即问即答办结" in toasts["move"], toasts
    assert "标题不能为空" in toasts["input"] or "诉求内容不能为空" in toasts["input"], toasts
    assert "页面安全校验失败" in toasts["csrf"], toasts
    english = [f"{kind}: {text!r}" for kind, text in toasts.items() if english_words(text)]
    assert english == [], english
