"""One row per partner key: its SHA-256 hash and a short prefix to recognise it, never the key."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime


class ApiKey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    partner: str = Field(max_length=64, description="the partner system the key was issued to")
    key_hash: str = Field(max_length=64, unique=True, index=True, description="SHA-256 of the key, hex")
    prefix: str = Field(max_length=16, description="the key's first characters, shown to tell keys apart")
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
