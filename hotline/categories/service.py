"""Categories: the tree operators pick from."""

from sqlmodel import Session, col, select

from hotline.categories.models import Category
from hotline.errors import InvalidInput


def list_categories(session: Session) -> list[Category]:
    return list(session.exec(select(Category).order_by(col(Category.code))))


def get_category_by_code(session: Session, *, code: str) -> Category:
    category = session.exec(select(Category).where(Category.code == code)).first()
    if category is None:
        raise InvalidInput(f"unknown category {code!r}")
    return category
