"""Categories: the tree operators pick from."""

import re
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from hotline.categories.models import Category
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.units.models import Unit


def list_categories(session: Session) -> list[Category]:
    return list(session.exec(select(Category).order_by(col(Category.code))))


def get_category_by_code(session: Session, *, code: str) -> Category:
    category = session.exec(select(Category).where(Category.code == code)).first()
    if category is None:
        raise InvalidInput(f"类别代码「{code}」不存在")
    return category


# --- the admin's edits (类别与派单目录) -----------------------------------------------------------

CATEGORY_CODE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
CATEGORY_NAME_MAX = 64  # Category.name's column length


def get_category(session: Session, *, category_id: int) -> Category:
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound(f"类别 {category_id} 不存在")
    return category


def _default_unit(session: Session, code: str) -> str:
    """``code`` if it names an active unit ("" for none), else InvalidInput."""
    code = code.strip()
    if not code:
        return ""
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None or not unit.active:
        raise InvalidInput(f"派单目录的承办单位「{code}」不存在或已停用")
    return code


def _name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise InvalidInput("类别名称不能为空")
    if len(name) > CATEGORY_NAME_MAX:
        raise InvalidInput(f"类别名称最多 {CATEGORY_NAME_MAX} 个字")
    return name


def _check_parent(session: Session, category_id: int | None, parent_id: int | None) -> None:
    """The parent exists and is not the category itself nor one of its descendants."""
    seen: set[int] = set()
    current = parent_id
    while current is not None:
        if current == category_id:
            raise InvalidInput("上级类别不能是它自己或它的下级（会形成循环）")
        if current in seen:  # a cycle already stored: refuse to build on it
            raise InvalidInput("类别树中已有循环，请先修正")
        seen.add(current)
        parent = session.get(Category, current)
        if parent is None:
            raise InvalidInput(f"上级类别 {current} 不存在")
        current = parent.parent_id


def create_category(
    session: Session,
    *,
    code: str,
    name: str,
    parent_id: int | None = None,
    default_unit_code: str = "",
    utility: bool = False,
) -> Category:
    """A new category (under ``parent_id``, or at the top); its code must be new."""
    code = code.strip()
    if not CATEGORY_CODE.fullmatch(code):
        raise InvalidInput("类别代码只能用小写字母、数字和 . _ -，最多 64 个字符，如 urban.parking")
    if session.exec(select(Category).where(Category.code == code)).first() is not None:
        raise Conflict(f"类别代码「{code}」已存在")
    _check_parent(session, None, parent_id)
    category = Category(
        code=code,
        name=_name(name),
        parent_id=parent_id,
        default_unit_code=_default_unit(session, default_unit_code),
        utility=utility,
    )
    session.add(category)
    session.commit()
    session.refresh(category)
    return category


def update_category(session: Session, *, category_id: int, changes: Mapping[str, Any]) -> Category:
    """Rename, move, set the default unit (派单目录) or the utility flag; only the keys given change."""
    category = get_category(session, category_id=category_id)
    unknown = set(changes) - {"name", "parent_id", "default_unit_code", "utility"}
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(sorted(unknown))}")
    if "name" in changes:
        category.name = _name(changes["name"])
    if "parent_id" in changes:
        _check_parent(session, category_id, changes["parent_id"])
        category.parent_id = changes["parent_id"]
    if "default_unit_code" in changes:
        category.default_unit_code = _default_unit(session, changes["default_unit_code"] or "")
    if "utility" in changes:
        category.utility = bool(changes["utility"])
    session.add(category)
    session.commit()
    session.refresh(category)
    return category


def category_paths(categories: list[Category]) -> dict[int, str]:
    """Each category's place in the tree as 父类 › 子类, by id."""
    by_id = {c.id: c for c in categories}
    paths: dict[int, str] = {}
    for category in categories:
        names: list[str] = []
        current: Category | None = category
        hops = 0
        while current is not None and hops < 32:  # a stored cycle must not hang the page
            names.append(current.name)
            current, hops = by_id.get(current.parent_id), hops + 1
        assert category.id is not None
        paths[category.id] = " › ".join(reversed(names))
    return paths
