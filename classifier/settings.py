"""The classifier's settings, read from ``HOTLINE_CLASSIFIER_*`` environment variables when asked for."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from classifier.normalize import MAX_CHARS

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "model"


class ClassifierSettings(BaseSettings):
    """Where the model lives and when a suggestion counts as unsure."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_CLASSIFIER_", extra="ignore")

    model_dir: Path | None = None  # None: the model shipped in the package
    unsure_below: float = Field(default=0.5, ge=0.0, le=1.0)
    # The emergency head flags a text the rules missed when P(no emergency) falls below this.
    emergency_below: float = Field(default=0.5, ge=0.0, le=1.0)
    max_chars: int = Field(default=MAX_CHARS, gt=0)

    def resolved_model_dir(self) -> Path:
        """The configured model directory, or the shipped one."""
        return self.model_dir if self.model_dir is not None else SHIPPED_MODEL_DIR
