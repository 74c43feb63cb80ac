"""A caller who declined a callback (不同意回访) is never put on the callback list: the reply closes
the ticket unrated, a flagged reply waits for the dispatcher's review, and neither counts in 回访率."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from hotline.clock import FixedClock
from hotline.enums import Action, Role, Satisfaction, TicketStatus
from hotline.errors import Conflict, InvalidTransition
from hotline.metrics.service import period_metrics
from hotline.ports import ReplyVerdict
from hotline.privacy.service import change_consent
from hotline.tickets import service as svc
from hotline.tickets.models import Ticket
from hotline.timeline.service import list_events
from tests.factories import DISPATCHER, OPERATOR, make_ticket, seeded, unit_actor

WEAK = ReplyVerdict(score=0.1, low=True, issues=("off_topic",))


@pytest.fixture
def world(session: Session, clock: FixedClock) -> Session:
    seeded(session, clock.now())
    return session


def _id(ticket: Ticket) -> int:
    assert ticket.id is not None
    return ticket.id


def _signed(session: Session, clock: FixedClock, *, consent: bool, phone: str = "13800138000") -> Ticket:
    ticket = make_ticket(session, clock.now(), consent_callback=consent, caller_phone=phone)
    svc.dispatch(session, ticket_id=_id(ticket), unit_code="housing", actor=OPERATOR, now=clock.now())
    clock.advance(timedelta(minutes=30))
    return svc.sign(session, ticket_id=_id(ticket), actor=unit_actor(session, "housing"), now=clock.now())


def _reply(
    session: Session, clock: FixedClock, ticket: Ticket, verdict: ReplyVerdict | None = None
) -> Ticket:
    clock.advance(timedelta(hours=4))
    return svc.reply(
        session,
        ticket_id=_id(ticket),
        actor=unit_actor(session, "housing"),
        now=clock.now(),
        text="已约谈施工方，夜间停工。",
        verdict=verdict,
        confirmed=verdict is not None,
    )


def test_a_declined_callback_closes_at_the_reply_and_is_not_counted(
    world: Session, clock: FixedClock
) -> None:
    start = clock.now()
    declined = _reply(world, clock, _signed(world, clock, consent=False))
    wanted = _reply(world, clock, _signed(world, clock, consent=True, phone="13900139000"))
    assert declined.status is TicketStatus.CLOSED and declined.closed_at == declined.replied_at
    assert declined.callback_due_at is None and declined.satisfaction is None
    events = list_events(world, ticket_id=_id(declined))
    assert [e.action for e in events][-2:] == [Action.REPLY, Action.CLOSE_WITHOUT_CALLBACK]
    assert events[-1].actor_role is Role.SYSTEM and "不同意回访" in events[-1].note
    assert [t.id for t in svc.callbacks_due(world, now=clock.now())] == [wanted.id]
    svc.record_callback(
        world,
        ticket_id=_id(wanted),
        actor=OPERATOR,
        now=clock.now(),
        reached=True,
        satisfaction=Satisfaction.SATISFIED,
    )
    figures = period_metrics(world, start=start, end=clock.now() + timedelta(days=3))
    assert (figures.rates.callback.numerator, figures.rates.callback.denominator) == (1, 1)


def test_a_flagged_reply_waits_for_the_dispatcher_who_closes_it(world: Session, clock: FixedClock) -> None:
    ticket = _reply(world, clock, _signed(world, clock, consent=False), verdict=WEAK)
    assert ticket.status is TicketStatus.REPLIED and ticket.callback_due_at is None
    assert svc.callbacks_due(world, now=clock.now()) == []
    assert [t.id for t in svc.replies_to_review(world)] == [ticket.id]
    with pytest.raises(InvalidTransition):
        svc.close_without_callback(world, ticket_id=_id(ticket), actor=OPERATOR, now=clock.now())
    closed = svc.close_without_callback(world, ticket_id=_id(ticket), actor=DISPATCHER, now=clock.now())
    assert closed.status is TicketStatus.CLOSED and svc.replies_to_review(world) == []
    assert list_events(world, ticket_id=_id(ticket))[-1].actor_role is Role.DISPATCHER


def test_the_dispatcher_cannot_skip_a_callback_the_caller_wants(world: Session, clock: FixedClock) -> None:
    ticket = _reply(world, clock, _signed(world, clock, consent=True), verdict=WEAK)
    with pytest.raises(Conflict, match="同意回访"):
        svc.close_without_callback(world, ticket_id=_id(ticket), actor=DISPATCHER, now=clock.now())
    assert world.get(Ticket, _id(ticket)).status is TicketStatus.REPLIED  # type: ignore[union-attr]


def test_consent_withdrawn_after_the_reply_takes_it_off_the_callback_list(
    world: Session, clock: FixedClock
) -> None:
    ticket = _reply(world, clock, _signed(world, clock, consent=True))
    assert [t.id for t in svc.callbacks_due(world, now=clock.now())] == [ticket.id]
    change_consent(
        world, ticket=ticket, actor=OPERATOR, now=clock.now(), callback=False, note="来电表示不需要回访"
    )
    assert ticket.status is TicketStatus.CLOSED and ticket.callback_due_at is None
    assert svc.callbacks_due(world, now=clock.now()) == []


def _merge_and_close_master(world: Session, clock: FixedClock, follower: Ticket, master: Ticket) -> None:
    """Merge ``follower`` into ``master``, then reply to the master and close it on a satisfied callback."""
    svc.merge(world, ticket_id=_id(follower), master_id=_id(master), actor=OPERATOR, now=clock.now())
    _reply(world, clock, master)
    svc.record_callback(
        world,
        ticket_id=_id(master),
        actor=OPERATOR,
        now=clock.now(),
        reached=True,
        satisfaction=Satisfaction.SATISFIED,
    )
    world.refresh(follower)


def test_a_merged_caller_who_declined_is_not_due_a_callback(world: Session, clock: FixedClock) -> None:
    master = _signed(world, clock, consent=True)
    follower = make_ticket(world, clock.now(), consent_callback=False, caller_phone="13700137000")
    _merge_and_close_master(world, clock, follower, master)
    assert follower.callback_due_at is None
    assert svc.callbacks_due(world, now=clock.now()) == []


def test_a_merged_caller_withdrawing_consent_is_no_longer_due(world: Session, clock: FixedClock) -> None:
    master = _signed(world, clock, consent=True)
    follower = make_ticket(world, clock.now(), caller_phone="13700137000")
    _merge_and_close_master(world, clock, follower, master)
    assert follower.callback_due_at is not None
    change_consent(world, ticket=follower, actor=OPERATOR, now=clock.now(), callback=False)
    assert follower.status is TicketStatus.MERGED and follower.callback_due_at is None
