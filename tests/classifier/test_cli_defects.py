"""The CLI defects of issue 14, each held by a test that failed before its fix."""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.evaluate import ClassScore, EvaluationReport, format_report
from classifier.model import MODEL_FILE
from classifier.settings import mistyped_settings
from tests.classifier.conftest import write_csv
from tests.classifier.test_cli import COLUMNS, rows_of

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(small_rows: list[dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    train_csv = write_csv(tmp_path_factory.mktemp("cli") / "closed.csv", COLUMNS, rows_of(small_rows))
    out = tmp_path_factory.mktemp("model")
    result = runner.invoke(app, ["train", str(train_csv), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_evaluate_says_how_many_rows_it_left_out_and_why(
    trained: Path, small_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    long_text = small_rows[0]["text"] + "。" + "情况说明" * 2000  # 8,000+ characters
    rows = [
        *rows_of(small_rows[:20]),
        ["", "gas", "x"],  # no text
        ["停水两天了", "", "x"],  # no label
        ["", "", ""],  # an empty row
        [long_text, small_rows[0]["unit"], "x"],
    ]
    path = write_csv(tmp_path / "e.csv", COLUMNS, rows)
    result = runner.invoke(app, ["evaluate", str(path), "--model", str(trained)])
    assert result.exit_code == 0, result.output
    assert "rows        21" in result.output  # the long text is cut, not dropped
    assert "skipped     2" in result.output
    assert "text is empty: 1" in result.output
    assert "no label: 1" in result.output
    assert "empty rows  1" in result.output
    assert "cut to 6000 characters 1" in result.output


def test_the_per_class_table_lines_up_chinese_labels() -> None:
    report = EvaluationReport(
        rows=3,
        accuracy=1.0,
        macro_f1=1.0,
        top3=1.0,
        per_class=[
            ClassScore("臺北市政府社會局老人福利科", 0.5, 0.5, 3),
            ClassScore("gas", 1.0, 1.0, 2),
            ClassScore("臺北市政府文化局", 1.0, 0.25, 1),
        ],
    )
    lines = format_report(report, names={"gas": "市燃气公司"}).splitlines()
    table = [line for line in lines if line.rstrip().endswith(("3", "2", "1")) and "." in line]
    assert len(table) == 3
    # Every column ends at the same display column: CJK characters take two cells.
    from unicodedata import east_asian_width

    def cells(text: str) -> int:
        return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)

    header = next(line for line in lines if line.startswith("class"))
    assert {cells(line) for line in table} == {cells(header)}
    assert len({cells(line[: line.rindex(".") - 1]) for line in table}) == 1


def test_training_on_labels_disjoint_from_the_current_model_is_refused(trained: Path, tmp_path: Path) -> None:
    directory = tmp_path / "model"
    directory.mkdir()
    for name in os.listdir(trained):
        if not name.startswith("backup-"):
            (directory / name).write_bytes((trained / name).read_bytes())
    before = (directory / MODEL_FILE).read_bytes()
    rows = [[f"臺北市{n}號公園的路燈不亮", "臺北市政府工務局", ""] for n in range(12)]
    rows += [[f"臺北市{n}號學校的學費問題", "臺北市政府教育局", ""] for n in range(12)]
    path = write_csv(tmp_path / "other.csv", COLUMNS, rows)
    result = runner.invoke(app, ["train", str(path), "--out", str(directory)])
    assert result.exit_code == 1, result.output
    assert "none of the current model's" in result.output
    assert "--force" in result.output
    assert (directory / MODEL_FILE).read_bytes() == before
    result = runner.invoke(app, ["train", str(path), "--out", str(directory), "--force"])
    assert result.exit_code == 0, result.output
    assert (directory / MODEL_FILE).read_bytes() != before


def test_training_on_part_of_the_current_units_warns_which_are_lost(
    trained: Path, small_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    directory = tmp_path / "model"
    directory.mkdir()
    for name in os.listdir(trained):
        if not name.startswith("backup-"):
            (directory / name).write_bytes((trained / name).read_bytes())
    units = sorted({r["unit"] for r in small_rows})
    kept = [r for r in small_rows if r["unit"] in units[:10]]
    path = write_csv(tmp_path / "part.csv", COLUMNS, rows_of(kept))
    result = runner.invoke(app, ["train", str(path), "--out", str(directory), "--force"])
    assert result.exit_code == 0, result.output
    assert f"{len(units) - 10} of the current model's {len(units)} units" in result.output


@pytest.mark.parametrize(
    ("name", "closest"),
    [
        ("HOTLINE_CLASSIFIER_MODELDIR", "HOTLINE_CLASSIFIER_MODEL_DIR"),
        ("HOTLINE_CLASIFIER_MODEL_DIR", "HOTLINE_CLASSIFIER_MODEL_DIR"),
        ("HOTLINE_CLASSIFIER_NO_SUCH", None),
    ],
)
def test_train_refuses_a_mistyped_classifier_setting(
    small_rows: list[dict[str, str]], tmp_path: Path, name: str, closest: str | None
) -> None:
    path = write_csv(tmp_path / "closed.csv", COLUMNS, rows_of(small_rows[:40]))
    out = tmp_path / "m"
    result = runner.invoke(app, ["train", str(path), "--out", str(out)], env={name: str(tmp_path / "x")})
    assert result.exit_code == 2, result.output
    assert name in result.output
    if closest:
        assert closest in result.output
    assert not (out / MODEL_FILE).exists()


def test_other_packages_settings_are_not_taken_for_mistyped_classifier_ones() -> None:
    environ = {
        "HOTLINE_CLASSIFIER_MODEL_DIR": "/m",
        "HOTLINE_WEB_CLASSIFIER": "0",
        "HOTLINE_DATABASE_URL": "sqlite://",
        "HOTLINE_TEST_REDIS_URL": "redis://",
        "PATH": "/bin",
    }
    assert mistyped_settings(environ) == []


def test_corrections_accept_the_training_export(
    trained: Path, small_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    """`hotline tickets export-training` writes text, unit, category, suggested."""
    train_csv = write_csv(tmp_path / "closed.csv", COLUMNS, rows_of(small_rows))
    text = "楼下足浴店半夜还在放音乐，吵得睡不着"
    export = write_csv(
        tmp_path / "export.csv",
        ["text", "unit", "category", "suggested"],
        [[text, "eco", "", "urban"], ["小区停水了", "tapwater", "", "tapwater"]],
    )
    out = tmp_path / "model"
    result = runner.invoke(
        app, ["train", str(train_csv), "--out", str(out), "--corrections", str(export), "--force"]
    )
    assert result.exit_code == 0, result.output
    assert "corrections 1" in result.output  # the agreement is not a correction
