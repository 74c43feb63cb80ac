"""Deadlines from time-limit policies, red/yellow cards, and what is due now."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from hotline.enums import OPEN_STATUSES, Card, Channel, LimitUnit, Nature, Stage, TicketStatus, Urgency
from hotline.sla.calendar import WorkCalendar
from hotline.sla.models import HolidayOverride, TimeLimitPolicy, TimeLimitPolicyBase
from hotline.tickets.models import Supervision, Ticket

WD, MIN, HOUR = LimitUnit.WORKING_DAYS, LimitUnit.MINUTES, LimitUnit.HOURS

# Defaults from DESIGN.md (GB/T 33358-2016 and city practice); admins change them in the table.
DEFAULT_POLICIES: tuple[TimeLimitPolicyBase, ...] = (
    TimeLimitPolicyBase(
        name="特急: life or property at risk",
        priority=100,
        urgency=Urgency.CRITICAL,
        sign_amount=15,
        sign_unit=MIN,
        handle_amount=2,
        handle_unit=HOUR,
    ),
    TimeLimitPolicyBase(
        name="紧急 water/power/gas/heat",
        priority=90,
        urgency=Urgency.URGENT,
        utility=True,
        sign_amount=30,
        sign_unit=MIN,
        handle_amount=24,
        handle_unit=HOUR,
    ),
    TimeLimitPolicyBase(
        name="water/power/gas/heat",
        priority=80,
        utility=True,
        sign_amount=30,
        sign_unit=MIN,
        handle_amount=7,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="紧急",
        priority=70,
        urgency=Urgency.URGENT,
        sign_amount=2,
        sign_unit=HOUR,
        handle_amount=3,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="mailbox consultation (simple)",
        priority=65,
        channel=Channel.MAILBOX,
        nature=Nature.CONSULTATION,
        sign_amount=2,
        sign_unit=HOUR,
        handle_amount=1,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="web form",
        priority=61,
        channel=Channel.WEB,
        sign_amount=2,
        sign_unit=HOUR,
        handle_amount=5,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="mayor's mailbox",
        priority=60,
        channel=Channel.MAILBOX,
        sign_amount=2,
        sign_unit=HOUR,
        handle_amount=5,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="consultation",
        priority=50,
        nature=Nature.CONSULTATION,
        sign_amount=1,
        sign_unit=WD,
        handle_amount=1,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="complex",
        priority=40,
        complex=True,
        sign_amount=1,
        sign_unit=WD,
        handle_amount=15,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="normal",
        priority=0,
        sign_amount=1,
        sign_unit=WD,
        handle_amount=7,
        handle_unit=WD,
    ),
)

RETURN_LIMIT_WORKING_DAYS = 1
CALLBACK_LIMIT_WORKING_DAYS = 1


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What a time-limit policy is chosen by."""

    nature: Nature
    urgency: Urgency
    channel: Channel
    utility: bool
    complex: bool


def load_calendar(session: Session) -> WorkCalendar:
    """The working calendar with the admin's overrides."""
    overrides = {row.day: row.workday for row in session.exec(select(HolidayOverride))}
    return WorkCalendar(overrides)


def set_holiday(session: Session, *, day: date, workday: bool, name: str = "") -> HolidayOverride:
    """Record the admin's word on a day (a holiday, or a 调休 working Saturday)."""
    row = session.get(HolidayOverride, day) or HolidayOverride(day=day, workday=workday)
    row.workday, row.name = workday, name
    session.add(row)
    session.commit()
    return row


def active_policies(session: Session) -> list[TimeLimitPolicyBase]:
    rows = session.exec(
        select(TimeLimitPolicy)
        .where(col(TimeLimitPolicy.active).is_(True))
        .order_by(col(TimeLimitPolicy.priority).desc())
    ).all()
    return list(rows) if rows else sorted(DEFAULT_POLICIES, key=lambda p: -p.priority)


def choose_policy(policies: list[TimeLimitPolicyBase], facts: TicketFacts) -> TimeLimitPolicyBase:
    """The highest-priority policy whose every set criterion matches."""
    for policy in sorted(policies, key=lambda p: -p.priority):
        if (
            (policy.nature is None or policy.nature == facts.nature)
            and (policy.urgency is None or policy.urgency == facts.urgency)
            and (policy.channel is None or policy.channel == facts.channel)
            and (policy.utility is None or policy.utility == facts.utility)
            and (policy.complex is None or policy.complex == facts.complex)
        ):
            return policy
    raise LookupError("no time-limit policy matches; keep a catch-all policy with no criteria")


def yellow_at(start: datetime, due: datetime, ratio: float) -> datetime:
    """When a limit from ``start`` to ``due`` turns yellow (by default at 80 % of it)."""
    return start + (due - start) * ratio


def card(*, now: datetime, start: datetime, due: datetime, ratio: float) -> Card:
    if now > due:
        return Card.RED
    if now >= yellow_at(start, due, ratio):
        return Card.YELLOW
    return Card.NONE


@dataclass(frozen=True, slots=True)
class DueItem:
    ticket_id: int
    number: str
    stage: Stage
    due_at: datetime
    card: Card
    lead_unit_id: int | None


def due_now(
    session: Session, *, now: datetime, unit_id: int | None = None, limit: int = 500
) -> list[DueItem]:
    """Open work that is yellow or red right now, most overdue first."""
    items: list[DueItem] = []
    unit_filter = [Ticket.lead_unit_id == unit_id] if unit_id is not None else []
    stage_queries = (
        (Stage.SIGN, "sign_yellow_at", "sign_due_at", [TicketStatus.DISPATCHED]),
        (Stage.HANDLE, "handle_yellow_at", "handle_due_at", [TicketStatus.DISPATCHED, TicketStatus.HANDLING]),
        (Stage.CALLBACK, "callback_due_at", "callback_due_at", [TicketStatus.REPLIED]),
    )
    for stage, yellow_name, due_name, statuses in stage_queries:
        yellow_col, due_col = col(getattr(Ticket, yellow_name)), col(getattr(Ticket, due_name))
        rows = session.exec(
            select(Ticket)
            .where(col(Ticket.status).in_(statuses), yellow_col.is_not(None), yellow_col <= now, *unit_filter)
            .order_by(due_col)
            .limit(limit)
        )
        for ticket in rows:
            due: datetime = getattr(ticket, due_name)
            assert ticket.id is not None
            red = Card.RED if now > due else Card.YELLOW
            items.append(DueItem(ticket.id, ticket.number, stage, due, red, ticket.lead_unit_id))
    flags = session.exec(
        select(Supervision, Ticket)
        .join(Ticket, col(Ticket.id) == Supervision.ticket_id)
        .where(col(Supervision.resolved_at).is_(None), col(Supervision.due_at) <= now, *unit_filter)
        .where(col(Ticket.status).in_(OPEN_STATUSES))
        .limit(limit)
    )
    for flag, ticket in flags:
        assert ticket.id is not None
        items.append(
            DueItem(ticket.id, ticket.number, Stage.SUPERVISION, flag.due_at, Card.RED, ticket.lead_unit_id)
        )
    items.sort(key=lambda item: (item.card != Card.RED, item.due_at))
    return items
