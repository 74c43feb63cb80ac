"""The consent ledger, and a caller's data exported or erased on their request (PIPL 个人信息保护法).

Consent is kept on the ticket for enforcement (share_number is the inverse of ``confidential``,
which masks the number for units; callback refused blocks the callback) and in the ledger, one
row per taking or change, for proof. Erasure keeps the matter (title, content, handling: public
records the city must keep) and removes who the caller was: name and number on tickets, calls
and the ledger, and the number wherever it was written into a text.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from hotline.calls.models import Call
from hotline.enums import Role
from hotline.errors import Conflict, InvalidInput, PermissionDenied
from hotline.privacy.models import ConsentRecord
from hotline.tickets.models import Assignment, Ticket
from hotline.users.models import Actor

CONSENT_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.ADMIN, Role.CHANNEL, Role.SYSTEM})
ERASED = "（已删除）"
_PHONE = re.compile(r"^\+?\d{3,20}$")


def record_consent(session: Session, *, ticket: Ticket, actor: Actor, at: datetime, note: str = "") -> None:
    """A ledger row for the ticket's consent as it stands now, in the caller's transaction.

    A plain INSERT, as the timeline's events: intake, the hottest write path, writes one, and an
    object in the unit of work would cost it a flush and a read-back of the new id.
    """
    assert ticket.id is not None
    session.connection().execute(
        _INSERT_CONSENT,
        {
            "ticket_id": ticket.id,
            "caller_phone": ticket.caller_phone,
            "recording": ticket.consent_recording,
            "callback": ticket.consent_callback,
            "share_number": not ticket.confidential,
            "at": at,
            "by_id": actor.user_id,
            "by_name": actor.name[:64],
            "note": note[:500],
        },
    )


_INSERT_CONSENT = insert(ConsentRecord.__table__).inline()  # type: ignore[attr-defined]


def change_consent(
    session: Session,
    *,
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    recording: bool | None = None,
    callback: bool | None = None,
    share_number: bool | None = None,
    note: str = "",
) -> Ticket:
    """The caller gives or withdraws consent (at any stage of the ticket); the ledger keeps both."""
    if actor.role not in CONSENT_ROLES:
        raise PermissionDenied("只有话务员、派单员和管理员可以记录来电人的授权")
    if recording is not None:
        ticket.consent_recording = recording
    if callback is not None:
        ticket.consent_callback = callback
    if share_number is not None:
        ticket.confidential = not share_number
    ticket.updated_at = now
    session.add(ticket)
    record_consent(session, ticket=ticket, actor=actor, at=now, note=note)
    # Imported here: the ticket service records consent at intake through this module.
    from hotline.tickets.service import settle_declined_callback

    settle_declined_callback(session, ticket, now=now)
    session.commit()
    return ticket


def check_may_call_back(ticket: Ticket) -> None:
    """A callback is placed only where the caller agreed to one."""
    if not ticket.consent_callback:
        raise Conflict(f"工单 {ticket.number} 的来电人不同意回访，不能外呼")


def consent_history(session: Session, *, ticket_id: int) -> list[ConsentRecord]:
    query = select(ConsentRecord).where(ConsentRecord.ticket_id == ticket_id)
    return list(session.exec(query.order_by(col(ConsentRecord.at), col(ConsentRecord.id))))


def _phone(phone: str) -> str:
    digits = phone.strip().replace(" ", "").replace("-", "")
    if not _PHONE.match(digits):
        raise InvalidInput(f"号码 {phone!r} 无效：请输入来电人的电话号码")
    return digits


@dataclass(frozen=True)
class CallerData:
    phone: str
    tickets: list[Ticket]
    calls: list[Call]
    consents: list[ConsentRecord]


def caller_data(session: Session, *, phone: str) -> CallerData:
    """Everything held under one caller's number: tickets, calls and consents."""
    number = _phone(phone)
    tickets = list(session.exec(select(Ticket).where(Ticket.caller_phone == number).order_by(col(Ticket.id))))
    calls = list(session.exec(select(Call).where(Call.caller_number == number).order_by(col(Call.id))))
    consents = list(
        session.exec(
            select(ConsentRecord).where(ConsentRecord.caller_phone == number).order_by(col(ConsentRecord.id))
        )
    )
    return CallerData(number, tickets, calls, consents)


@dataclass(frozen=True)
class Erasure:
    tickets: int
    calls: int
    consents: int


def erase_caller(session: Session, *, phone: str, now: datetime) -> Erasure:
    """Remove the caller's name and number everywhere they are held; the matters stay. Commits."""
    found = caller_data(session, phone=phone)
    number = found.phone
    for ticket in found.tickets:
        ticket.caller_name, ticket.caller_phone = ERASED, ""
        ticket.content = ticket.content.replace(number, ERASED)
        ticket.reply_text = ticket.reply_text.replace(number, ERASED)
        ticket.updated_at = now
        session.add(ticket)
    ids = [t.id for t in found.tickets]
    for assignment in session.exec(select(Assignment).where(col(Assignment.ticket_id).in_(ids))):
        if number in assignment.reply_text:
            assignment.reply_text = assignment.reply_text.replace(number, ERASED)
            session.add(assignment)
    for call in found.calls:
        call.caller_number, call.caller_name = "", ""
        session.add(call)
    for consent in found.consents:
        consent.caller_phone = ""
        session.add(consent)
    session.commit()
    return Erasure(tickets=len(found.tickets), calls=len(found.calls), consents=len(found.consents))
