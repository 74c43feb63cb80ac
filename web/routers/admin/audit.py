"""The audit trail for the admin: filter, page through, export to Excel (the export is audited too)."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from pydantic import BaseModel

from hotline.audit.models import AuditEntry
from hotline.audit.service import AuditQuery, changed_fields, list_entries
from hotline.errors import InvalidInput
from web import labels
from web.deps import ID_MAX, AdminActor, NowDep, ServicesDep, SessionDep
from web.routers.admin.common import audited
from web.routers.common import api_router
from web.xlsx import XLSX_RESPONSE, append_row, download

router = api_router("admin")
EXPORT_MAX_ROWS = 100_000  # a year of a busy hotline's admin work fits many times over


class AuditView(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    actor_role: str
    actor_role_label: str
    action: str
    action_label: str
    target_kind: str
    target_kind_label: str
    target_id: str
    target_label: str
    address: str
    note: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed: list[str]


class AuditPage(BaseModel):
    total: int
    entries: list[AuditView]


def audit_view(entry: AuditEntry) -> AuditView:
    assert entry.id is not None
    role_labels = {role.value: label for role, label in labels.ROLE.items()}
    return AuditView(
        id=entry.id,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        actor_role=entry.actor_role,
        actor_role_label=role_labels.get(entry.actor_role, entry.actor_role),
        action=entry.action,
        action_label=labels.AUDIT_ACTION.get(entry.action, entry.action),
        target_kind=entry.target_kind,
        target_kind_label=labels.AUDIT_TARGET.get(entry.target_kind, entry.target_kind),
        target_id=entry.target_id,
        target_label=entry.target_label,
        address=entry.address,
        note=entry.note,
        before=entry.before,
        after=entry.after,
        changed=changed_fields(entry.before, entry.after) if entry.before or entry.after else [],
    )


ActionQ = Annotated[str | None, Query(max_length=64, description='an action code, or a family ending in "."')]
KindQ = Annotated[str | None, Query(max_length=32)]
TargetQ = Annotated[str | None, Query(max_length=64)]
ActorQ = Annotated[int | None, Query(ge=1, le=ID_MAX)]
StartQ = Annotated[date | None, Query(description="first local day")]
EndQ = Annotated[date | None, Query(description="last local day, included")]


def audit_query(
    services: ServicesDep,
    action: ActionQ = None,
    target_kind: KindQ = None,
    target_id: TargetQ = None,
    actor_id: ActorQ = None,
    start: StartQ = None,
    end: EndQ = None,
) -> AuditQuery:
    """The filters of the list and of the export: local days [start, end] become UTC bounds."""
    if start and end and end < start:
        raise InvalidInput("结束日期早于开始日期")
    tz = ZoneInfo(services.rules.timezone)
    return AuditQuery(
        action=action,
        actor_id=actor_id,
        target_kind=target_kind,
        target_id=target_id,
        since=datetime.combine(start, time(), tzinfo=tz) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), tzinfo=tz) if end else None,
    )


AuditQueryDep = Annotated[AuditQuery, Depends(audit_query)]


@router.get("/api/admin/audit", summary="The audit trail, newest first (admin)")
def audit_list(
    actor: AdminActor,
    session: SessionDep,
    query: AuditQueryDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPage:
    rows, total = list_entries(session, query, limit=limit, offset=offset)
    return AuditPage(total=total, entries=[audit_view(r) for r in rows])


def _cell(data: dict[str, Any] | None, fields: list[str]) -> str:
    if not data:
        return ""
    return "；".join(f"{k}={data.get(k)!s}" for k in fields if k in data)


@router.get(
    "/api/admin/audit/export.xlsx",
    summary="The audit trail as an Excel workbook (admin; the same filters)",
    response_class=StreamingResponse,
    responses=XLSX_RESPONSE,
)
def audit_export(
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    query: AuditQueryDep,
) -> StreamingResponse:
    rows, total = list_entries(session, query, limit=EXPORT_MAX_ROWS)
    tz = ZoneInfo(services.rules.timezone)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "操作日志"
    append_row(
        sheet,
        [
            "时间",
            "操作人",
            "角色",
            "操作",
            "对象",
            "对象编号",
            "对象名称",
            "地址",
            "变更字段",
            "变更前",
            "变更后",
            "备注",
        ],
    )
    for row in (audit_view(r) for r in rows):
        append_row(
            sheet,
            [
                row.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                row.actor_name,
                row.actor_role_label,
                row.action_label,
                row.target_kind_label,
                row.target_id,
                row.target_label,
                row.address,
                "、".join(row.changed),
                _cell(row.before, row.changed or sorted(row.before or {})),
                _cell(row.after, row.changed or sorted(row.after or {})),
                row.note,
            ],
        )
    audited(
        session,
        request,
        actor=actor,
        action="export.audit",
        at=now,
        target_kind="audit",
        note=f"{min(total, EXPORT_MAX_ROWS)} 条",
    )
    return download(book, f"hotline-audit-{now.astimezone(tz).date()}.xlsx")
