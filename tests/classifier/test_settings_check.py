"""Unknown ``HOTLINE_*`` names are warned of, with the closest known name."""

import pytest
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from classifier.settings import ClassifierSettings
from hotline.config import Settings
from hotline.settings_check import UnknownSetting, setting_names, unknown_settings, warning_lines
from telephony.config import AmiSettings
from web.config import WebSettings
from web.logs import LogSettings

CLASSES: list[type[BaseSettings]] = [Settings, WebSettings, LogSettings, ClassifierSettings, AmiSettings]


def test_every_settings_field_and_alias_is_known() -> None:
    names = set().union(*(setting_names(c) for c in CLASSES))
    assert {"HOTLINE_DATABASE_URL", "HOTLINE_CLASSIFIER_MODEL_DIR", "HOTLINE_AMI_HOST"} <= names
    assert {"HOTLINE_REDIS_URL", "HOTLINE_WEB_REDIS_URL"} <= names  # an alias and the field


def test_unknown_names_come_with_the_closest_known_one() -> None:
    environ = {
        "HOTLINE_CLASSIFIER_MODELDIR": "/srv/model",
        "HOTLINE_WEB_PROT": "8080",
        "HOTLINE_ZZZ": "1",
        "HOTLINE_DATABASE_URL": "sqlite://",
        "HOTLINE_REDIS_URL": "redis://",
        "HOTLINE_TEST_DATABASE_URL": "postgresql://",  # the test suite's own, not a setting
        "HOME": "/root",
    }
    assert unknown_settings(CLASSES, environ) == [
        UnknownSetting("HOTLINE_CLASSIFIER_MODELDIR", "HOTLINE_CLASSIFIER_MODEL_DIR"),
        UnknownSetting("HOTLINE_WEB_PROT", "HOTLINE_WEB_PORT"),
        UnknownSetting("HOTLINE_ZZZ", None),
    ]
    lines = warning_lines(unknown_settings(CLASSES, environ))
    assert "HOTLINE_WEB_PROT" in lines[1] and "是否应为 HOTLINE_WEB_PORT" in lines[1]
    assert "已被忽略" in lines[2]


@pytest.mark.parametrize("typo", ["HOTLINE_WEB_PROT", "HOTLINE_DATABSE_URL"])
def test_the_hotline_command_warns_before_any_command(typo: str) -> None:
    from web.cli import app

    result = CliRunner().invoke(app, ["calendar", "--help"], env={typo: "1"})
    assert result.exit_code == 0, result.output
    assert f"环境变量 {typo} 不是已知的设置" in result.output
