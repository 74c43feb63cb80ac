"""`hotline classifier retrain | models | promote | rollback` on a database and a store of the test's own."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from classifier.registry import registry_from_settings
from tests.web.cli_database import demo_copy
from tests.web.conftest import now_at_start
from tests.web.model_history import KEYWORD_TEXT, KEYWORD_UNIT, add_history
from web.cli import app
from web.model_reload import LiveClassifier

runner = CliRunner()
HOTLINE = Path(sys.executable).parent / "hotline"


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> Engine:
    return demo_copy(monkeypatch, tmp_path, sqlite_template)


def test_too_few_closed_tickets_are_refused(engine: Engine, model_store: Path) -> None:
    result = runner.invoke(app, ["classifier", "retrain"])
    assert result.exit_code == 1
    assert "已办结工单太少：只有 0 条，至少需要 50 条" in result.output
    assert not (model_store / "versions").exists()


def test_retrain_list_promote_rollback(engine: Engine, model_store: Path) -> None:
    with Session(engine) as session:
        rows = add_history(session, now_at_start())
    result = runner.invoke(app, ["classifier", "retrain", "--seed", "3"])
    assert result.exit_code == 0, result.output
    registry = registry_from_settings()
    [info] = registry.versions()
    assert f"候选模型 {info.version}：已办结工单 {rows} 条" in result.output
    assert f"hotline classifier promote {info.version}" in result.output
    assert info.report["seed"] == 3 and info.report["n_test"] > 0
    listed = runner.invoke(app, ["classifier", "models"])
    assert listed.exit_code == 0 and "在用 随系统发布的模型" in listed.output
    assert f"  {info.version}  macro-F1" in listed.output
    server = LiveClassifier(registry, check_every_s=0)  # a running server, started before the promote
    assert server.suggest(KEYWORD_TEXT).units[0].unit_code != KEYWORD_UNIT
    # Promoted by another process: the server here follows the pointer file.
    promoted = subprocess.run(
        [str(HOTLINE), "classifier", "promote", info.version], capture_output=True, text=True, check=False
    )
    assert promoted.returncode == 0 and f"已启用模型 {info.version}" in promoted.stdout, promoted.stderr
    assert f"* {info.version}" in runner.invoke(app, ["classifier", "models"]).output
    assert server.suggest(KEYWORD_TEXT).units[0].unit_code == KEYWORD_UNIT
    rolled = runner.invoke(app, ["classifier", "rollback"])
    assert rolled.exit_code == 0 and "已回退到 随系统发布的模型" in rolled.output
    assert server.suggest(KEYWORD_TEXT).units[0].unit_code != KEYWORD_UNIT
    again = runner.invoke(app, ["classifier", "rollback"])
    assert again.exit_code == 1 and "没有可回退的上一个模型版本" in again.output
    unknown = runner.invoke(app, ["classifier", "promote", "20260101-000000-abcd"])
    assert unknown.exit_code == 1 and "不存在" in unknown.output
