"""解决率 (citizen says solved) on a hand-counted set of callbacks, overall and per unit in the ranking.

Only reached callbacks where the citizen answered the solved question count: a callback where the
question was not asked (solved = None) or the citizen was not reached stays out of the denominator.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from hotline.enums import Satisfaction, TicketStatus, UnitKind
from hotline.metrics.models import Rate
from hotline.metrics.service import period_metrics, unit_ranking
from hotline.tickets.models import Assignment, CallbackRecord, Ticket
from hotline.units.models import Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
SAT, BASIC, UNSAT = Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.UNSATISFIED


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def test_solve_rate_counts_only_callbacks_that_answered_the_question(session: Session) -> None:
    units = {}
    for code, name in (("A", "城管局"), ("B", "水务局")):
        unit = Unit(code=code, name=name, kind=UnitKind.DEPARTMENT)
        session.add(unit)
        session.flush()
        assert unit.id is not None
        units[code] = unit.id
    #  rec unit reached satisfaction solved  solve rate
    #  a1  A    yes     satisfied    yes     counted, solved
    #  a2  A    yes     basically    no      counted
    #  a3  A    yes     satisfied    -       not asked: out of the denominator
    #  a4  A    no      -            -       not reached: out
    #  a5  A    yes     unsatisfied  yes     counted, solved
    #  b1  B    yes     satisfied    no      counted
    #  b2  B    yes     satisfied    yes     outside the period: out
    records = (
        ("a1", "A", at(10, 9), True, SAT, True),
        ("a2", "A", at(10, 10), True, BASIC, False),
        ("a3", "A", at(11, 9), True, SAT, None),
        ("a4", "A", at(11, 10), False, None, None),
        ("a5", "A", at(12, 9), True, UNSAT, True),
        ("b1", "B", at(12, 10), True, SAT, False),
        ("b2", "B", at(20, 10), True, SAT, True),
    )
    for number, code, when, reached, satisfaction, solved in records:
        ticket = Ticket(
            number=number,
            title=number,
            content="内容",
            status=TicketStatus.REPLIED,
            lead_unit_id=units[code],
            created_at=at(1, 9),
            updated_at=when,
        )
        session.add(ticket)
        session.flush()
        assert ticket.id is not None
        session.add(
            Assignment(
                ticket_id=ticket.id, unit_id=units[code], dispatched_at=at(2, 9), contacted_at=at(2, 10)
            )
        )
        session.add(
            CallbackRecord(
                ticket_id=ticket.id,
                attempt=1,
                at=when,
                reached=reached,
                satisfaction=satisfaction,
                solved=solved,
            )
        )
    session.commit()
    start, end = at(1, 0), at(15, 0)

    m = period_metrics(session, start=start, end=end)
    assert m.rates.solve == Rate(numerator=2, denominator=4)  # a1 a5 of a1 a2 a5 b1
    assert m.rates.solve.value == 0.5
    assert m.rates.satisfaction == Rate(numerator=4, denominator=5)  # a3 is rated though not asked

    ranking = {u.code: u for u in unit_ranking(session, start=start, end=end)}
    assert ranking["A"].solve == Rate(numerator=2, denominator=3)
    assert ranking["B"].solve == Rate(numerator=0, denominator=1)
    # The same callbacks feed 满意率, where the unasked a3 does count.
    assert ranking["A"].satisfaction == Rate(numerator=3, denominator=4)  # a3 counts here
    assert ranking["B"].satisfaction == Rate(numerator=1, denominator=1)
