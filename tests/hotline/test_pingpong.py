"""Ping-pong (来回推诿) found from real dispatch rounds: A → B → A, pairs counted once per ticket."""

import itertools
from datetime import timedelta

import pytest
from sqlmodel import Session

from hotline.clock import FixedClock
from hotline.tickets import service as svc
from hotline.tickets.models import Ticket
from hotline.tickets.pingpong import collapse, pair_counts, pairs_of, ping_pongs, would_return_to
from hotline.units.service import get_unit_by_code
from tests.factories import DISPATCHER, make_ticket, seeded, unit_actor


@pytest.fixture
def world(session: Session, clock: FixedClock) -> Session:
    seeded(session, clock.now())
    return session


def _bounce(
    world: Session, clock: FixedClock, units: list[str], title: str = "小区夜间施工噪音扰民"
) -> Ticket:
    """Dispatch to units[0]; each unit returns it and the dispatcher sends it to the next."""
    ticket = make_ticket(world, clock.now(), title=title)
    tid = ticket.id
    assert tid is not None
    ticket = svc.dispatch(world, ticket_id=tid, unit_code=units[0], actor=DISPATCHER, now=clock.now())
    for current, nxt in itertools.pairwise(units):
        clock.advance(timedelta(hours=1))
        svc.return_ticket(
            world,
            ticket_id=tid,
            actor=unit_actor(world, current),
            now=clock.now(),
            reason="不属于本单位职责",
        )
        ticket = svc.redispatch(world, ticket_id=tid, actor=DISPATCHER, now=clock.now(), unit_code=nxt)
    return ticket


def _id(world: Session, code: str) -> int:
    unit_id = get_unit_by_code(world, code=code).id
    assert unit_id is not None
    return unit_id


def test_the_pattern() -> None:
    assert collapse([1, 1, 2, 2, 1]) == [1, 2, 1]
    assert pairs_of([1, 2, 1]) == [(1, 2)]
    assert pairs_of([3, 1, 3, 1]) == [(1, 3)]  # the same pair twice on one ticket counts once
    assert pairs_of([1, 2, 3]) == [] and pairs_of([1, 1, 1]) == [] and pairs_of([]) == []
    assert pairs_of([1, 2, 3, 2]) == [(2, 3)]
    assert pairs_of([1, 2, 3, 1]) == []  # a round trip through a third unit is not A → B → A
    assert would_return_to([1, 2], 1) and not would_return_to([1, 2], 2) and not would_return_to([1, 2], 3)
    assert not would_return_to([], 1) and not would_return_to([1, 2], None)


def test_open_tickets_sent_back_and_forth_are_found_with_their_chain(
    world: Session, clock: FixedClock
) -> None:
    bounced = _bounce(world, clock, ["housing", "urban", "housing"])
    straight = _bounce(world, clock, ["housing", "urban", "eco"], title="路灯不亮")
    once = _bounce(world, clock, ["urban"], title="井盖缺失")
    found = ping_pongs(world)
    assert [p.ticket.id for p in found] == [bounced.id]
    housing, urban = _id(world, "housing"), _id(world, "urban")
    assert found[0].chain == [housing, urban, housing]
    assert found[0].pairs == [(min(housing, urban), max(housing, urban))]
    assert straight.dispatch_count == 3 and once.dispatch_count == 1


def test_pairs_are_counted_over_a_period_open_or_closed(world: Session, clock: FixedClock) -> None:
    start = clock.now()
    for title in ("噪音一", "噪音二"):
        _bounce(world, clock, ["housing", "urban", "housing"], title=title)
    _bounce(world, clock, ["eco", "urban", "eco"], title="油烟")
    counts = pair_counts(ping_pongs(world, open_only=False, created_from=start))
    housing, urban, eco = _id(world, "housing"), _id(world, "urban"), _id(world, "eco")
    assert counts == [
        ((min(housing, urban), max(housing, urban)), 2),
        ((min(eco, urban), max(eco, urban)), 1),
    ]
    assert ping_pongs(world, created_from=clock.now() + timedelta(days=1)) == []
