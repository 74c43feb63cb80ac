"""The consent ledger: each time a caller's consent is taken or changed, one row; never rewritten."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime


class ConsentRecord(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    caller_phone: str = Field(default="", max_length=32, index=True)
    recording: bool = Field(description="the call may be recorded (the hotline's notice was played)")
    callback: bool = Field(description="the hotline may call back about the outcome (回访)")
    share_number: bool = Field(description="the handling unit may see the caller's number")
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    by_id: int | None = Field(default=None, foreign_key="user.id")
    by_name: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=500)
