"""知识库: the articles operators answer from (``GET /api/knowledge``), kept by the admin."""

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from pydantic import BaseModel, Field

from hotline.audit.service import snapshot
from hotline.categories.service import category_paths, list_categories
from hotline.knowledge.models import Article, ArticleCreate
from hotline.knowledge.service import (
    ARTICLE_BODY_MAX,
    add_article,
    delete_article,
    get_article,
    list_articles,
    update_article,
)
from hotline.units.service import list_units
from web.deps import AdminActor, Id, NowDep, ServicesDep, SessionDep
from web.routers.admin.common import audited
from web.routers.common import api_router

router = api_router("admin")


class ArticleIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=ARTICLE_BODY_MAX)
    keywords: str = Field(default="", max_length=500, description="space-separated search terms")
    owner_unit_id: int | None = Field(default=None, ge=1, le=2**53 - 1)
    category_id: int | None = Field(default=None, ge=1, le=2**53 - 1)
    expires_on: date | None = None


class ArticleRow(ArticleIn):
    id: int
    owner_unit_name: str
    category_name: str = Field(description="父类 › 子类")
    expired: bool = Field(description="past its expiry day: operators' searches leave it out")
    updated_at: datetime


class Choice(BaseModel):
    id: int
    name: str


class ArticleList(BaseModel):
    articles: list[ArticleRow] = Field(description="newest change first")
    units: list[Choice]
    categories: list[Choice]


def _today(services: ServicesDep, now: NowDep) -> date:
    return now.astimezone(ZoneInfo(services.rules.timezone)).date()


def _names(session: SessionDep) -> tuple[dict[int, str], dict[int, str]]:
    units = {u.id: u.name for u in list_units(session, active_only=False) if u.id is not None}
    return units, category_paths(list_categories(session))


def _row(article: Article, units: dict[int, str], categories: dict[int, str], today: date) -> ArticleRow:
    assert article.id is not None
    return ArticleRow(
        **article.model_dump(include=set(ArticleIn.model_fields)),
        id=article.id,
        owner_unit_name=units.get(article.owner_unit_id or 0, ""),
        category_name=categories.get(article.category_id or 0, ""),
        expired=article.expires_on is not None and article.expires_on < today,
        updated_at=article.updated_at,
    )


def _one(session: SessionDep, services: ServicesDep, now: NowDep, article: Article) -> ArticleRow:
    units, categories = _names(session)
    return _row(article, units, categories, _today(services, now))


@router.get("/api/admin/knowledge", summary="Every article, expired too, optionally searched (admin)")
def knowledge_list(
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> ArticleList:
    units, categories = _names(session)
    today = _today(services, now)
    active_units = list_units(session)
    return ArticleList(
        articles=[_row(a, units, categories, today) for a in list_articles(session, query=q)],
        units=[Choice(id=u.id or 0, name=u.name) for u in active_units],
        categories=[Choice(id=i, name=n) for i, n in sorted(categories.items(), key=lambda p: p[1])],
    )


@router.post("/api/admin/knowledge", status_code=201, summary="Add an article (admin)")
def knowledge_create(
    data: ArticleIn,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> ArticleRow:
    article = add_article(session, data=ArticleCreate.model_validate(data.model_dump()), now=now)
    audited(
        session,
        request,
        actor=actor,
        action="article.create",
        at=now,
        target_kind="article",
        target_id=article.id,
        target_label=article.title,
        after=snapshot(article),
    )
    return _one(session, services, now, article)


@router.put("/api/admin/knowledge/{article_id}", summary="Change an article (admin)")
def knowledge_update(
    article_id: Id,
    data: ArticleIn,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> ArticleRow:
    before = snapshot(get_article(session, article_id=article_id))
    article = update_article(
        session, article_id=article_id, data=ArticleCreate.model_validate(data.model_dump()), now=now
    )
    audited(
        session,
        request,
        actor=actor,
        action="article.update",
        at=now,
        target_kind="article",
        target_id=article.id,
        target_label=article.title,
        before=before,
        after=snapshot(article),
    )
    return _one(session, services, now, article)


@router.delete("/api/admin/knowledge/{article_id}", summary="Delete an article; answers it as it was (admin)")
def knowledge_delete(
    article_id: Id,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> ArticleRow:
    removed = delete_article(session, article_id=article_id)
    audited(
        session,
        request,
        actor=actor,
        action="article.delete",
        at=now,
        target_kind="article",
        target_id=removed.id,
        target_label=removed.title,
        before=snapshot(removed),
    )
    return _one(session, services, now, removed)
