"""Users, password hashing and login lockout."""

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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, *, data: UserCreate) -> User:
    """Add a user; a unit user must name an existing unit, other roles none."""
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


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.role), col(User.username))))


def actor_for(user: User) -> Actor:
    """The actor a logged-in user acts as."""
    return Actor(user_id=user.id, role=user.role, unit_id=user.unit_id, name=user.display_name)
