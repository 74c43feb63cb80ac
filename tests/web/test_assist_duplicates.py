"""/api/assist/duplicates searches every open ticket, kept in step with the database by increments."""

from typing import Any

import pytest
from sqlmodel import select

from hotline.enums import TicketStatus
from hotline.tickets.models import Ticket
from tests.factories import OPERATOR, make_ticket
from tests.web.conftest import World, create
from web import adapters
from web.adapters import OpenTicketFinder
from web.routers.assist import open_ticket_finder

OLD: dict[str, object] = {
    "title": "楼下烧烤摊夜里太吵",
    "content": "大祥区城西街道桃花苑小区楼下的烧烤摊每天开到凌晨，吵得睡不着。",
    "address": "大祥区城西街道桃花苑小区",
    "district": "大祥区",
}
PARAPHRASE = "桃花苑小区楼底下夜市排档噪音扰民到凌晨，城西街道"


def duplicate_titles(world: World, text: str, **extra: Any) -> list[str]:
    operator = world.login("operator1")
    response = operator.post("/api/assist/duplicates", json={"text": text, **extra})
    assert response.status_code == 200, response.text
    return [d["ticket"]["title"] for d in response.json()]


def fresh_finder(world: World) -> OpenTicketFinder:
    """A finder that compares ids with the database on every search, as if time had passed."""
    finder = OpenTicketFinder(world.engine, reconcile_s=0.0)
    world.app.state.services.extras["open_ticket_finder"] = finder
    return finder


def test_an_old_ticket_behind_hundreds_of_newer_ones_is_found_by_meaning(any_world: World) -> None:
    with any_world.session() as session:
        make_ticket(session, any_world.clock.now(), OPERATOR, **OLD)
        for i in range(600):  # the search once looked at the newest 500 only
            make_ticket(
                session,
                any_world.clock.now(),
                title=f"咨询第{i}件事",
                content=f"想问一下公积金提取要带哪些材料，编号{i}",
                address="双清区",
            )
    assert duplicate_titles(any_world, PARAPHRASE)[:1] == ["楼下烧烤摊夜里太吵"]
    assert len(open_ticket_finder(any_world.app.state.services)) == 601


def test_tickets_that_open_and_close_are_followed_without_a_rebuild(any_world: World) -> None:
    finder = fresh_finder(any_world)
    operator = any_world.login("operator1")
    assert duplicate_titles(any_world, PARAPHRASE) == []
    create(operator, **OLD)
    assert duplicate_titles(any_world, PARAPHRASE) == ["楼下烧烤摊夜里太吵"]
    index = finder._index
    with any_world.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.title == OLD["title"])).one()
        ticket.status = TicketStatus.CLOSED
        session.add(ticket)
        session.commit()
    assert duplicate_titles(any_world, PARAPHRASE) == []
    assert finder._index is index and len(finder) == 0  # the same index, the ticket taken out


def test_another_district_is_never_proposed(any_world: World) -> None:
    fresh_finder(any_world)
    create(any_world.login("operator1"), **OLD)
    assert duplicate_titles(any_world, "北塔区状元洲街道江北小区楼下烧烤摊夜里太吵") == []


def test_many_missing_tickets_are_indexed_in_the_background(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapters, "FILL_CHUNK", 40)
    with world.session() as session:
        make_ticket(session, world.clock.now(), OPERATOR, **OLD)
        for i in range(130):
            make_ticket(session, world.clock.now(), title=f"路灯不亮{i}", content=f"第{i}盏路灯坏了")
    finder = fresh_finder(world)
    duplicate_titles(world, PARAPHRASE)  # the newest 40 now, the rest by a thread
    finder.wait()
    assert len(finder) == 131
    assert duplicate_titles(world, PARAPHRASE)[:1] == ["楼下烧烤摊夜里太吵"]
