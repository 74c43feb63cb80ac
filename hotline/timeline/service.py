"""Writing and reading a ticket's timeline."""

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, insert
from sqlmodel import Session, col, select

from hotline.enums import Action, TicketStatus
from hotline.timeline.models import TicketEvent
from hotline.users.models import Actor


def record_event(
    session: Session,
    *,
    ticket_id: int,
    action: Action,
    actor: Actor,
    at: datetime,
    from_status: TicketStatus | None,
    to_status: TicketStatus | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Write one event in the session's transaction; the caller commits it with the change it records.

    A plain INSERT, not an object in the unit of work: events are never read back by the move
    that writes them, and every move writes one.
    """
    session.connection().execute(
        _insert_event(),
        {
            "ticket_id": ticket_id,
            "at": at,
            "action": action,
            "actor_id": actor.user_id,
            "actor_role": actor.role,
            "actor_name": actor.name,
            "unit_id": actor.unit_id,
            "from_status": from_status,
            "to_status": to_status,
            "note": note,
            "data": data or {},
        },
    )


@cache
def _insert_event() -> Insert:
    # Built once; inline: the new event's id is not fetched back (no RETURNING on PostgreSQL).
    return insert(TicketEvent.__table__).inline()  # type: ignore[attr-defined]


def list_events(session: Session, *, ticket_id: int) -> list[TicketEvent]:
    """A ticket's events in the order they happened."""
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(col(TicketEvent.id))
    return list(session.exec(query))
