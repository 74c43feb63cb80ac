"""Users and their roles; a unit user belongs to one unit."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime
from hotline.enums import Role


class UserBase(SQLModel):
    username: str = Field(max_length=64, index=True, unique=True)
    display_name: str = Field(max_length=64)
    role: Role
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = True


class UserCreate(SQLModel):
    username: str
    display_name: str
    role: Role
    password: str
    unit_code: str | None = None


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=256)
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Carried in every session cookie; raising it ends all of the user's sessions (logout).
    session_epoch: int = 0


class UserPublic(UserBase):
    id: int


class Actor(SQLModel):
    """Who performs an action: what the lifecycle checks roles and units against."""

    user_id: int | None = None
    role: Role
    unit_id: int | None = None
    name: str = ""
