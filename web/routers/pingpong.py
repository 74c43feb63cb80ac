"""来回推诿: open tickets sent back and forth between the same units, and the unit pairs in a period."""

from pydantic import BaseModel, Field

from hotline.tickets.pingpong import pair_counts, ping_pongs
from web.deps import BoardActor, NowDep, ServicesDep, SessionDep
from web.routers.common import api_router, reference, view
from web.routers.reports import EndQ, StartQ, period
from web.schemas import TicketView

router = api_router("worklists")


class PingPongView(BaseModel):
    ticket: TicketView
    chain: list[str] = Field(description="lead units in dispatch order, e.g. 住建局 → 城管局 → 住建局")
    pairs: list[list[str]] = Field(description="the unit pairs it went back and forth between")


class PingPongPair(BaseModel):
    unit_a: str
    unit_b: str
    tickets: int


@router.get("/api/worklists/ping-pong", summary="Open tickets that went A → B → A between units (来回推诿)")
def open_ping_pongs(
    actor: BoardActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> list[PingPongView]:
    ref = reference(session, services)
    return [
        PingPongView(
            ticket=view(session, services, item.ticket, actor, now, ref),
            chain=[ref.unit_name(u) for u in item.chain],
            pairs=[[ref.unit_name(a), ref.unit_name(b)] for a, b in item.pairs],
        )
        for item in ping_pongs(session)
    ]


@router.get("/api/reports/ping-pong", summary="Unit pairs that passed tickets back and forth in a period")
def ping_pong_report(
    actor: BoardActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    start: StartQ = None,
    end: EndQ = None,
) -> list[PingPongPair]:
    begin, finish = period(services, now, start, end)
    ref = reference(session, services)
    found = ping_pongs(session, open_only=False, created_from=begin, created_before=finish)
    pairs = pair_counts(found)
    return [PingPongPair(unit_a=ref.unit_name(a), unit_b=ref.unit_name(b), tickets=n) for (a, b), n in pairs]
