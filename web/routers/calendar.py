"""The working calendar's state for staff: do working-day limits follow the real holidays?

chinese-calendar knows official holidays only up to its last release; for a later year the
limits run Monday to Friday until an admin enters the holidays (`hotline calendar`). Pages
show the warnings this returns.
"""

from datetime import date

from pydantic import BaseModel, Field

from hotline.sla.calendar import SHANGHAI
from hotline.sla.service import YearNotice, calendar_notices
from web.deps import BoardActor, NowDep, SessionDep
from web.routers.common import api_router

router = api_router("calendar")


class YearCalendarOut(BaseModel):
    """What the calendar knows of one year."""

    year: int
    package_knows: bool = Field(description="chinese-calendar has this year's official holidays and 调休")
    days_off: int = Field(description="days an admin entered as rest days")
    workdays: int = Field(description="days an admin entered as make-up working days (调休上班)")
    trustworthy: bool = Field(
        description="working-day limits follow the year's holidays; otherwise they run Monday to Friday"
    )
    warning: str = Field(description="the warning to show staff (zh-CN); empty when none is due")


class CalendarStatusOut(BaseModel):
    """This year and next year; a warning for a year without holidays from 60 days before it starts."""

    today: date = Field(description="today in Asia/Shanghai")
    years: list[YearCalendarOut]
    warnings: list[str] = Field(description="the years' warnings, to show as they are")


def _year_out(notice: YearNotice) -> YearCalendarOut:
    status = notice.status
    return YearCalendarOut(
        year=status.year,
        package_knows=status.package_knows,
        days_off=status.days_off,
        workdays=status.workdays,
        trustworthy=status.trustworthy,
        warning=notice.warning,
    )


@router.get(
    "/api/calendar/status",
    summary="Whether this year's and next year's working-day limits follow the real holidays",
)
def calendar_status(actor: BoardActor, session: SessionDep, now: NowDep) -> CalendarStatusOut:
    notices = calendar_notices(session, now=now)
    return CalendarStatusOut(
        today=now.astimezone(SHANGHAI).date(),
        years=[_year_out(n) for n in notices],
        warnings=[n.warning for n in notices if n.warning],
    )
