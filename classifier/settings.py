"""The classifier's settings, read from ``HOTLINE_CLASSIFIER_*`` environment variables when asked for."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from classifier.dataset import MB, ReadLimits
from classifier.normalize import MAX_CHARS

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "model"


class ClassifierSettings(BaseSettings):
    """Where the model lives and when a suggestion counts as unsure."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_CLASSIFIER_", extra="ignore")

    model_dir: Path | None = None  # None: the model shipped in the package
    # Retrained candidates and the active pointer (classifier/registry.py); relative to the working dir.
    store_dir: Path = Path("var/models")
    unsure_below: float = Field(default=0.5, ge=0.0, le=1.0)
    # The emergency head flags a text the rules missed when P(no emergency) falls below this.
    emergency_below: float = Field(default=0.5, ge=0.0, le=1.0)
    max_chars: int = Field(default=MAX_CHARS, gt=0)
    # Caps on a training or evaluation file (docs/classifier.md, "Retraining").
    max_file_mb: int = Field(default=200, gt=0)
    max_rows: int = Field(default=1_000_000, gt=0)
    max_xlsx_unpacked_mb: int = Field(default=1000, gt=0)
    max_xlsx_ratio: int = Field(default=100, gt=1)

    def read_limits(self) -> ReadLimits:
        """The caps ``read_labelled`` applies to a file."""
        return ReadLimits(
            max_bytes=self.max_file_mb * MB,
            max_rows=self.max_rows,
            max_unpacked_bytes=self.max_xlsx_unpacked_mb * MB,
            max_ratio=self.max_xlsx_ratio,
            max_chars=self.max_chars,
        )

    def resolved_model_dir(self) -> Path:
        """The configured model directory, or the shipped one."""
        return self.model_dir if self.model_dir is not None else SHIPPED_MODEL_DIR
