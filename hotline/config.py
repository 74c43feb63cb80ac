"""Core settings, read from the environment with the ``HOTLINE_`` prefix."""

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of the core; built by the caller, never at import time."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./var/hotline.db"
    timezone: str = "Asia/Shanghai"
    short_abandon_s: int = Field(
        default=5, ge=0, description="abandons within this wait are left out of 接通率"
    )
    service_level_s: int = Field(default=15, ge=1, description="answer target for the service level")
    yellow_card_ratio: float = Field(default=0.8, gt=0, lt=1)
    max_dispatches_before_designation: int = Field(default=3, ge=1)
    max_extension_working_days: int = Field(default=10, ge=1)
    callback_max_attempts: int = Field(default=3, ge=1)
    echo_sql: bool = False


class Rules(BaseModel):
    """The lifecycle's configurable numbers, a view of Settings that services take."""

    model_config = ConfigDict(frozen=True)

    timezone: str = "Asia/Shanghai"
    yellow_card_ratio: float = 0.8
    max_dispatches_before_designation: int = 3
    max_extension_working_days: int = 10
    callback_max_attempts: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> "Rules":
        return cls.model_validate(settings.model_dump(include=set(cls.model_fields)))
