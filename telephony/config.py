"""Settings of the telephony bridge, read from the environment with the ``HOTLINE_AMI_`` prefix."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TRANSFER_TARGETS: dict[str, str] = {
    "人社": "2001",  # 人力资源和社会保障 expert desk
    "医保": "2002",  # 医疗保障
    "法律服务": "2003",
    "政企通": "2004",  # enterprise service line
}


class AmiSettings(BaseSettings):
    """How to reach Asterisk's Manager Interface and how hard to hold on to it; built by the caller."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_AMI_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=5038, ge=1, le=65535)
    username: str = "hotline"
    secret: SecretStr = SecretStr("")
    events: bool = Field(default=True, description="Events: on at login; off for an action-only session")

    connect_timeout_s: float = Field(default=5.0, gt=0, description="TCP connect, banner and login")
    action_timeout_s: float = Field(default=10.0, gt=0, description="a response to an action")
    list_timeout_s: float = Field(
        default=30.0, gt=0, description="a whole list (QueueStatus, CoreShowChannels)"
    )
    keepalive_interval_s: float = Field(default=15.0, gt=0, description="Ping after this much silence")
    keepalive_timeout_s: float = Field(default=5.0, gt=0, description="no Pong within this: the link is dead")
    reconnect_min_s: float = Field(default=0.5, gt=0)
    reconnect_max_s: float = Field(default=30.0, gt=0)
    max_frame_bytes: int = Field(
        default=512 * 1024, ge=1024, description="a longer frame is dropped (and logged), the link stays up"
    )
    read_chunk_bytes: int = Field(default=65536, ge=1, description="bytes asked of the socket per read")

    sink_retries: int = Field(
        default=5, ge=1, description="tries of a batch, then of each event, before it is logged as dead"
    )
    sink_batch_max: int = Field(
        default=500, ge=1, description="messages mapped and handed to the sink at once"
    )

    queue: str = Field(default="", description="queue for pause/unpause; empty means every queue of the seat")
    originate_context: str = Field(default="outbound", description="dialplan context that dials citizens")
    originate_timeout_s: float = Field(default=30.0, gt=0, description="how long the seat's phone rings")
    transfer_context: str = Field(
        default="transfer", description="dialplan context of expert desks and units"
    )
    transfer_targets: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_TRANSFER_TARGETS))
    hotline_number: str = Field(default="12345", description="caller id shown to citizens on a callback")
    login_queue: str = Field(default="12345", description="the queue a seat signs in to (签入) and out of")
    atxfer_complete: str = Field(
        default="*2", pattern=r"^[0-9*#]{1,8}$", description="features.conf atxfercomplete: hand over"
    )
    atxfer_threeway: str = Field(
        default="*3", pattern=r"^[0-9*#]{1,8}$", description="features.conf atxferthreeway: 三方通话"
    )
