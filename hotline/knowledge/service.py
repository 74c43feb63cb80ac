"""Knowledge base: articles operators search while the caller waits."""

from datetime import date, datetime

from sqlmodel import Session, col, or_, select

from hotline.categories.models import Category
from hotline.errors import InvalidInput, NotFound
from hotline.knowledge.models import Article, ArticleCreate
from hotline.text import MAX_LINE_CHARS, clean_text
from hotline.units.models import Unit


def create_article(session: Session, *, data: ArticleCreate, now: datetime) -> Article:
    article = Article.model_validate(
        data,
        update={
            "title": clean_text(data.title, field="title", max_len=MAX_LINE_CHARS),
            "body": clean_text(data.body, field="body", max_len=20000),
            "keywords": clean_text(data.keywords, field="keywords", max_len=500, allow_empty=True),
            "created_at": now,
            "updated_at": now,
        },
    )
    session.add(article)
    session.commit()
    session.refresh(article)
    return article


def get_article(session: Session, *, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"知识条目 {article_id} 不存在")
    return article


def search_articles(session: Session, *, query: str, today: date, limit: int = 10) -> list[Article]:
    """Articles matching every term in title, keywords or body; expired ones left out.

    Chinese has no spaces, so each whitespace-separated term is matched as a substring.
    Best matches (term in the title or keywords) come first.
    """
    terms = [t for t in clean_text(query, field="query", max_len=200, allow_empty=True).split() if t][:8]
    stmt = select(Article).where(or_(col(Article.expires_on).is_(None), col(Article.expires_on) >= today))
    for term in terms:
        pattern = f"%{term}%"
        stmt = stmt.where(
            or_(
                col(Article.title).like(pattern),
                col(Article.keywords).like(pattern),
                col(Article.body).like(pattern),
            )
        )
    found = list(session.exec(stmt.limit(200)))
    found.sort(key=lambda a: (-sum((t in a.title) * 2 + (t in a.keywords) for t in terms), a.title))
    return found[:limit]


# --- the admin's edits (知识库) -------------------------------------------------------------------

ARTICLE_BODY_MAX = 20000  # Article.body's column length
ARTICLE_KEYWORDS_MAX = 500


def _checked(session: Session, data: ArticleCreate) -> dict[str, object]:
    """The article's fields cleaned, or InvalidInput in Chinese; its unit and category must exist."""
    for label, value, most, empty_ok in (
        ("标题", data.title, MAX_LINE_CHARS, False),
        ("正文", data.body, ARTICLE_BODY_MAX, False),
        ("关键词", data.keywords, ARTICLE_KEYWORDS_MAX, True),
    ):
        text = value.strip() if isinstance(value, str) else ""
        if not text and not empty_ok:
            raise InvalidInput(f"{label}不能为空")
        if len(text) > most:
            raise InvalidInput(f"{label}过长：{len(text)} 个字，最多 {most} 个字")
    if data.owner_unit_id is not None and session.get(Unit, data.owner_unit_id) is None:
        raise InvalidInput(f"责任单位 {data.owner_unit_id} 不存在")
    if data.category_id is not None and session.get(Category, data.category_id) is None:
        raise InvalidInput(f"类别 {data.category_id} 不存在")
    return {
        "title": clean_text(data.title, field="标题", max_len=MAX_LINE_CHARS),
        "body": clean_text(data.body, field="正文", max_len=ARTICLE_BODY_MAX),
        "keywords": clean_text(data.keywords, field="关键词", max_len=ARTICLE_KEYWORDS_MAX, allow_empty=True),
        "owner_unit_id": data.owner_unit_id,
        "category_id": data.category_id,
        "expires_on": data.expires_on,
    }


def add_article(session: Session, *, data: ArticleCreate, now: datetime) -> Article:
    """A new article from the admin's screen: checked first, so the errors are the admin's words."""
    return create_article(session, data=ArticleCreate.model_validate(_checked(session, data)), now=now)


def update_article(session: Session, *, article_id: int, data: ArticleCreate, now: datetime) -> Article:
    """Replace an article's fields; operators' searches see the new text at once."""
    article = get_article(session, article_id=article_id)
    article.sqlmodel_update(_checked(session, data) | {"updated_at": now})
    session.add(article)
    session.commit()
    session.refresh(article)
    return article


def delete_article(session: Session, *, article_id: int) -> Article:
    article = get_article(session, article_id=article_id)
    removed = Article.model_validate(article.model_dump())  # readable after commit
    session.delete(article)
    session.commit()
    return removed


def list_articles(session: Session, *, query: str = "", limit: int = 200) -> list[Article]:
    """Every article (expired ones too) whose title, keywords or body hold each term; newest first."""
    terms = [t for t in clean_text(query, field="搜索词", max_len=200, allow_empty=True).split() if t][:8]
    stmt = select(Article)
    for term in terms:
        pattern = f"%{term}%"
        stmt = stmt.where(
            or_(
                col(Article.title).like(pattern),
                col(Article.keywords).like(pattern),
                col(Article.body).like(pattern),
            )
        )
    newest = stmt.order_by(col(Article.updated_at).desc(), col(Article.id).desc())
    return list(session.exec(newest.limit(limit)))
