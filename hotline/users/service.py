"""Users, password hashing and login lockout; the admin's account management."""

import unicodedata
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from hotline.enums import Role
from hotline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hotline.text import clean_text
from hotline.units.service import get_unit_by_code
from hotline.users.models import Actor, User, UserCreate

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LEN = 8

_hasher = PasswordHasher()
STAFF_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.UNIT)  # who logs in


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, *, data: UserCreate) -> User:
    """Add a user; a unit user must name an existing unit, other roles none."""
    if data.role not in STAFF_ROLES:  # channels and the system act through code, never log in
        raise InvalidInput(f"role {data.role} is not a role people log in with")
    username = clean_text(data.username, field="username", max_len=64)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"username {username!r} already exists")
    if len(data.password) < MIN_PASSWORD_LEN:
        raise InvalidInput(f"password: at least {MIN_PASSWORD_LEN} characters")
    unit_id: int | None = None
    if data.role is Role.UNIT:
        if not data.unit_code:
            raise InvalidInput("a unit user must belong to a unit")
        unit_id = get_unit_by_code(session, code=data.unit_code).id
    elif data.unit_code:
        raise InvalidInput(f"role {data.role} does not belong to a unit")
    user = User(
        username=username,
        display_name=clean_text(data.display_name, field="display name", max_len=64),
        role=data.role,
        unit_id=unit_id,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def authenticate(session: Session, *, username: str, password: str, now: datetime) -> User:
    """Check a password; lock the account for a while after repeated failures.

    The hash check is slow by design (~0.1 s), so it runs with no transaction open: on SQLite
    a write transaction holds the whole database, and every other writer would wait for it.
    """
    user = session.exec(select(User).where(User.username == username)).first()
    stored = None if user is None or not user.active else (user.password_hash, user.locked_until)
    session.commit()
    if stored is None:
        _hasher.hash(password)  # same cost either way, so timing does not reveal usernames
        raise PermissionDenied("wrong username or password")
    assert user is not None
    password_hash, locked_until = stored
    if locked_until is not None and locked_until > now:
        raise PermissionDenied(f"account locked until {locked_until.isoformat()}")
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        session.refresh(user)  # other failed attempts may have counted meanwhile
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        session.add(user)
        session.commit()
        raise PermissionDenied("wrong username or password") from None
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)
        session.commit()
    return user


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def end_sessions(session: Session, *, user_id: int) -> None:
    """Log a user out everywhere: every session cookie issued so far stops working."""
    user = get_user(session, user_id=user_id)
    user.session_epoch += 1
    session.add(user)
    session.commit()


def get_user_by_username(session: Session, *, username: str) -> User:
    """The account with this username (trimmed, as create_user stores it), or NotFound."""
    wanted = unicodedata.normalize("NFC", username).strip()
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


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.role), col(User.username))))


def actor_for(user: User) -> Actor:
    """The actor a logged-in user acts as."""
    return Actor(user_id=user.id, role=user.role, unit_id=user.unit_id, name=user.display_name)
