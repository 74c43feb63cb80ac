"""SQL pieces the metrics need that differ by database: time arithmetic and local-day buckets."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from hotline.db import UTCDateTime


class plus_seconds(FunctionElement[datetime]):  # noqa: N801  (reads as a SQL function)
    """``timestamp + n seconds``, exact to the microsecond on PostgreSQL and on SQLite."""

    type = UTCDateTime()
    inherit_cache = True
    name = "plus_seconds"

    def __init__(self, column: ColumnElement[datetime], seconds: int) -> None:
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


def day_bucket(column: ColumnElement[datetime], starts: Sequence[datetime]) -> ColumnElement[int]:
    """The index into ``starts`` of the day ``column`` falls in (rows are already in the period).

    A CASE over the UTC instants each local day begins: the same SQL on every database,
    and right on any time zone, daylight saving included.
    """
    if len(starts) <= 1:
        return literal_column("0")
    whens = [(column < begin, index) for index, begin in enumerate(starts[1:])]
    return case(*whens, else_=len(starts) - 1)
