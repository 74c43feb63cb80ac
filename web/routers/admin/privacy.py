"""个人信息: a caller's consent changes, their data looked up and exported, and erased on request.

Every look at, export of and erasure of a caller's data is audited; the audit entry names the
number masked, so the trail itself holds no more personal data than it must.
"""

import json
from datetime import datetime
from typing import Any

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hotline.errors import InvalidInput
from hotline.privacy.models import ConsentRecord
from hotline.privacy.service import caller_data, change_consent, consent_history, erase_caller
from hotline.tickets import service as svc
from hotline.tickets.service import mask_phone
from web import labels
from web.deps import AdminActor, Id, IntakeActor, NowDep, ServicesDep, SessionDep, StaffActor
from web.routers.admin.common import audited
from web.routers.common import api_router, moved
from web.schemas import TicketView

router = api_router("privacy")
PhoneQ = Query(min_length=3, max_length=32, description="the caller's number")


class ConsentIn(BaseModel):
    recording: bool | None = None
    callback: bool | None = None
    share_number: bool | None = None
    note: str = Field(default="", max_length=500)


class ConsentView(BaseModel):
    at: datetime
    recording: bool
    callback: bool
    share_number: bool
    by_name: str
    note: str


def _consent(entry: ConsentRecord) -> ConsentView:
    return ConsentView(
        at=entry.at,
        recording=entry.recording,
        callback=entry.callback,
        share_number=entry.share_number,
        by_name=entry.by_name,
        note=entry.note,
    )


@router.post("/api/tickets/{ticket_id}/consent", summary="The caller gives or withdraws consent (ledgered)")
def consent(
    ticket_id: Id,
    data: ConsentIn,
    actor: IntakeActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> TicketView:
    ticket = svc.get_ticket(session, ticket_id=ticket_id, actor=actor)
    changed = change_consent(
        session,
        ticket=ticket,
        actor=actor,
        now=now,
        recording=data.recording,
        callback=data.callback,
        share_number=data.share_number,
        note=data.note,
    )
    return moved(session, services, changed, "consent", actor, now)


@router.get("/api/tickets/{ticket_id}/consents", summary="The consent ledger of a ticket, oldest first")
def consents(ticket_id: Id, actor: StaffActor, session: SessionDep) -> list[ConsentView]:
    svc.get_ticket(session, ticket_id=ticket_id, actor=actor)
    return [_consent(c) for c in consent_history(session, ticket_id=ticket_id)]


class CallerTicket(BaseModel):
    id: int
    number: str
    title: str
    status_label: str
    created_at: datetime
    consent_callback: bool
    share_number: bool


class CallerOut(BaseModel):
    phone_masked: str
    tickets: list[CallerTicket]
    calls: int
    consents: list[ConsentView]


def _target(phone: str) -> dict[str, Any]:
    return {"target_kind": "caller", "target_label": mask_phone(phone)}


@router.get("/api/admin/privacy/caller", summary="What is held under a caller's number (admin; audited)")
def caller(
    request: Request, actor: AdminActor, session: SessionDep, now: NowDep, phone: str = PhoneQ
) -> CallerOut:
    found = caller_data(session, phone=phone)
    audited(session, request, actor=actor, action="privacy.lookup", at=now, **_target(found.phone))
    return CallerOut(
        phone_masked=mask_phone(found.phone),
        tickets=[
            CallerTicket(
                id=t.id or 0,
                number=t.number,
                title=t.title,
                status_label=labels.STATUS[t.status],
                created_at=t.created_at,
                consent_callback=t.consent_callback,
                share_number=not t.confidential,
            )
            for t in found.tickets
        ],
        calls=len(found.calls),
        consents=[_consent(c) for c in found.consents],
    )


@router.get(
    "/api/admin/privacy/export.json",
    summary="A caller's data as a JSON file, for their access request (admin; audited)",
    response_class=Response,
    responses={
        200: {
            "description": "a JSON file: phone, exported_at, tickets, calls, consents",
            "content": {"application/json": {"schema": {"type": "object", "required": ["phone", "tickets"]}}},
        }
    },
)
def export(
    request: Request, actor: AdminActor, session: SessionDep, now: NowDep, phone: str = PhoneQ
) -> Response:
    found = caller_data(session, phone=phone)
    body = {
        "phone": found.phone,
        "exported_at": now.isoformat(),
        "tickets": [t.model_dump(mode="json", exclude={"query_code"}) for t in found.tickets],
        "calls": [c.model_dump(mode="json") for c in found.calls],
        "consents": [c.model_dump(mode="json") for c in found.consents],
    }
    note = f"工单 {len(found.tickets)} 件，通话 {len(found.calls)} 次"
    audited(session, request, actor=actor, action="privacy.export", at=now, note=note, **_target(found.phone))
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="caller-data-{now:%Y%m%d}.json"'},
    )


class EraseIn(BaseModel):
    phone: str = Field(min_length=3, max_length=32)
    confirm_phone: str = Field(
        min_length=3, max_length=32, description="typed again: erasure cannot be undone"
    )
    reason: str = Field(min_length=2, max_length=500, description="the request it answers (申请编号、来源)")


class ErasureOut(BaseModel):
    tickets: int
    calls: int
    consents: int


@router.post(
    "/api/admin/privacy/erase", summary="Erase a caller's name and number everywhere (admin; audited)"
)
def erase(request: Request, data: EraseIn, actor: AdminActor, session: SessionDep, now: NowDep) -> ErasureOut:
    if data.phone.strip() != data.confirm_phone.strip():
        raise InvalidInput("两次输入的号码不一致：删除无法撤销，请核对后重试")
    done = erase_caller(session, phone=data.phone, now=now)
    note = f"{data.reason}；工单 {done.tickets} 件，通话 {done.calls} 次，授权记录 {done.consents} 条"
    audited(session, request, actor=actor, action="privacy.erase", at=now, note=note, **_target(data.phone))
    return ErasureOut(tickets=done.tickets, calls=done.calls, consents=done.consents)
