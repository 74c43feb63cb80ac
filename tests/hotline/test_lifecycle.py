"""Tickets through the services: each edge of DESIGN.md's lifecycle, and each refusal."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.enums import (
    Action,
    AssignmentRole,
    RejectReason,
    RequestState,
    Role,
    Satisfaction,
    TicketStatus,
    Urgency,
)
from hotline.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from hotline.tickets import service as svc
from hotline.tickets.models import Assignment, ExtensionRequest, ReturnRecord, Ticket
from hotline.timeline.service import list_events
from hotline.users.models import Actor
from tests.factories import DISPATCHER, OPERATOR, SUPERVISOR, make_ticket, seeded, unit_actor


@pytest.fixture
def world(session: Session, clock: FixedClock) -> Session:
    seeded(session, clock.now())
    return session


def _id(ticket: Ticket) -> int:
    assert ticket.id is not None
    return ticket.id


def _dispatched(session: Session, clock: FixedClock, unit: str = "housing", **kw: Any) -> Ticket:
    ticket = make_ticket(session, clock.now(), **kw)
    return svc.dispatch(session, ticket_id=_id(ticket), unit_code=unit, actor=OPERATOR, now=clock.now())


def _replied(session: Session, clock: FixedClock) -> tuple[Ticket, Actor]:
    ticket = _dispatched(session, clock)
    unit = unit_actor(session, "housing")
    clock.advance(timedelta(minutes=30))
    svc.sign(session, ticket_id=_id(ticket), actor=unit, now=clock.now())
    clock.advance(timedelta(days=1))
    svc.reply(session, ticket_id=_id(ticket), actor=unit, now=clock.now(), text="已约谈施工方，夜间停工。")
    return ticket, unit


def test_draft_to_closed_stamps_every_move_and_writes_the_timeline(world: Session, clock: FixedClock) -> None:
    ticket = make_ticket(world, clock.now())
    assert ticket.status is TicketStatus.DRAFT
    assert ticket.number.startswith("20261123-")
    t_dispatch = clock.advance(timedelta(minutes=3))
    svc.dispatch(world, ticket_id=_id(ticket), unit_code="housing", actor=DISPATCHER, now=t_dispatch)
    unit = unit_actor(world, "housing")
    t_sign = clock.advance(timedelta(minutes=40))
    svc.sign(world, ticket_id=_id(ticket), actor=unit, now=t_sign)
    t_contact = clock.advance(timedelta(hours=2))
    svc.record_contact(world, ticket_id=_id(ticket), actor=unit, now=t_contact)
    t_reply = clock.advance(timedelta(days=2))
    svc.reply(world, ticket_id=_id(ticket), actor=unit, now=t_reply, text="已协调停工")
    t_close = clock.advance(timedelta(days=1))
    closed = svc.record_callback(
        world,
        ticket_id=_id(ticket),
        actor=OPERATOR,
        now=t_close,
        reached=True,
        satisfaction=Satisfaction.BASICALLY_SATISFIED,
        solved=True,
    )
    assert closed.status is TicketStatus.CLOSED
    assert (closed.dispatched_at, closed.signed_at, closed.replied_at, closed.closed_at) == (
        t_dispatch,
        t_sign,
        t_reply,
        t_close,
    )
    assert closed.satisfaction is Satisfaction.BASICALLY_SATISFIED
    assert closed.solved is True
    events = list_events(world, ticket_id=_id(ticket))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        (Action.CREATE, None, TicketStatus.DRAFT),
        (Action.DISPATCH, TicketStatus.DRAFT, TicketStatus.DISPATCHED),
        (Action.SIGN, TicketStatus.DISPATCHED, TicketStatus.HANDLING),
        (Action.CONTACT, TicketStatus.HANDLING, TicketStatus.HANDLING),
        (Action.REPLY, TicketStatus.HANDLING, TicketStatus.REPLIED),
        (Action.CALLBACK_SATISFIED, TicketStatus.REPLIED, TicketStatus.CLOSED),
    ]
    assert events[2].actor_role is Role.UNIT
    assert events[-1].at == t_close


def test_dispatch_sets_deadlines_from_the_policy(world: Session, clock: FixedClock) -> None:
    normal = _dispatched(world, clock)
    # Monday 09:00 + 1 working day to sign, 7 working days to handle (Tuesday, next Tuesday).
    assert normal.sign_due_at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert normal.handle_due_at == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert normal.handle_yellow_at is not None
    assert normal.handle_yellow_at == normal.dispatched_at + (normal.handle_due_at - clock.now()) * 0.8  # type: ignore[operator]
    critical = _dispatched(world, clock, urgency=Urgency.CRITICAL)
    assert critical.sign_due_at == clock.now() + timedelta(minutes=15)
    assert critical.handle_due_at == clock.now() + timedelta(hours=2)
    utility = _dispatched(world, clock, unit="power")
    assert utility.sign_due_at == clock.now() + timedelta(minutes=30)


def test_close_on_spot_and_reject(world: Session, clock: FixedClock) -> None:
    answered = make_ticket(world, clock.now(), title="公积金怎么提取")
    closed = svc.close_on_spot(
        world,
        ticket_id=_id(answered),
        actor=OPERATOR,
        now=clock.now(),
        answer="可在网厅办理",
        satisfaction=Satisfaction.SATISFIED,
    )
    assert closed.status is TicketStatus.CLOSED
    assert closed.closed_at == clock.now()
    emergency = make_ticket(world, clock.now(), title="楼下着火了")
    rejected = svc.reject(
        world, ticket_id=_id(emergency), actor=OPERATOR, now=clock.now(), reason=RejectReason.EMERGENCY
    )
    assert rejected.status is TicketStatus.REJECTED
    assert rejected.reject_reason is RejectReason.EMERGENCY
    with pytest.raises(InvalidTransition, match=r"^当前状态为不予受理，话务员不能派单"):
        svc.dispatch(world, ticket_id=_id(emergency), unit_code="housing", actor=OPERATOR, now=clock.now())


def test_refusals_name_state_action_and_role(world: Session, clock: FixedClock) -> None:
    ticket = _dispatched(world, clock)
    unit = unit_actor(world, "housing")
    with pytest.raises(
        InvalidTransition, match=r"^当前状态为待签收，成员单位不能答复（只有办理中的工单可以）$"
    ) as refused:
        svc.reply(world, ticket_id=_id(ticket), actor=unit, now=clock.now(), text="办完了")
    # the codes stay on the error for code that reads it
    assert (refused.value.status, refused.value.action, refused.value.role) == ("dispatched", "reply", "unit")
    with pytest.raises(InvalidTransition, match=r"^当前状态为待签收，话务员不能签收（只有成员单位可以）$"):
        svc.sign(world, ticket_id=_id(ticket), actor=OPERATOR, now=clock.now())
    with pytest.raises(InvalidTransition, match=r"^当前状态为待签收，话务员不能派单"):
        svc.dispatch(world, ticket_id=_id(ticket), unit_code="urban", actor=OPERATOR, now=clock.now())
    world.refresh(ticket)
    assert ticket.status is TicketStatus.DISPATCHED
    assert ticket.reply_text == ""


def test_unit_cannot_read_or_act_on_another_units_ticket(world: Session, clock: FixedClock) -> None:
    ticket = _dispatched(world, clock, unit="housing")
    other = unit_actor(world, "urban")
    with pytest.raises(PermissionDenied, match=r"^该工单未派给本单位$"):
        svc.get_ticket(world, ticket_id=_id(ticket), actor=other)
    with pytest.raises(PermissionDenied):
        svc.sign(world, ticket_id=_id(ticket), actor=other, now=clock.now())
    assert svc.list_tickets(world, actor=other) == []
    assert [t.id for t in svc.list_tickets(world, actor=unit_actor(world, "housing"))] == [ticket.id]
    # asking for another unit's inbox still yields only one's own
    assert svc.list_tickets(world, actor=other, unit_id=ticket.lead_unit_id) == []


def test_units_see_a_masked_number_only_when_confidentiality_was_asked(
    world: Session, clock: FixedClock
) -> None:
    secret = _dispatched(world, clock, confidential=True)
    plain = _dispatched(world, clock)
    unit = unit_actor(world, "housing")
    assert svc.caller_phone_for(secret, unit) == "138****8000"
    assert svc.caller_phone_for(plain, unit) == "13800138000"
    assert svc.caller_phone_for(secret, OPERATOR) == "13800138000"


def test_return_adjudicate_redispatch_and_designation_after_three(world: Session, clock: FixedClock) -> None:
    ticket = _dispatched(world, clock, unit="housing")
    units = ["housing", "urban", "eco"]
    for round_no, code in enumerate(units, start=1):
        clock.advance(timedelta(hours=1))
        returned = svc.return_ticket(
            world,
            ticket_id=_id(ticket),
            actor=unit_actor(world, code),
            now=clock.now(),
            reason="不属于本单位职责",
        )
        assert returned.status is TicketStatus.RETURNED
        assert returned.dispatch_count == round_no
        nxt = units[round_no] if round_no < len(units) else None
        ticket = svc.redispatch(
            world, ticket_id=_id(ticket), actor=DISPATCHER, now=clock.now(), unit_code=nxt
        )
        assert ticket.status is TicketStatus.DISPATCHED
    # the 4th dispatch is a designation; with no unit named it falls back to the district (属地兜底)
    lead = world.exec(select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.active)).one()
    assert lead.designated
    assert ticket.lead_unit_id == lead.unit_id
    assert ticket.return_due_at is None
    district = unit_actor(world, "shuangqing")
    assert lead.unit_id == district.unit_id
    with pytest.raises(Conflict, match="是派单员指定本单位办理的，不能退单"):
        svc.return_ticket(world, ticket_id=_id(ticket), actor=district, now=clock.now(), reason="不归我们")
    records = world.exec(select(ReturnRecord).where(ReturnRecord.ticket_id == ticket.id)).all()
    assert [r.state for r in records] == [RequestState.APPROVED] * 3


def test_overrule_return_keeps_the_unit(world: Session, clock: FixedClock) -> None:
    ticket = _dispatched(world, clock, unit="urban")
    clerk = unit_actor(world, "urban")
    svc.return_ticket(world, ticket_id=_id(ticket), actor=clerk, now=clock.now(), reason="不是我们的")
    kept = svc.overrule_return(
        world, ticket_id=_id(ticket), actor=DISPATCHER, now=clock.now(), note="占道经营属城管职责"
    )
    assert kept.status is TicketStatus.DISPATCHED
    assert kept.lead_unit_id == clerk.unit_id
    with pytest.raises(Conflict, match="是派单员指定本单位办理的，不能退单"):
        svc.return_ticket(world, ticket_id=_id(ticket), actor=clerk, now=clock.now(), reason="again")
    world.refresh(kept)
    kept.status = TicketStatus.RETURNED  # a returned ticket without a pending return record
    with pytest.raises(Conflict, match="没有待审核的退单"):
        svc.overrule_return(world, ticket_id=_id(ticket), actor=DISPATCHER, now=clock.now(), note="x")


def test_return_after_its_limit_is_refused(world: Session, clock: FixedClock) -> None:
    ticket = _dispatched(world, clock)
    clock.advance(timedelta(days=2))
    with pytest.raises(Conflict, match=r"的退单时限已于 11月24日 09:00 截止$"):
        svc.return_ticket(
            world, ticket_id=_id(ticket), actor=unit_actor(world, "housing"), now=clock.now(), reason="晚了"
        )


def test_extension_moves_the_deadline_and_tells_the_citizen(world: Session, clock: FixedClock) -> None:
    ticket = _dispatched(world, clock)
    unit = unit_actor(world, "housing")
    svc.sign(world, ticket_id=_id(ticket), actor=unit, now=clock.now())
    old_due = ticket.handle_due_at
    with pytest.raises(InvalidInput, match="延期天数应为 1 到 10 个工作日"):
        svc.request_extension(
            world, ticket_id=_id(ticket), actor=unit, now=clock.now(), working_days=11, reason="r"
        )
    request = svc.request_extension(
        world, ticket_id=_id(ticket), actor=unit, now=clock.now(), working_days=3, reason="需现场勘查"
    )
    with pytest.raises(Conflict, match="已有待派单员审批的延期申请"):
        svc.request_extension(
            world, ticket_id=_id(ticket), actor=unit, now=clock.now(), working_days=2, reason="r"
        )
    assert request.id is not None
    with pytest.raises(InvalidTransition, match="成员单位不能批准延期"):
        svc.decide_extension(world, request_id=request.id, approve=True, actor=unit, now=clock.now())
    svc.decide_extension(world, request_id=request.id, approve=True, actor=DISPATCHER, now=clock.now())
    world.refresh(ticket)
    # 2026-12-02 (Wed) + 3 working days = Monday 2026-12-07
    assert old_due == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert ticket.handle_due_at == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    notice = list_events(world, ticket_id=_id(ticket))[-1]
    assert notice.action is Action.APPROVE_EXTENSION
    assert "2026年12月07日" in notice.data["citizen_notice"]
    with pytest.raises(Conflict, match="已批准，不能再审批"):
        svc.decide_extension(world, request_id=request.id, approve=False, actor=DISPATCHER, now=clock.now())
    denied = svc.request_extension(
        world, ticket_id=_id(ticket), actor=unit, now=clock.now(), working_days=1, reason="r"
    )
    assert denied.id is not None
    svc.decide_extension(world, request_id=denied.id, approve=False, actor=DISPATCHER, now=clock.now())
    world.refresh(ticket)
    assert ticket.handle_due_at == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    assert world.get(ExtensionRequest, denied.id).state is RequestState.DENIED  # type: ignore[union-attr]


def test_extension_after_the_deadline_is_refused(world: Session, clock: FixedClock) -> None:
    ticket = _dispatched(world, clock)
    unit = unit_actor(world, "housing")
    svc.sign(world, ticket_id=_id(ticket), actor=unit, now=clock.now())
    clock.advance(timedelta(days=30))
    with pytest.raises(Conflict, match=r"已超期（办理期限 12月2日 09:00），延期须在期限前申请"):
        svc.request_extension(
            world, ticket_id=_id(ticket), actor=unit, now=clock.now(), working_days=2, reason="r"
        )


def test_unsatisfied_callback_sends_it_back_for_rework(world: Session, clock: FixedClock) -> None:
    ticket, unit = _replied(world, clock)
    reworked = svc.record_callback(
        world,
        ticket_id=_id(ticket),
        actor=OPERATOR,
        now=clock.now(),
        reached=True,
        satisfaction=Satisfaction.UNSATISFIED,
        solved=False,
    )
    assert reworked.status is TicketStatus.HANDLING
    assert reworked.replied_at is None
    assert reworked.handle_due_at is not None
    assert reworked.handle_due_at > clock.now()
    svc.reply(world, ticket_id=_id(ticket), actor=unit, now=clock.now(), text="再次处理完毕")
    assert ticket.status is TicketStatus.REPLIED


def test_unreachable_three_times_on_different_days_closes_unrated(world: Session, clock: FixedClock) -> None:
    ticket, _ = _replied(world, clock)
    for _ in range(2):  # two tries on the same day count as one day
        svc.record_callback(world, ticket_id=_id(ticket), actor=OPERATOR, now=clock.now(), reached=False)
    assert ticket.status is TicketStatus.REPLIED
    clock.advance(timedelta(days=1))
    svc.record_callback(world, ticket_id=_id(ticket), actor=OPERATOR, now=clock.now(), reached=False)
    assert ticket.status is TicketStatus.REPLIED
    clock.advance(timedelta(days=1))
    closed = svc.record_callback(world, ticket_id=_id(ticket), actor=OPERATOR, now=clock.now(), reached=False)
    assert closed.status is TicketStatus.CLOSED
    assert closed.satisfaction is None
    assert closed.callback_attempts == 4
    assert closed.callback_done_at == clock.now()


def test_reached_callback_needs_a_rating(world: Session, clock: FixedClock) -> None:
    ticket, _ = _replied(world, clock)
    with pytest.raises(InvalidInput, match="回访接通时须记录来电人的满意度"):
        svc.record_callback(world, ticket_id=_id(ticket), actor=OPERATOR, now=clock.now(), reached=True)
    assert ticket.callback_attempts == 0


def test_merge_follows_the_master_and_callers_are_due_a_callback(world: Session, clock: FixedClock) -> None:
    master = _dispatched(world, clock)
    first = make_ticket(world, clock.now(), caller_phone="13900139000")
    second = make_ticket(world, clock.now(), caller_phone="13700137000")
    svc.merge(world, ticket_id=_id(second), master_id=_id(first), actor=OPERATOR, now=clock.now())
    # merging the first into the master carries the second along, to the root
    svc.merge(world, ticket_id=_id(first), master_id=_id(master), actor=DISPATCHER, now=clock.now())
    world.refresh(second)
    assert (first.status, first.master_id, second.master_id) == (TicketStatus.MERGED, master.id, master.id)
    with pytest.raises(Conflict, match="不能与自身并案"):
        svc.merge(world, ticket_id=_id(master), master_id=_id(first), actor=OPERATOR, now=clock.now())
    with pytest.raises(Conflict, match="的主件尚未办结，暂不回访"):
        svc.record_callback(world, ticket_id=_id(first), actor=OPERATOR, now=clock.now(), reached=False)
    unit = unit_actor(world, "housing")
    svc.sign(world, ticket_id=_id(master), actor=unit, now=clock.now())
    svc.reply(world, ticket_id=_id(master), actor=unit, now=clock.now(), text="已处理")
    svc.record_callback(
        world,
        ticket_id=_id(master),
        actor=OPERATOR,
        now=clock.now(),
        reached=True,
        satisfaction=Satisfaction.SATISFIED,
    )
    due = svc.callbacks_due(world, now=clock.now())
    assert {t.id for t in due} == {first.id, second.id}
    assert all(t.reply_text == "已处理" for t in due)
    done = svc.record_callback(
        world,
        ticket_id=_id(first),
        actor=OPERATOR,
        now=clock.now(),
        reached=True,
        satisfaction=Satisfaction.SATISFIED,
    )
    assert done.status is TicketStatus.MERGED
    assert done.callback_done_at == clock.now()
    assert {t.id for t in svc.callbacks_due(world, now=clock.now())} == {second.id}


def test_merge_into_a_closed_ticket_is_refused(world: Session, clock: FixedClock) -> None:
    closed = make_ticket(world, clock.now())
    svc.close_on_spot(world, ticket_id=_id(closed), actor=OPERATOR, now=clock.now(), answer="已答复")
    ticket = make_ticket(world, clock.now())
    with pytest.raises(Conflict, match="已办结，只能并入未办结的工单"):
        svc.merge(world, ticket_id=_id(ticket), master_id=_id(closed), actor=OPERATOR, now=clock.now())
    assert ticket.status is TicketStatus.DRAFT


def test_co_units_sign_and_reply_their_share_without_moving_the_status(
    world: Session, clock: FixedClock
) -> None:
    ticket = make_ticket(world, clock.now())
    svc.dispatch(
        world,
        ticket_id=_id(ticket),
        unit_code="urban",
        co_unit_codes=["eco"],
        actor=OPERATOR,
        now=clock.now(),
    )
    co = unit_actor(world, "eco")
    svc.sign(world, ticket_id=_id(ticket), actor=co, now=clock.now())
    assert ticket.status is TicketStatus.DISPATCHED
    with pytest.raises(Conflict, match="本单位已签收"):
        svc.sign(world, ticket_id=_id(ticket), actor=co, now=clock.now())
    with pytest.raises(PermissionDenied, match="的主办单位"):
        svc.return_ticket(world, ticket_id=_id(ticket), actor=co, now=clock.now(), reason="r")
    svc.reply(world, ticket_id=_id(ticket), actor=co, now=clock.now(), text="协办意见：已配合执法")
    assert ticket.status is TicketStatus.DISPATCHED
    roles = {a.role for a in svc.assignments_of(world, ticket_id=_id(ticket))}
    assert roles == {AssignmentRole.LEAD, AssignmentRole.CO}


def test_supervision_is_a_flag_with_its_own_deadline(world: Session, clock: FixedClock) -> None:
    ticket = _dispatched(world, clock)
    with pytest.raises(InvalidTransition, match="话务员不能"):
        svc.supervise(
            world, ticket_id=_id(ticket), actor=OPERATOR, now=clock.now(), note="n", due_at=clock.now()
        )
    with pytest.raises(InvalidInput, match="督办期限须晚于当前时间"):
        svc.supervise(
            world, ticket_id=_id(ticket), actor=SUPERVISOR, now=clock.now(), note="n", due_at=clock.now()
        )
    flag = svc.supervise(
        world,
        ticket_id=_id(ticket),
        actor=SUPERVISOR,
        now=clock.now(),
        note="群众多次反映，请加快",
        due_at=clock.now() + timedelta(days=1),
    )
    assert ticket.status is TicketStatus.DISPATCHED
    assert [f.id for f in svc.open_supervisions(world)] == [flag.id]
    assert flag.id is not None
    svc.resolve_supervision(world, flag_id=flag.id, actor=SUPERVISOR, now=clock.now())
    assert svc.open_supervisions(world) == []
    with pytest.raises(Conflict, match="已办结"):
        svc.resolve_supervision(world, flag_id=flag.id, actor=SUPERVISOR, now=clock.now())


def test_dispatch_to_unknown_inactive_or_expert_unit_is_refused(world: Session, clock: FixedClock) -> None:
    ticket = make_ticket(world, clock.now())
    with pytest.raises(InvalidInput, match="单位代码「nope」不存在"):
        svc.dispatch(world, ticket_id=_id(ticket), unit_code="nope", actor=OPERATOR, now=clock.now())
    with pytest.raises(InvalidInput, match="是专家坐席：请转接电话，不能派单"):
        svc.dispatch(world, ticket_id=_id(ticket), unit_code="expert_law", actor=OPERATOR, now=clock.now())
    assert ticket.status is TicketStatus.DRAFT
    assert ticket.dispatch_count == 0
    assert svc.assignments_of(world, ticket_id=_id(ticket)) == []
    assert [e.action for e in list_events(world, ticket_id=_id(ticket))] == [Action.CREATE]


def test_the_dispatchers_worklists_read_their_tickets_in_one_query(world: Session, clock: FixedClock) -> None:
    returned, extended = [], []
    for n in range(4):
        ticket = _dispatched(world, clock, unit="urban", title=f"退回 {n}")
        clerk = unit_actor(world, "urban")
        svc.return_ticket(world, ticket_id=_id(ticket), actor=clerk, now=clock.now(), reason="不是我们的")
        returned.append(_id(ticket))
        ticket = _dispatched(world, clock, unit="housing", title=f"延期 {n}")
        unit = unit_actor(world, "housing")
        svc.sign(world, ticket_id=_id(ticket), actor=unit, now=clock.now())
        svc.request_extension(
            world, ticket_id=_id(ticket), actor=unit, now=clock.now(), working_days=2, reason="需现场勘查"
        )
        extended.append(_id(ticket))
        clock.advance(timedelta(minutes=1))
    world.expunge_all()  # nothing cached: every ticket must come from the worklist's own query
    statements: list[str] = []
    engine = world.get_bind()
    listen = event.listens_for(engine, "before_cursor_execute")(
        lambda conn, cursor, statement, *args: statements.append(statement)
    )
    try:
        returns = svc.pending_returns(world)
        extensions = svc.pending_extensions(world)
        seen = [ticket.title for _, ticket in returns + extensions]
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert [t.id for _, t in returns] == returned
    assert [r.ticket_id for r, _ in returns] == returned
    assert [t.id for _, t in extensions] == extended
    assert seen == [f"退回 {n}" for n in range(4)] + [f"延期 {n}" for n in range(4)]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
