"""What the retrain job reads: closed tickets with their final unit, and the dispatcher's corrections."""

from sqlmodel import Session

from hotline.clock import FixedClock
from hotline.enums import TicketStatus
from hotline.tickets.service import dispatch, return_ticket
from hotline.tickets.training import closed_examples, dispatch_corrections, unit_names
from tests.factories import DISPATCHER, make_ticket, seeded, unit_actor


def test_closed_tickets_and_corrections(session: Session, clock: FixedClock) -> None:
    now = clock.now()
    seeded(session, now)
    corrected = make_ticket(session, now, title="路灯不亮", suggested_unit_code="urban")
    dispatch(session, ticket_id=corrected.id or 0, unit_code="power", actor=DISPATCHER, now=now)
    agreed = make_ticket(session, now, title="占道经营", suggested_unit_code="urban")
    dispatch(session, ticket_id=agreed.id or 0, unit_code="urban", actor=DISPATCHER, now=now)
    returned = make_ticket(session, now, title="拖欠工资", suggested_unit_code="hrss")
    dispatch(session, ticket_id=returned.id or 0, unit_code="eco", actor=DISPATCHER, now=now)
    return_ticket(
        session, ticket_id=returned.id or 0, actor=unit_actor(session, "eco"), now=now, reason="不归我局"
    )
    closed = make_ticket(session, now, title="噪音扰民", suggested_unit_code="urban")
    dispatch(session, ticket_id=closed.id or 0, unit_code="eco", actor=DISPATCHER, now=now)
    closed.status = TicketStatus.CLOSED
    session.add(closed)
    session.commit()

    [fix] = list(dispatch_corrections(session))
    assert fix.text.startswith("路灯不亮。") and (fix.suggested_code, fix.chosen_code) == ("urban", "power")
    [example] = list(closed_examples(session))
    assert example.text.startswith("噪音扰民。") and example.unit_code == "eco"
    assert unit_names(session)["fund"] == "市住房公积金中心"
