"""Knowledge base: articles operators search while the caller waits."""

from datetime import date, datetime

from sqlmodel import Session, col, or_, select

from hotline.errors import NotFound
from hotline.knowledge.models import Article, ArticleCreate
from hotline.text import MAX_LINE_CHARS, clean_text


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
        raise NotFound(f"article {article_id} not found")
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
