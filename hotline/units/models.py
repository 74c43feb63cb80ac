"""Member units (成员单位): departments, districts, streets, utilities, expert seats."""

from sqlmodel import Field, SQLModel

from hotline.enums import UnitKind


class UnitBase(SQLModel):
    code: str = Field(max_length=64, index=True, unique=True)
    name: str = Field(max_length=128)
    short_name: str = Field(default="", max_length=64)
    kind: UnitKind
    district: str = Field(
        default="", max_length=64, description="the county/district a territorial unit covers"
    )
    liaison_name: str = Field(default="", max_length=64)
    liaison_phone: str = Field(default="", max_length=32)
    hotline_number: str = Field(default="", max_length=32, description="line a caller can be transferred to")
    active: bool = True


class UnitCreate(UnitBase):
    parent_code: str | None = None


class UnitUpdate(SQLModel):
    """The fields to change; one left out or None stays as it is (``parent_code`` None: no parent)."""

    name: str | None = Field(default=None, max_length=128)
    short_name: str | None = Field(default=None, max_length=64)
    kind: UnitKind | None = None
    district: str | None = Field(default=None, max_length=64)
    parent_code: str | None = Field(default=None, max_length=64, description="the parent unit's code")
    liaison_name: str | None = Field(default=None, max_length=64)
    liaison_phone: str | None = Field(default=None, max_length=32)
    hotline_number: str | None = Field(default=None, max_length=32)
    active: bool | None = None


class Unit(UnitBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)


class UnitPublic(UnitBase):
    id: int
    parent_id: int | None
