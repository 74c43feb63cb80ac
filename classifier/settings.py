"""The classifier's settings, read from ``HOTLINE_CLASSIFIER_*`` environment variables when asked for."""

import difflib
import os
from collections.abc import Mapping
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


PREFIX = "HOTLINE_CLASSIFIER_"
# How alike a name must be to one of ours to be taken for a mistyped one (difflib's ratio).
MISTYPED_RATIO = 0.85


def setting_names() -> frozenset[str]:
    """Every ``HOTLINE_CLASSIFIER_*`` name the settings read."""
    return frozenset(PREFIX + name.upper() for name in ClassifierSettings.model_fields)


def mistyped_settings(environ: Mapping[str, str] | None = None) -> list[tuple[str, str | None]]:
    """Environment names meant for the classifier that it does not read, each with the closest it does.

    Pydantic ignores unknown names: a mistyped ``HOTLINE_CLASSIFIER_MODEL_DIR`` would leave the
    model directory at its default, the shipped model, and a retrain would write over it. A name
    is taken as meant for us when it has our prefix or is close to one of our names. (The core's
    ``hotline.settings_check`` warns of every package's names; the classifier stands alone.)
    """
    environ = os.environ if environ is None else environ
    known = setting_names()
    found: list[tuple[str, str | None]] = []
    for name in sorted(environ):
        upper = name.upper()
        if upper in known or not upper.startswith("HOTLINE_"):
            continue
        closest = difflib.get_close_matches(upper, known, n=1, cutoff=MISTYPED_RATIO)
        if upper.startswith(PREFIX) or closest:
            found.append((name, closest[0] if closest else None))
    return found
