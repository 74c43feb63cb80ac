"""What every admin route shares: writing the audit entry of the change it just made."""

from datetime import datetime
from typing import Any

from sqlmodel import Session
from starlette.requests import HTTPConnection

from hotline.audit.service import record
from hotline.users.models import Actor
from web.ratelimit import client_address


def audited(
    session: Session,
    conn: HTTPConnection,
    *,
    actor: Actor | None,
    action: str,
    at: datetime,
    target_kind: str,
    target_id: object = "",
    target_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> None:
    """Record one admin change (or sign-in, export, view) from this request, and commit it."""
    record(
        session,
        actor=actor,
        action=action,
        at=at,
        target_kind=target_kind,
        target_id=target_id,
        target_label=target_label,
        before=before,
        after=after,
        address=client_address(conn),
        note=note,
        commit=True,
    )
