"""The admin's account management: deactivate, reactivate, new password, unlock, find by username."""

import threading
import time

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from hotline.clock import FixedClock
from hotline.db import writer
from hotline.enums import Role
from hotline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hotline.users import service as users_service
from hotline.users.models import User, UserCreate
from hotline.users.service import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    authenticate,
    create_user,
    deactivate_user,
    get_user,
    get_user_by_username,
    reactivate_user,
    set_password,
    unlock_user,
)
from tests.factories import seeded

PASSWORD = "s3cret-pass"


def add(session: Session, username: str, role: Role = Role.OPERATOR, unit_code: str | None = None) -> User:
    data = UserCreate(
        username=username, display_name=f"{username} 某人", role=role, password=PASSWORD, unit_code=unit_code
    )
    return create_user(session, data=data)


def uid(user: User) -> int:
    assert user.id is not None
    return user.id


def lock_out(session: Session, clock: FixedClock, username: str) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            authenticate(session, username=username, password="guess", now=clock.now())
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        authenticate(session, username=username, password=PASSWORD, now=clock.now())


def test_a_deactivated_user_cannot_log_in_and_their_sessions_end(session: Session, clock: FixedClock) -> None:
    seeded(session, clock.now())
    clerk = add(session, "clerk", Role.UNIT, "urban")
    authenticate(session, username="clerk", password=PASSWORD, now=clock.now())
    epoch = clerk.session_epoch
    deactivate_user(session, user_id=uid(clerk))
    stored = get_user(session, user_id=uid(clerk))
    assert (stored.active, stored.session_epoch) == (False, epoch + 1)  # check_user refuses old cookies
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        authenticate(session, username="clerk", password=PASSWORD, now=clock.now())
    reactivate_user(session, user_id=uid(clerk))
    assert authenticate(session, username="clerk", password=PASSWORD, now=clock.now()).active
    # Back in use, but the cookies from before the deactivation stay dead.
    assert get_user(session, user_id=uid(clerk)).session_epoch == epoch + 1


def test_a_new_password_replaces_the_old_lifts_the_lockout_and_ends_sessions(
    session: Session, clock: FixedClock
) -> None:
    op = add(session, "op")
    lock_out(session, clock, "op")
    epoch = get_user(session, user_id=uid(op)).session_epoch
    set_password(session, user_id=uid(op), password="brand-new-pass")
    stored = get_user(session, user_id=uid(op))
    assert (stored.session_epoch, stored.failed_logins, stored.locked_until) == (epoch + 1, 0, None)
    assert authenticate(session, username="op", password="brand-new-pass", now=clock.now()).id == op.id
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        authenticate(session, username="op", password=PASSWORD, now=clock.now())


def test_the_new_password_is_hashed_with_no_transaction_open(
    session: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As for a login: on SQLite a write transaction holds the whole database through ~0.1 s of argon2.
    op_id = uid(add(session, "op"))
    session.commit()
    session.expire_all()  # reading the user opens a transaction, as in a fresh session
    real = users_service._hasher
    checked: list[bool] = []

    class Watching:
        def hash(self, password: str) -> str:
            checked.append(session.in_transaction())
            return real.hash(password)

    monkeypatch.setattr(users_service, "_hasher", Watching())
    set_password(session, user_id=op_id, password="brand-new-pass")
    assert checked == [False]


def test_unlock_lets_a_locked_out_user_in_at_once(session: Session, clock: FixedClock) -> None:
    op = add(session, "op")
    lock_out(session, clock, "op")
    assert get_user(session, user_id=uid(op)).locked_until == clock.now() + LOCKOUT
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        authenticate(session, username="op", password="guess", now=clock.now() + LOCKOUT)
    assert get_user(session, user_id=uid(op)).failed_logins == 1  # a failure since the lockout
    unlock_user(session, user_id=uid(op))
    stored = get_user(session, user_id=uid(op))
    assert (stored.failed_logins, stored.locked_until) == (0, None)
    assert authenticate(session, username="op", password=PASSWORD, now=clock.now()).id == op.id


def test_the_last_active_admin_cannot_be_deactivated(session: Session, clock: FixedClock) -> None:
    first = add(session, "admin1", Role.ADMIN)
    with pytest.raises(Conflict, match="「admin1」是最后一个在用的管理员账号"):
        deactivate_user(session, user_id=uid(first))
    assert get_user(session, user_id=uid(first)).active
    second = add(session, "admin2", Role.ADMIN)
    deactivate_user(session, user_id=uid(first))
    with pytest.raises(Conflict, match="最后一个在用的管理员"):  # the deactivated one does not count
        deactivate_user(session, user_id=uid(second))
    assert get_user(session, user_id=uid(second)).active
    reactivate_user(session, user_id=uid(first))
    deactivate_user(session, user_id=uid(second))
    # Other roles never need an admin left behind; deactivating twice is harmless.
    op = add(session, "op")
    deactivate_user(session, user_id=uid(op))
    deactivate_user(session, user_id=uid(op))
    assert not get_user(session, user_id=uid(op)).active


def test_users_are_found_by_username(session: Session, clock: FixedClock) -> None:
    op = add(session, "op")
    assert get_user_by_username(session, username=" op ").id == op.id
    with pytest.raises(NotFound, match="没有用户名为「nobody」的账号"):
        get_user_by_username(session, username="nobody")
    with pytest.raises(InvalidInput, match="用户名不能为空"):
        get_user_by_username(session, username="  ")


def test_bad_input_is_refused_and_changes_nothing(session: Session, clock: FixedClock) -> None:
    op = add(session, "op")
    before = get_user(session, user_id=uid(op)).model_dump()
    with pytest.raises(InvalidInput, match="密码至少 8 个字符"):
        set_password(session, user_id=uid(op), password="short")
    assert get_user(session, user_id=uid(op)).model_dump() == before
    for change in (deactivate_user, reactivate_user, unlock_user):
        with pytest.raises(NotFound):
            change(session, user_id=999_999)
    with pytest.raises(NotFound):
        set_password(session, user_id=999_999, password="long-enough")
    assert authenticate(session, username="op", password=PASSWORD, now=clock.now()).id == op.id


def test_two_admins_deactivating_each_other_at_once_leave_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each deactivation pauses after its check; without a lock both would see the other one active.
    with Session(engine) as setup:
        ids = [uid(add(setup, f"race_admin{n}", Role.ADMIN)) for n in (1, 2)]
    real = users_service.end_sessions

    def slow(session: Session, *, user_id: int) -> None:
        time.sleep(0.3)
        real(session, user_id=user_id)

    monkeypatch.setattr(users_service, "end_sessions", slow)
    outcomes: dict[int, str] = {}

    def deactivate(user_id: int) -> None:
        with Session(writer(engine)) as session:
            try:
                deactivate_user(session, user_id=user_id)
                outcomes[user_id] = "deactivated"
            except Conflict:
                outcomes[user_id] = "refused"

    threads = [threading.Thread(target=deactivate, args=(user_id,)) for user_id in ids]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes.values()) == ["deactivated", "refused"]
        with Session(engine) as check:
            assert sum(get_user(check, user_id=user_id).active for user_id in ids) == 1
    finally:
        with Session(engine) as cleanup:  # these commits are not rolled back by a fixture
            for user_id in ids:
                cleanup.delete(get_user(cleanup, user_id=user_id))
            cleanup.commit()
