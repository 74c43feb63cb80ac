"""每月一题: the month's hot topics (place × category), as a brief for the leadership meeting.

A topic is the tickets of one district and one category created in the local month (not rejected:
harassment and empty calls are no topic; a ticket without a district or a category belongs to no
place × topic, and counts only in the month's total). The brief ranks topics by tickets, and for each gives
the trend over the months before, the change on the last month, example tickets (newest first),
and the lead units involved with their figures for the topic in the month (period_metrics
definitions: on-time by closing time, response by dispatch time, satisfaction by callback time).
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from hotline.categories.models import Category
from hotline.enums import TicketStatus
from hotline.errors import InvalidInput
from hotline.metrics.models import BreakdownRow, MetricFilter, MetricRules
from hotline.metrics.service import DEFAULT_METRIC_RULES, breakdown
from hotline.tickets.models import Ticket


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


TREND_MONTHS = 3  # months shown before the brief's own
MAX_TOP = 20


class MonthCount(_Frozen):
    month: date
    tickets: int


class BriefTicket(_Frozen):
    number: str
    title: str
    status: TicketStatus
    created_at: datetime
    lead_unit_id: int | None


class BriefTopic(_Frozen):
    district: str
    category_id: int | None
    category: str
    tickets: int
    trend: list[MonthCount]  # the months before, oldest first, then this month
    change: float | None  # on the previous month: 0.5 = +50 %; None when it had none
    examples: list[BriefTicket]
    units: list[BreakdownRow]  # the lead units of the topic's tickets, busiest first


class MonthlyBrief(_Frozen):
    month: date
    start: datetime
    end: datetime
    tickets: int
    topics: list[BriefTopic]


def month_start(month: date) -> date:
    return month.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _bounds(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    begin = datetime.combine(month_start(month), time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(add_months(month, 1), time(), tzinfo=tz).astimezone(UTC)
    return begin, end


def _counted(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [
        col(Ticket.created_at) >= start,
        col(Ticket.created_at) < end,
        col(Ticket.status) != TicketStatus.REJECTED,
    ]


def monthly_brief(
    session: Session,
    *,
    month: date,
    rules: MetricRules = DEFAULT_METRIC_RULES,
    top: int = 5,
    examples: int = 3,
) -> MonthlyBrief:
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"简报的热点条数应为 1 到 {MAX_TOP}")
    tz = ZoneInfo(rules.timezone)
    month = month_start(month)
    start, end = _bounds(month, tz)
    total = session.exec(select(func.count()).select_from(Ticket).where(*_counted(start, end))).one()
    groups = session.exec(
        select(Ticket.district, Ticket.category_id, func.count())
        .where(*_counted(start, end), col(Ticket.district) != "", col(Ticket.category_id).is_not(None))
        .group_by(col(Ticket.district), col(Ticket.category_id))
        .order_by(func.count().desc(), col(Ticket.district), col(Ticket.category_id))
        .limit(top)
    ).all()
    names = {c.id: c.name for c in session.exec(select(Category))}
    months = [add_months(month, -n) for n in range(TREND_MONTHS, 0, -1)]
    topics = []
    for district, category_id, count in groups:
        same = [col(Ticket.district) == district, col(Ticket.category_id) == category_id]
        trend = []
        for earlier in months:
            lo, hi = _bounds(earlier, tz)
            n = session.exec(select(func.count()).select_from(Ticket).where(*_counted(lo, hi), *same)).one()
            trend.append(MonthCount(month=earlier, tickets=int(n)))
        trend.append(MonthCount(month=month, tickets=int(count)))
        last = trend[-2].tickets
        sample = session.exec(
            select(Ticket)
            .where(*_counted(start, end), *same)
            .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
            .limit(examples)
        ).all()
        units = breakdown(
            session,
            start=start,
            end=end,
            by="unit",
            filters=MetricFilter(district=district, category_id=category_id),
            rules=rules,
        )
        topics.append(
            BriefTopic(
                district=district,
                category_id=category_id,
                category=names.get(category_id, "未分类"),
                tickets=int(count),
                trend=trend,
                change=(count - last) / last if last else None,
                examples=[
                    BriefTicket(
                        number=t.number,
                        title=t.title,
                        status=t.status,
                        created_at=t.created_at,
                        lead_unit_id=t.lead_unit_id,
                    )
                    for t in sample
                ],
                units=[u for u in units if u.key is not None],
            )
        )
    return MonthlyBrief(month=month, start=start, end=end, tickets=int(total), topics=topics)
