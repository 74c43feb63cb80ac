"""每月一题: the month's place × topic groups with trend, examples and the units' figures."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from hotline.categories.service import get_category_by_code
from hotline.enums import RejectReason, TicketStatus
from hotline.errors import InvalidInput
from hotline.metrics.brief import add_months, monthly_brief
from hotline.tickets import service as svc
from tests.factories import DISPATCHER, make_ticket, seeded


def _cat(session: Session, code: str) -> int:
    found = get_category_by_code(session, code=code).id
    assert found is not None
    return found


def _tickets(
    session: Session, n: int, *, at: datetime, district: str, category: int, title: str
) -> list[int]:
    ids = []
    for i in range(n):
        t = make_ticket(
            session, at + timedelta(minutes=i), district=district, category_id=category, title=f"{title}{i}"
        )
        assert t.id is not None
        ids.append(t.id)
    return ids


def test_the_month_ranked_with_trend_examples_and_units(session: Session) -> None:
    nov = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    seeded(session, nov - timedelta(days=90))
    vending, noise = _cat(session, "urban.street_vending"), _cat(session, "urban.construction")
    hot = _tickets(session, 4, at=nov, district="双清区", category=vending, title="夜市占道")
    _tickets(session, 2, at=nov - timedelta(days=31), district="双清区", category=vending, title="十月占道")
    _tickets(session, 2, at=nov, district="大祥区", category=noise, title="工地噪音")
    rejected = make_ticket(session, nov, district="大祥区", category_id=noise, title="骚扰")
    assert rejected.id is not None
    svc.reject(session, ticket_id=rejected.id, actor=DISPATCHER, now=nov, reason=RejectReason.HARASSMENT)
    make_ticket(session, nov, district="", category_id=noise, title="无区县")  # no place: only the total
    svc.dispatch(session, ticket_id=hot[0], unit_code="urban", actor=DISPATCHER, now=nov + timedelta(hours=1))

    brief = monthly_brief(session, month=date(2026, 11, 20), top=5)
    assert brief.month == date(2026, 11, 1) and brief.tickets == 7  # 4 + 2 + 1 without a district
    first, second = brief.topics
    assert (first.district, first.category, first.tickets) == ("双清区", "占道经营", 4)
    assert [m.tickets for m in first.trend] == [0, 0, 2, 4] and first.trend[-1].month == date(2026, 11, 1)
    assert first.change == 1.0  # 2 → 4
    assert [e.title for e in first.examples] == ["夜市占道3", "夜市占道2", "夜市占道1"]
    assert [u.created for u in first.units] == [1] and "城" in first.units[0].label  # the one dispatched
    assert (second.district, second.tickets, second.change) == ("大祥区", 2, None)
    assert all(e.status is not TicketStatus.REJECTED for e in second.examples)
    assert monthly_brief(session, month=add_months(date(2026, 11, 1), 1)).topics == []
    with pytest.raises(InvalidInput):
        monthly_brief(session, month=date(2026, 11, 1), top=0)


def test_months_roll_over_the_year() -> None:
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2027, 1, 1), -3) == date(2026, 10, 1)
