"""What helps an operator while the caller waits: routing suggestions, duplicates, the knowledge base."""

import threading
from dataclasses import asdict
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from classifier.fields import guess_fields
from classifier.normalize import MAX_CHARS
from hotline.enums import OPEN_STATUSES
from hotline.knowledge.models import ArticlePublic
from hotline.knowledge.service import search_articles
from hotline.tickets.models import Ticket
from web.adapters import Explaining, OpenTicketFinder
from web.deps import AppServices, IntakeActor, NowDep, ReadSessionDep, ServicesDep, SessionDep, StaffActor
from web.routers.common import api_router, reference, view
from web.schemas import ClassifyIn, DuplicateOut, EmergencyOut, SuggestionOut, UnitScoreOut, WordWeightOut

router = api_router("assist")


class FieldsIn(BaseModel):
    text: str = Field(max_length=MAX_CHARS, description="the operator's running notes (the content field)")


class FieldsOut(BaseModel):
    """五要素 guessed from the notes; "" where the notes say nothing recognisable."""

    who: str
    when: str
    address: str
    title: str
    demand: str
    district: str
    street: str


def open_ticket_finder(services: AppServices) -> OpenTicketFinder:
    """The app's one duplicate index over every open ticket, made on first use."""
    finder = services.extras.get("open_ticket_finder")
    if not isinstance(finder, OpenTicketFinder):
        with _FINDER_LOCK:
            finder = services.extras.get("open_ticket_finder")
            if not isinstance(finder, OpenTicketFinder):
                finder = services.extras["open_ticket_finder"] = OpenTicketFinder(services.engine)
    return finder


_FINDER_LOCK = threading.Lock()


@router.post("/api/assist/fields", summary="五要素 guessed from the operator's notes as they type")
def fields(data: FieldsIn, actor: IntakeActor) -> FieldsOut:
    return FieldsOut(**asdict(guess_fields(data.text)))


@router.post(
    "/api/assist/suggest", summary="Top-3 units, category, district and the emergency flag for a text"
)
def suggest(
    data: ClassifyIn, actor: IntakeActor, session: ReadSessionDep, services: ServicesDep
) -> SuggestionOut:
    found = services.classifier.suggest(data.text) if data.text.strip() else None
    if found is None:
        return SuggestionOut(
            units=[],
            category_code=None,
            category_id=None,
            category_name="",
            category_confidence=0.0,
            nature=None,
            urgency=None,
            district=None,
            street=None,
            emergency=None,
            unsure=True,
        )
    ref = reference(session, services)
    classifier = services.classifier
    why = (
        classifier.explain(data.text, [u.unit_code for u in found.units])
        if isinstance(classifier, Explaining)
        else {}
    )
    by_code = {u.code: u for u in ref.units.values()}
    categories = {c.code: c for c in ref.categories.values()}
    category = categories.get(found.category_code or "")
    return SuggestionOut(
        units=[
            UnitScoreOut(
                unit_code=u.unit_code,
                unit_name=(by_code[u.unit_code].short_name or by_code[u.unit_code].name)
                if u.unit_code in by_code
                else u.unit_code,
                confidence=round(u.confidence, 3),
                words=[WordWeightOut(word=w, weight=round(v, 3)) for w, v in why.get(u.unit_code, [])],
            )
            for u in found.units
        ],
        category_code=found.category_code,
        category_id=category.id if category else None,
        category_name=category.name if category else "",
        category_confidence=round(found.category_confidence, 3),
        nature=found.nature,
        urgency=found.urgency,
        district=found.district or data.district or None,
        street=found.street,
        emergency=EmergencyOut(
            transfer_to=found.emergency.transfer_to,
            reason=found.emergency.reason,
            matched=found.emergency.matched,
        )
        if found.emergency
        else None,
        unsure=found.unsure,
    )


@router.post("/api/assist/duplicates", summary="Open tickets that may be the same matter (for 并案)")
def duplicates(
    data: ClassifyIn, actor: IntakeActor, session: ReadSessionDep, services: ServicesDep, now: NowDep
) -> list[DuplicateOut]:
    if not data.text.strip():
        return []
    found = open_ticket_finder(services).search(
        session, data.text, district=data.district, limit=5, now=now.timestamp()
    )
    # A ticket closed since the finder last compared its ids with the database is left out here.
    rows = session.exec(
        select(Ticket).where(
            col(Ticket.id).in_([d.ticket_id for d in found]), col(Ticket.status).in_(sorted(OPEN_STATUSES))
        )
    ).all()
    by_id = {t.id: t for t in rows}
    ref = reference(session, services)
    return [
        DuplicateOut(
            score=round(d.score, 3), ticket=view(session, services, by_id[d.ticket_id], actor, now, ref)
        )
        for d in found
        if d.ticket_id in by_id
    ]


@router.get("/api/knowledge", summary="Search the knowledge base (即问即答)")
def knowledge(
    actor: StaffActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> list[ArticlePublic]:
    today = now.astimezone(ZoneInfo(services.rules.timezone)).date()
    return [ArticlePublic.model_validate(a) for a in search_articles(session, query=q, today=today)]
