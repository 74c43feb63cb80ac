"""Ticket services: intake, dispatch, handling, callback and close, all through the transition table."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import Session, col, func, select

from hotline import names
from hotline.calls.models import Call
from hotline.categories.models import Category
from hotline.clock import ensure_utc
from hotline.config import Rules
from hotline.enums import (
    OPEN_STATUSES,
    Action,
    AssignmentRole,
    RejectReason,
    RequestState,
    Role,
    Satisfaction,
    TicketStatus,
    UnitKind,
)
from hotline.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ReplyNeedsConfirmation
from hotline.ports import ReplyVerdict
from hotline.privacy.service import record_consent
from hotline.sla.calendar import WorkCalendar
from hotline.sla.service import (
    RETURN_LIMIT_WORKING_DAYS,
    TicketFacts,
    active_policies,
    choose_policy,
    load_calendar,
    yellow_at,
)
from hotline.text import MAX_CONTENT_CHARS, MAX_LINE_CHARS, clean_text
from hotline.tickets.lifecycle import Move, check_move
from hotline.tickets.models import (
    Assignment,
    CallbackRecord,
    ExtensionRequest,
    ReturnRecord,
    Supervision,
    Ticket,
    TicketCreate,
    TicketUpdate,
)
from hotline.tickets.numbering import new_query_code, next_ticket_number
from hotline.timeline.service import record_event
from hotline.units.models import Unit
from hotline.units.service import district_unit, get_unit_by_code
from hotline.users.models import Actor

DEFAULT_RULES = Rules()
CREATE_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.CHANNEL})
SYSTEM = Actor(role=Role.SYSTEM, name=names.SYSTEM_ACTOR_NAME)
_TEXT_LIMITS = {
    "caller_name": MAX_LINE_CHARS,
    "who": MAX_LINE_CHARS,
    "when": MAX_LINE_CHARS,
    "address": MAX_LINE_CHARS,
    "title": MAX_LINE_CHARS,
    "content": MAX_CONTENT_CHARS,
    "district": 64,
    "street": 64,
}
_REQUIRED = {"title", "content"}
_CREATE_ONLY = {"call_linkedid", "suggested_unit_code"}  # TicketCreate fields that are not columns


# --- reading -------------------------------------------------------------------------------------


def get_ticket(session: Session, *, ticket_id: int, actor: Actor) -> Ticket:
    """A ticket the actor may see; a unit sees only tickets assigned to it."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"工单 {ticket_id} 不存在")
    if actor.role is Role.UNIT and not _ever_assigned(session, ticket_id=ticket_id, unit_id=actor.unit_id):
        raise PermissionDenied("该工单未派给本单位")
    return ticket


def get_ticket_by_number(session: Session, *, number: str, actor: Actor) -> Ticket:
    ticket = session.exec(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None or ticket.id is None:
        raise NotFound(f"工单 {number} 不存在")
    return get_ticket(session, ticket_id=ticket.id, actor=actor)


def find_ticket_for_citizen(session: Session, *, query_code: str, phone: str) -> Ticket:
    """The ticket a citizen follows with its query code and their phone number; NotFound otherwise.

    Both must match, so a leaked code alone reveals nothing.
    """
    code = query_code.strip().upper()
    digits = _phone_digits(phone)
    ticket = (
        session.exec(select(Ticket).where(Ticket.query_code == code, Ticket.caller_phone == digits)).first()
        if code and digits
        else None
    )
    if ticket is None:
        raise NotFound("查询码与电话号码对不上任何诉求，请核对后重试")
    return ticket


def list_tickets(
    session: Session,
    *,
    actor: Actor,
    statuses: Sequence[TicketStatus] = (),
    unit_id: int | None = None,
    caller_phone: str | None = None,
    confidential: bool | None = None,
    returned: bool = False,
    number: str | None = None,
    keyword: str | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Ticket]:
    """Tickets newest first; a unit gets its own inbox only, whatever it asks for.

    ``confidential=False`` leaves out tickets whose caller asked for confidentiality (public faces).
    ``returned=True`` lists the tickets the unit returned (退单) instead, wherever they are now: a
    return ends the unit's assignment, so its inbox no longer holds them.
    ``number`` matches exactly (unique index); ``keyword`` is a substring of the title or content,
    scanned along the created_at index and cut off at ``limit``; the created range is half-open.
    """
    query = select(Ticket)
    if number:
        query = query.where(Ticket.number == number.strip())
    if keyword and keyword.strip():
        pattern = "%" + _like_escaped(keyword.strip()) + "%"
        query = query.where(
            col(Ticket.title).ilike(pattern, escape="\\") | col(Ticket.content).ilike(pattern, escape="\\")
        )
    if created_from is not None:
        query = query.where(col(Ticket.created_at) >= ensure_utc(created_from))
    if created_before is not None:
        query = query.where(col(Ticket.created_at) < ensure_utc(created_before))
    if actor.role is Role.UNIT:
        unit_id = actor.unit_id
    if returned:
        by = select(ReturnRecord.ticket_id)
        if unit_id is not None:
            by = by.where(ReturnRecord.unit_id == unit_id)
        query = query.where(col(Ticket.id).in_(by))
    elif unit_id is not None:
        assigned = select(Assignment.ticket_id).where(
            Assignment.unit_id == unit_id, col(Assignment.active).is_(True)
        )
        query = query.where(col(Ticket.id).in_(assigned))
    if statuses:
        query = query.where(col(Ticket.status).in_(list(statuses)))
    if caller_phone:
        query = query.where(Ticket.caller_phone == caller_phone)
    if confidential is not None:
        query = query.where(col(Ticket.confidential).is_(confidential))
    query = (
        query.order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .offset(offset)
        .limit(min(limit, 500))
    )
    return list(session.exec(query))


def _like_escaped(text: str) -> str:
    """A user's text as a literal inside a LIKE pattern: its own % and _ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def assignments_of(session: Session, *, ticket_id: int) -> list[Assignment]:
    query = select(Assignment).where(Assignment.ticket_id == ticket_id).order_by(col(Assignment.id))
    return list(session.exec(query))


def mask_phone(phone: str) -> str:
    """138****8000: enough for the unit to recognise a call, not to dial it."""
    if len(phone) <= 4:
        return "*" * len(phone)
    keep = 3 if len(phone) >= 11 else 2
    return phone[:keep] + "*" * (len(phone) - keep - 4) + phone[-4:]


def caller_phone_for(ticket: Ticket, actor: Actor) -> str:
    """The caller's number as this actor may see it: masked for units when confidentiality was asked."""
    if actor.role is Role.UNIT and ticket.confidential:
        return mask_phone(ticket.caller_phone)
    return ticket.caller_phone


# --- intake --------------------------------------------------------------------------------------


def create_ticket(
    session: Session, *, data: TicketCreate, actor: Actor, now: datetime, rules: Rules = DEFAULT_RULES
) -> Ticket:
    """Record a request as a draft ticket, linked to its call when it came by phone."""
    if actor.role not in CREATE_ROLES:
        raise PermissionDenied(f"{names.name(names.ROLE, actor.role)}不能登记工单")
    now = ensure_utc(now)
    fields = _clean_fields(data.model_dump(include=set(_TEXT_LIMITS)), partial=False)
    fields["caller_phone"] = _clean_phone(data.caller_phone)
    call_id = _call_id(session, linkedid=data.call_linkedid) if data.call_linkedid else None
    suggested = (
        get_unit_by_code(session, code=data.suggested_unit_code).id if data.suggested_unit_code else None
    )
    if data.category_id is not None and session.get(Category, data.category_id) is None:
        raise InvalidInput(f"诉求类别 {data.category_id} 不存在")
    values = data.model_dump(exclude=_CREATE_ONLY) | fields
    values.update(
        number=next_ticket_number(session, now=now, tz=ZoneInfo(rules.timezone)),
        query_code=new_query_code(),
        status=TicketStatus.DRAFT,
        call_id=call_id,
        created_by_id=actor.user_id,
        suggested_unit_id=suggested,
        created_at=now,
        updated_at=now,
    )
    # Plain INSERTs and no read-back: intake is the hottest write path, and this skips the unit
    # of work's flush and a SELECT. The object, made from the very values stored, joins the
    # session as a persistent row (make_transient_to_detached), as if it had been loaded.
    ticket = Ticket(**values)
    row = {name: getattr(ticket, name) for name in _TICKET_COLUMNS}
    ticket.id = ticket_id = session.connection().execute(_insert_ticket(), row).scalar_one()
    make_transient_to_detached(ticket)
    session.add(ticket)
    record_event(
        session,
        ticket_id=ticket_id,
        action=Action.CREATE,
        actor=actor,
        at=now,
        from_status=None,
        to_status=TicketStatus.DRAFT,
        data={"channel": data.channel},
    )
    record_consent(session, ticket=ticket, actor=actor, at=now, note="受理时")
    session.commit()
    return ticket


_TICKET_COLUMNS = tuple(c.key for c in Ticket.__table__.columns if c.key != "id")  # type: ignore[attr-defined]


@cache
def _insert_ticket() -> ReturningInsert[int]:
    table = Ticket.__table__  # type: ignore[attr-defined]
    return insert(table).returning(table.c.id)


def update_draft(
    session: Session, *, ticket_id: int, data: TicketUpdate, actor: Actor, now: datetime
) -> Ticket:
    """Correct a ticket before it is dispatched."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    if ticket.status is not TicketStatus.DRAFT or actor.role not in {Role.OPERATOR, Role.DISPATCHER}:
        raise Conflict(f"工单 {ticket.number} 只能在待派单时由话务员或派单员修改")
    changes = data.model_dump(exclude_unset=True)
    changes.update(_clean_fields({k: v for k, v in changes.items() if k in _TEXT_LIMITS}, partial=True))
    if changes.get("category_id") is not None and session.get(Category, changes["category_id"]) is None:
        raise InvalidInput(f"诉求类别 {changes['category_id']} 不存在")
    consent_before = (ticket.consent_recording, ticket.consent_callback, ticket.confidential)
    ticket.sqlmodel_update(changes)
    if (ticket.consent_recording, ticket.consent_callback, ticket.confidential) != consent_before:
        record_consent(session, ticket=ticket, actor=actor, at=now, note="修改工单时")
    return _commit_move(
        session, ticket, None, actor, now, note="修改工单信息", data={"fields": sorted(changes)}
    )


def close_on_spot(
    session: Session,
    *,
    ticket_id: int,
    actor: Actor,
    now: datetime,
    answer: str,
    satisfaction: Satisfaction | None = None,
    article_id: int | None = None,
) -> Ticket:
    """即问即答: the operator answered from the knowledge base; the caller may rate it now."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.CLOSE_ON_SPOT, role=actor.role)
    ticket.reply_text = clean_text(answer, field="answer", max_len=MAX_CONTENT_CHARS)
    ticket.satisfaction = satisfaction
    return _commit_move(session, ticket, move, actor, now, data={"article_id": article_id})


def reject(
    session: Session, *, ticket_id: int, actor: Actor, now: datetime, reason: RejectReason, note: str = ""
) -> Ticket:
    """不予受理, with a reason code (an emergency goes to 110/119/120, never waits as a ticket)."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.REJECT, role=actor.role)
    if _children(session, ticket):
        raise Conflict(f"工单 {ticket.number} 是并案主件，不能不予受理")
    ticket.reject_reason = reason
    return _commit_move(session, ticket, move, actor, now, note=_note(note), data={"reason": reason})


def merge(
    session: Session, *, ticket_id: int, master_id: int, actor: Actor, now: datetime, note: str = ""
) -> Ticket:
    """并案: the ticket follows a master case; tickets merged into it follow the master too."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.MERGE, role=actor.role)
    master = get_ticket(session, ticket_id=master_id, actor=actor)
    while master.master_id is not None:  # merge into the root of a chain
        master = get_ticket(session, ticket_id=master.master_id, actor=actor)
    if master.id == ticket.id:
        raise Conflict(f"工单 {ticket.number} 不能与自身并案")
    if master.status not in OPEN_STATUSES:
        raise Conflict(
            f"主工单 {master.number} {names.name(names.STATUS, master.status)}，只能并入未办结的工单"
        )
    ticket.master_id = master.id
    for child in _children(session, ticket):
        child.master_id = master.id
        session.add(child)
    for assignment in _active_assignments(session, ticket):
        assignment.active = False
        session.add(assignment)
    data = {"master_id": master.id, "master_number": master.number}
    return _commit_move(session, ticket, move, actor, now, note=_note(note), data=data)


# --- dispatch ------------------------------------------------------------------------------------


def dispatch(
    session: Session,
    *,
    ticket_id: int,
    unit_code: str,
    actor: Actor,
    now: datetime,
    co_unit_codes: Sequence[str] = (),
    note: str = "",
    rules: Rules = DEFAULT_RULES,
) -> Ticket:
    """派单 to a lead unit and any co-units; sets the sign, return and handle deadlines."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.DISPATCH, role=actor.role)
    lead = _dispatchable_unit(session, unit_code)
    co_units = [_dispatchable_unit(session, code) for code in co_unit_codes if code != unit_code]
    _assign(session, ticket, lead, co_units, now=now, designated=False, rules=rules)
    data = {
        "unit": lead.code,
        "co_units": [u.code for u in co_units],
        "suggested_unit_id": ticket.suggested_unit_id,
    }
    return _commit_move(session, ticket, move, actor, now, note=_note(note), data=data)


def redispatch(
    session: Session,
    *,
    ticket_id: int,
    actor: Actor,
    now: datetime,
    unit_code: str | None = None,
    co_unit_codes: Sequence[str] = (),
    note: str = "",
    rules: Rules = DEFAULT_RULES,
) -> Ticket:
    """Accept a return and send the ticket on; from the 3rd dispatch on the unit is designated.

    With no unit named, a designated dispatch falls back to the ticket's district (属地兜底).
    """
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.REDISPATCH, role=actor.role)
    designated = ticket.dispatch_count >= rules.max_dispatches_before_designation
    if unit_code:
        lead = _dispatchable_unit(session, unit_code)
    elif designated and ticket.district and (fallback := district_unit(session, district=ticket.district)):
        lead = fallback
    else:
        raise InvalidInput("请指定改派的承办单位（没有可改派的属地单位）")
    pending = _pending_return(session, ticket)
    pending.state, pending.decided_at, pending.decided_by_id = RequestState.APPROVED, now, actor.user_id
    pending.new_unit_id = lead.id
    session.add(pending)
    co_units = [_dispatchable_unit(session, code) for code in co_unit_codes if code != lead.code]
    _assign(session, ticket, lead, co_units, now=now, designated=designated, rules=rules)
    data = {"unit": lead.code, "designated": designated, "round": ticket.dispatch_count}
    return _commit_move(session, ticket, move, actor, now, note=_note(note), data=data)


def overrule_return(
    session: Session, *, ticket_id: int, actor: Actor, now: datetime, note: str, rules: Rules = DEFAULT_RULES
) -> Ticket:
    """Refuse a return: the same unit keeps the ticket, now designated, with its original handle deadline."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.OVERRULE_RETURN, role=actor.role)
    reason = clean_text(note, field="note", max_len=1000)
    pending = _pending_return(session, ticket)
    pending.state, pending.decided_at, pending.decided_by_id = RequestState.DENIED, now, actor.user_id
    session.add(pending)
    for assignment in session.exec(
        select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.round == ticket.dispatch_count)
    ):
        assignment.active, assignment.returned_at = True, None
        assignment.designated = assignment.role is AssignmentRole.LEAD
        session.add(assignment)
    calendar = load_calendar(session)
    ticket.sign_due_at = calendar.add_working_days(now, 1)
    ticket.sign_yellow_at = yellow_at(now, ticket.sign_due_at, rules.yellow_card_ratio)
    return _commit_move(session, ticket, move, actor, now, note=reason)


# --- handling by the unit ------------------------------------------------------------------------


def sign(session: Session, *, ticket_id: int, actor: Actor, now: datetime) -> Ticket:
    """签收: the lead unit's signature moves the ticket to handling; a co-unit signs its share."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    if actor.role is not Role.UNIT:
        check_move(status=ticket.status, action=Action.SIGN, role=actor.role)
    assignment = _own_assignment(session, ticket, actor)
    if assignment.signed_at is not None:
        raise Conflict(f"工单 {ticket.number} 本单位已签收")
    assignment.signed_at = now
    session.add(assignment)
    if assignment.role is AssignmentRole.CO:
        check_move(status=ticket.status, action=Action.CONTACT, role=actor.role)
        return _commit_move(session, ticket, None, actor, now, note="协办单位签收", data={"co_unit": True})
    move = check_move(status=ticket.status, action=Action.SIGN, role=actor.role)
    return _commit_move(session, ticket, move, actor, now)


def record_contact(
    session: Session, *, ticket_id: int, actor: Actor, now: datetime, note: str = ""
) -> Ticket:
    """The unit reached the citizen (counts toward 响应率)."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.CONTACT, role=actor.role)
    assignment = _own_assignment(session, ticket, actor)
    if assignment.contacted_at is None:
        assignment.contacted_at = now
        session.add(assignment)
    return _commit_move(session, ticket, move, actor, now, note=_note(note))


def return_ticket(
    session: Session,
    *,
    ticket_id: int,
    actor: Actor,
    now: datetime,
    reason: str,
    suggested_unit_code: str | None = None,
) -> Ticket:
    """退单: the lead unit says the ticket is not its own, within 1 working day of dispatch."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.RETURN, role=actor.role)
    assignment = _own_assignment(session, ticket, actor, lead_only=True)
    if assignment.designated:
        raise Conflict(f"工单 {ticket.number} 是派单员指定本单位办理的，不能退单")
    if ticket.return_due_at is not None and now > ticket.return_due_at:
        raise Conflict(f"工单 {ticket.number} 的退单时限已于 {names.local_time(ticket.return_due_at)} 截止")
    text = clean_text(reason, field="reason", max_len=1000)
    suggested = get_unit_by_code(session, code=suggested_unit_code).id if suggested_unit_code else None
    assert ticket.id is not None
    session.add(
        ReturnRecord(
            ticket_id=ticket.id,
            unit_id=assignment.unit_id,
            reason=text,
            suggested_unit_id=suggested,
            returned_at=now,
        )
    )
    for own in _active_assignments(session, ticket):
        own.active, own.returned_at = False, now
        session.add(own)
    return _commit_move(session, ticket, move, actor, now, note=text, data={"suggested_unit_id": suggested})


def request_extension(
    session: Session,
    *,
    ticket_id: int,
    actor: Actor,
    now: datetime,
    working_days: int,
    reason: str,
    rules: Rules = DEFAULT_RULES,
) -> ExtensionRequest:
    """延期申请: before the deadline, at most 10 working days, one pending request at a time."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.REQUEST_EXTENSION, role=actor.role)
    assignment = _own_assignment(session, ticket, actor, lead_only=True)
    if not 1 <= working_days <= rules.max_extension_working_days:
        raise InvalidInput(
            f"延期天数应为 1 到 {rules.max_extension_working_days} 个工作日，不能是 {working_days}"
        )
    if ticket.handle_due_at is not None and now >= ticket.handle_due_at:
        zone = ZoneInfo(rules.timezone)
        raise Conflict(
            f"工单 {ticket.number} 已超期（办理期限 {names.local_time(ticket.handle_due_at, zone)}），"
            "延期须在期限前申请"
        )
    assert ticket.id is not None
    pending = session.exec(
        select(ExtensionRequest).where(
            ExtensionRequest.ticket_id == ticket.id, ExtensionRequest.state == RequestState.PENDING
        )
    ).first()
    if pending is not None:
        raise Conflict(f"工单 {ticket.number} 已有待派单员审批的延期申请")
    request = ExtensionRequest(
        ticket_id=ticket.id,
        unit_id=assignment.unit_id,
        working_days=working_days,
        reason=clean_text(reason, field="reason", max_len=1000),
        requested_at=now,
        old_due_at=ticket.handle_due_at,
    )
    session.add(request)
    _commit_move(session, ticket, move, actor, now, note=request.reason, data={"working_days": working_days})
    return request


def decide_extension(
    session: Session,
    *,
    request_id: int,
    approve: bool,
    actor: Actor,
    now: datetime,
    note: str = "",
    rules: Rules = DEFAULT_RULES,
) -> ExtensionRequest:
    """The dispatcher approves (the deadline moves, the citizen is told) or denies an extension."""
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        raise NotFound(f"延期申请 {request_id} 不存在")
    ticket = get_ticket(session, ticket_id=request.ticket_id, actor=actor)
    action = Action.APPROVE_EXTENSION if approve else Action.DENY_EXTENSION
    move = check_move(status=ticket.status, action=action, role=actor.role)
    if request.state is not RequestState.PENDING:
        raise Conflict(f"延期申请 {request_id} {names.name(names.REQUEST_STATE, request.state)}，不能再审批")
    request.state = RequestState.APPROVED if approve else RequestState.DENIED
    request.decided_at, request.decided_by_id = now, actor.user_id
    data: dict[str, Any] = {"request_id": request_id}
    if approve and ticket.handle_due_at is not None:
        calendar = load_calendar(session)
        start = ticket.dispatched_at or now
        ticket.handle_due_at = calendar.add_working_days(ticket.handle_due_at, request.working_days)
        ticket.handle_yellow_at = yellow_at(start, ticket.handle_due_at, rules.yellow_card_ratio)
        request.new_due_at = ticket.handle_due_at
        local_due = ticket.handle_due_at.astimezone(ZoneInfo(rules.timezone))
        data["citizen_notice"] = f"您反映的事项办理期限已延长至{local_due:%Y年%m月%d日 %H:%M}"
    session.add(request)
    _commit_move(session, ticket, move, actor, now, note=_note(note), data=data)
    return request


def reply(
    session: Session,
    *,
    ticket_id: int,
    actor: Actor,
    now: datetime,
    text: str,
    verdict: ReplyVerdict | None = None,
    confirmed: bool = False,
) -> Ticket:
    """办理结果: the lead unit's reply; the citizen is called back the next working day.

    ``verdict`` (the 答非所问 check of the reply against the complaint): a low one is refused until
    the unit confirms it, then kept on the ticket for the dispatcher's review.
    """
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    if actor.role is not Role.UNIT:
        check_move(status=ticket.status, action=Action.REPLY, role=actor.role)
    assignment = _own_assignment(session, ticket, actor)
    body = clean_text(text, field="reply", max_len=MAX_CONTENT_CHARS)
    if assignment.role is AssignmentRole.CO:
        check_move(status=ticket.status, action=Action.CONTACT, role=actor.role)
        assignment.replied_at, assignment.reply_text = now, body
        session.add(assignment)
        return _commit_move(session, ticket, None, actor, now, note=body, data={"co_unit": True})
    move = check_move(status=ticket.status, action=Action.REPLY, role=actor.role)
    if verdict is not None and verdict.low and not confirmed:
        raise ReplyNeedsConfirmation(verdict)
    assignment.replied_at, assignment.reply_text = now, body
    session.add(assignment)
    ticket.reply_text = body
    ticket.reply_score = verdict.score if verdict else None
    ticket.reply_issues = ",".join(verdict.issues) if verdict else ""
    ticket.reply_flagged = bool(verdict and verdict.low)
    ticket.callback_due_at = load_calendar(session).end_of_next_workday(now)
    ticket.callback_done_at = None
    ticket.callback_attempts = 0
    _apply_move(session, ticket, move, actor, now, note=body)
    settle_declined_callback(session, ticket, now=now)
    session.commit()
    return ticket


DECLINED_NOTE: Final = "来电人不同意回访，答复后办结（不计入回访率和满意率）"


def settle_declined_callback(session: Session, ticket: Ticket, *, now: datetime) -> None:
    """A caller who declined a callback is due none (nor counted in 回访率): a replied ticket closes
    unrated, unless its reply was flagged (答非所问), which the dispatcher reviews first; a merged
    one just leaves the list. Leaves the commit to the caller."""
    waiting = ticket.status in (TicketStatus.REPLIED, TicketStatus.MERGED)
    if ticket.consent_callback or not waiting or ticket.callback_done_at:
        return
    ticket.callback_due_at = None
    if ticket.status is TicketStatus.REPLIED and not ticket.reply_flagged:
        move = check_move(status=ticket.status, action=Action.CLOSE_WITHOUT_CALLBACK, role=Role.SYSTEM)
        _apply_move(session, ticket, move, SYSTEM, now, note=DECLINED_NOTE)


def close_without_callback(
    session: Session, *, ticket_id: int, actor: Actor, now: datetime, note: str = ""
) -> Ticket:
    """The dispatcher closes a reviewed reply whose caller declined a callback."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.CLOSE_WITHOUT_CALLBACK, role=actor.role)
    if ticket.consent_callback:
        raise Conflict(f"工单 {ticket.number} 的来电人同意回访：请回访后办结")
    ticket.callback_due_at = None
    return _commit_move(session, ticket, move, actor, now, note=_note(note) or DECLINED_NOTE)


# --- callback and close --------------------------------------------------------------------------


def record_callback(
    session: Session,
    *,
    ticket_id: int,
    actor: Actor,
    now: datetime,
    reached: bool,
    satisfaction: Satisfaction | None = None,
    solved: bool | None = None,
    note: str = "",
    rules: Rules = DEFAULT_RULES,
) -> Ticket:
    """回访: satisfied closes, unsatisfied sends it back for rework, 3 failed days close it unrated."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    if ticket.status is TicketStatus.MERGED and (ticket.callback_due_at is None or ticket.callback_done_at):
        raise Conflict(f"并案工单 {ticket.number} 的主件尚未办结，暂不回访")
    calendar = load_calendar(session)
    tz = ZoneInfo(rules.timezone)
    if reached:
        if satisfaction is None:
            raise InvalidInput("回访接通时须记录来电人的满意度")
        satisfied = satisfaction is not Satisfaction.UNSATISFIED
        action = Action.CALLBACK_SATISFIED if satisfied else Action.CALLBACK_UNSATISFIED
    else:
        failed_days = {a.at.astimezone(tz).date() for a in _callbacks(session, ticket) if not a.reached}
        failed_days.add(now.astimezone(tz).date())
        final = len(failed_days) >= rules.callback_max_attempts
        action = Action.CALLBACK_UNREACHABLE if final else Action.CALLBACK_ATTEMPT_FAILED
    move = check_move(status=ticket.status, action=action, role=actor.role)
    assert ticket.id is not None
    ticket.callback_attempts += 1
    session.add(
        CallbackRecord(
            ticket_id=ticket.id,
            attempt=ticket.callback_attempts,
            at=now,
            by_id=actor.user_id,
            reached=reached,
            satisfaction=satisfaction if reached else None,
            solved=solved if reached else None,
            note=_note(note),
        )
    )
    if action is not Action.CALLBACK_ATTEMPT_FAILED:
        ticket.callback_done_at = now
        ticket.satisfaction = satisfaction if reached else None
        ticket.solved = solved if reached else None
    if action is Action.CALLBACK_UNSATISFIED and ticket.status is TicketStatus.REPLIED:
        _restart_handling(session, ticket, calendar=calendar, now=now, rules=rules)
    data = {
        "reached": reached,
        "satisfaction": satisfaction,
        "solved": solved,
        "attempt": ticket.callback_attempts,
    }
    return _commit_move(session, ticket, move, actor, now, note=_note(note), data=data)


def supervise(
    session: Session, *, ticket_id: int, actor: Actor, now: datetime, note: str, due_at: datetime
) -> Supervision:
    """督办: a supervisor flags an open ticket with a note and its own deadline."""
    ticket = get_ticket(session, ticket_id=ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.SUPERVISE, role=actor.role)
    if ensure_utc(due_at) <= now:
        raise InvalidInput("督办期限须晚于当前时间")
    assert ticket.id is not None
    flag = Supervision(
        ticket_id=ticket.id,
        note=clean_text(note, field="督办意见", max_len=2000),
        due_at=ensure_utc(due_at),
        created_at=now,
        created_by_id=actor.user_id,
    )
    session.add(flag)
    _commit_move(session, ticket, move, actor, now, note=flag.note, data={"due_at": flag.due_at.isoformat()})
    return flag


def resolve_supervision(
    session: Session, *, flag_id: int, actor: Actor, now: datetime, note: str = ""
) -> Supervision:
    flag = session.get(Supervision, flag_id)
    if flag is None:
        raise NotFound(f"督办事项 {flag_id} 不存在")
    ticket = get_ticket(session, ticket_id=flag.ticket_id, actor=actor)
    move = check_move(status=ticket.status, action=Action.RESOLVE_SUPERVISION, role=actor.role)
    if flag.resolved_at is not None:
        raise Conflict(f"督办事项 {flag_id} 已办结")
    flag.resolved_at = now
    session.add(flag)
    _commit_move(session, ticket, move, actor, now, note=_note(note), data={"flag_id": flag_id})
    return flag


def open_supervisions(session: Session, *, ticket_id: int | None = None) -> list[Supervision]:
    query = (
        select(Supervision).where(col(Supervision.resolved_at).is_(None)).order_by(col(Supervision.due_at))
    )
    if ticket_id is not None:
        query = query.where(Supervision.ticket_id == ticket_id)
    return list(session.exec(query))


def supervised_tickets(session: Session) -> list[tuple[Supervision, Ticket]]:
    """Every open supervision flag, soonest deadline first, each with its ticket (one query)."""
    query = (
        select(Supervision, Ticket)
        .join(Ticket, col(Ticket.id) == Supervision.ticket_id)
        .where(col(Supervision.resolved_at).is_(None))
        .order_by(col(Supervision.due_at), col(Supervision.id))
    )
    return [(flag, ticket) for flag, ticket in session.exec(query)]


def replies_to_review(session: Session, *, limit: int = 200) -> list[Ticket]:
    """Replies the 答非所问 check flagged that still wait for the callback, oldest first."""
    query = (
        select(Ticket)
        .where(col(Ticket.reply_flagged), Ticket.status == TicketStatus.REPLIED)
        .order_by(col(Ticket.replied_at), col(Ticket.id))
        .limit(limit)
    )
    return list(session.exec(query))


def pending_returns(session: Session) -> list[tuple[ReturnRecord, Ticket]]:
    """Returns waiting for the dispatcher's ruling, oldest first, each with its ticket (one query)."""
    query = (
        select(ReturnRecord, Ticket)
        .join(Ticket, col(Ticket.id) == ReturnRecord.ticket_id)
        .where(ReturnRecord.state == RequestState.PENDING)
        .order_by(col(ReturnRecord.returned_at))
    )
    return [(record, ticket) for record, ticket in session.exec(query)]


def pending_extensions(session: Session) -> list[tuple[ExtensionRequest, Ticket]]:
    """Extension requests waiting for the dispatcher, oldest first, each with its ticket (one query)."""
    query = (
        select(ExtensionRequest, Ticket)
        .join(Ticket, col(Ticket.id) == ExtensionRequest.ticket_id)
        .where(ExtensionRequest.state == RequestState.PENDING)
        .order_by(col(ExtensionRequest.requested_at))
    )
    return [(request, ticket) for request, ticket in session.exec(query)]


def callbacks_due(session: Session, *, now: datetime, limit: int = 200) -> list[Ticket]:
    """Tickets whose caller is due a callback (replied, or merged into a closed master), oldest first."""
    query = (
        select(Ticket)
        .where(
            col(Ticket.callback_due_at).is_not(None),
            col(Ticket.callback_done_at).is_(None),
            col(Ticket.consent_callback),
            col(Ticket.status).in_([TicketStatus.REPLIED, TicketStatus.MERGED]),
        )
        .order_by(col(Ticket.callback_due_at))
        .limit(limit)
    )
    return list(session.exec(query))


def count_recent_by_caller(session: Session, *, phone: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.caller_phone == phone, Ticket.created_at >= since)
    )
    return int(session.exec(query).one())


# --- internals -----------------------------------------------------------------------------------


def _commit_move(
    session: Session,
    ticket: Ticket,
    move: Move | None,
    actor: Actor,
    now: datetime,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Ticket:
    """Apply a move (or a plain note when ``move`` is None), stamp it and log it in one commit."""
    _apply_move(session, ticket, move, actor, now, note=note, data=data)
    session.commit()
    return ticket


def _apply_move(
    session: Session,
    ticket: Ticket,
    move: Move | None,
    actor: Actor,
    now: datetime,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Apply a move, stamp it and log it, leaving the commit to the caller."""
    now = ensure_utc(now)
    before = ticket.status
    if move is not None:
        ticket.status = move.target(before)
        if move.stamp and ticket.status is not before:
            setattr(ticket, move.stamp, now)
    ticket.updated_at = now
    session.add(ticket)
    assert ticket.id is not None
    record_event(
        session,
        ticket_id=ticket.id,
        action=move.action if move else Action.COMMENT,
        actor=actor,
        at=now,
        from_status=before,
        to_status=ticket.status,
        note=note,
        data=_jsonable(data or {}),
    )
    if move is not None and ticket.status is TicketStatus.CLOSED and before is not TicketStatus.CLOSED:
        _followers_due_callback(session, ticket, now=now)


def _followers_due_callback(session: Session, master: Ticket, *, now: datetime) -> None:
    """When a master closes, every caller merged into it is due a callback."""
    due = load_calendar(session).end_of_next_workday(now)
    for child in _children(session, master):
        if child.status is not TicketStatus.MERGED or not child.consent_callback:
            continue  # a caller who declined a callback is not due one
        child.callback_due_at, child.callback_done_at = due, None
        child.reply_text = master.reply_text
        child.updated_at = now
        session.add(child)
        assert child.id is not None
        record_event(
            session,
            ticket_id=child.id,
            action=Action.FOLLOW_MASTER,
            actor=SYSTEM,
            at=now,
            from_status=child.status,
            to_status=child.status,
            note=f"主件 {master.number} 已办结，需回访",
            data={"master_id": master.id},
        )


def _assign(
    session: Session,
    ticket: Ticket,
    lead: Unit,
    co_units: Sequence[Unit],
    *,
    now: datetime,
    designated: bool,
    rules: Rules,
) -> None:
    assert ticket.id is not None and lead.id is not None
    for old in _active_assignments(session, ticket):
        old.active = False
        session.add(old)
    ticket.dispatch_count += 1
    ticket.lead_unit_id = lead.id
    ticket.signed_at = None
    session.add(
        Assignment(
            ticket_id=ticket.id,
            unit_id=lead.id,
            round=ticket.dispatch_count,
            designated=designated,
            dispatched_at=now,
        )
    )
    for unit in co_units:
        assert unit.id is not None
        session.add(
            Assignment(
                ticket_id=ticket.id,
                unit_id=unit.id,
                role=AssignmentRole.CO,
                round=ticket.dispatch_count,
                dispatched_at=now,
            )
        )
    calendar = load_calendar(session)
    _set_deadlines(session, ticket, lead, calendar=calendar, now=now, rules=rules)
    ticket.return_due_at = None if designated else calendar.add_working_days(now, RETURN_LIMIT_WORKING_DAYS)


def _set_deadlines(
    session: Session, ticket: Ticket, lead: Unit, *, calendar: WorkCalendar, now: datetime, rules: Rules
) -> None:
    policy = choose_policy(active_policies(session), _facts(session, ticket, lead))
    ticket.sign_due_at = calendar.add(now, policy.sign_amount, policy.sign_unit)
    ticket.sign_yellow_at = yellow_at(now, ticket.sign_due_at, rules.yellow_card_ratio)
    ticket.handle_due_at = calendar.add(now, policy.handle_amount, policy.handle_unit)
    ticket.handle_yellow_at = yellow_at(now, ticket.handle_due_at, rules.yellow_card_ratio)


def _restart_handling(
    session: Session, ticket: Ticket, *, calendar: WorkCalendar, now: datetime, rules: Rules
) -> None:
    """重办: the unit gets a fresh handling limit; the ticket is signed already."""
    lead = session.get(Unit, ticket.lead_unit_id) if ticket.lead_unit_id else None
    if lead is None:
        raise Conflict(f"工单 {ticket.number} 没有主办单位，无法重办")
    policy = choose_policy(active_policies(session), _facts(session, ticket, lead))
    ticket.handle_due_at = calendar.add(now, policy.handle_amount, policy.handle_unit)
    ticket.handle_yellow_at = yellow_at(now, ticket.handle_due_at, rules.yellow_card_ratio)
    ticket.replied_at = None
    ticket.callback_due_at = None


def _facts(session: Session, ticket: Ticket, lead: Unit) -> TicketFacts:
    category = session.get(Category, ticket.category_id) if ticket.category_id else None
    utility = lead.kind is UnitKind.UTILITY or bool(category and category.utility)
    return TicketFacts(ticket.nature, ticket.urgency, ticket.channel, utility, ticket.complex)


def _dispatchable_unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    if not unit.active:
        raise InvalidInput(f"单位 {code} 已停用")
    if unit.kind is UnitKind.EXPERT:
        raise InvalidInput(f"单位 {code} 是专家坐席：请转接电话，不能派单")
    return unit


def _own_assignment(session: Session, ticket: Ticket, actor: Actor, *, lead_only: bool = False) -> Assignment:
    for assignment in _active_assignments(session, ticket):
        if assignment.unit_id == actor.unit_id and (not lead_only or assignment.role is AssignmentRole.LEAD):
            return assignment
    what = "主办单位" if lead_only else "承办单位"
    raise PermissionDenied(f"本单位不是工单 {ticket.number} 的{what}")


def _active_assignments(session: Session, ticket: Ticket) -> list[Assignment]:
    query = select(Assignment).where(Assignment.ticket_id == ticket.id, col(Assignment.active).is_(True))
    return list(session.exec(query))


def _ever_assigned(session: Session, *, ticket_id: int, unit_id: int | None) -> bool:
    query = select(Assignment.id).where(Assignment.ticket_id == ticket_id, Assignment.unit_id == unit_id)
    return unit_id is not None and session.exec(query).first() is not None


def _children(session: Session, ticket: Ticket) -> list[Ticket]:
    return list(session.exec(select(Ticket).where(Ticket.master_id == ticket.id)))


def _callbacks(session: Session, ticket: Ticket) -> list[CallbackRecord]:
    return list(session.exec(select(CallbackRecord).where(CallbackRecord.ticket_id == ticket.id)))


def _pending_return(session: Session, ticket: Ticket) -> ReturnRecord:
    query = select(ReturnRecord).where(
        ReturnRecord.ticket_id == ticket.id, ReturnRecord.state == RequestState.PENDING
    )
    record = session.exec(query).first()
    if record is None:
        raise Conflict(f"工单 {ticket.number} 没有待审核的退单")
    return record


def _call_id(session: Session, *, linkedid: str) -> int:
    call = session.exec(select(Call).where(Call.linkedid == linkedid)).first()
    if call is None or call.id is None:
        raise InvalidInput(f"通话 {linkedid} 不存在")
    return call.id


def _clean_fields(values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if value is None and partial:
            continue
        required = name in _REQUIRED
        cleaned[name] = clean_text(
            value or "", field=name, max_len=_TEXT_LIMITS[name], allow_empty=not required
        )
    return cleaned


def _clean_phone(phone: str) -> str:
    digits = _phone_digits(clean_text(phone, field="caller_phone", max_len=32, allow_empty=True))
    if digits and not (digits.lstrip("+").isdigit() and digits.isascii()):
        raise InvalidInput(f"来电号码“{phone}”不是电话号码")
    return digits


def _phone_digits(phone: str) -> str:
    """A number as typed (spaces, dashes) in the one form it is stored and looked up by."""
    return phone.strip().replace(" ", "").replace("-", "")


def _note(note: str) -> str:
    return clean_text(note, field="note", max_len=MAX_CONTENT_CHARS, allow_empty=True)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
