"""Time-limit policies and the admin's holiday overrides."""

from datetime import date

from sqlmodel import Field, SQLModel

from hotline.enums import Channel, LimitUnit, Nature, Urgency


class TimeLimitPolicyBase(SQLModel):
    """Sign and handle limits for the tickets it matches; the highest priority match wins.

    A criterion left empty matches anything.
    """

    name: str = Field(max_length=64, unique=True)
    priority: int = Field(default=0, index=True)
    nature: Nature | None = None
    urgency: Urgency | None = None
    channel: Channel | None = None
    utility: bool | None = Field(default=None, description="matches water/power/gas/heat requests")
    complex: bool | None = None
    sign_amount: int = Field(ge=1)
    sign_unit: LimitUnit
    handle_amount: int = Field(ge=1)
    handle_unit: LimitUnit
    active: bool = True


class TimeLimitPolicy(TimeLimitPolicyBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class HolidayOverride(SQLModel, table=True):
    """An admin's word on one day, over the chinese-calendar package (or for years it does not know)."""

    day: date = Field(primary_key=True)
    workday: bool
    name: str = Field(default="", max_length=64)
