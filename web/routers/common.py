"""Helpers every router shares: naming things for views, and telling live pages what changed."""

import time
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from sqlmodel import Session

from hotline.categories.service import list_categories
from hotline.tickets.models import Ticket
from hotline.tickets.service import assignments_of
from hotline.units.service import list_units
from hotline.users.models import Actor
from web.deps import AppServices, TransactionPerHop, csrf_protect
from web.errors import ERROR_RESPONSES
from web.schemas import Reference, TicketView, ticket_view

TICKETS_TOPIC = "tickets"


def api_router(tag: str, **kwargs: Any) -> APIRouter:
    """A router of the JSON API: CSRF on state changes, errors in the OpenAPI, one transaction per hop."""
    return APIRouter(
        route_class=TransactionPerHop,
        tags=[tag],
        dependencies=[Depends(csrf_protect)],
        responses=ERROR_RESPONSES,
        **kwargs,
    )


REFERENCE_TTL_S = 30.0


def reference(session: Session, services: AppServices) -> Reference:
    """Units and categories by id; cached briefly, as admins rarely change them."""
    cached = services.extras.get("reference")
    now = time.monotonic()
    if isinstance(cached, tuple) and now - cached[0] < REFERENCE_TTL_S:
        found: Reference = cached[1]
        return found
    ref = Reference(list_units(session, active_only=False), list_categories(session))
    services.extras["reference"] = (now, ref)
    return ref


def view(
    session: Session,
    services: AppServices,
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    ref: Reference | None = None,
) -> TicketView:
    return ticket_view(
        ticket,
        actor=actor,
        ref=ref or reference(session, services),
        now=now,
        ratio=services.rules.yellow_card_ratio,
    )


def views(
    session: Session, services: AppServices, tickets: list[Ticket], actor: Actor, now: datetime
) -> list[TicketView]:
    ref = reference(session, services)
    return [view(session, services, t, actor, now, ref) for t in tickets]


def moved(
    session: Session, services: AppServices, ticket: Ticket, action: str, actor: Actor, now: datetime
) -> TicketView:
    """After a lifecycle move: tell live pages (``announce``), and the ticket as the actor sees it."""
    announce(session, services, ticket, action)
    return view(session, services, ticket, actor, now)


def announce(session: Session, services: AppServices, ticket: Ticket, action: str) -> None:
    """Tell live pages a ticket moved: ids and status only, and which units may hear of it."""
    assert ticket.id is not None
    fresh = action == "create"  # a new ticket has no unit yet
    unit_ids = [] if fresh else sorted({a.unit_id for a in assignments_of(session, ticket_id=ticket.id)})
    services.hub.publish(
        TICKETS_TOPIC,
        {
            "id": ticket.id,
            "number": ticket.number,
            "status": ticket.status,
            "action": action,
            "unit_ids": unit_ids,
        },
    )
