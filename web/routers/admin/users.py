"""用户与锁定: the admin lists, adds and edits staff accounts, turns them off and on, resets
passwords and lifts lockouts. Each change is audited; no password or hash is ever sent or logged.

Whatever ends an account's sessions (deactivation, a new password, a new role or unit) also takes
it out of this process's user cache and closes its live feeds, so its old cookie stops at once.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from fastapi import Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from hotline.audit.service import snapshot
from hotline.calls import service as calls
from hotline.enums import Role
from hotline.units.models import Unit
from hotline.users import service as users
from hotline.users.models import Actor, User, UserCreate
from web import labels
from web.deps import AdminActor, AppServices, Id, NowDep, ServicesDep, SessionDep
from web.routers.admin.common import audited
from web.routers.common import api_router
from web.routers.live import SESSIONS_TOPIC

router = api_router("admin")

# The roles people log in with (users.STAFF_ROLES), spelled out so the OpenAPI lists them.
StaffRole = Literal["operator", "dispatcher", "supervisor", "admin", "unit"]
UnitCode = Field(default=None, max_length=64, description="the unit's code: for role unit only")


class UserRow(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    role_label: str
    unit_code: str | None
    unit_name: str
    active: bool
    failed_logins: int
    locked_until: datetime | None = Field(description="set while a lockout lasts; None otherwise")


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=64)
    role: StaffRole
    password: str = Field(min_length=users.MIN_PASSWORD_LEN, max_length=256)
    unit_code: str | None = UnitCode


class UserEditIn(BaseModel):
    display_name: str = Field(min_length=1, max_length=64)
    role: StaffRole
    unit_code: str | None = UnitCode


class PasswordIn(BaseModel):
    password: str = Field(min_length=users.MIN_PASSWORD_LEN, max_length=256)


def user_row(session: Session, user: User, now: datetime) -> UserRow:
    assert user.id is not None
    unit = session.get(Unit, user.unit_id) if user.unit_id is not None else None
    locked = user.locked_until if user.locked_until is not None and user.locked_until > now else None
    return UserRow(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        role_label=labels.ROLE[user.role],
        unit_code=unit.code if unit else None,
        unit_name=unit.name if unit else "",
        active=user.active,
        failed_logins=user.failed_logins,
        locked_until=locked,
    )


def _sessions_ended(services: AppServices, user_id: int) -> None:
    services.users.forget(user_id)
    services.hub.publish(SESSIONS_TOPIC, {"user_id": user_id})  # its open live feeds close


def _change(
    request: Request,
    session: Session,
    services: AppServices,
    actor: Actor,
    now: datetime,
    *,
    user_id: int,
    action: str,
    work: Callable[[], User],
    note: str = "",
) -> UserRow:
    """Run one change of an account and audit it with the account before and after."""
    old = users.get_user(session, user_id=user_id)
    before, epoch = snapshot(old), old.session_epoch
    session.commit()  # no transaction open while the work hashes a password (see users.authenticate)
    user = work()
    audited(
        session,
        request,
        actor=actor,
        action=action,
        at=now,
        target_kind="user",
        target_id=user_id,
        target_label=user.username,
        before=before,
        after=snapshot(user),
        note=note,
    )
    if user.session_epoch != epoch:
        _sessions_ended(services, user_id)
    return user_row(session, user, now)


@router.get("/api/admin/users", summary="Every staff account, with its lockout (admin)")
def list_users(actor: AdminActor, session: SessionDep, now: NowDep) -> list[UserRow]:
    return [user_row(session, u, now) for u in users.list_users(session) if u.role in users.STAFF_ROLES]


@router.post("/api/admin/users", summary="Add a staff account (admin)", status_code=201)
def create_user(
    data: UserIn, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> UserRow:
    user = users.create_user(
        session,
        data=UserCreate(
            username=data.username,
            display_name=data.display_name,
            role=Role(data.role),
            password=data.password,
            unit_code=data.unit_code or None,
        ),
    )
    audited(
        session,
        request,
        actor=actor,
        action="user.create",
        at=now,
        target_kind="user",
        target_id=user.id,
        target_label=user.username,
        after=snapshot(user),
    )
    return user_row(session, user, now)


@router.patch("/api/admin/users/{user_id}", summary="Change an account's name, role or unit (admin)")
def update_user(
    user_id: Id,
    data: UserEditIn,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> UserRow:
    """A new role or unit ends the account's sessions; an operator who is no longer one leaves their seat."""

    def work() -> User:
        user = users.update_user(
            session,
            user_id=user_id,
            display_name=data.display_name,
            role=Role(data.role),
            unit_code=data.unit_code or None,
        )
        if user.role is not Role.OPERATOR:
            _leave_seat(request, session, services, actor, now, user)
        return user

    return _change(request, session, services, actor, now, user_id=user_id, action="user.update", work=work)


def _leave_seat(
    request: Request, session: Session, services: AppServices, actor: Actor, now: datetime, user: User
) -> None:
    assert user.id is not None
    seat = calls.seat_of_user(session, user_id=user.id)
    if seat is None:
        return
    calls.assign_seat(session, seat=seat, user=None, publisher=services.hub)
    audited(
        session,
        request,
        actor=actor,
        action="seat.assign",
        at=now,
        target_kind="seat",
        target_id=seat.code,
        target_label=seat.name or seat.code,
        before={"operator": user.username},
        after={"operator": None},
        note=f"{user.username} 不再是话务员",
    )


@router.post("/api/admin/users/{user_id}/deactivate", summary="Take an account out of use (admin)")
def deactivate_user(
    user_id: Id, request: Request, actor: AdminActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> UserRow:
    return _change(
        request,
        session,
        services,
        actor,
        now,
        user_id=user_id,
        action="user.deactivate",
        work=lambda: users.deactivate_user(session, user_id=user_id),
    )


@router.post("/api/admin/users/{user_id}/reactivate", summary="Put an account back in use (admin)")
def reactivate_user(
    user_id: Id, request: Request, actor: AdminActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> UserRow:
    return _change(
        request,
        session,
        services,
        actor,
        now,
        user_id=user_id,
        action="user.reactivate",
        work=lambda: users.reactivate_user(session, user_id=user_id),
    )


@router.post(
    "/api/admin/users/{user_id}/password",
    summary="Set a new password (admin): the account's sessions end and its lockout lifts",
)
def reset_password(
    user_id: Id,
    data: PasswordIn,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    services: ServicesDep,
    now: NowDep,
) -> UserRow:
    return _change(
        request,
        session,
        services,
        actor,
        now,
        user_id=user_id,
        action="user.password",
        work=lambda: users.set_password(session, user_id=user_id, password=data.password),
        note="管理员重置了密码，原有登录已失效",
    )


@router.post("/api/admin/users/{user_id}/unlock", summary="Lift a login lockout now (admin)")
def unlock_user(
    user_id: Id, request: Request, actor: AdminActor, session: SessionDep, services: ServicesDep, now: NowDep
) -> UserRow:
    return _change(
        request,
        session,
        services,
        actor,
        now,
        user_id=user_id,
        action="user.unlock",
        work=lambda: users.unlock_user(session, user_id=user_id),
    )
