"""SQL pieces the metrics need that differ by database: time arithmetic and local-day buckets."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, literal, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from hotline.db import UTCDateTime

Expr = ColumnElement[Any] | Mapped[Any]
"""A SQL expression: a model column (as sqlmodel's col() types it) or any column element."""


class plus_seconds(FunctionElement[datetime]):  # noqa: N801  (reads as a SQL function)
    """``timestamp + n seconds``, exact to the microsecond on PostgreSQL and on SQLite."""

    type = UTCDateTime()
    inherit_cache = True
    name = "plus_seconds"

    def __init__(self, column: Expr, seconds: int) -> None:
        super().__init__(column, literal_column(str(int(seconds))))


@compiles(plus_seconds)
def _plus_seconds_default(element: plus_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    column, seconds = (compiler.process(c, **kw) for c in element.clauses)
    return f"({column} + {seconds} * INTERVAL '1 second')"


@compiles(plus_seconds, "sqlite")
def _plus_seconds_sqlite(element: plus_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTCDateTime as 'YYYY-MM-DD HH:MM:SS.ffffff'. Shift the whole seconds with
    # datetime() and put the fraction back untouched: julianday() arithmetic would round it.
    column, seconds = (compiler.process(c, **kw) for c in element.clauses)
    return f"(datetime(substr({column}, 1, 19), '+{seconds} seconds') || substr({column}, 20))"


def local_days(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[date, datetime]]:
    """The local days [start, end) touches, each with the UTC instant it begins (the first: ``start``)."""
    days: list[tuple[date, datetime]] = []
    day = start.astimezone(tz).date()
    begin = start
    while begin < end:
        days.append((day, begin))
        day += timedelta(days=1)
        begin = max(start, datetime.combine(day, time(), tzinfo=tz).astimezone(start.tzinfo))
    return days


def day_bucket(column: Expr, starts: Sequence[datetime]) -> Expr:
    """The index into ``starts`` of the day ``column`` falls in (rows are already in the period).

    Nested CASEs over the UTC instants each local day begins, halving the days at each level
    (5 comparisons a row for a month): the same SQL on every database, and right on any time
    zone, daylight saving included. Needs two days or more: a single day is no grouping at all
    (and a constant would read as a column position in GROUP BY).
    """
    if len(starts) < 2:
        raise ValueError("a day bucket needs at least two days")

    def among(lo: int, hi: int) -> Expr:
        if hi - lo == 1:
            return literal(lo)
        mid = (lo + hi) // 2
        return case((column < starts[mid], among(lo, mid)), else_=among(mid, hi))

    return among(0, len(starts))
