"""The core's call vocabulary: what any telephone system is translated into.

The telephony adapter maps its protocol (Asterisk AMI) to these events; the
simulator produces them directly. ``linkedid`` is the call id: every leg of one
call shares it.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

from hotline.clock import ensure_utc


class CallEventKind(StrEnum):
    QUEUED = "queued"  # caller joined the queue
    SEAT_RINGING = "seat_ringing"  # offered to a seat
    ANSWERED = "answered"  # a seat picked up
    ABANDONED = "abandoned"  # caller hung up while waiting
    COMPLETED = "completed"  # the queue call ended after being answered
    TRANSFERRED = "transferred"  # handed to another line (expert seat, a unit)
    HUNG_UP = "hung_up"  # a channel of the call hung up
    DIALLED = "dialled"  # the hotline placed a call from a seat (click-to-call), not yet answered
    SEAT_ADDED = "seat_added"
    SEAT_REMOVED = "seat_removed"
    SEAT_PAUSED = "seat_paused"
    SEAT_UNPAUSED = "seat_unpaused"
    SEAT_STATE = "seat_state"  # device state as the phone system reports it


class CallEvent(BaseModel):
    """One fact about a call or a seat, in the core's words."""

    model_config = ConfigDict(frozen=True)

    kind: CallEventKind
    at: datetime
    linkedid: str = ""  # empty for pure seat events
    queue: str = ""
    caller_number: str = ""
    caller_name: str = ""
    interface: str = ""  # the seat's queue-member interface, e.g. Local/1001@agents
    member_name: str = ""
    hold_s: float | None = None
    ring_s: float | None = None
    talk_s: float | None = None
    reason: str = ""  # hangup/complete reason, pause reason
    target: str = ""  # transfer target
    seat_state: str = ""  # for SEAT_STATE: a hotline.enums.SeatState value
    source_id: str = ""  # the adapter's id for the underlying message, for idempotence
    ticket_id: int | None = None  # for DIALLED: the ticket the call is about (a callback)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return ensure_utc(value)
