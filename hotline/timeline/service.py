"""Writing and reading a ticket's timeline."""

from datetime import datetime
from typing import Any

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
) -> TicketEvent:
    """Add one event to the session; the caller commits it with the change it records."""
    event = TicketEvent(
        ticket_id=ticket_id,
        at=at,
        action=action,
        actor_id=actor.user_id,
        actor_role=actor.role,
        actor_name=actor.name,
        unit_id=actor.unit_id,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    session.add(event)
    return event


def list_events(session: Session, *, ticket_id: int) -> list[TicketEvent]:
    """A ticket's events in the order they happened."""
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(col(TicketEvent.id))
    return list(session.exec(query))
