"""转接目标: the lines an operator transfers a caller to (emergency lines, expert desks, units).

The admin keeps the list; the seat page's picker reads the active ones (``GET /api/transfer-targets``)
and ``POST /api/calls/transfer`` dials a picked name's extension.
"""

from fastapi import Request
from pydantic import BaseModel, Field

from hotline.audit.service import snapshot
from hotline.calls.models import TRANSFER_EXTENSION, TransferKind, TransferTarget
from hotline.calls.service import (
    TransferTargetIn,
    create_transfer_target,
    delete_transfer_target,
    get_transfer_target,
    list_transfer_targets,
    update_transfer_target,
)
from web import labels
from web.deps import AdminActor, Id, NowDep, SessionDep, StaffActor
from web.routers.admin.common import audited
from web.routers.common import api_router

router = api_router("admin")
seat_router = api_router("seats")


class TransferTargetCreate(BaseModel):
    name: str = Field(min_length=1, max_length=32, description="what the operator picks: 人社")
    extension: str = Field(
        min_length=1, max_length=32, pattern=TRANSFER_EXTENSION, description="digits, * and #"
    )
    kind: TransferKind = TransferKind.EXPERT
    active: bool = True
    sort_order: int = Field(default=0, ge=-9999, le=9999, description="the order within its kind")


class TransferTargetPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=32)
    extension: str | None = Field(default=None, min_length=1, max_length=32, pattern=TRANSFER_EXTENSION)
    kind: TransferKind | None = None
    active: bool | None = None
    sort_order: int | None = Field(default=None, ge=-9999, le=9999)


class TransferTargetView(BaseModel):
    id: int
    name: str
    extension: str
    kind: TransferKind
    kind_label: str
    active: bool
    sort_order: int


def _view(target: TransferTarget) -> TransferTargetView:
    return TransferTargetView(
        id=target.id or 0,
        name=target.name,
        extension=target.extension,
        kind=target.kind,
        kind_label=labels.TRANSFER_KIND[target.kind],
        active=target.active,
        sort_order=target.sort_order,
    )


def _label(target: TransferTarget) -> str:
    return f"{target.name} {target.extension}"


@seat_router.get("/api/transfer-targets", summary="The active transfer targets, for the seat's picker")
def transfer_targets(actor: StaffActor, session: SessionDep) -> list[TransferTargetView]:
    return [_view(t) for t in list_transfer_targets(session, active_only=True)]


@router.get("/api/admin/transfer-targets", summary="Every transfer target, inactive ones too (admin)")
def admin_transfer_targets(actor: AdminActor, session: SessionDep) -> list[TransferTargetView]:
    return [_view(t) for t in list_transfer_targets(session)]


@router.post("/api/admin/transfer-targets", status_code=201, summary="Add a transfer target (admin)")
def transfer_create(
    data: TransferTargetCreate, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> TransferTargetView:
    target = create_transfer_target(session, data=TransferTargetIn(**data.model_dump()))
    audited(
        session,
        request,
        actor=actor,
        action="transfer.create",
        at=now,
        target_kind="transfer",
        target_id=target.id,
        target_label=_label(target),
        after=snapshot(target),
    )
    return _view(target)


@router.patch(
    "/api/admin/transfer-targets/{target_id}", summary="Change or deactivate a transfer target (admin)"
)
def transfer_update(
    target_id: Id,
    data: TransferTargetPatch,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    now: NowDep,
) -> TransferTargetView:
    before = snapshot(get_transfer_target(session, target_id=target_id))
    target = update_transfer_target(session, target_id=target_id, data=TransferTargetIn(**data.model_dump()))
    audited(
        session,
        request,
        actor=actor,
        action="transfer.update",
        at=now,
        target_kind="transfer",
        target_id=target.id,
        target_label=_label(target),
        before=before,
        after=snapshot(target),
    )
    return _view(target)


@router.delete(
    "/api/admin/transfer-targets/{target_id}", summary="Delete a transfer target; answers what it was (admin)"
)
def transfer_delete(
    target_id: Id, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> TransferTargetView:
    target = get_transfer_target(session, target_id=target_id)
    before, label, gone = snapshot(target), _label(target), _view(target)
    delete_transfer_target(session, target_id=target_id)
    audited(
        session,
        request,
        actor=actor,
        action="transfer.delete",
        at=now,
        target_kind="transfer",
        target_id=target_id,
        target_label=label,
        before=before,
    )
    return gone
