"""The pages people work in: server-rendered shells (autoescaped) that small JS modules fill."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from hotline.enums import Nature, RejectReason, Satisfaction, Urgency
from hotline.sla.service import calendar_notices
from hotline.tickets import service as svc
from hotline.timeline.service import list_events
from hotline.users.models import User
from web import labels
from web.deps import (
    AdminActor,
    BoardActor,
    BrowserSessionDep,
    CurrentUser,
    Id,
    IntakeActor,
    NowDep,
    OperatorActor,
    ReaderActor,
    ServicesDep,
    SessionDep,
    TransactionPerHop,
    UnitActor,
    load_user,
)
from web.errors import NotAuthenticated
from web.routers import admin
from web.routers.auth import home_of
from web.routers.brief import MonthQ, TopQ, brief_rows, load_brief, month_label
from web.routers.common import reference, view
from web.routers.tickets import audit_unit_view
from web.schemas import assignment_view

router = APIRouter(route_class=TransactionPerHop, include_in_schema=False)


def _page(
    request: Request, services: ServicesDep, user: User, data: BrowserSessionDep, name: str, **context: Any
) -> Response:
    assert data is not None
    return services.templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "role_label": labels.ROLE[user.role],
            "csrf": data.csrf,
            "labels": labels,
            "natures": [(n.value, labels.NATURE[n]) for n in Nature],
            "urgencies": [(u.value, labels.URGENCY[u]) for u in Urgency],
            "reject_reasons": [(r.value, labels.REJECT_REASON[r]) for r in RejectReason],
            "satisfactions": [(s.value, labels.SATISFACTION[s]) for s in Satisfaction],
            "pause_reasons": labels.PAUSE_REASONS,
            **context,
        },
    )


def _calendar_warnings(session: Session, now: datetime) -> list[str]:
    """Shown atop the desk and the reports: a coming year whose holidays nobody entered yet."""
    return [notice.warning for notice in calendar_notices(session, now=now) if notice.warning]


@router.get("/", response_class=HTMLResponse)
def index(session: SessionDep, data: BrowserSessionDep) -> Response:
    try:
        user = load_user(session, data)
    except NotAuthenticated:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_of(user.role), status_code=303)


@router.get("/seat", response_class=HTMLResponse)
def seat_page(
    request: Request, actor: OperatorActor, user: CurrentUser, data: BrowserSessionDep, services: ServicesDep
) -> Response:
    return _page(request, services, user, data, "seat.html", title="坐席工作台")


@router.get("/portal", response_class=HTMLResponse)
def portal_page(
    request: Request, actor: UnitActor, user: CurrentUser, data: BrowserSessionDep, services: ServicesDep
) -> Response:
    return _page(request, services, user, data, "portal.html", title="成员单位工单门户")


@router.get("/desk", response_class=HTMLResponse)
def desk_page(
    request: Request,
    actor: BoardActor,
    user: CurrentUser,
    data: BrowserSessionDep,
    services: ServicesDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    return _page(
        request,
        services,
        user,
        data,
        "desk.html",
        notices=_calendar_warnings(session, now),
        title="派单与督办",
    )


@router.get("/intake", response_class=HTMLResponse)
def intake_page(
    request: Request, actor: IntakeActor, user: CurrentUser, data: BrowserSessionDep, services: ServicesDep
) -> Response:
    """The ticket form without a call (dispatchers recording a letter or a walk-in): no call bar,
    no screen pop and no transfer buttons, which need a seat on the phone."""
    return _page(request, services, user, data, "seat.html", title="工单录入", calls=False)


@router.get("/wallboard", response_class=HTMLResponse)
def wallboard_page(
    request: Request, actor: BoardActor, user: CurrentUser, data: BrowserSessionDep, services: ServicesDep
) -> Response:
    return _page(request, services, user, data, "wallboard.html", title="12345热线运行监测大屏")


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    actor: BoardActor,
    user: CurrentUser,
    data: BrowserSessionDep,
    services: ServicesDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    return _page(
        request,
        services,
        user,
        data,
        "reports.html",
        notices=_calendar_warnings(session, now),
        title="统计报表",
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_page(
    request: Request, actor: AdminActor, user: CurrentUser, data: BrowserSessionDep, services: ServicesDep
) -> Response:
    return _page(request, services, user, data, "admin.html", title="系统管理", sections=admin.SECTIONS)


@router.get("/reports/brief", response_class=HTMLResponse)
def brief_page(
    request: Request,
    actor: BoardActor,
    user: CurrentUser,
    data: BrowserSessionDep,
    services: ServicesDep,
    session: SessionDep,
    now: NowDep,
    month: MonthQ = None,
    top: TopQ = 5,
) -> Response:
    """每月一题, laid out to print (or to save as PDF from the browser)."""
    found = load_brief(session, services, now, month, top)
    return _page(
        request,
        services,
        user,
        data,
        "brief.html",
        title=f"{month_label(found.month)} 每月一题",
        month_label=month_label(found.month),
        brief=found,
        rows=brief_rows(found, session, services),
        month_value=f"{found.month:%Y-%m}",
        top=top,
    )


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(
    ticket_id: Id,
    request: Request,
    actor: ReaderActor,
    user: CurrentUser,
    data: BrowserSessionDep,
    services: ServicesDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    ticket = svc.get_ticket(session, ticket_id=ticket_id, actor=actor)
    audit_unit_view(session, request, actor, ticket, now)
    ref = reference(session, services)
    return _page(
        request,
        services,
        user,
        data,
        "ticket.html",
        title=f"工单 {ticket.number}",
        ticket=view(session, services, ticket, actor, now, ref),
        assignments=[assignment_view(a, ref) for a in svc.assignments_of(session, ticket_id=ticket_id)],
        events=list_events(session, ticket_id=ticket_id),
        tz=services.rules.timezone,
    )
