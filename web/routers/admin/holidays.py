"""节假日: the days working-day limits skip, for years chinese-calendar does not know yet.

The package's own days are shown beside the admin's overrides (休息日 and 调休上班), which win.
The same services back `hotline calendar` (web/cli_calendar.py).
"""

from datetime import date, timedelta
from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, Field

from hotline.audit.service import snapshot
from hotline.sla.calendar import SHANGHAI
from hotline.sla.models import HolidayOverride
from hotline.sla.service import (
    CALENDAR_YEARS,
    HOLIDAY_NAME_MAX,
    HOLIDAY_RANGE_MAX_DAYS,
    check_year,
    holiday_warning,
    list_holidays,
    package_days,
    remove_holiday,
    set_holiday_range,
    year_status,
)
from web.deps import AdminActor, NowDep, SessionDep
from web.routers.admin.common import audited
from web.routers.common import api_router

router = api_router("admin")
WEEKDAYS = "一二三四五六日"


class DayRow(BaseModel):
    day: date
    weekday: str = Field(description="周一 … 周日")
    workday: bool = Field(description="a make-up working day (调休上班); else a rest day")
    kind_label: str = Field(description="休息日 or 工作日（调休上班）")
    name: str


class HolidayYear(BaseModel):
    year: int
    package_knows: bool = Field(description="chinese-calendar has this year's official holidays")
    package_days: list[DayRow] = Field(description="the package's holidays and 调休 workdays")
    overrides: list[DayRow] = Field(description="the admin's days, which win over the package")
    days_off: int
    workdays: int
    trustworthy: bool
    warning: str = Field(description="the staff warning for this year (zh-CN); empty when none is due")


class HolidayIn(BaseModel):
    start: date
    end: date | None = Field(default=None, description="last day, included; none for one day")
    workday: bool = Field(description="true: 工作日（调休上班）; false: 休息日")
    name: str = Field(min_length=1, max_length=HOLIDAY_NAME_MAX)


def _day(day: date, workday: bool, name: str) -> DayRow:
    return DayRow(
        day=day,
        weekday="周" + WEEKDAYS[day.weekday()],
        workday=workday,
        kind_label="工作日（调休上班）" if workday else "休息日",
        name=name,
    )


def _year(session: SessionDep, year: int, now: NowDep) -> HolidayYear:
    status = year_status(session, year=year)
    today = now.astimezone(SHANGHAI).date()
    return HolidayYear(
        year=year,
        package_knows=status.package_knows,
        package_days=[_day(d.day, d.workday, d.name) for d in package_days(year)],
        overrides=[_day(r.day, r.workday, r.name) for r in list_holidays(session, year=year)],
        days_off=status.days_off,
        workdays=status.workdays,
        trustworthy=status.trustworthy,
        warning=holiday_warning(status, today=today),
    )


def _default_year(session: SessionDep, now: NowDep) -> int:
    """Next year while it has nothing entered (the admin's job to come), else this year."""
    this_year = now.astimezone(SHANGHAI).year
    return this_year + 1 if not list_holidays(session, year=this_year + 1) else this_year


YearQ = Annotated[
    int | None,
    Query(ge=CALENDAR_YEARS[0], le=CALENDAR_YEARS[-1], description="default: next year if empty"),
]


@router.get("/api/admin/holidays", summary="A year's holidays: the package's and the admin's (admin)")
def holidays_year(actor: AdminActor, session: SessionDep, now: NowDep, year: YearQ = None) -> HolidayYear:
    return _year(session, check_year(year) if year is not None else _default_year(session, now), now)


def _span(start: date, end: date) -> list[date]:
    """The days from ``start`` to ``end``, no more than the core takes in one go."""
    days = min(max(0, (end - start).days), HOLIDAY_RANGE_MAX_DAYS)
    return [start + timedelta(days=n) for n in range(days + 1)]


@router.post("/api/admin/holidays", summary="Set one day or a range as 休息日 or 工作日 (admin)")
def holidays_set(
    data: HolidayIn, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> HolidayYear:
    end = data.end or data.start
    check_year(data.start.year), check_year(end.year)  # before walking a span of centuries
    earlier = [session.get(HolidayOverride, d) for d in _span(data.start, end)]
    before = {row.day.isoformat(): snapshot(row) for row in earlier if row is not None}
    rows = set_holiday_range(session, start=data.start, end=end, workday=data.workday, name=data.name)
    label = data.start.isoformat() if end == data.start else f"{data.start.isoformat()}..{end.isoformat()}"
    audited(
        session,
        request,
        actor=actor,
        action="holiday.set",
        at=now,
        target_kind="holiday",
        target_id=label,
        target_label=f"{label} {rows[0].name}",
        before=before or None,
        after=snapshot(
            {"start": data.start, "end": end, "workday": data.workday, "name": rows[0].name}
            | {"days": len(rows)}
        ),
    )
    return _year(session, data.start.year, now)


@router.delete("/api/admin/holidays/{day}", summary="Remove the admin's word on a day (admin)")
def holidays_remove(
    day: date, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> HolidayYear:
    removed = remove_holiday(session, day=day)
    audited(
        session,
        request,
        actor=actor,
        action="holiday.remove",
        at=now,
        target_kind="holiday",
        target_id=day.isoformat(),
        target_label=f"{day.isoformat()} {removed.name}",
        before=snapshot(removed),
    )
    return _year(session, day.year, now)
