"""Issuing, finding and revoking partner keys.

A key is random (192 bits), so an unsalted SHA-256 is enough to store it: nobody can guess a key
from its hash, and looking a key up by its hash is one indexed read.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Final

from sqlmodel import Session, col, select

from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.partners.models import ApiKey
from hotline.text import clean_text

KEY_PREFIX: Final = "h311_"
PREFIX_CHARS: Final = 12  # "h311_" and 7 random characters: enough to tell a partner's keys apart
# last_used_at is written at most this often per key: a busy partner must not cost a write per call.
TOUCH_EVERY: Final = timedelta(minutes=1)


def short_text(value: str, *, field: str, max_len: int) -> str:
    """A one-line name typed by an admin: trimmed, not empty, not too long, no control characters."""
    value = value.strip()
    if not value:
        raise InvalidInput(f"请填写{field}")
    if len(value) > max_len:
        raise InvalidInput(f"{field}不能超过 {max_len} 个字符")
    try:
        if any(char in "\n\r\t" for char in value):
            raise InvalidInput("含有换行或制表符")
        return clean_text(value, field=field, max_len=max_len)
    except InvalidInput as err:
        raise InvalidInput(f"{field}含有无效字符（换行或控制字符）") from err


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    session: Session, *, partner: str, created_by: int | None, now: datetime
) -> tuple[ApiKey, str]:
    """A new key for ``partner``: the row and the key itself, which is never stored.

    Like ``revoke_key`` it only flushes: the caller commits, with the change's audit entry.
    """
    name = short_text(partner, field="合作方名称", max_len=64)
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    row = ApiKey(
        partner=name, key_hash=key_hash(key), prefix=key[:PREFIX_CHARS], created_at=now, created_by=created_by
    )
    session.add(row)
    session.flush()
    return row, key


def get_key(session: Session, *, key_id: int) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"接口密钥 {key_id} 不存在")
    return row


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, the ones in use first, newest first."""
    rows = session.exec(select(ApiKey).order_by(col(ApiKey.revoked_at).is_not(None), col(ApiKey.id).desc()))
    return list(rows)


def revoke_key(session: Session, *, key_id: int, now: datetime) -> ApiKey:
    row = get_key(session, key_id=key_id)
    if row.revoked_at is not None:
        raise Conflict(f"接口密钥 {row.prefix}… 已吊销")
    row.revoked_at = now
    session.add(row)
    session.flush()
    return row


def find_active_key(session: Session, *, key: str) -> ApiKey | None:
    """The key's row if it was issued and is not revoked; None otherwise (no hint which)."""
    if not key.startswith(KEY_PREFIX):
        return None
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == key_hash(key))).first()
    return row if row is not None and row.revoked_at is None else None


def due_for_touch(row: ApiKey, now: datetime) -> bool:
    return row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY


def touch_key(session: Session, *, key_id: int, now: datetime) -> None:
    """Note that the key was used now (the caller commits)."""
    row = session.get(ApiKey, key_id)
    if row is not None:
        row.last_used_at = now
        session.add(row)
