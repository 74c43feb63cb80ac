"""Ping-pong (来回推诿): a ticket sent back and forth between the same units, A → B → A.

A ticket's chain is the lead unit of each dispatch round, in order. A ping-pong is a unit taking
the lead again after another unit had it in between (A → B → A); the pair (A, B) is what the
reports count, once per ticket. The dispatcher is told before it happens too: a pending 退单 whose
suggested unit (or, without one, any re-dispatch) would hand the ticket back to a unit it already
left.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from hotline.enums import OPEN_STATUSES, AssignmentRole
from hotline.tickets.models import Assignment, Ticket

MIN_ROUNDS = 3  # A → B → A takes three dispatch rounds at least


def collapse(chain: Sequence[int]) -> list[int]:
    """The chain without immediate repeats (a re-dispatch to the same unit is no ping-pong)."""
    out: list[int] = []
    for unit in chain:
        if not out or out[-1] != unit:
            out.append(unit)
    return out


def pairs_of(chain: Sequence[int]) -> list[tuple[int, int]]:
    """Each unordered unit pair (a, b), a < b, between which the ticket went A → B → A; once each."""
    units = collapse(chain)
    found: list[tuple[int, int]] = []
    for first, middle, last in zip(units, units[1:], units[2:], strict=False):
        if first == last:
            pair = (min(first, middle), max(first, middle))
            if pair not in found:
                found.append(pair)
    return found


def would_return_to(chain: Sequence[int], unit_id: int | None) -> bool:
    """Whether sending the ticket on to ``unit_id`` gives the lead back to a unit that had it."""
    units = collapse(chain)
    return unit_id is not None and bool(units) and units[-1] != unit_id and unit_id in units


def lead_chains(session: Session, ticket_ids: Iterable[int]) -> dict[int, list[int]]:
    """ticket id → lead unit ids in dispatch order, for many tickets in one query."""
    ids = list(set(ticket_ids))
    chains: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return chains
    rows = session.exec(
        select(Assignment.ticket_id, Assignment.unit_id)
        .where(col(Assignment.ticket_id).in_(ids), Assignment.role == AssignmentRole.LEAD)
        .order_by(
            col(Assignment.ticket_id),
            col(Assignment.round),
            col(Assignment.dispatched_at),
            col(Assignment.id),
        )
    )
    for ticket_id, unit_id in rows:
        chains[ticket_id].append(unit_id)
    return chains


@dataclass(frozen=True)
class PingPong:
    ticket: Ticket
    chain: list[int]  # lead units in order, repeats collapsed
    pairs: list[tuple[int, int]]


def ping_pongs(
    session: Session,
    *,
    open_only: bool = True,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> list[PingPong]:
    """Tickets that went A → B → A, newest first. Only tickets dispatched 3+ times are read."""
    query = select(Ticket).where(col(Ticket.dispatch_count) >= MIN_ROUNDS)
    if open_only:
        query = query.where(col(Ticket.status).in_(OPEN_STATUSES))
    if created_from is not None:
        query = query.where(col(Ticket.created_at) >= created_from)
    if created_before is not None:
        query = query.where(col(Ticket.created_at) < created_before)
    tickets = list(session.exec(query.order_by(col(Ticket.created_at).desc())))
    chains = lead_chains(session, (t.id for t in tickets if t.id is not None))
    found = []
    for ticket in tickets:
        assert ticket.id is not None
        pairs = pairs_of(chains[ticket.id])
        if pairs:
            found.append(PingPong(ticket=ticket, chain=collapse(chains[ticket.id]), pairs=pairs))
    return found


def pair_counts(items: Iterable[PingPong]) -> list[tuple[tuple[int, int], int]]:
    """(unit pair, tickets) most first: how often two units passed tickets back and forth."""
    counts: dict[tuple[int, int], int] = {}
    for item in items:
        for pair in item.pairs:
            counts[pair] = counts.get(pair, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
