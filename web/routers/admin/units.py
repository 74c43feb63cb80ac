"""单位: the admin's member units, inactive ones too: add, edit, take out of use and back.

Pages name units from ``reference()``, cached for a while: a change here clears that cache so
every page shows it at once.
"""

from typing import Annotated

from fastapi import Query, Request

from hotline.audit.service import snapshot
from hotline.units import service as units
from hotline.units.models import Unit, UnitCreate, UnitPublic, UnitUpdate
from web import labels
from web.deps import AdminActor, AppServices, Id, NowDep, ServicesDep, SessionDep
from web.routers.admin.common import audited
from web.routers.common import api_router

router = api_router("admin")


class UnitRow(UnitPublic):
    kind_label: str
    parent_code: str | None
    parent_name: str


def unit_row(by_id: dict[int | None, Unit], unit: Unit) -> UnitRow:
    parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
    return UnitRow.model_validate(
        unit,
        update={
            "kind_label": labels.UNIT_KIND[unit.kind],
            "parent_code": parent.code if parent else None,
            "parent_name": parent.name if parent else "",
        },
    )


def _rows(session: SessionDep, only: list[Unit] | None = None) -> list[UnitRow]:
    everything = units.list_units(session, active_only=False)
    by_id: dict[int | None, Unit] = {u.id: u for u in everything}
    return [unit_row(by_id, u) for u in (everything if only is None else only)]


def _matches(row: UnitRow, text: str) -> bool:
    fields = (row.code, row.name, row.short_name, row.district, row.liaison_name, row.liaison_phone)
    return any(text in field.lower() for field in fields)


def _changed(services: AppServices) -> None:
    services.extras.pop("reference", None)  # see web.routers.common.reference


@router.get("/api/admin/units", summary="Every unit, inactive ones too; q filters by text (admin)")
def list_units(
    actor: AdminActor, session: SessionDep, q: Annotated[str, Query(max_length=64)] = ""
) -> list[UnitRow]:
    text = q.strip().lower()
    return [row for row in _rows(session) if not text or _matches(row, text)]


@router.post("/api/admin/units", summary="Add a unit (admin)", status_code=201)
def create_unit(
    data: UnitCreate,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> UnitRow:
    if not data.parent_code:
        data.parent_code = None  # the page's "no parent"
    unit = units.create_unit(session, data=data)
    audited(
        session,
        request,
        actor=actor,
        action="unit.create",
        at=now,
        target_kind="unit",
        target_id=unit.id,
        target_label=unit.name,
        after=snapshot(unit),
    )
    _changed(services)
    return _rows(session, [unit])[0]


@router.patch(
    "/api/admin/units/{unit_id}",
    summary="Change a unit, or take it out of use and back (active) (admin); only the fields sent",
)
def update_unit(
    unit_id: Id,
    data: UnitUpdate,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> UnitRow:
    before = snapshot(units.get_unit(session, unit_id=unit_id))
    unit = units.update_unit(session, unit_id=unit_id, data=data)
    audited(
        session,
        request,
        actor=actor,
        action="unit.update",
        at=now,
        target_kind="unit",
        target_id=unit.id,
        target_label=unit.name,
        before=before,
        after=snapshot(unit),
    )
    _changed(services)
    return _rows(session, [unit])[0]
