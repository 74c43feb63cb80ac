"""The append-only timeline of a ticket: one row per action, never updated."""

from datetime import datetime
from typing import Any

from pydantic import computed_field
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime
from hotline.enums import Action, Role, TicketStatus
from hotline.names import ACTION, ROLE, name


class TicketEventBase(SQLModel):
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    action: Action
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor_role: Role
    actor_name: str = Field(default="", max_length=64)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    from_status: TicketStatus | None = None
    to_status: TicketStatus | None = None
    note: str = Field(default="", max_length=5000)


class TicketEvent(TicketEventBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TicketEventPublic(TicketEventBase):
    id: int
    data: dict[str, Any]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def action_label(self) -> str:
        """The action as the timeline shows it (派单, 申请延期…); ``action`` keeps the code."""
        return name(ACTION, self.action)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def actor_role_label(self) -> str:
        """The actor's role in Chinese (话务员, 成员单位…)."""
        return name(ROLE, self.actor_role)
