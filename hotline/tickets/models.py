"""Tickets (工单) and the records their lifecycle creates."""

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime
from hotline.enums import (
    AssignmentRole,
    Channel,
    Nature,
    RejectReason,
    RequestState,
    Satisfaction,
    TicketStatus,
    Urgency,
)


class TicketBase(SQLModel):
    channel: Channel = Channel.PHONE
    caller_name: str = Field(default="", max_length=64)
    caller_phone: str = Field(default="", max_length=32, index=True)
    # The five essentials (五要素): who, when, where, what, how it unfolded.
    who: str = Field(default="", max_length=200, description="the person or party the request is about")
    when: str = Field(default="", max_length=200, description="when it happened, as the caller says it")
    address: str = Field(default="", max_length=200, description="where")
    title: str = Field(max_length=200, description="what, in one line")
    content: str = Field(max_length=5000, description="how it unfolded, and what the caller asks")
    nature: Nature = Nature.OTHER
    urgency: Urgency = Urgency.NORMAL
    district: str = Field(default="", max_length=64, index=True)
    street: str = Field(default="", max_length=64)
    confidential: bool = Field(default=False, description="units see a masked number")
    # The caller's consent (the ledger in hotline.privacy keeps every change; sharing = not confidential).
    consent_recording: bool = Field(default=True, description="the caller agreed to the call being recorded")
    consent_callback: bool = Field(default=True, description="the caller agreed to a callback (回访)")
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    complex: bool = Field(default=False, description="复杂件: the longer handling limit")


class TicketCreate(TicketBase):
    call_linkedid: str | None = None
    suggested_unit_code: str | None = None


class TicketUpdate(SQLModel):
    """What an operator or dispatcher may still correct before dispatch."""

    caller_name: str | None = None
    who: str | None = None
    when: str | None = None
    address: str | None = None
    title: str | None = None
    content: str | None = None
    nature: Nature | None = None
    urgency: Urgency | None = None
    district: str | None = None
    street: str | None = None
    confidential: bool | None = None
    consent_recording: bool | None = None
    consent_callback: bool | None = None
    category_id: int | None = None
    complex: bool | None = None


class Ticket(TicketBase, table=True):
    # Covering indexes (PostgreSQL INCLUDE) let a month of metrics be read from the index alone.
    __table_args__ = (
        Index(
            "ix_ticket_created_at",
            "created_at",
            postgresql_include=["status", "channel", "nature", "lead_unit_id", "district", "category_id"],
        ),
        Index(
            "ix_ticket_closed_at",
            "closed_at",
            postgresql_include=[
                "status",
                "lead_unit_id",
                "replied_at",
                "handle_due_at",
                "district",
                "category_id",
                "channel",
            ],
        ),
        Index(
            "ix_ticket_callback_due_at",
            "callback_due_at",
            postgresql_include=["callback_done_at", "lead_unit_id", "district", "category_id", "channel"],
        ),
        Index(
            "ix_ticket_metric_keys",
            "id",
            postgresql_include=["lead_unit_id", "district", "category_id", "channel"],
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    query_code: str = Field(default="", max_length=16, index=True, description="for the public progress page")
    status: TicketStatus = Field(default=TicketStatus.DRAFT, index=True)
    call_id: int | None = Field(default=None, foreign_key="call.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    suggested_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    master_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    reject_reason: RejectReason | None = None
    dispatch_count: int = 0
    reply_text: str = Field(default="", max_length=5000)
    # The 答非所问 check of the lead unit's last reply: flagged ones go on the dispatcher's review list.
    reply_score: float | None = None
    reply_issues: str = Field(default="", max_length=200, description="comma-separated issue codes")
    reply_flagged: bool = Field(default=False, index=True)
    satisfaction: Satisfaction | None = None
    solved: bool | None = None
    callback_attempts: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rejected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    merged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Deadlines, and the moment each turns yellow, stored so "due now" is an indexed query.
    sign_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sign_yellow_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    handle_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handle_yellow_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    return_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    callback_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    callback_done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TicketPublic(TicketBase):
    id: int
    number: str
    status: TicketStatus
    lead_unit_id: int | None
    suggested_unit_id: int | None
    master_id: int | None
    dispatch_count: int
    reply_text: str
    satisfaction: Satisfaction | None
    solved: bool | None
    created_at: datetime
    sign_due_at: datetime | None
    handle_due_at: datetime | None
    callback_due_at: datetime | None
    closed_at: datetime | None


class TicketCounter(SQLModel, table=True):
    """Last sequence number handed out per local day, for readable ticket numbers."""

    day: date = Field(primary_key=True)
    last: int = 0


class Assignment(SQLModel, table=True):
    """A unit's share of a ticket: the lead unit (主办) or a co-unit (协办), per dispatch round."""

    __table_args__ = (
        Index(
            "ix_assignment_dispatched_at",
            "dispatched_at",
            postgresql_include=["role", "unit_id", "contacted_at", "ticket_id"],
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: AssignmentRole = AssignmentRole.LEAD
    round: int = 1
    active: bool = Field(default=True, index=True)
    designated: bool = Field(default=False, description="指定承办: may not be returned")
    dispatched_at: datetime = Field(sa_type=UTCDateTime)
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contacted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reply_text: str = Field(default="", max_length=5000)


class ExtensionRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    working_days: int
    reason: str = Field(max_length=1000)
    state: RequestState = Field(default=RequestState.PENDING, index=True)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    old_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    new_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReturnRecord(SQLModel, table=True):
    """A unit's 退单 and the dispatcher's ruling on it."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    reason: str = Field(max_length=1000)
    suggested_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    state: RequestState = Field(default=RequestState.PENDING, index=True)
    returned_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    new_unit_id: int | None = Field(default=None, foreign_key="unit.id")


class CallbackRecord(SQLModel, table=True):
    """One callback attempt (回访); satisfaction and "solved" are recorded apart."""

    __table_args__ = (
        Index(
            "ix_callbackrecord_at",
            "at",
            postgresql_include=["ticket_id", "reached", "satisfaction", "solved"],
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    attempt: int
    at: datetime = Field(sa_type=UTCDateTime)
    by_id: int | None = Field(default=None, foreign_key="user.id")
    reached: bool
    satisfaction: Satisfaction | None = None
    solved: bool | None = None
    note: str = Field(default="", max_length=2000)


class Supervision(SQLModel, table=True):
    """督办: a flag on an open ticket with its own deadline; not a status."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    note: str = Field(max_length=2000)
    due_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
