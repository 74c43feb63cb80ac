"""One audit entry per admin change, sign-in, export or unit's reading of a ticket."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime


class AuditEntryBase(SQLModel):
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    # Who: kept as text too, so the entry still reads right after the account is renamed or gone.
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    actor_name: str = Field(default="", max_length=64)
    actor_role: str = Field(default="", max_length=16)
    # What: a dotted code (``user.create``, ``login.failed``, ``ticket.view``); pages name it in Chinese.
    action: str = Field(max_length=64, index=True)
    target_kind: str = Field(default="", max_length=32, index=True)
    target_id: str = Field(default="", max_length=64, index=True)
    target_label: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=64, description="the client's address, where known")
    note: str = Field(default="", max_length=500)


class AuditEntry(AuditEntryBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class AuditEntryPublic(AuditEntryBase):
    id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
