"""Login lockout: the attempt count is taken before the password check, atomically, on both databases.

The parallel tests use real threads, each with its own connection, against the SQLite file and the
real PostgreSQL server; their users are committed, so each test removes its own.
"""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import Engine
from sqlmodel import Session

from hotline.clock import FixedClock
from hotline.db import writer
from hotline.enums import Role
from hotline.errors import PermissionDenied
from hotline.users import service as users_service
from hotline.users.models import User, UserCreate
from hotline.users.service import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    WRONG_LOGIN,
    authenticate,
    create_user,
    get_user,
    unlock_user,
)

PASSWORD = "s3cret-pass"
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
_names = iter(range(1_000_000))


@dataclass
class CountingHasher:
    """The real hasher for one account's hash, counting its checks and every other argon2 call.

    A check against the account's hash waits ``slow_s``, so parallel attempts overlap in it. Any
    other check (the dummy one) is counted and fails without its ~0.1 s of CPU: only the number
    matters here, and the machine is shared.
    """

    account_hash: str = ""
    slow_s: float = 0.0
    slow_right_s: float = 0.0  # a check of the right password (PASSWORD) waits this long instead
    checking_right: threading.Event = field(default_factory=threading.Event)
    account_checks: int = 0
    other_calls: int = 0
    real: PasswordHasher = field(default_factory=PasswordHasher)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, stored: str, password: str) -> bool:
        with self.lock:
            if stored == self.account_hash:
                self.account_checks += 1
            else:
                self.other_calls += 1
        if stored != self.account_hash:
            raise VerifyMismatchError
        if password == PASSWORD:
            self.checking_right.set()
        time.sleep(self.slow_right_s if password == PASSWORD else self.slow_s)
        return self.real.verify(stored, password)

    def hash(self, password: str) -> str:
        with self.lock:
            self.other_calls += 1
        return self.real.hash(password)


@pytest.fixture
def account(engine: Engine) -> Iterator[User]:
    """An operator committed to the test database (threads see it), removed afterwards."""
    with Session(writer(engine), expire_on_commit=False) as setup:
        data = UserCreate(
            username=f"lockout{next(_names)}",
            display_name="话务员 某人",
            role=Role.OPERATOR,
            password=PASSWORD,
        )
        user = create_user(setup, data=data)
    yield user
    with Session(engine) as cleanup:
        found = cleanup.get(User, user.id)
        if found is not None:
            cleanup.delete(found)
            cleanup.commit()


@pytest.fixture
def hasher(account: User, monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher(account_hash=account.password_hash)
    monkeypatch.setattr(users_service, "_hasher", counting)
    return counting


def stored(engine: Engine, user: User) -> User:
    with Session(engine) as session:
        assert user.id is not None
        return get_user(session, user_id=user.id)


def guess_in_parallel(
    engine: Engine, username: str, passwords: list[str], *, trusted: bool = False
) -> list[str]:
    """Each password from its own thread and connection, all released at once; the outcomes."""
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(passwords))
    lock = threading.Lock()

    def attempt(password: str) -> None:
        try:
            barrier.wait(timeout=10)
            with Session(writer(engine), expire_on_commit=False) as session:
                try:
                    if trusted:
                        authenticate(session, username=username, password=password, now=NOW, trusted=True)
                    else:
                        authenticate(session, username=username, password=password, now=NOW)
                    outcome = "in"
                except PermissionDenied as err:
                    outcome = str(err)
            with lock:
                outcomes.append(outcome)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=attempt, args=(password,)) for password in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return outcomes


def test_parallel_wrong_guesses_get_no_more_password_checks_than_the_limit(
    engine: Engine, account: User, hasher: CountingHasher
) -> None:
    hasher.slow_s = 0.2  # every guess is in flight before the first one fails
    outcomes = guess_in_parallel(engine, account.username, [f"guess-{n}" for n in range(30)])
    assert outcomes == [WRONG_LOGIN] * 30
    assert hasher.account_checks == MAX_FAILED_LOGINS
    assert hasher.other_calls == 30 - MAX_FAILED_LOGINS  # the others cost a dummy check all the same
    after = stored(engine, account)
    assert after.locked_until == NOW + LOCKOUT


def test_a_right_password_checked_while_parallel_guesses_lock_the_account_does_not_lift_the_lock(
    engine: Engine, account: User, hasher: CountingHasher
) -> None:
    # After a lock that has run out, the right password takes a slot and is still being checked
    # when wrong guesses take the rest.
    with Session(writer(engine)) as session:
        expired = session.get_one(User, account.id)
        expired.locked_until = NOW - LOCKOUT / 3
        session.add(expired)
        session.commit()
    hasher.slow_right_s = 1.0
    right: list[str] = []
    holder = threading.Thread(
        target=lambda: right.extend(guess_in_parallel(engine, account.username, [PASSWORD]))
    )
    holder.start()
    assert hasher.checking_right.wait(timeout=30)
    wrong = guess_in_parallel(engine, account.username, [f"guess-{n}" for n in range(10)])
    holder.join(timeout=60)
    assert right == ["in"]  # its slot was taken before the lock: the holder is in
    assert wrong == [WRONG_LOGIN] * 10
    after = stored(engine, account)
    assert (after.failed_logins, after.locked_until) == (MAX_FAILED_LOGINS, NOW + LOCKOUT)  # still locked
    assert hasher.account_checks == MAX_FAILED_LOGINS


def test_a_right_password_while_locked_is_refused_and_leaves_the_lock(
    session: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = UserCreate(username="op", display_name="话务员", role=Role.OPERATOR, password=PASSWORD)
    user = create_user(session, data=data)
    assert user.id is not None
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(PermissionDenied, match=WRONG_LOGIN):
            authenticate(session, username="op", password="guess", now=clock.now())
    locked = get_user(session, user_id=user.id)
    before = (locked.failed_logins, locked.locked_until)
    assert before == (MAX_FAILED_LOGINS, clock.now() + LOCKOUT)
    counting = CountingHasher(account_hash=user.password_hash)
    monkeypatch.setattr(users_service, "_hasher", counting)
    with pytest.raises(PermissionDenied, match=WRONG_LOGIN):
        authenticate(session, username="op", password=PASSWORD, now=clock.now() + LOCKOUT / 2)
    after = get_user(session, user_id=user.id)
    assert (after.failed_logins, after.locked_until) == before
    # not checked against the account, yet one argon2 check all the same: the time tells nothing
    assert (counting.account_checks, counting.other_calls) == (0, 1)
    unlock_user(session, user_id=user.id)  # the admin's `hotline users unlock`
    assert authenticate(session, username="op", password=PASSWORD, now=clock.now()).id == user.id


def test_unknown_inactive_locked_and_wrong_get_one_answer_at_the_cost_of_one_check(
    session: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("op", "gone", "locked"):
        create_user(
            session,
            data=UserCreate(username=name, display_name="某人", role=Role.OPERATOR, password=PASSWORD),
        )
    gone = users_service.get_user_by_username(session, username="gone")
    assert gone.id is not None
    users_service.deactivate_user(session, user_id=gone.id)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(PermissionDenied):
            authenticate(session, username="locked", password="guess", now=clock.now())
    counting = CountingHasher()
    monkeypatch.setattr(users_service, "_hasher", counting)
    for name, password in (("nobody", PASSWORD), ("gone", PASSWORD), ("locked", PASSWORD), ("op", "guess")):
        calls = counting.other_calls
        with pytest.raises(PermissionDenied) as refused:
            authenticate(session, username=name, password=password, now=clock.now())
        assert str(refused.value) == WRONG_LOGIN, name
        assert counting.other_calls == calls + 1, name  # exactly one argon2 check, whoever it is


def test_a_trusted_attempt_is_neither_stopped_by_the_lock_nor_counted_towards_it(
    engine: Engine, account: User, hasher: CountingHasher
) -> None:
    guess_in_parallel(engine, account.username, [f"guess-{n}" for n in range(MAX_FAILED_LOGINS)])
    locked = stored(engine, account)
    assert locked.locked_until == NOW + LOCKOUT
    outcomes = guess_in_parallel(engine, account.username, ["wrong", "wrong", PASSWORD], trusted=True)
    assert sorted(outcomes) == sorted(["in", WRONG_LOGIN, WRONG_LOGIN])
    after = stored(engine, account)
    assert (after.failed_logins, after.locked_until) == (locked.failed_logins, locked.locked_until)
    with Session(writer(engine)) as session, pytest.raises(PermissionDenied):
        authenticate(session, username=account.username, password=PASSWORD, now=NOW)  # still locked


def test_an_expired_lock_starts_a_new_round(session: Session, clock: FixedClock) -> None:
    data = UserCreate(username="op", display_name="话务员", role=Role.OPERATOR, password=PASSWORD)
    user = create_user(session, data=data)
    assert user.id is not None
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(PermissionDenied):
            authenticate(session, username="op", password="guess", now=clock.now())
    later = clock.now() + LOCKOUT
    with pytest.raises(PermissionDenied):
        authenticate(session, username="op", password="guess", now=later)
    assert (
        get_user(session, user_id=user.id).failed_logins,
        get_user(session, user_id=user.id).locked_until,
    ) == (
        1,
        None,
    )
    assert authenticate(session, username=" op ", password=PASSWORD, now=later).failed_logins == 0
