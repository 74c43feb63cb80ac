"""Tickets: intake, dispatch, handling, callback; each route calls one lifecycle service."""

from datetime import datetime
from typing import Annotated

from fastapi import Query, Request
from pydantic import AwareDatetime
from sqlmodel import Session
from starlette.requests import HTTPConnection

from hotline.enums import Role, TicketStatus
from hotline.tickets import service as svc
from hotline.tickets.models import Ticket, TicketCreate, TicketUpdate
from hotline.timeline.models import TicketEventPublic
from hotline.timeline.service import list_events
from hotline.units.service import get_unit_by_code
from hotline.users.models import Actor
from web.deps import (
    ID_MAX,
    CallbackActor,
    DispatcherActor,
    Id,
    IntakeActor,
    NowDep,
    OperatorActor,
    ReaderActor,
    ServicesDep,
    SessionDep,
    SupervisorActor,
    UnitActor,
)
from web.routers.admin.common import audited
from web.routers.common import announce, api_router, moved, reference, view, views
from web.schemas import (
    CallbackIn,
    CloseOnSpotIn,
    CreatedTicket,
    DispatchIn,
    ExtensionIn,
    MergeIn,
    NoteIn,
    RedispatchIn,
    RejectIn,
    ReplyIn,
    ReturnIn,
    SuperviseIn,
    SupervisionView,
    TicketDetail,
    TicketView,
    assignment_view,
    supervision_view,
)

router = api_router("tickets", prefix="/api/tickets")


@router.get("", summary="List tickets (a unit gets its own inbox only)")
def list_tickets(
    actor: ReaderActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    status: Annotated[list[TicketStatus] | None, Query()] = None,
    unit: Annotated[str | None, Query(description="lead or co-unit code")] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    returned: Annotated[bool, Query(description="tickets the unit returned (退单), wherever now")] = False,
    number: Annotated[str | None, Query(max_length=32, description="exact ticket number")] = None,
    q: Annotated[str | None, Query(max_length=64, description="keyword in the title or content")] = None,
    created_from: Annotated[AwareDatetime | None, Query(description="created at or after")] = None,
    created_before: Annotated[AwareDatetime | None, Query(description="created before")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
) -> list[TicketView]:
    unit_id = get_unit_by_code(session, code=unit).id if unit else None
    found = svc.list_tickets(
        session,
        actor=actor,
        statuses=status or (),
        unit_id=unit_id,
        caller_phone=phone,
        returned=returned,
        number=number,
        keyword=q,
        created_from=created_from,
        created_before=created_before,
        limit=limit,
        offset=offset,
    )
    return views(session, services, found, actor, now)


@router.post("", status_code=201, summary="Create a draft ticket (operator, dispatcher)")
def create_ticket(
    data: TicketCreate, actor: IntakeActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> CreatedTicket:
    ticket = svc.create_ticket(session, data=data, actor=actor, now=now, rules=services.rules)
    announce(session, services, ticket, "create")
    return CreatedTicket(ticket=view(session, services, ticket, actor, now), query_code=ticket.query_code)


def audit_unit_view(
    session: Session, conn: HTTPConnection, actor: Actor, ticket: Ticket, at: datetime
) -> None:
    """A unit's staff read a ticket, its caller's details among it: one entry (one insert). Staff
    reads are not audited: they are the hotline's daily work."""
    if actor.role is Role.UNIT:
        audited(
            session,
            conn,
            actor=actor,
            action="ticket.view",
            at=at,
            target_kind="ticket",
            target_id=ticket.id,
            target_label=ticket.number,
        )


@router.get("/{ticket_id}", summary="A ticket with its assignments, timeline and supervision flags")
def get_ticket(
    ticket_id: Id,
    request: Request,
    actor: ReaderActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketDetail:
    ticket = svc.get_ticket(session, ticket_id=ticket_id, actor=actor)
    audit_unit_view(session, request, actor, ticket, now)
    ref = reference(session, services)
    base = view(session, services, ticket, actor, now, ref)
    return TicketDetail(
        **base.model_dump(),
        assignments=[assignment_view(a, ref) for a in svc.assignments_of(session, ticket_id=ticket_id)],
        events=[TicketEventPublic.model_validate(e) for e in list_events(session, ticket_id=ticket_id)],
        supervisions=[
            supervision_view(s, ticket) for s in svc.open_supervisions(session, ticket_id=ticket_id)
        ],
    )


@router.patch("/{ticket_id}", summary="Correct a draft")
def update_draft(
    ticket_id: Id,
    data: TicketUpdate,
    actor: IntakeActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    ticket = svc.update_draft(session, ticket_id=ticket_id, data=data, actor=actor, now=now)
    return view(session, services, ticket, actor, now)


@router.post("/{ticket_id}/close-on-spot", summary="即问即答: answered on the spot, closed")
def close_on_spot(
    ticket_id: Id,
    data: CloseOnSpotIn,
    actor: OperatorActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    ticket = svc.close_on_spot(
        session,
        ticket_id=ticket_id,
        actor=actor,
        now=now,
        answer=data.answer,
        satisfaction=data.satisfaction,
        article_id=data.article_id,
    )
    return moved(session, services, ticket, "close_on_spot", actor, now)


@router.post("/{ticket_id}/reject", summary="不予受理 with a reason code")
def reject(
    ticket_id: Id,
    data: RejectIn,
    actor: IntakeActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    ticket = svc.reject(
        session, ticket_id=ticket_id, actor=actor, now=now, reason=data.reason, note=data.note
    )
    return moved(session, services, ticket, "reject", actor, now)


@router.post("/{ticket_id}/merge", summary="并案: follow a master case")
def merge(
    ticket_id: Id, data: MergeIn, actor: IntakeActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> TicketView:
    ticket = svc.merge(
        session, ticket_id=ticket_id, master_id=data.master_id, actor=actor, now=now, note=data.note
    )
    return moved(session, services, ticket, "merge", actor, now)


@router.post("/{ticket_id}/dispatch", summary="派单 to a lead unit and co-units")
def dispatch(
    ticket_id: Id,
    data: DispatchIn,
    actor: IntakeActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    ticket = svc.dispatch(
        session,
        ticket_id=ticket_id,
        unit_code=data.unit_code,
        actor=actor,
        now=now,
        co_unit_codes=data.co_unit_codes,
        note=data.note,
        rules=services.rules,
    )
    return moved(session, services, ticket, "dispatch", actor, now)


@router.post("/{ticket_id}/redispatch", summary="Accept a return and send the ticket on")
def redispatch(
    ticket_id: Id,
    data: RedispatchIn,
    actor: DispatcherActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    ticket = svc.redispatch(
        session,
        ticket_id=ticket_id,
        actor=actor,
        now=now,
        unit_code=data.unit_code or None,
        co_unit_codes=data.co_unit_codes,
        note=data.note,
        rules=services.rules,
    )
    return moved(session, services, ticket, "redispatch", actor, now)


@router.post("/{ticket_id}/overrule-return", summary="Refuse a return: the same unit keeps it")
def overrule_return(
    ticket_id: Id,
    data: NoteIn,
    actor: DispatcherActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    ticket = svc.overrule_return(
        session,
        ticket_id=ticket_id,
        actor=actor,
        now=now,
        note=data.note or "退单理由不成立",
        rules=services.rules,
    )
    return moved(session, services, ticket, "overrule_return", actor, now)


@router.post("/{ticket_id}/sign", summary="签收 (unit)")
def sign(
    ticket_id: Id, actor: UnitActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> TicketView:
    ticket = svc.sign(session, ticket_id=ticket_id, actor=actor, now=now)
    return moved(session, services, ticket, "sign", actor, now)


@router.post("/{ticket_id}/contact", summary="The unit reached the citizen (响应)")
def contact(
    ticket_id: Id, data: NoteIn, actor: UnitActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> TicketView:
    ticket = svc.record_contact(session, ticket_id=ticket_id, actor=actor, now=now, note=data.note)
    return view(session, services, ticket, actor, now)


@router.post("/{ticket_id}/return", summary="退单 with a reason (lead unit)")
def return_ticket(
    ticket_id: Id, data: ReturnIn, actor: UnitActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> TicketView:
    ticket = svc.return_ticket(
        session,
        ticket_id=ticket_id,
        actor=actor,
        now=now,
        reason=data.reason,
        suggested_unit_code=data.suggested_unit_code or None,
    )
    return moved(session, services, ticket, "return", actor, now)


@router.post("/{ticket_id}/extension", status_code=201, summary="Ask for an extension (lead unit)")
def request_extension(
    ticket_id: Id,
    data: ExtensionIn,
    actor: UnitActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    svc.request_extension(
        session,
        ticket_id=ticket_id,
        actor=actor,
        now=now,
        working_days=data.working_days,
        reason=data.reason,
        rules=services.rules,
    )
    ticket = svc.get_ticket(session, ticket_id=ticket_id, actor=actor)
    return moved(session, services, ticket, "request_extension", actor, now)


@router.post("/{ticket_id}/reply", summary="办理结果 (unit)")
def reply(
    ticket_id: Id, data: ReplyIn, actor: UnitActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> TicketView:
    found = svc.get_ticket(session, ticket_id=ticket_id, actor=actor)
    verdict = services.classifier.check_reply(f"{found.title}\n{found.content}", data.text)
    ticket = svc.reply(
        session,
        ticket_id=ticket_id,
        actor=actor,
        now=now,
        text=data.text,
        verdict=verdict,
        confirmed=data.confirm_low_quality,
    )
    return moved(session, services, ticket, "reply", actor, now)


@router.post("/{ticket_id}/callback", summary="回访: satisfaction and solved, or a failed attempt")
def callback(
    ticket_id: Id,
    data: CallbackIn,
    actor: CallbackActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    ticket = svc.record_callback(
        session,
        ticket_id=ticket_id,
        actor=actor,
        now=now,
        reached=data.reached,
        satisfaction=data.satisfaction,
        solved=data.solved,
        note=data.note,
        rules=services.rules,
    )
    return moved(session, services, ticket, "callback", actor, now)


@router.post(
    "/{ticket_id}/close-without-callback",
    summary="Close a reviewed reply whose caller declined a callback (dispatcher)",
)
def close_without_callback(
    ticket_id: Id,
    data: NoteIn,
    actor: DispatcherActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    ticket = svc.close_without_callback(session, ticket_id=ticket_id, actor=actor, now=now, note=data.note)
    return moved(session, services, ticket, "close_without_callback", actor, now)


@router.post("/{ticket_id}/supervise", status_code=201, summary="督办: flag with a note and a deadline")
def supervise(
    ticket_id: Id,
    data: SuperviseIn,
    actor: SupervisorActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> SupervisionView:
    flag = svc.supervise(
        session, ticket_id=ticket_id, actor=actor, now=now, note=data.note, due_at=data.due_at
    )
    ticket = svc.get_ticket(session, ticket_id=ticket_id, actor=actor)
    announce(session, services, ticket, "supervise")
    return supervision_view(flag, ticket)
