"""Seats and call records, filled by the telephony bridge through CallEvents."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime
from hotline.enums import CallDirection, CallOutcome, SeatState, WorklistState


class SeatBase(SQLModel):
    code: str = Field(max_length=32, index=True, unique=True, description="extension, e.g. 1001")
    interface: str = Field(max_length=128, index=True, unique=True, description="queue member interface")
    name: str = Field(default="", max_length=64)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)


class Seat(SeatBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    state: SeatState = SeatState.OFFLINE
    pause_reason: str = Field(default="", max_length=64)
    state_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    current_linkedid: str = Field(default="", max_length=64)


class SeatPublic(SeatBase):
    id: int
    state: SeatState
    pause_reason: str
    state_since: datetime | None


class CallBase(SQLModel):
    linkedid: str = Field(
        max_length=64, index=True, unique=True, description="Asterisk Linkedid: the call id"
    )
    caller_number: str = Field(default="", max_length=32, index=True)
    caller_name: str = Field(default="", max_length=128)
    queue: str = Field(default="", max_length=64)
    joined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ringing_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    wait_s: float | None = None
    ring_s: float | None = None
    talk_s: float | None = None
    outcome: CallOutcome = Field(default=CallOutcome.WAITING, index=True)
    seat_id: int | None = Field(default=None, foreign_key="seat.id", index=True)
    interface: str = Field(default="", max_length=128)
    transferred_to: str = Field(default="", max_length=128)
    hangup_reason: str = Field(default="", max_length=32)
    direction: CallDirection = CallDirection.INBOUND
    # No foreign key: tickets already point at calls (ticket.call_id), and a cycle of constraints
    # would make table creation order ambiguous. The service checks the ticket exists.
    ticket_id: int | None = Field(default=None, index=True, description="the ticket a placed call is about")


class Call(CallBase, table=True):
    # Covering index (PostgreSQL INCLUDE) for the queue figures of a period.
    __table_args__ = (
        Index(
            "ix_call_joined_at",
            "joined_at",
            postgresql_include=["outcome", "wait_s", "talk_s", "answered_at", "ended_at"],
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    worklist: WorklistState = Field(default=WorklistState.NONE, index=True)
    worklist_done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    worklist_note: str = Field(default="", max_length=500)


class CallPublic(CallBase):
    id: int
    worklist: WorklistState


# --- transfer targets (转接目标): the lines an operator hands a caller to ------------------------


class TransferKind(StrEnum):
    EMERGENCY = "emergency"  # 紧急电话: 110/119/120/122
    EXPERT = "expert"  # 专家坐席: an expert desk of the hotline (人社, 医保…)
    UNIT = "unit"  # 单位: a member unit's own line


TRANSFER_EXTENSION = r"^[0-9*#]{1,32}$"  # what the dialplan's transfer context can dial


class TransferTargetBase(SQLModel):
    name: str = Field(max_length=32, unique=True, index=True, description="what the operator picks: 人社")
    extension: str = Field(max_length=32, description="what is dialled: digits, * and #")
    kind: TransferKind = TransferKind.EXPERT
    active: bool = True
    sort_order: int = Field(default=0, description="the order within its kind, smallest first")


class TransferTarget(TransferTargetBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
