"""Reports by period, unit, district and category (XLSX export too), a unit's own figures, the wallboard."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook

from hotline.errors import InvalidInput
from hotline.metrics.models import BreakdownBy, BreakdownRow, MetricFilter, PeriodMetrics, Rate, UnitScore
from hotline.metrics.service import breakdown, period_metrics, unit_ranking
from hotline.units.service import get_unit_by_code
from web.deps import (
    AppServices,
    BoardActor,
    NowDep,
    ServicesDep,
    SessionDep,
    UnitActor,
)
from web.routers.admin.common import audited
from web.routers.common import api_router
from web.wallboard import Wallboard, WallboardFeed
from web.xlsx import XLSX_RESPONSE, append_row, download

router = api_router("reports")
MAX_PERIOD_DAYS = 400
StartQ = Annotated[date | None, Query(description="first local day (default: 30 days ago)")]
EndQ = Annotated[date | None, Query(description="last local day, included (default: today)")]


def period(
    services: AppServices, now: datetime, start: date | None, end: date | None
) -> tuple[datetime, datetime]:
    """Local days [start, end] as UTC [start, end+1 day)."""
    tz = ZoneInfo(services.rules.timezone)
    today = now.astimezone(tz).date()
    first, last = start or today - timedelta(days=29), end or today
    if last < first:
        raise InvalidInput("结束日期不能早于开始日期")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise InvalidInput(f"报表最多覆盖 {MAX_PERIOD_DAYS} 天")
    begin = datetime.combine(first, time(), tzinfo=tz)
    finish = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)
    return begin, finish


@router.get("/api/reports/period", summary="Every figure for a period (filters: unit, district)")
def report_period(
    actor: BoardActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    start: StartQ = None,
    end: EndQ = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
) -> PeriodMetrics:
    begin, finish = period(services, now, start, end)
    unit_id = get_unit_by_code(session, code=unit).id if unit else None
    filters = MetricFilter(unit_id=unit_id, district=district or None)
    return period_metrics(session, start=begin, end=finish, filters=filters, rules=services.metric_rules)


@router.get("/api/reports/breakdown", summary="Figures per unit, district, category, channel or day")
def report_breakdown(
    actor: BoardActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    by: BreakdownBy = "unit",
    start: StartQ = None,
    end: EndQ = None,
) -> list[BreakdownRow]:
    begin, finish = period(services, now, start, end)
    return breakdown(session, start=begin, end=finish, by=by, rules=services.metric_rules)


@router.get("/api/reports/ranking", summary="Units ranked (on time, satisfaction, response; solve shown)")
def report_ranking(
    actor: BoardActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    start: StartQ = None,
    end: EndQ = None,
) -> list[UnitScore]:
    begin, finish = period(services, now, start, end)
    return unit_ranking(session, start=begin, end=finish, rules=services.metric_rules)


def _pct(rate: Rate) -> str:
    return "" if rate.value is None else f"{rate.value * 100:.2f}%"


def _rows(rows: list[BreakdownRow]) -> list[list[Any]]:
    return [
        [
            r.label,
            r.created,
            _pct(r.rates.on_time),
            _pct(r.rates.callback),
            _pct(r.rates.satisfaction),
            _pct(r.rates.solve),
            _pct(r.rates.response),
        ]
        for r in rows
    ]


@router.get(
    "/api/reports/export.xlsx",
    summary="The period's report as an Excel workbook",
    response_class=StreamingResponse,
    responses=XLSX_RESPONSE,
)
def report_export(
    request: Request,
    actor: BoardActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    start: StartQ = None,
    end: EndQ = None,
) -> StreamingResponse:
    begin, finish = period(services, now, start, end)
    rules = services.metric_rules
    totals = period_metrics(session, start=begin, end=finish, rules=rules)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "总览"
    last_day = (finish - timedelta(days=1)).date()
    append_row(sheet, ["统计周期", f"{begin.date()} 至 {last_day}"])
    calls = totals.calls
    for label, value in (
        ("呼入量", calls.offered),
        ("接通量", calls.answered),
        ("接通率", _pct(calls.answer_rate)),
        ("15秒接通率", _pct(calls.service_level)),
        ("放弃率", _pct(calls.abandon_rate)),
        ("受理工单", totals.counts.created),
        ("按时办结率", _pct(totals.rates.on_time)),
        ("回访率", _pct(totals.rates.callback)),
        ("满意率", _pct(totals.rates.satisfaction)),
        ("解决率", _pct(totals.rates.solve)),
        ("响应率", _pct(totals.rates.response)),
    ):
        append_row(sheet, [label, value])
    header = ["名称", "受理量", "按时办结率", "回访率", "满意率", "解决率", "响应率"]
    for by, title in (("unit", "按单位"), ("district", "按区县"), ("category", "按类别"), ("day", "按日")):
        tab = book.create_sheet(title)
        append_row(tab, header)
        by_key: BreakdownBy = by  # type: ignore[assignment]
        for row in _rows(breakdown(session, start=begin, end=finish, by=by_key, rules=rules)):
            append_row(tab, row)
    ranking = book.create_sheet("单位排名")
    append_row(ranking, ["名次", "单位", "派单量", "按时办结率", "满意率", "解决率", "响应率", "得分"])
    for u in unit_ranking(session, start=begin, end=finish, rules=rules):
        append_row(
            ranking,
            [
                u.rank,
                u.name,
                u.volume,
                _pct(u.on_time),
                _pct(u.satisfaction),
                _pct(u.solve),
                _pct(u.response),
                round(u.score, 4),
            ],
        )
    audited(
        session,
        request,
        actor=actor,
        action="export.report",
        at=now,
        target_kind="report",
        target_label=f"{begin.date()} 至 {last_day}",  # the period: what the workbook holds
    )
    return download(book, f"hotline-report-{begin.date()}-{last_day}.xlsx")


@router.get("/api/units/me/figures", summary="The unit's own figures for a period (default: 30 days)")
def unit_figures(
    actor: UnitActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    start: StartQ = None,
    end: EndQ = None,
) -> PeriodMetrics:
    begin, finish = period(services, now, start, end)
    filters = MetricFilter(unit_id=actor.unit_id)
    return period_metrics(session, start=begin, end=finish, filters=filters, rules=services.metric_rules)


@router.get("/api/wallboard", summary="The wallboard's figures now (the websocket /ws/wallboard pushes them)")
async def wallboard(actor: BoardActor, services: ServicesDep) -> Wallboard:
    feed = services.extras["wallboard"]
    assert isinstance(feed, WallboardFeed)
    await feed.refresh()
    assert feed.last_board is not None
    return feed.last_board
