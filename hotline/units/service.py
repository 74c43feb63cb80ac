"""Member units: create, look up, list."""

from sqlmodel import Session, col, select

from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.text import clean_text
from hotline.units.models import Unit, UnitCreate, UnitUpdate


def create_unit(session: Session, *, data: UnitCreate) -> Unit:
    """Add a unit; its code must be new and its parent, if named, must exist."""
    code = clean_text(data.code, field="unit code", max_len=64)
    name = clean_text(data.name, field="unit name", max_len=128)
    if session.exec(select(Unit).where(Unit.code == code)).first() is not None:
        raise Conflict(f"unit code {code!r} already exists")
    parent_id = get_unit_by_code(session, code=data.parent_code).id if data.parent_code else None
    unit = Unit.model_validate(data, update={"code": code, "name": name, "parent_id": parent_id})
    session.add(unit)
    session.commit()
    session.refresh(unit)
    return unit


def update_unit(session: Session, *, unit_id: int, data: UnitUpdate) -> Unit:
    unit = get_unit(session, unit_id=unit_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes:
        changes["name"] = clean_text(changes["name"], field="unit name", max_len=128)
    unit.sqlmodel_update(changes)
    session.add(unit)
    session.commit()
    session.refresh(unit)
    return unit


def get_unit(session: Session, *, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    return unit


def get_unit_by_code(session: Session, *, code: str) -> Unit:
    """The unit with this code, or InvalidInput: an unknown unit is bad input, not a missing page."""
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise InvalidInput(f"unknown unit {code!r}")
    return unit


def list_units(session: Session, *, active_only: bool = True) -> list[Unit]:
    query = select(Unit).order_by(col(Unit.kind), col(Unit.code))
    if active_only:
        query = query.where(col(Unit.active).is_(True))
    return list(session.exec(query))


def district_unit(session: Session, *, district: str) -> Unit | None:
    """The territorial unit for a district name (属地兜底), if one is registered."""
    return session.exec(select(Unit).where(Unit.kind == "district", Unit.district == district)).first()
