"""Logging for every process the project runs (server, bridge, simulator): text or JSON lines.

``HOTLINE_LOG_FORMAT=json`` writes one JSON object per line (time, level, logger, message and any
``extra`` fields), what a log shipper (Loki, Elasticsearch, journald) indexes without parsing. The
server's access log goes the same way, so a request's line carries its method, path and status.
"""

import logging
import logging.config
import sys
from typing import Any, Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The JSON lines' own names for the record fields (python-json-logger renames them so).
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record, not the one at set-up
    (a test runner, or a daemon that reopens it, swaps it underneath)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class LogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_LOG_", env_file=".env", extra="ignore")

    format: LogFormat = "text"
    level: str = "INFO"


def logging_config(fmt: LogFormat, level: str) -> dict[str, Any]:
    """A dictConfig for the root logger and uvicorn's, all to stderr in one format."""
    if fmt == "json":
        formatter: dict[str, Any] = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    handler = {"()": StderrHandler, "formatter": "main"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": level.upper()},
        # uvicorn's loggers propagate to the root instead of keeping handlers of their own.
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level.upper()}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def setup_logging(level: str | None = None, settings: LogSettings | None = None) -> dict[str, Any]:
    """Configure logging from ``HOTLINE_LOG_*`` (``level`` wins over the setting); returns the config."""
    settings = settings or LogSettings()
    chosen = (level or settings.level).upper()
    if chosen not in logging.getLevelNamesMapping():
        print(f"HOTLINE_LOG_LEVEL={chosen!r} is not a logging level; INFO is used", file=sys.stderr)
        chosen = "INFO"
    config = logging_config(settings.format, chosen)
    logging.config.dictConfig(config)
    return config
