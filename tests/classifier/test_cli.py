import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from classifier.cli import app
from classifier.model import CARD_FILE, MODEL_FILE
from tests.classifier.conftest import write_csv

runner = CliRunner()
COLUMNS = ["text", "unit", "category"]


def rows_of(sample: list[dict[str, str]]) -> list[list[str]]:
    return [[r["text"], r["unit"], r["category"]] for r in sample]


@pytest.fixture(scope="module")
def train_csv(small_rows: list[dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("cli") / "closed.csv", COLUMNS, rows_of(small_rows))


@pytest.fixture(scope="module")
def trained(train_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model")
    result = runner.invoke(app, ["train", str(train_csv), "--out", str(out), "--units", "seeded"])
    assert result.exit_code == 0, result.output
    assert "saved to" in result.output
    return out


def test_train_from_csv_writes_a_model_and_its_card(trained: Path, train_csv: Path) -> None:
    card = json.loads((trained / CARD_FILE).read_text(encoding="utf-8"))
    assert card["source"] == train_csv.name
    assert set(card["heads"]) == {"unit", "category"}
    assert card["metrics"]["unit"]["rows"] > 0


def test_evaluate_prints_every_figure(
    trained: Path, corpus_rows: list[dict[str, str]], small_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    seen = {r["text"] for r in small_rows}
    unseen = [r for r in corpus_rows if r["text"] not in seen][::10]
    path = write_csv(tmp_path / "unseen.csv", COLUMNS, rows_of(unseen))
    result = runner.invoke(app, ["evaluate", str(path), "--model", str(trained)])
    assert result.exit_code == 0, result.output
    for word in ("accuracy", "macro-F1", "top-3", "precision", "recall", "most confused"):
        assert word in result.output
    assert "市燃气公司" in result.output  # unit names beside the codes


def test_evaluate_other_columns_and_the_category_head(
    trained: Path, small_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "e.csv", ["内容", "分类"], [[r["text"], r["category"]] for r in small_rows[:60]]
    )
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(path),
            "--model",
            str(trained),
            "--text-col",
            "内容",
            "--label-col",
            "分类",
            "--head",
            "category",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rows        60" in result.output


def test_train_and_evaluate_on_xlsx(small_rows: list[dict[str, str]], tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["工单内容", "承办单位"])
    for r in small_rows:
        sheet.append([r["text"], r["unit"]])
    book.save(tmp_path / "closed.xlsx")
    out = tmp_path / "model"
    args = ["--text-col", "工单内容", "--label-col", "承办单位"]
    result = runner.invoke(
        app, ["train", str(tmp_path / "closed.xlsx"), "--out", str(out), "--category-col", "", *args]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", str(tmp_path / "closed.xlsx"), "--model", str(out), *args])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output


@pytest.fixture(scope="module")
def tiny_csv(
    corpus_rows: list[dict[str, str]],
    small_rows: list[dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """Three other rows per unit: too little to beat a model trained on more."""
    seen = {r["text"] for r in small_rows}
    picked: dict[str, list[dict[str, str]]] = {}
    for r in corpus_rows:
        if r["text"] not in seen and len(picked.setdefault(r["unit"], [])) < 3:
            picked[r["unit"]].append(r)
    rows = [r for unit in sorted(picked) for r in picked[unit]]
    return write_csv(tmp_path_factory.mktemp("tiny") / "tiny.csv", COLUMNS, rows_of(rows))


def copy_model(source: Path, target: Path) -> Path:
    target.mkdir()
    for name in (MODEL_FILE, CARD_FILE):
        (target / name).write_bytes((source / name).read_bytes())
    return target


def test_a_worse_model_does_not_replace_the_current_one(
    trained: Path, tiny_csv: Path, tmp_path: Path
) -> None:
    directory = copy_model(trained, tmp_path / "model")
    before = (directory / MODEL_FILE).read_bytes()
    result = runner.invoke(app, ["train", str(tiny_csv), "--out", str(directory)])
    assert result.exit_code == 1, result.output
    assert "kept the current model" in result.output
    assert (directory / MODEL_FILE).read_bytes() == before
    assert not list(directory.glob("backup-*"))


def test_a_model_not_worse_replaces_the_current_one_which_is_kept(
    trained: Path, tiny_csv: Path, train_csv: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "model"
    assert runner.invoke(app, ["train", str(tiny_csv), "--out", str(directory)]).exit_code == 0
    old = (directory / MODEL_FILE).read_bytes()
    result = runner.invoke(app, ["train", str(train_csv), "--out", str(directory)])
    assert result.exit_code == 0, result.output
    assert "previous model kept in" in result.output
    backups = list(directory.glob("backup-*"))
    assert len(backups) == 1
    assert (backups[0] / MODEL_FILE).read_bytes() == old
    assert (directory / MODEL_FILE).read_bytes() != old


def test_corrections_are_learned(trained: Path, train_csv: Path, tmp_path: Path) -> None:
    corrections = write_csv(
        tmp_path / "corrections.csv",
        ["text", "suggested", "chosen"],
        [["楼下足浴店半夜还在放音乐", "urban", "eco"]],
    )
    out = tmp_path / "model"
    result = runner.invoke(
        app, ["train", str(train_csv), "--out", str(out), "--corrections", str(corrections)]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("header", "rows", "extra", "message"),
    [
        (["content", "dept"], [["停水了", "tapwater"]], [], "missing column"),
        (
            ["text", "unit"],
            [["停水了", "tapwater"], ["停电", "nobody"]],
            ["--units", "seeded"],
            "unknown unit label",
        ),
        (["text", "unit"], [["停水了", "tapwater"]] * 5, [], "at least two different units"),
    ],
)
def test_train_refuses_bad_files_clearly(
    tmp_path: Path, header: list[str], rows: list[list[str]], extra: list[str], message: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", header, rows)
    result = runner.invoke(app, ["train", str(path), "--out", str(tmp_path / "m"), *extra])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "m" / MODEL_FILE).exists()


def test_evaluate_refuses_broken_utf8_and_a_missing_model(trained: Path, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("text,unit\n停水了,tapwater\n".encode("gbk"))
    result = runner.invoke(app, ["evaluate", str(path), "--model", str(trained)])
    assert result.exit_code == 2
    assert "not valid UTF-8" in result.output
    result = runner.invoke(app, ["evaluate", str(path), "--model", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no model" in result.output
