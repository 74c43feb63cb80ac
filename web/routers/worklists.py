"""Worklists: callbacks due, returns to adjudicate, extensions to approve, supervision flags, cards."""

from datetime import datetime

from pydantic import BaseModel

from hotline.enums import Card, Role, Stage
from hotline.sla.service import due_now
from hotline.tickets import service as svc
from hotline.tickets.pingpong import collapse, lead_chains, would_return_to
from web import labels
from web.deps import (
    BoardActor,
    CallbackActor,
    DispatcherActor,
    Id,
    NowDep,
    ReaderActor,
    ServicesDep,
    SessionDep,
    SupervisorActor,
)
from web.routers.common import announce, api_router, moved, reference, view, views
from web.schemas import (
    DecisionIn,
    ExtensionView,
    NoteIn,
    ReturnView,
    SupervisionView,
    TicketView,
    supervision_view,
)

router = api_router("worklists")


class DueView(BaseModel):
    ticket_id: int
    number: str
    stage: Stage
    stage_label: str
    due_at: datetime
    card: Card
    lead_unit_name: str


@router.get("/api/worklists/callbacks", summary="Tickets whose caller is due a callback (回访)")
def callbacks(
    actor: CallbackActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> list[TicketView]:
    return views(session, services, svc.callbacks_due(session, now=now), actor, now)


@router.get("/api/worklists/returns", summary="Returns waiting for the dispatcher's ruling")
def returns(actor: BoardActor, session: SessionDep, services: ServicesDep, now: NowDep) -> list[ReturnView]:
    ref = reference(session, services)
    pending = svc.pending_returns(session)
    chains = lead_chains(session, (ticket.id for _, ticket in pending if ticket.id is not None))
    out = []
    for record, ticket in pending:
        assert record.id is not None and ticket.id is not None
        chain = chains[ticket.id]
        out.append(
            ReturnView(
                id=record.id,
                ticket=view(session, services, ticket, actor, now, ref),
                unit_name=ref.unit_name(record.unit_id),
                reason=record.reason,
                suggested_unit_code=ref.unit_code(record.suggested_unit_id),
                returned_at=record.returned_at,
                chain=[ref.unit_name(u) for u in collapse(chain)],
                back_to_suggested=would_return_to(chain, record.suggested_unit_id),
            )
        )
    return out


@router.get("/api/worklists/extensions", summary="Extension requests waiting for the dispatcher")
def extensions(
    actor: BoardActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> list[ExtensionView]:
    ref = reference(session, services)
    out = []
    for request, ticket in svc.pending_extensions(session):
        assert request.id is not None
        out.append(
            ExtensionView(
                id=request.id,
                ticket=view(session, services, ticket, actor, now, ref),
                unit_name=ref.unit_name(request.unit_id),
                working_days=request.working_days,
                reason=request.reason,
                state=request.state,
                requested_at=request.requested_at,
                old_due_at=request.old_due_at,
            )
        )
    return out


@router.post("/api/extensions/{request_id}/decision", summary="Approve or deny an extension (dispatcher)")
def decide_extension(
    request_id: Id,
    data: DecisionIn,
    actor: DispatcherActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    request = svc.decide_extension(
        session,
        request_id=request_id,
        approve=data.approve,
        actor=actor,
        now=now,
        note=data.note,
        rules=services.rules,
    )
    ticket = svc.get_ticket(session, ticket_id=request.ticket_id, actor=actor)
    return moved(
        session, services, ticket, "approve_extension" if data.approve else "deny_extension", actor, now
    )


@router.get(
    "/api/worklists/supervisions", summary="Every open supervision flag (督办), with its ticket number"
)
def supervisions(actor: BoardActor, session: SessionDep) -> list[SupervisionView]:
    return [supervision_view(flag, ticket) for flag, ticket in svc.supervised_tickets(session)]


@router.post("/api/supervisions/{flag_id}/resolve", summary="Resolve a supervision flag (supervisor)")
def resolve_supervision(
    flag_id: Id,
    data: NoteIn,
    actor: SupervisorActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> SupervisionView:
    flag = svc.resolve_supervision(session, flag_id=flag_id, actor=actor, now=now, note=data.note)
    ticket = svc.get_ticket(session, ticket_id=flag.ticket_id, actor=actor)
    announce(session, services, ticket, "resolve_supervision")
    return supervision_view(flag, ticket)


@router.get("/api/worklists/due", summary="Yellow and red cards now (a unit: its own)")
def due(actor: ReaderActor, session: SessionDep, services: ServicesDep, now: NowDep) -> list[DueView]:
    unit_id = actor.unit_id if actor.role is Role.UNIT else None
    ref = reference(session, services)
    return [
        DueView(
            ticket_id=item.ticket_id,
            number=item.number,
            stage=item.stage,
            stage_label=labels.STAGE[item.stage],
            due_at=item.due_at,
            card=item.card,
            lead_unit_name=ref.unit_name(item.lead_unit_id),
        )
        for item in due_now(session, now=now, unit_id=unit_id, limit=200)
    ]
