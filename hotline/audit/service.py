"""Recording and reading the audit trail.

An entry is written in the same transaction as the change it describes wherever the caller can
(``record`` only adds it to the session); ``record(..., commit=True)`` is for actions with nothing
else to commit (a sign-in, an export, a unit reading a ticket).
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Final

from sqlmodel import Session, SQLModel, col, func, select

from hotline.audit.models import AuditEntry
from hotline.users.models import Actor

# Never copied into an entry: an audit log readable by admins must not become a store of secrets.
SECRET_FIELDS: Final = frozenset({"password_hash", "password", "session_epoch", "key_hash", "secret"})


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: enums by code, times in ISO 8601."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(
    row: SQLModel | dict[str, Any] | None, *, exclude: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """The fields of a row (or a dict) as they stand now, secrets left out."""
    if row is None:
        return None
    data = row if isinstance(row, dict) else row.model_dump()
    return {k: _plain(v) for k, v in data.items() if k not in SECRET_FIELDS and k not in exclude}


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The names whose values differ between two snapshots (all of them when one side is missing)."""
    before, after = before or {}, after or {}
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    at: datetime,
    target_kind: str = "",
    target_id: object = "",
    target_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str = "",
    note: str = "",
    commit: bool = False,
) -> AuditEntry:
    """Add one entry. ``actor`` None: the system, or someone not signed in (a failed login)."""
    entry = AuditEntry(
        at=at,
        actor_id=actor.user_id if actor else None,
        actor_name=(actor.name if actor else "")[:64],
        actor_role=str(actor.role.value) if actor else "",
        action=action,
        target_kind=target_kind,
        target_id=str(target_id)[:64],
        target_label=target_label[:200],
        before=before,
        after=after,
        address=address[:64],
        note=note[:500],
    )
    session.add(entry)
    if commit:
        session.commit()
    return entry


@dataclass(frozen=True)
class AuditQuery:
    """Which entries: each criterion left None matches all. ``action`` ending in "." is a family."""

    action: str | None = None
    actor_id: int | None = None
    target_kind: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    session: Session, query: AuditQuery, *, limit: int = 100, offset: int = 0
) -> tuple[list[AuditEntry], int]:
    """Entries newest first, with the total that match."""
    found = select(AuditEntry)
    if query.action:
        action = query.action
        found = found.where(
            col(AuditEntry.action).startswith(action) if action.endswith(".") else AuditEntry.action == action
        )
    if query.actor_id is not None:
        found = found.where(AuditEntry.actor_id == query.actor_id)
    if query.target_kind:
        found = found.where(AuditEntry.target_kind == query.target_kind)
    if query.target_id:
        found = found.where(AuditEntry.target_id == query.target_id)
    if query.since is not None:
        found = found.where(col(AuditEntry.at) >= query.since)
    if query.until is not None:
        found = found.where(col(AuditEntry.at) < query.until)
    total = session.exec(select(func.count()).select_from(found.subquery())).one()
    rows = session.exec(
        found.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .offset(max(offset, 0))
        .limit(max(limit, 1))
    ).all()
    return list(rows), int(total)
