"""Readable ticket numbers: local date + a per-day sequence, unique under concurrency."""

import secrets
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Executable, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from hotline.tickets.models import TicketCounter

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def next_ticket_number(session: Session, *, now: datetime, tz: ZoneInfo) -> str:
    """Hand out the next number of the local day, e.g. ``20261123-00042``.

    One atomic upsert per number: concurrent transactions on PostgreSQL queue on the
    day's counter row instead of reading the same last value.
    """
    day = now.astimezone(tz).date()
    connection = session.connection()  # Core, not the ORM's execute: nothing here is an object
    last = connection.execute(_bump_statement(connection.dialect.name), {"day": day}).scalar_one()
    return f"{day:%Y%m%d}-{last:05d}"


@cache
def _bump_statement(dialect: str) -> Executable:
    # Built once per dialect: building it costs more than running it (every ticket needs one).
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = TicketCounter.__table__  # type: ignore[attr-defined]
    return (
        insert(table)
        .values(day=bindparam("day"), last=1)
        .on_conflict_do_update(index_elements=[col(TicketCounter.day)], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )


def new_query_code() -> str:
    """An 8-character code a citizen uses with their phone number to follow a ticket."""
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))
