"""The public web form (no login): a ticket and a query code; the progress page by code and phone.

Both are rate-limited per client address (``web.ratelimit``): a refused request does nothing and
gets the page again with HTTP 429, a Chinese message and ``Retry-After``.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from hotline.enums import Channel, Nature, Role, TicketStatus
from hotline.errors import DomainError, NotFound
from hotline.tickets.models import Ticket, TicketCreate
from hotline.tickets.service import create_ticket, find_ticket_for_citizen
from hotline.timeline.service import list_events
from hotline.users.models import Actor
from web import labels
from web.deps import AppServices, NowDep, ReadSessionDep, ServicesDep, SessionDep, TransactionPerHop, run_db
from web.ratelimit import Rule, Verdict, client_address
from web.routers.common import announce
from web.security import check_csrf

router = APIRouter(route_class=TransactionPerHop, include_in_schema=False)
WEB_FORM = Actor(role=Role.CHANNEL, name="网站留言")
PUBLIC_STEPS = {
    "create": "已受理",
    "dispatch": "已派发承办单位",
    "redispatch": "已改派承办单位",
    "sign": "承办单位已签收",
    "approve_extension": "办理期限已延长",
    "reply": "承办单位已答复",
    "callback_satisfied": "已回访，办结",
    "callback_unsatisfied": "已回访，重新办理",
    "callback_unreachable": "回访未接通，办结",
    "close_on_spot": "已答复，办结",
    "reject": "不予受理",
    "merge": "已与同类诉求合并办理",
}


def _form_page(
    request: Request,
    services: ServicesDep,
    name: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: object,
) -> Response:
    data = services.codec.read_or_new(request)
    response = services.templates.TemplateResponse(
        request,
        name,
        {"csrf": data.csrf, "natures": [(n.value, labels.NATURE[n]) for n in Nature], **context},
        status_code=status,
        headers=headers,
    )
    if data.new:
        services.codec.write(response, request, data)
    return response


def form_rule(services: AppServices) -> Rule:
    return Rule("public_form", services.web.public_form_limit, services.web.public_form_window_s)


def progress_rule(services: AppServices) -> Rule:
    web = services.web
    return Rule("public_progress", web.public_progress_limit, web.public_progress_window_s)


async def _hit(request: Request, services: AppServices, rule: Rule) -> Verdict:
    """Count this request against ``rule`` (Redis may be behind the call: off the event loop)."""
    return await run_in_threadpool(services.rate_limiter.hit, rule, client_address(request))


def _too_many(verdict: Verdict, what: str) -> tuple[str, dict[str, str]]:
    minutes = max(1, -(-verdict.retry_after_s // 60))
    return f"{what}过于频繁，请约 {minutes} 分钟后再试", {"Retry-After": str(verdict.retry_after_s)}


@router.get("/public", response_class=HTMLResponse)
def public_form(request: Request, services: ServicesDep) -> Response:
    return _form_page(request, services, "public_form.html", error="", values={})


@router.post("/public", response_class=HTMLResponse)
async def public_submit(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    now: NowDep,
    caller_name: Annotated[str, Form(max_length=64)],
    caller_phone: Annotated[str, Form(max_length=32)],
    title: Annotated[str, Form(max_length=200)],
    content: Annotated[str, Form(max_length=5000)],
    address: Annotated[str, Form(max_length=200)] = "",
    nature: Annotated[Nature, Form()] = Nature.OTHER,
    confidential: Annotated[bool, Form()] = False,
) -> Response:
    await check_csrf(request, services.codec.read(request))
    values = {
        "caller_name": caller_name,
        "caller_phone": caller_phone,
        "title": title,
        "content": content,
        "address": address,
    }
    verdict = await _hit(request, services, form_rule(services))
    if not verdict.allowed:
        error, headers = _too_many(verdict, "提交")
        return _form_page(
            request, services, "public_form.html", status=429, headers=headers, error=error, values=values
        )
    if not caller_phone.strip():
        error = "请填写联系电话，以便答复和回访"
        return _form_page(request, services, "public_form.html", status=422, error=error, values=values)

    def record() -> Ticket:
        suggestion = services.classifier.suggest(f"{title}。{content} {address}")
        data = TicketCreate(
            channel=Channel.WEB,
            caller_name=caller_name,
            caller_phone=caller_phone,
            title=title,
            content=content,
            address=address,
            nature=nature,
            confidential=confidential,
            district=suggestion.district or "",
            street=suggestion.street or "",
            suggested_unit_code=suggestion.units[0].unit_code if suggestion.units else None,
        )
        ticket = create_ticket(session, data=data, actor=WEB_FORM, now=now, rules=services.rules)
        announce(session, services, ticket, "create")
        return ticket

    try:
        ticket = await run_db(session, record)
    except DomainError as err:
        return _form_page(request, services, "public_form.html", status=422, error=str(err), values=values)
    return _form_page(
        request, services, "public_done.html", number=ticket.number, query_code=ticket.query_code
    )


@router.get("/public/progress", response_class=HTMLResponse)
def progress_form(request: Request, services: ServicesDep) -> Response:
    return _form_page(request, services, "public_progress.html", error="", ticket=None, steps=[])


@router.post("/public/progress", response_class=HTMLResponse)
async def progress(
    request: Request,
    services: ServicesDep,
    session: ReadSessionDep,
    query_code: Annotated[str, Form(max_length=16)],
    caller_phone: Annotated[str, Form(max_length=32)],
) -> Response:
    await check_csrf(request, services.codec.read(request))
    verdict = await _hit(request, services, progress_rule(services))
    if not verdict.allowed:
        error, headers = _too_many(verdict, "查询")
        return _form_page(
            request,
            services,
            "public_progress.html",
            status=429,
            headers=headers,
            error=error,
            ticket=None,
            steps=[],
        )

    def look_up() -> tuple[Ticket, list[tuple[datetime, str]]]:
        ticket = find_ticket_for_citizen(session, query_code=query_code, phone=caller_phone)
        assert ticket.id is not None
        steps = [
            (event.at, PUBLIC_STEPS[event.action])
            for event in list_events(session, ticket_id=ticket.id)
            if event.action in PUBLIC_STEPS
        ]
        return ticket, steps

    try:
        ticket, steps = await run_db(session, look_up)
    except NotFound:
        return _form_page(
            request,
            services,
            "public_progress.html",
            status=404,
            error="未找到：请核对查询码和手机号",
            ticket=None,
            steps=[],
        )
    reply = ticket.reply_text if ticket.status in {TicketStatus.REPLIED, TicketStatus.CLOSED} else ""
    return _form_page(
        request,
        services,
        "public_progress.html",
        error="",
        ticket=ticket,
        status_label=labels.STATUS[ticket.status],
        reply=reply,
        steps=steps,
        tz=services.rules.timezone,
    )
