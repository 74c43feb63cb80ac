"""每月一题 as a page to print, an Excel workbook and JSON: the month's hot topics (place × category)."""

import re
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query
from fastapi.responses import StreamingResponse
from openpyxl import Workbook

from hotline.errors import InvalidInput
from hotline.metrics.brief import MAX_TOP, MonthlyBrief, add_months, monthly_brief
from web import labels
from web.deps import BoardActor, NowDep, ServicesDep, SessionDep
from web.routers.common import api_router, reference
from web.xlsx import XLSX_RESPONSE, append_row, download

router = api_router("reports")
MonthQ = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM (default: last month)")]
TopQ = Annotated[int, Query(ge=1, le=MAX_TOP)]


def _month(value: str | None, services: ServicesDep, now: NowDep) -> date:
    if value is None:
        today = now.astimezone(ZoneInfo(services.rules.timezone)).date()
        return add_months(today.replace(day=1), -1)
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    assert match is not None  # the query's pattern
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise InvalidInput(f"月份 {value} 无效，应为 YYYY-MM")
    return date(year, month, 1)


def month_label(month: date) -> str:
    """A month as the brief names it: 2026年11月."""
    return f"{month.year}年{month.month}月"


def load_brief(
    session: SessionDep, services: ServicesDep, now: NowDep, month: str | None, top: int
) -> MonthlyBrief:
    return monthly_brief(session, month=_month(month, services, now), rules=services.metric_rules, top=top)


@router.get("/api/reports/brief", summary="每月一题: the month's hot topics with trend, examples and units")
def brief_json(
    actor: BoardActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    month: MonthQ = None,
    top: TopQ = 5,
) -> MonthlyBrief:
    return load_brief(session, services, now, month, top)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def brief_rows(brief: MonthlyBrief, session: SessionDep, services: ServicesDep) -> list[dict[str, Any]]:
    """The brief as the page and the workbook show it: names, labels and local times."""
    ref = reference(session, services)
    tz = ZoneInfo(services.rules.timezone)
    out = []
    for rank, topic in enumerate(brief.topics, start=1):
        change = "—" if topic.change is None else f"{topic.change * 100:+.0f}%"
        out.append(
            {
                "rank": rank,
                "place": topic.district,
                "topic": topic.category,
                "tickets": topic.tickets,
                "trend": [(month_label(m.month), m.tickets) for m in topic.trend],
                "change": change,
                "examples": [
                    {
                        "number": e.number,
                        "title": e.title,
                        "status": labels.STATUS[e.status],
                        "created": e.created_at.astimezone(tz).strftime("%m-%d %H:%M"),
                        "unit": ref.unit_name(e.lead_unit_id) or "未派单",
                    }
                    for e in topic.examples
                ],
                "units": [
                    {
                        "name": u.label,
                        "tickets": u.created,
                        "on_time": _pct(u.rates.on_time.value),
                        "response": _pct(u.rates.response.value),
                        "satisfaction": _pct(u.rates.satisfaction.value),
                    }
                    for u in topic.units
                ],
            }
        )
    return out


@router.get(
    "/api/reports/brief.xlsx",
    summary="每月一题 as an Excel workbook",
    response_class=StreamingResponse,
    responses=XLSX_RESPONSE,
)
def brief_xlsx(
    actor: BoardActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    month: MonthQ = None,
    top: TopQ = 5,
) -> StreamingResponse:
    brief = load_brief(session, services, now, month, top)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "每月一题"
    title = month_label(brief.month)
    append_row(sheet, [f"{title} 每月一题", f"受理工单 {brief.tickets} 件"])
    append_row(sheet, ["名次", "区县", "诉求类别", "工单数", "环比", *_trend_heads(brief)])
    rows = brief_rows(brief, session, services)
    for row in rows:
        append_row(
            sheet,
            [
                row["rank"],
                row["place"],
                row["topic"],
                row["tickets"],
                row["change"],
                *[n for _, n in row["trend"]],
            ],
        )
    examples = book.create_sheet("典型工单")
    append_row(examples, ["名次", "热点", "工单号", "标题", "状态", "受理时间", "承办单位"])
    units = book.create_sheet("承办单位")
    append_row(units, ["名次", "热点", "单位", "工单数", "按时办结率", "响应率", "满意率"])
    for row in rows:
        spot = f"{row['place']} · {row['topic']}"
        for e in row["examples"]:
            append_row(
                examples, [row["rank"], spot, e["number"], e["title"], e["status"], e["created"], e["unit"]]
            )
        for u in row["units"]:
            append_row(
                units,
                [row["rank"], spot, u["name"], u["tickets"], u["on_time"], u["response"], u["satisfaction"]],
            )
    return download(book, f"hotline-brief-{brief.month:%Y-%m}.xlsx")


def _trend_heads(brief: MonthlyBrief) -> list[str]:
    """The trend's month columns (every topic has the same months)."""
    first = brief.topics[0].trend if brief.topics else []
    return [month_label(m.month) for m in first]
