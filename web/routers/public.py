"""The public pages (no login): the web form and the mayor's mailbox (市长信箱), each making a
ticket of its channel and giving a query code; the progress page by code and phone, in the
citizen's words (``labels.PUBLIC_STATUS``), never the hotline's internal notes or names.

Both are rate-limited per client address (``web.ratelimit``): a refused request does nothing and
gets the page again with HTTP 429, a Chinese message and ``Retry-After``.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from hotline.enums import Channel, Nature, Role, TicketStatus
from hotline.errors import DomainError, NotFound
from hotline.tickets.citizen import (
    CONTENT_MAX,
    CONTENT_MIN,
    PHONE_PATTERN,
    TITLE_MAX,
    TITLE_MIN,
    citizen_request_errors,
)
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


@dataclass(frozen=True)
class Inbox:
    """A public way in: the web form or the mayor's mailbox; the same form, its own channel."""

    key: str
    channel: Channel
    path: str
    heading: str
    intro: str
    actor: Actor


WEB_FORM = Inbox(
    key="web",
    channel=Channel.WEB,
    path="/public",
    heading="12345 网上留言",
    intro="反映问题、咨询政策、提出建议，由12345热线受理并转交承办单位办理。",
    actor=Actor(role=Role.CHANNEL, name="网站留言"),
)
MAILBOX = Inbox(
    key="mailbox",
    channel=Channel.MAILBOX,
    path="/public/mailbox",
    heading="市长信箱",
    intro="写给市长的来信由12345热线统一受理，转交承办单位办理，一般在5个工作日内答复。",
    actor=Actor(role=Role.CHANNEL, name="市长信箱"),
)
INBOXES = (WEB_FORM, MAILBOX)
LIMITS = {
    "phone_pattern": PHONE_PATTERN,
    "title_min": TITLE_MIN,
    "title_max": TITLE_MAX,
    "content_min": CONTENT_MIN,
    "content_max": CONTENT_MAX,
}
FAVICON = Path(__file__).resolve().parent.parent / "pages" / "static" / "favicon.svg"


@router.get("/favicon.ico")
@router.get("/favicon.svg")
def favicon() -> FileResponse:
    """The icon (12345 on the hotline's blue) where browsers look for it without a <link>, too."""
    return FileResponse(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


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


def _inbox_page(
    request: Request,
    services: ServicesDep,
    inbox: Inbox,
    *,
    values: dict[str, object],
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The form of ``inbox``, with what the citizen typed and each fault beside its field."""
    return _form_page(
        request,
        services,
        "public_form.html",
        status=status,
        headers=headers,
        inbox=inbox,
        inboxes=INBOXES,
        limits=LIMITS,
        values=values,
        errors=errors or {},
        error=error,
    )


async def _submit(
    request: Request,
    services: AppServices,
    session: Session,
    now: datetime,
    inbox: Inbox,
    *,
    values: dict[str, str],
    nature: Nature,
    confidential: bool,
) -> Response:
    await check_csrf(request, services.codec.read(request))
    shown: dict[str, object] = {**values, "nature": nature.value, "confidential": confidential}
    verdict = await _hit(request, services, form_rule(services))
    if not verdict.allowed:
        error, headers = _too_many(verdict, "提交")
        return _inbox_page(request, services, inbox, values=shown, error=error, status=429, headers=headers)
    errors = citizen_request_errors(
        caller_name=values["caller_name"],
        caller_phone=values["caller_phone"],
        title=values["title"],
        content=values["content"],
    )
    if errors:
        return _inbox_page(request, services, inbox, values=shown, errors=errors, status=422)

    def record() -> Ticket:
        suggestion = services.classifier.suggest(
            f"{values['title']}。{values['content']} {values['address']}"
        )
        data = TicketCreate(
            channel=inbox.channel,
            caller_name=values["caller_name"],
            caller_phone=values["caller_phone"].strip(),
            title=values["title"],
            content=values["content"],
            address=values["address"],
            nature=nature,
            confidential=confidential,
            district=suggestion.district or "",
            street=suggestion.street or "",
            suggested_unit_code=suggestion.units[0].unit_code if suggestion.units else None,
        )
        ticket = create_ticket(session, data=data, actor=inbox.actor, now=now, rules=services.rules)
        announce(session, services, ticket, "create")
        return ticket

    try:
        ticket = await run_db(session, record)
    except DomainError as err:
        return _inbox_page(request, services, inbox, values=shown, error=str(err), status=422)
    return _form_page(
        request,
        services,
        "public_done.html",
        inbox=inbox,
        number=ticket.number,
        query_code=ticket.query_code,
    )


Name = Annotated[str, Form(max_length=64)]
Phone = Annotated[str, Form(max_length=32)]
Title = Annotated[str, Form(max_length=TITLE_MAX * 2)]  # the rule's own limit gives the message
Content = Annotated[str, Form(max_length=CONTENT_MAX * 2)]
Address = Annotated[str, Form(max_length=200)]
NatureField = Annotated[Nature, Form()]
Confidential = Annotated[bool, Form()]


@router.get("/public", response_class=HTMLResponse)
def public_form(request: Request, services: ServicesDep) -> Response:
    return _inbox_page(request, services, WEB_FORM, values={})


@router.get("/public/mailbox", response_class=HTMLResponse)
def mailbox_form(request: Request, services: ServicesDep) -> Response:
    return _inbox_page(request, services, MAILBOX, values={})


@router.post("/public", response_class=HTMLResponse)
async def public_submit(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    now: NowDep,
    caller_name: Name = "",
    caller_phone: Phone = "",
    title: Title = "",
    content: Content = "",
    address: Address = "",
    nature: NatureField = Nature.OTHER,
    confidential: Confidential = False,
) -> Response:
    values = _values(caller_name, caller_phone, title, content, address)
    return await _submit(
        request, services, session, now, WEB_FORM, values=values, nature=nature, confidential=confidential
    )


@router.post("/public/mailbox", response_class=HTMLResponse)
async def mailbox_submit(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    now: NowDep,
    caller_name: Name = "",
    caller_phone: Phone = "",
    title: Title = "",
    content: Content = "",
    address: Address = "",
    nature: NatureField = Nature.OTHER,
    confidential: Confidential = False,
) -> Response:
    values = _values(caller_name, caller_phone, title, content, address)
    return await _submit(
        request, services, session, now, MAILBOX, values=values, nature=nature, confidential=confidential
    )


def _values(caller_name: str, caller_phone: str, title: str, content: str, address: str) -> dict[str, str]:
    return {
        "caller_name": caller_name,
        "caller_phone": caller_phone,
        "title": title,
        "content": content,
        "address": address,
    }


def public_status(ticket: Ticket) -> str:
    """The ticket's stage as the citizen reads it; a refusal says why, in plain words."""
    label = labels.PUBLIC_STATUS[ticket.status]
    if ticket.status == TicketStatus.REJECTED and ticket.reject_reason:
        return f"{label}：{labels.PUBLIC_REJECT_REASON[ticket.reject_reason]}"
    return label


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
            (event.at, labels.PUBLIC_STEP[event.action])
            for event in list_events(session, ticket_id=ticket.id)
            if event.action in labels.PUBLIC_STEP
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
            error="未找到：请核对查询码和联系电话",
            ticket=None,
            steps=[],
        )
    answered = {TicketStatus.REPLIED, TicketStatus.CLOSED, TicketStatus.MERGED}  # merged: the master's
    reply = ticket.reply_text if ticket.status in answered else ""
    return _form_page(
        request,
        services,
        "public_progress.html",
        error="",
        ticket=ticket,
        status_label=public_status(ticket),
        reply=reply,
        steps=steps,
        tz=services.rules.timezone,
    )
