"""Member units: create, look up, list."""

from sqlmodel import Session, col, select

from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.text import clean_text
from hotline.units.models import Unit, UnitCreate, UnitUpdate


def create_unit(session: Session, *, data: UnitCreate) -> Unit:
    """Add a unit; its code must be new and its parent, if named, must exist."""
    code = clean_text(data.code, field="单位代码", max_len=64)
    name = clean_text(data.name, field="单位名称", max_len=128)
    if session.exec(select(Unit).where(Unit.code == code)).first() is not None:
        raise Conflict(f"单位代码「{code}」已存在")
    parent_id = get_unit_by_code(session, code=data.parent_code).id if data.parent_code else None
    unit = Unit.model_validate(data, update={"code": code, "name": name, "parent_id": parent_id})
    session.add(unit)
    session.commit()
    session.refresh(unit)
    return unit


def update_unit(session: Session, *, unit_id: int, data: UnitUpdate) -> Unit:
    unit = get_unit(session, unit_id=unit_id)
    # None leaves a field as it is; only the parent can be set to none.
    changes = {
        k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None or k == "parent_code"
    }
    if "name" in changes:
        changes["name"] = clean_text(changes["name"], field="单位名称", max_len=128)
    if "parent_code" in changes:
        changes["parent_id"] = _new_parent(session, unit, changes.pop("parent_code"))
    unit.sqlmodel_update(changes)
    session.add(unit)
    session.commit()
    session.refresh(unit)
    return unit


def get_unit(session: Session, *, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"没有编号为 {unit_id} 的单位")
    return unit


def get_unit_by_code(session: Session, *, code: str) -> Unit:
    """The unit with this code, or InvalidInput: an unknown unit is bad input, not a missing page."""
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise InvalidInput(f"单位代码「{code}」不存在")
    return unit


def list_units(session: Session, *, active_only: bool = True) -> list[Unit]:
    query = select(Unit).order_by(col(Unit.kind), col(Unit.code))
    if active_only:
        query = query.where(col(Unit.active).is_(True))
    return list(session.exec(query))


def district_unit(session: Session, *, district: str) -> Unit | None:
    """The territorial unit for a district name (属地兜底), if one is registered."""
    return session.exec(select(Unit).where(Unit.kind == "district", Unit.district == district)).first()


def _new_parent(session: Session, unit: Unit, parent_code: str | None) -> int | None:
    """The id of a unit's new parent (None: none); never itself or one of its own sub-units."""
    if not parent_code:
        return None
    parent = get_unit_by_code(session, code=parent_code)
    above: Unit | None = parent
    while above is not None:  # walk up from the new parent: meeting the unit would make a loop
        if above.id == unit.id:
            raise InvalidInput(f"「{parent.name}」是「{unit.name}」自身或其下级单位，不能作为上级单位")
        above = session.get(Unit, above.parent_id) if above.parent_id is not None else None
    return parent.id
