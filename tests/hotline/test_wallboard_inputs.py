"""The wallboard's inputs from the core: calls per hour, hot-spot topics, the local day."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from hotline.calls.models import Call
from hotline.categories.service import get_category_by_code
from hotline.clock import FixedClock
from hotline.metrics.service import calls_per_hour, ticket_topics_since
from hotline.sla.calendar import local_day_start
from tests.factories import make_ticket, seeded


def test_local_day_starts_at_shanghai_midnight() -> None:
    assert local_day_start(datetime(2026, 11, 22, 16, 30, tzinfo=UTC)) == datetime(
        2026, 11, 22, 16, 0, tzinfo=UTC
    )
    assert local_day_start(datetime(2026, 11, 22, 15, 59, tzinfo=UTC)) == datetime(
        2026, 11, 21, 16, 0, tzinfo=UTC
    )


def test_calls_per_hour_of_a_local_day(session: Session) -> None:
    day = local_day_start(datetime(2026, 11, 23, 4, 0, tzinfo=UTC))  # 2026-11-23 00:00 Shanghai
    joined = [
        day - timedelta(seconds=1),
        day,
        day + timedelta(minutes=59),
        day + timedelta(hours=9, minutes=5),
    ]
    joined += [day + timedelta(hours=23, minutes=59), day + timedelta(hours=24)]
    for n, at in enumerate(joined):
        session.add(Call(linkedid=f"h.{n}", joined_at=at))
    session.commit()
    counts = calls_per_hour(session, day_start=day)
    assert len(counts) == 24
    assert (counts[0], counts[9], counts[23], sum(counts)) == (2, 1, 1, 4)


def test_ticket_topics_since(session: Session, clock: FixedClock) -> None:
    seeded(session, clock.now())
    noise = get_category_by_code(session, code="env.noise")
    make_ticket(session, clock.now() - timedelta(days=2), category_id=noise.id)
    make_ticket(session, clock.now(), category_id=noise.id)
    make_ticket(session, clock.now(), district="")
    topics = ticket_topics_since(session, since=clock.now() - timedelta(hours=1))
    assert sorted((d, c) for d, c, _ in topics) == [("", "未分类"), ("双清区", "噪音扰民")]
