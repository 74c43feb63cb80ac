"""类别与派单目录: the category tree, and which unit dispatch suggests for each category."""

from typing import Any

from fastapi import Request
from pydantic import BaseModel, Field

from hotline.audit.service import snapshot
from hotline.categories.models import Category
from hotline.categories.service import (
    category_paths,
    create_category,
    get_category,
    list_categories,
    update_category,
)
from hotline.units.service import list_units
from web.deps import AdminActor, AppServices, Id, NowDep, ServicesDep, SessionDep
from web.routers.admin.common import audited
from web.routers.common import api_router

router = api_router("admin")


class CategoryRow(BaseModel):
    id: int
    code: str
    name: str
    path: str = Field(description="父类 › 子类")
    parent_id: int | None
    default_unit_code: str
    default_unit_name: str = Field(description="empty when none, or the unit is unknown or inactive")
    utility: bool


class UnitChoice(BaseModel):
    code: str
    name: str


class CategoryList(BaseModel):
    categories: list[CategoryRow] = Field(description="in tree order: each parent before its children")
    units: list[UnitChoice] = Field(description="the active units a category may point to")


class CategoryCreateIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    parent_id: int | None = Field(default=None, ge=1, le=2**53 - 1)
    default_unit_code: str = Field(default="", max_length=64)
    utility: bool = False


class CategoryUpdateIn(BaseModel):
    """Only the fields sent change."""

    name: str | None = Field(default=None, min_length=1, max_length=64)
    parent_id: int | None = Field(default=None, ge=1, le=2**53 - 1)
    default_unit_code: str | None = Field(default=None, max_length=64)
    utility: bool | None = None


def forget_reference(services: AppServices) -> None:
    """Views name categories from a 30 s cache (``reference``): drop it so the change shows now."""
    services.extras.pop("reference", None)


def _rows(categories: list[Category], unit_names: dict[str, str]) -> list[CategoryRow]:
    paths = category_paths(categories)
    ordered = sorted(categories, key=lambda c: paths[c.id or 0])
    return [
        CategoryRow(
            id=c.id or 0,
            code=c.code,
            name=c.name,
            path=paths[c.id or 0],
            parent_id=c.parent_id,
            default_unit_code=c.default_unit_code,
            default_unit_name=unit_names.get(c.default_unit_code, ""),
            utility=c.utility,
        )
        for c in ordered
    ]


def _list(session: SessionDep) -> CategoryList:
    units = list_units(session)
    names = {u.code: u.short_name or u.name for u in units}
    return CategoryList(
        categories=_rows(list_categories(session), names),
        units=[UnitChoice(code=u.code, name=u.name) for u in units],
    )


def _row(session: SessionDep, category: Category) -> CategoryRow:
    return next(r for r in _list(session).categories if r.id == category.id)


@router.get("/api/admin/categories", summary="The category tree with each default unit (admin)")
def categories_list(actor: AdminActor, session: SessionDep) -> CategoryList:
    return _list(session)


@router.post("/api/admin/categories", status_code=201, summary="Add a category (admin)")
def categories_create(
    data: CategoryCreateIn,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> CategoryRow:
    category = create_category(session, **data.model_dump())
    forget_reference(services)
    audited(
        session,
        request,
        actor=actor,
        action="category.create",
        at=now,
        target_kind="category",
        target_id=category.id,
        target_label=category.name,
        after=snapshot(category),
    )
    return _row(session, category)


@router.patch("/api/admin/categories/{category_id}", summary="Rename, move, set the default unit (admin)")
def categories_update(
    category_id: Id,
    data: CategoryUpdateIn,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> CategoryRow:
    before = snapshot(get_category(session, category_id=category_id))
    # parent_id and default_unit_code may be cleared with null; the others are set or left out
    changes: dict[str, Any] = {
        k: v
        for k, v in data.model_dump(exclude_unset=True).items()
        if v is not None or k in {"parent_id", "default_unit_code"}
    }
    category = update_category(session, category_id=category_id, changes=changes)
    forget_reference(services)
    audited(
        session,
        request,
        actor=actor,
        action="category.update",
        at=now,
        target_kind="category",
        target_id=category.id,
        target_label=category.name,
        before=before,
        after=snapshot(category),
    )
    return _row(session, category)
