"""Users, password hashing and login lockout; the admin's account management."""

import functools
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, case, literal, or_, update
from sqlmodel import Session, col, select

from hotline import names
from hotline.db import UTCDateTime
from hotline.enums import Role
from hotline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hotline.text import clean_text
from hotline.units.service import get_unit_by_code
from hotline.users.models import Actor, User, UserCreate

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LEN = 8
WRONG_LOGIN = "用户名或密码错误"  # the one answer to every refused login: it tells no username apart

_hasher = PasswordHasher()
STAFF_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.UNIT)  # who logs in


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, *, data: UserCreate) -> User:
    """Add a user; a unit user must name an existing unit, other roles none."""
    if data.role not in STAFF_ROLES:  # channels and the system act through code, never log in
        raise InvalidInput(
            f"角色「{names.name(names.ROLE, data.role)}」不能登录，"
            "请选择话务员、派单员、管理者、管理员或成员单位"
        )
    username = clean_text(data.username, field="username", max_len=64)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"用户名「{username}」已存在")
    if len(data.password) < MIN_PASSWORD_LEN:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD_LEN} 个字符")
    unit_id: int | None = None
    if data.role is Role.UNIT:
        if not data.unit_code:
            raise InvalidInput("成员单位用户必须选择所属单位")
        unit_id = get_unit_by_code(session, code=data.unit_code).id
    elif data.unit_code:
        raise InvalidInput(f"{names.name(names.ROLE, data.role)}不属于某个单位，请清空所属单位")
    user = User(
        username=username,
        display_name=clean_text(data.display_name, field="display_name", max_len=64),
        role=data.role,
        unit_id=unit_id,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def normalize_username(username: str) -> str:
    """A typed username as create_user stores it: NFC, trimmed."""
    return unicodedata.normalize("NFC", username).strip()


@functools.cache
def _dummy_hash() -> str:
    """A hash of nobody's password, checked when there is no account to check: same cost, same answer."""
    return PasswordHasher().hash(secrets.token_urlsafe(16))  # the same parameters as _hasher


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _wrong() -> NoReturn:
    raise PermissionDenied(WRONG_LOGIN)


def _refuse(password: str) -> NoReturn:
    """No account to check, or one not to be checked now: the cost and the answer of a wrong password."""
    _matches(_dummy_hash(), password)
    _wrong()


@dataclass(frozen=True, slots=True)
class _Claim:
    """An attempt slot taken on the account before its password is checked."""

    user_id: int
    password_hash: str
    count: int  # failed_logins after this claim
    locked_until: datetime | None  # set by this claim when it took the last slot


def _claim_attempt(session: Session, *, username: str, now: datetime) -> _Claim | None:
    """Count this attempt as failed before the slow check, in one conditional UPDATE.

    Concurrent claims on one row queue on its row lock (PostgreSQL re-reads the row and re-checks
    the condition) or on the write lock (SQLite), so however many arrive at once, at most
    MAX_FAILED_LOGINS pass before the lock; the claim of the last slot sets the lock itself. An
    expired lock starts a new round. None: no such active account, or it is locked.
    """
    expired = and_(col(User.locked_until).is_not(None), col(User.locked_until) <= now)
    count = case((expired, 0), else_=col(User.failed_logins)) + 1
    lock = literal(now + LOCKOUT, UTCDateTime())
    claim = (
        update(User)
        .where(
            col(User.username) == username,
            col(User.active).is_(True),
            or_(col(User.locked_until).is_(None), col(User.locked_until) <= now),
        )
        .values(failed_logins=count, locked_until=case((count >= MAX_FAILED_LOGINS, lock), else_=None))
        .returning(col(User.id), col(User.password_hash), col(User.failed_logins), col(User.locked_until))
    )
    row = session.execute(claim).first()
    session.commit()
    if row is None:
        return None
    user_id, password_hash, claimed, locked_until = row
    return _Claim(user_id=user_id, password_hash=password_hash, count=claimed, locked_until=locked_until)


def _settle_success(session: Session, claim: _Claim) -> User:
    """A correct password: forget the failures, and lift a lock only if this attempt's own claim set it.

    A lock set by a later claim (parallel wrong guesses) stays; so does one an admin or a round of
    failures set meanwhile: the same count and lock time mean no other claim came in between.
    """
    mine = and_(col(User.failed_logins) == claim.count, col(User.locked_until) == claim.locked_until)
    clear = (
        update(User)
        .where(col(User.id) == claim.user_id, or_(col(User.locked_until).is_(None), mine))
        .values(failed_logins=0, locked_until=None)
    )
    session.execute(clear)
    user = session.get_one(User, claim.user_id, populate_existing=True)
    session.commit()
    return user


def authenticate(
    session: Session, *, username: str, password: str, now: datetime, trusted: bool = False
) -> User:
    """The account if the password is right, else PermissionDenied with one answer for every failure.

    Unknown, inactive and locked accounts cost one dummy hash check and get the wrong-password
    answer, so neither the answer nor its time tells which usernames exist. An attempt takes its
    slot (``_claim_attempt``) before the check: MAX_FAILED_LOGINS wrong passwords, sequential or
    parallel, lock the account for LOCKOUT, and a right one while it is locked is refused too.

    ``trusted``: the caller knows this client as one where the account logged in before (the web
    layer's device cookie). Such an attempt is neither stopped by the lock nor counted towards it:
    guesses from elsewhere cannot lock the account's holder out. The caller limits its failures.

    The hash check is slow by design (~0.1 s), so it runs with no transaction open: on SQLite
    a write transaction holds the whole database, and every other writer would wait for it.
    """
    wanted = normalize_username(username)
    if trusted:
        user = session.exec(select(User).where(User.username == wanted, col(User.active).is_(True))).first()
        password_hash = user.password_hash if user is not None else None
        session.commit()
        if user is None or password_hash is None:
            _refuse(password)
        if not _matches(password_hash, password):
            _wrong()
        return user
    claim = _claim_attempt(session, username=wanted, now=now)
    if claim is None:
        _refuse(password)
    if not _matches(claim.password_hash, password):
        _wrong()  # already counted by the claim
    return _settle_success(session, claim)


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在")
    return user


def end_sessions(session: Session, *, user_id: int) -> None:
    """Log a user out everywhere: every session cookie issued so far stops working."""
    user = get_user(session, user_id=user_id)
    user.session_epoch += 1
    session.add(user)
    session.commit()


def get_user_by_username(session: Session, *, username: str) -> User:
    """The account with this username (trimmed, as create_user stores it), or NotFound."""
    wanted = normalize_username(username)
    if not wanted:
        raise InvalidInput("用户名不能为空")
    user = session.exec(select(User).where(User.username == wanted)).first()
    if user is None:
        raise NotFound(f"没有用户名为「{wanted}」的账号")
    return user


def check_password(password: str) -> str:
    """``password`` if it is long enough to set (create_user's rule), else InvalidInput."""
    if len(password) < MIN_PASSWORD_LEN:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD_LEN} 个字符")
    return password


def _other_active_admins(session: Session, *, user_id: int) -> list[int]:
    # Locks every active admin row (PostgreSQL), in id order: two admins deactivating each
    # other at once take turns, and the second sees the first's change. SQLite writers queue anyway.
    query = (
        select(User.id)
        .where(User.role == Role.ADMIN, col(User.active).is_(True))
        .order_by(col(User.id))
        .with_for_update()
    )
    return [found for found in session.exec(query) if found is not None and found != user_id]


def deactivate_user(session: Session, *, user_id: int) -> User:
    """Take an account out of use (its holder left): no more logins, and every session ends.

    Refused for the last active admin, who alone could turn accounts back on.
    """
    user = get_user(session, user_id=user_id)
    if user.role == Role.ADMIN and user.active and not _other_active_admins(session, user_id=user_id):
        raise Conflict(f"「{user.username}」是最后一个在用的管理员账号，不能停用：请先添加或启用另一个管理员")
    user.active = False
    session.add(user)
    end_sessions(session, user_id=user_id)  # commits the deactivation with the new epoch
    return user


def reactivate_user(session: Session, *, user_id: int) -> User:
    """Put an account back in use; sessions ended by its deactivation stay ended."""
    user = get_user(session, user_id=user_id)
    user.active = True
    session.add(user)
    session.commit()
    return user


def _clear_lockout(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None


def set_password(session: Session, *, user_id: int, password: str) -> User:
    """Give an account a new password: its sessions end and any lockout is lifted.

    The slow hash is computed before the user is read; a caller that keeps no transaction open
    holds no lock meanwhile (see ``authenticate``).
    """
    password_hash = hash_password(check_password(password))
    user = get_user(session, user_id=user_id)
    user.password_hash = password_hash
    _clear_lockout(user)
    session.add(user)
    end_sessions(session, user_id=user_id)  # a session opened with the old password ends too
    return user


def unlock_user(session: Session, *, user_id: int) -> User:
    """Lift a lockout now instead of after LOCKOUT, and forget earlier failed logins."""
    user = get_user(session, user_id=user_id)
    _clear_lockout(user)
    session.add(user)
    session.commit()
    return user


def accounts_with_password(session: Session, *, usernames: list[str], password: str) -> list[User]:
    """The active accounts among ``usernames`` whose password is ``password``; one check per distinct hash."""
    query = select(User).where(col(User.username).in_(usernames), col(User.active).is_(True))
    found = list(session.exec(query.order_by(col(User.username))))
    session.commit()  # the checks are slow: no transaction open meanwhile (see authenticate)
    matching = {digest for digest in {user.password_hash for user in found} if _matches(digest, password)}
    return [user for user in found if user.password_hash in matching]


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.role), col(User.username))))


def actor_for(user: User) -> Actor:
    """The actor a logged-in user acts as."""
    return Actor(user_id=user.id, role=user.role, unit_id=user.unit_id, name=user.display_name)


def update_user(
    session: Session, *, user_id: int, display_name: str, role: Role, unit_code: str | None
) -> User:
    """Change who an account is: its name, role and unit (a unit user needs one, others none).

    A change of role or unit ends the account's sessions: what it may see and do has changed.
    The last active admin keeps the admin role, as ``deactivate_user`` keeps them active.
    """
    if role not in STAFF_ROLES:
        raise InvalidInput(f"角色「{role}」不能登录，请选择话务员、派单员、管理者、管理员或成员单位")
    user = get_user(session, user_id=user_id)
    unit_id: int | None = None
    if role is Role.UNIT:
        if not unit_code:
            raise InvalidInput("成员单位用户必须选择所属单位")
        unit_id = get_unit_by_code(session, code=unit_code).id
    elif unit_code:
        raise InvalidInput("只有成员单位用户才属于某个单位，请清空所属单位")
    demoted = user.role == Role.ADMIN and role != Role.ADMIN and user.active
    if demoted and not _other_active_admins(session, user_id=user_id):
        raise Conflict(
            f"「{user.username}」是最后一个在用的管理员账号，不能改为其他角色：请先添加另一个管理员"
        )
    changed_access = (user.role, user.unit_id) != (role, unit_id)
    user.display_name = clean_text(display_name, field="姓名", max_len=64)
    user.role = role
    user.unit_id = unit_id
    session.add(user)
    if changed_access:
        end_sessions(session, user_id=user_id)  # commits the change with the new epoch
    else:
        session.commit()
    return user
