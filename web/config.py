"""Web settings, read from the environment with the ``HOTLINE_WEB_`` prefix (and ``HOTLINE_REDIS_URL``)."""

from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parent.parent


class CookieSecure(StrEnum):
    AUTO = "auto"  # Secure when the request came over https (behind a proxy: uvicorn --proxy-headers)
    ALWAYS = "always"
    NEVER = "never"


class CallControlMode(StrEnum):
    NONE = "none"  # no phone system: the seat's call buttons say so; pauses are recorded only
    AMI = "ami"  # Asterisk: an action-only AMI session of this process (HOTLINE_AMI_* settings)


class WebSettings(BaseSettings):
    """Settings of the web process; built by the caller, never at import time."""

    model_config = SettingsConfigDict(
        env_prefix="HOTLINE_WEB_", env_file=".env", extra="ignore", validate_by_name=True
    )

    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="signs session cookies; empty: a random key per process (set it when several run)",
    )
    cookie_secure: CookieSecure = CookieSecure.AUTO
    session_max_age_s: int = Field(default=12 * 3600, ge=60, description="a login lasts one shift")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("HOTLINE_REDIS_URL", "HOTLINE_WEB_REDIS_URL"),
        description="Redis pub/sub for live pages across several app processes; unset: in-process",
    )
    redis_channel_prefix: str = Field(
        default="hotline:", description="prefix of this install's Redis channels and rate-limit keys"
    )
    node_modules: Path = Field(
        default=REPO / "node_modules",
        description="npm's folder (scripts/bootstrap: npm ci); /vendor/... serves an allow-list of its files",
    )
    classifier: bool = Field(default=True, description="load the shipped routing model at start")
    wallboard_min_interval_s: float = Field(
        default=0.25, ge=0, description="at most one wallboard recomputation per interval"
    )
    wallboard_refresh_s: float = Field(default=10.0, gt=0, description="recompute even without events")
    live_recheck_s: float = Field(
        default=30.0,
        gt=0,
        description="an open live feed re-checks its session this often (cookie age, user deactivated"
        " elsewhere); a logout ends it at once",
    )
    metrics_token: str = Field(
        default="",
        description="bearer token the Prometheus server sends to /metrics (empty: loopback scrapes only)",
    )
    open311_api_keys: list[str] = Field(
        default_factory=list, description="keys other systems send with POST requests (empty: POST refused)"
    )
    open311_post_limit: int = Field(
        default=120, ge=1, description="Open311 service requests one api_key may create per window"
    )
    open311_post_window_s: int = Field(default=60, ge=1, description="the Open311 POST moving window")
    public_form_limit: int = Field(
        default=5, ge=1, description="web-form submissions per client address in public_form_window_s"
    )
    public_form_window_s: int = Field(default=600, ge=1, description="the form's moving window")
    public_progress_limit: int = Field(
        default=20, ge=1, description="progress lookups (code + phone) per client address in the window"
    )
    public_progress_window_s: int = Field(default=600, ge=1, description="the lookup's moving window")
    db_writers: int | None = Field(
        default=None,
        ge=1,
        description="write transactions one process runs at once; unset: 1 on SQLite, 4 on PostgreSQL",
    )
    simulator: bool = Field(default=False, description="run the call simulator inside the app (demo)")
    call_control: CallControlMode = Field(
        default=CallControlMode.NONE,
        description="how the seat's buttons reach the phone system: ami = Asterisk (docs/telephony.md)",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="largest request body taken (413 beyond it); the largest real one, a full public form"
        " of Chinese text, is ~50 KB",
    )
    ws_max_message_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="largest websocket message a client may send (the pages send none); uvicorn's"
        " ws_max_size",
    )
    ready_timeout_s: float = Field(
        default=2.0, gt=0, description="/readyz reports the database unreachable after this long"
    )
