"""What the city's own history teaches the routing model: closed tickets and dispatcher corrections.

Plain rows of codes, so the composition root can hand them to the classifier without the core
knowing it exists.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from hotline.categories.models import Category
from hotline.enums import TicketStatus
from hotline.tickets.models import Ticket
from hotline.units.models import Unit

BATCH = 1000
# Sent to a unit that has not given it back: the dispatcher's choice stands. (Returned tickets are
# left out: the unit said the choice was wrong. Closed ones teach it through their final unit.)
CORRECTION_STATUSES = (TicketStatus.DISPATCHED, TicketStatus.HANDLING, TicketStatus.REPLIED)


@dataclass(frozen=True, slots=True)
class ClosedExample:
    """A closed ticket's text and the unit that finally handled it (主办单位), with its category code."""

    text: str
    unit_code: str
    category_code: str


@dataclass(frozen=True, slots=True)
class DispatchCorrection:
    """A ticket not yet closed whose dispatcher sent it to another unit than the classifier suggested."""

    text: str
    suggested_code: str
    chosen_code: str


def ticket_text(ticket: Ticket) -> str:
    """The text the classifier saw at intake: title and content, as `tickets export-training` writes it."""
    return f"{ticket.title}。{ticket.content}"


def closed_examples(session: Session) -> Iterator[ClosedExample]:
    """Every closed ticket with a lead unit, oldest first, read in batches."""
    query = (
        select(Ticket, Unit.code, Category.code)
        .join(Unit, col(Unit.id) == col(Ticket.lead_unit_id))
        .outerjoin(Category, col(Category.id) == col(Ticket.category_id))
        .where(col(Ticket.status) == TicketStatus.CLOSED)
        .order_by(col(Ticket.id))
        .execution_options(yield_per=BATCH)
    )
    for ticket, unit_code, category_code in session.exec(query):
        yield ClosedExample(ticket_text(ticket), unit_code, category_code or "")


def dispatch_corrections(session: Session) -> Iterator[DispatchCorrection]:
    """Open tickets whose lead unit is not the suggested one: the dispatcher corrected the classifier."""
    suggested = aliased(Unit)
    chosen = aliased(Unit)
    query = (
        select(Ticket, suggested.code, chosen.code)
        .join(suggested, col(suggested.id) == col(Ticket.suggested_unit_id))
        .join(chosen, col(chosen.id) == col(Ticket.lead_unit_id))
        .where(
            col(Ticket.status).in_(CORRECTION_STATUSES),
            col(Ticket.suggested_unit_id) != col(Ticket.lead_unit_id),
        )
        .order_by(col(Ticket.id))
        .execution_options(yield_per=BATCH)
    )
    for ticket, suggested_code, chosen_code in session.exec(query):
        yield DispatchCorrection(ticket_text(ticket), suggested_code, chosen_code)


def unit_names(session: Session) -> dict[str, str]:
    """Unit code → name, for the report and as one more example of each unit's words."""
    return {code: name for code, name in session.exec(select(Unit.code, Unit.name))}
