"""An Open311 GeoReport v2–style API for other systems: services, requests, request status.

Services (the category tree's leaves) are public; requests need a partner's key, sent in the
``X-API-Key`` header: one the admin issued at /admin#apikeys (stored hashed, revocable), or one the
deployment lists in ``HOTLINE_WEB_OPEN311_API_KEYS`` (the bootstrap way, before any admin exists).
``api_key`` in the query or the form still works, as GeoReport v2 has it, but a query string ends
up in access logs.
What leaves is public-facing: tickets whose caller asked for confidentiality are never listed,
counted or found, callers' numbers never leave, and phone and ID numbers written into the
texts are masked.
"""

import hashlib
import hmac
import logging
import re
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Form, Query
from fastapi.security import APIKeyHeader, APIKeyQuery
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from hotline.categories.models import Category
from hotline.categories.service import get_category_by_code, list_categories
from hotline.enums import OPEN_STATUSES, Channel, Role, TicketStatus
from hotline.errors import NotFound, PermissionDenied
from hotline.partners.service import due_for_touch, find_active_key, touch_key
from hotline.tickets.citizen import TITLE_MIN, check_citizen_request
from hotline.tickets.models import Ticket, TicketCreate
from hotline.tickets.service import create_ticket, get_ticket_by_number, list_tickets, mask_phone
from hotline.users.models import Actor
from web import labels
from web.deps import AppServices, NowDep, ServicesDep, SessionDep, TransactionPerHop
from web.errors import ERROR_RESPONSES, RATE_LIMITED, TooManyRequests
from web.ratelimit import Rule
from web.routers.common import announce, reference

log = logging.getLogger(__name__)
router = APIRouter(
    route_class=TransactionPerHop, prefix="/open311/v2", tags=["open311"], responses=ERROR_RESPONSES
)
API = Actor(role=Role.CHANNEL, name="Open311")
KEY_HEADER: Final = "X-API-Key"
# Shown in the OpenAPI as two ways to send the key; the header is the one to use.
_header_key = APIKeyHeader(
    name=KEY_HEADER, auto_error=False, scheme_name="open311_key", description="the partner's Open311 key"
)
_query_key = APIKeyQuery(
    name="api_key",
    auto_error=False,
    scheme_name="open311_key_query",
    description="the same key in the query, for GeoReport v2 clients; prefer the header",
)
HeaderKey = Annotated[str | None, Depends(_header_key)]
QueryKey = Annotated[str | None, Depends(_query_key)]
# Identity card numbers, then mobile numbers (+86 and separators allowed), then landlines.
_PERSONAL_NUMBERS: Final = re.compile(
    r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])"
    r"|(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)"
    r"|(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"
)


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool = False
    type: str = "realtime"
    keywords: str = ""
    group: str


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[dict[str, str]] = []


class RequestCreated(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None = None
    token: str | None = None


class ServiceRequest(BaseModel):
    service_request_id: str
    status: str  # open | closed
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None


def _check_key(
    session: Session, services: AppServices, now: datetime, *sent: str | None, writes: bool = False
) -> str:
    """The first key sent (header first), if the deployment lists it or an admin issued it and has
    not revoked it; PermissionDenied otherwise, the same for a wrong key and a revoked one.

    ``writes``: the request's session is a writer's (a POST), and notes the key's use itself.
    """
    key = next((k for k in sent if k), None)
    keys = services.web.open311_api_keys
    if key and any(hmac.compare_digest(key.encode(), k.encode()) for k in keys):
        return key
    issued = find_active_key(session, key=key) if key else None
    if key is None or issued is None:
        raise PermissionDenied(f"请在请求头 {KEY_HEADER} 中提供有效的接口密钥")
    if due_for_touch(issued, now) and issued.id is not None:
        if writes:  # on SQLite this session holds the write lock: a second writer would wait on it
            touch_key(session, key_id=issued.id, now=now)
        else:
            _touch(services, issued.id, now)
    return key


def _touch(services: AppServices, key_id: int, now: datetime) -> None:
    """Note the key's use in a short transaction of its own: a GET's session is the reader's, and
    a failure to note it must not refuse the partner's request."""
    try:
        with Session(services.writer) as own:
            touch_key(own, key_id=key_id, now=now)
            own.commit()
    except SQLAlchemyError:
        log.warning("could not note the use of API key %s", key_id, exc_info=True)


def _mask_numbers(text: str) -> str:
    """Phone and ID numbers in free text, masked as units see a confidential caller's number."""
    return _PERSONAL_NUMBERS.sub(lambda m: mask_phone(m.group(0)), text)


def _public(ticket: Ticket) -> Ticket:
    """``ticket``, unless its caller asked for confidentiality: then it does not exist here."""
    if ticket.confidential:
        raise NotFound(f"工单 {ticket.number} 不存在")
    return ticket


def _within_post_limit(services: AppServices, key: str) -> None:
    """A partner system gone wrong must not flood the dispatchers with tickets: a limit per key."""
    web = services.web
    rule = Rule("open311_post", web.open311_post_limit, web.open311_post_window_s)
    counted_as = hashlib.sha256(key.encode()).hexdigest()[:16]  # the count's key is not the secret
    verdict = services.rate_limiter.hit(rule, counted_as)
    if not verdict.allowed:
        raise TooManyRequests(verdict.retry_after_s)


def _leaves(categories: list[Category]) -> list[Category]:
    parents = {c.parent_id for c in categories}
    return [c for c in categories if c.id not in parents and c.parent_id is not None]


@router.get("/services.json", summary="The services (categories) a request can name")
def services_list(session: SessionDep) -> list[Service]:
    everything = list_categories(session)
    names = {c.id: c.name for c in everything}
    return [
        Service(
            service_code=c.code, service_name=c.name, description=c.name, group=names.get(c.parent_id, "")
        )
        for c in _leaves(everything)
    ]


@router.get("/services/{service_code}.json", summary="One service's definition (no extra attributes)")
def service_definition(service_code: str, session: SessionDep) -> ServiceDefinition:
    return ServiceDefinition(service_code=get_category_by_code(session, code=service_code).code)


def _request(ticket: Ticket, session: SessionDep, services: AppServices) -> ServiceRequest:
    ref = reference(session, services)
    category = ref.categories.get(ticket.category_id)
    status_notes = labels.STATUS[ticket.status]
    if ticket.status in {TicketStatus.CLOSED, TicketStatus.REPLIED} and ticket.reply_text:
        status_notes = f"{status_notes}：{ticket.reply_text}"
    return ServiceRequest(
        service_request_id=ticket.number,
        status="open" if ticket.status in OPEN_STATUSES else "closed",
        status_notes=_mask_numbers(status_notes),
        service_name=category.name if category else "",
        service_code=category.code if category else "",
        description=_mask_numbers(f"{ticket.title}\n{ticket.content}"),
        agency_responsible=ref.unit_name(ticket.lead_unit_id),
        requested_datetime=ticket.created_at,
        updated_datetime=ticket.updated_at,
        expected_datetime=ticket.handle_due_at,
        address=_mask_numbers(ticket.address),
    )


@router.post(
    "/requests.json",
    status_code=201,
    summary="Create a service request (a web-channel ticket)",
    responses=RATE_LIMITED,
)
def create_request(
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    header_key: HeaderKey,
    service_code: Annotated[str, Form(max_length=64)],
    description: Annotated[str, Form(max_length=4000)],
    address_string: Annotated[str, Form(max_length=200)] = "",
    first_name: Annotated[str, Form(max_length=32)] = "",
    last_name: Annotated[str, Form(max_length=32)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
    lat: Annotated[float | None, Form()] = None,
    long: Annotated[float | None, Form()] = None,
    api_key: Annotated[
        str | None, Form(description="GeoReport v2's place for the key; prefer the header")
    ] = None,
) -> list[RequestCreated]:
    key = _check_key(session, services, now, header_key, api_key, writes=True)
    _within_post_limit(services, key)
    category = get_category_by_code(session, code=service_code)
    check_citizen_request(caller_phone=phone, content=description, phone_required=False)
    suggestion = services.classifier.suggest(f"{description} {address_string}")
    first_line = description.strip().splitlines()[0][:60]
    title = first_line if len(first_line) >= TITLE_MIN else f"{category.name}：{first_line}"
    data = TicketCreate(
        channel=Channel.API,
        caller_name=f"{last_name}{first_name}",
        caller_phone=phone,
        title=title,
        content=description,
        address=address_string,
        category_id=category.id,
        district=suggestion.district or "",
        street=suggestion.street or "",
        suggested_unit_code=suggestion.units[0].unit_code if suggestion.units else None,
    )
    ticket = create_ticket(session, data=data, actor=API, now=now, rules=services.rules)
    announce(session, services, ticket, "create")
    return [
        RequestCreated(
            service_request_id=ticket.number,
            service_notice="已受理，将在5个工作日内答复",
            token=ticket.query_code,
        )
    ]


@router.get(
    "/requests.json", summary="Service requests, newest first (filter by ids, service, status, dates)"
)
def list_requests(
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    header_key: HeaderKey,
    query_key: QueryKey,
    service_request_id: Annotated[str | None, Query(description="comma-separated ids")] = None,
    service_code: str | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))?$")] = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> list[ServiceRequest]:
    _check_key(session, services, now, header_key, query_key)
    if service_request_id:
        found = [
            _public(get_ticket_by_number(session, number=number.strip(), actor=API))
            for number in service_request_id.split(",")[:50]
            if number.strip()
        ]
        return [_request(t, session, services) for t in found]
    wanted = set((status or "open,closed").split(","))
    statuses = [s for s in TicketStatus if ("open" if s in OPEN_STATUSES else "closed") in wanted]
    tickets = list_tickets(session, actor=API, statuses=statuses, confidential=False, limit=1000)
    out = []
    for ticket in tickets:
        if start_date and ticket.created_at < start_date:
            continue
        if end_date and ticket.created_at >= end_date:
            continue
        request = _request(ticket, session, services)
        if service_code and request.service_code != service_code:
            continue
        out.append(request)
    return out[:1000]


@router.get("/requests/{service_request_id}.json", summary="One service request's status")
def get_request(
    service_request_id: str,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    header_key: HeaderKey,
    query_key: QueryKey,
) -> list[ServiceRequest]:
    _check_key(session, services, now, header_key, query_key)
    ticket = _public(get_ticket_by_number(session, number=service_request_id, actor=API))
    return [_request(ticket, session, services)]
