"""HOTLINE_LOG_FORMAT: JSON lines a log shipper indexes as they are, text for a person at a terminal."""

import json
import logging
from collections.abc import Iterator

import pytest

from web.logs import LogSettings, setup_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """dictConfig replaces the root logger's handlers: put back pytest's own afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


def test_json_lines_carry_the_fields_and_the_extras(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging(settings=LogSettings(format="json", level="INFO"))
    logging.getLogger("web.test").warning("工单 %s 已派单", "20261207-00001", extra={"unit": "housing"})
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/desk", "1.1", 200
    )
    logging.getLogger("web.test").debug("not at INFO")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 2
    first, access = lines
    assert first["level"] == "WARNING" and first["logger"] == "web.test"
    assert first["message"] == "工单 20261207-00001 已派单" and first["unit"] == "housing"
    assert first["time"][:4].isdigit()
    assert access["logger"] == "uvicorn.access" and "GET /desk" in access["message"]


def test_text_is_the_default_and_a_bad_level_falls_back_to_info(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert LogSettings().format == "text"
    setup_logging(settings=LogSettings(level="LOUD"))
    logging.getLogger("web.test").info("hello")
    err = capsys.readouterr().err
    assert "HOTLINE_LOG_LEVEL='LOUD' is not a logging level" in err
    assert err.rstrip().endswith("INFO web.test: hello")


def test_the_format_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="format"):
        LogSettings()
