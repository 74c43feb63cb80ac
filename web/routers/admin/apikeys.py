"""接口密钥: the Open311 partners' keys. A new key is shown once; the database keeps its hash.

Keys listed in ``HOTLINE_WEB_OPEN311_API_KEYS`` keep working beside these (the bootstrap way);
they are the deployment's, not listed here.
"""

from datetime import datetime

from fastapi import Request
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from hotline.audit.service import snapshot
from hotline.partners.models import ApiKey
from hotline.partners.service import create_key, get_key, list_keys, revoke_key
from hotline.users.models import User
from web.deps import AdminActor, Id, NowDep, SessionDep
from web.routers.admin.common import audited
from web.routers.common import api_router

router = api_router("admin")


class ApiKeyIn(BaseModel):
    partner: str = Field(min_length=1, max_length=64, description="the partner system, e.g. 市数据局政务平台")


class ApiKeyView(BaseModel):
    id: int
    partner: str
    prefix: str
    created_at: datetime
    created_by_name: str
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked: bool


class ApiKeyCreated(BaseModel):
    key: str = Field(description="the key itself: shown this once, never again")
    item: ApiKeyView


def _views(session: Session, rows: list[ApiKey]) -> list[ApiKeyView]:
    ids = {r.created_by for r in rows if r.created_by is not None}
    names = (
        {u.id: u.display_name or u.username for u in session.exec(select(User).where(col(User.id).in_(ids)))}
        if ids
        else {}
    )
    return [
        ApiKeyView(
            id=r.id or 0,
            partner=r.partner,
            prefix=r.prefix,
            created_at=r.created_at,
            created_by_name=names.get(r.created_by, "") if r.created_by is not None else "",
            last_used_at=r.last_used_at,
            revoked_at=r.revoked_at,
            revoked=r.revoked_at is not None,
        )
        for r in rows
    ]


def _label(row: ApiKey) -> str:
    return f"{row.partner}（{row.prefix}…）"


@router.get("/api/admin/apikeys", summary="The partners' Open311 keys, in use first (admin)")
def apikeys_list(actor: AdminActor, session: SessionDep) -> list[ApiKeyView]:
    return _views(session, list_keys(session))


@router.post("/api/admin/apikeys", status_code=201, summary="Issue a partner a new Open311 key (admin)")
def apikey_create(
    data: ApiKeyIn, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> ApiKeyCreated:
    row, key = create_key(session, partner=data.partner, created_by=actor.user_id, now=now)
    audited(
        session,
        request,
        actor=actor,
        action="apikey.create",
        at=now,
        target_kind="apikey",
        target_id=row.id,
        target_label=_label(row),
        after=snapshot(row),  # the hash is a secret field: left out, and the key was never in the row
    )
    [view] = _views(session, [row])
    return ApiKeyCreated(key=key, item=view)


@router.post("/api/admin/apikeys/{key_id}/revoke", summary="Revoke a key: it stops working at once (admin)")
def apikey_revoke(
    key_id: Id, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> ApiKeyView:
    before = snapshot(get_key(session, key_id=key_id))
    row = revoke_key(session, key_id=key_id, now=now)
    audited(
        session,
        request,
        actor=actor,
        action="apikey.revoke",
        at=now,
        target_kind="apikey",
        target_id=row.id,
        target_label=_label(row),
        before=before,
        after=snapshot(row),
    )
    [view] = _views(session, [row])
    return view
