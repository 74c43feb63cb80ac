"""Training files that are damaged, foreign or too big: one clear line and exit code 2, read as a stream."""

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from classifier.cli import app
from classifier.dataset import ReadLimits, read_labelled
from classifier.errors import InvalidDataset
from classifier.model import MODEL_FILE
from classifier.normalize import MAX_CHARS
from classifier.settings import ClassifierSettings
from tests.classifier.conftest import write_csv

runner = CliRunner()
SHEET = "xl/worksheets/sheet1.xml"


def workbook(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rewrite(source: Path, target: Path, change: Callable[[bytes], bytes], member: str = SHEET) -> Path:
    """A copy of the package ``source`` with one member's bytes changed."""
    with (
        zipfile.ZipFile(source) as src,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for name in src.namelist():
            data = src.read(name)
            out.writestr(name, change(data) if name == member else data)
    return target


def bomb(path: Path, rows: int) -> Path:
    """A workbook whose sheet repeats one row: a few KB packed, tens of MB unpacked."""
    seed = workbook(path.with_name("seed.xlsx"), [["text", "unit"]])
    row = b'<row><c t="inlineStr"><is><t>' + "停水了".encode() * 200 + b"</t></is></c></row>"
    return rewrite(seed, path, lambda data: data.replace(b"</sheetData>", row * rows + b"</sheetData>"))


def train(path: Path, tmp_path: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["train", str(path), "--out", str(tmp_path / "m"), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture
def good_xlsx(tmp_path: Path) -> Path:
    return workbook(tmp_path / "good.xlsx", [["text", "unit"]] + [["停水了", "tapwater"]] * 20)


def damaged_sheet(path: Path, good: Path) -> Path:
    return rewrite(good, path, lambda data: data[: len(data) // 2])


def cut_short(path: Path, good: Path) -> Path:
    path.write_bytes(good.read_bytes()[:1500])
    return path


def csv_named_xlsx(path: Path, good: Path) -> Path:
    path.write_text("text,unit\n停水了,tapwater\n", encoding="utf-8")
    return path


def foreign_zip(path: Path, good: Path) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("readme.txt", "not a workbook")
    return path


def no_sheet(path: Path, good: Path) -> Path:
    return rewrite(good, path, lambda data: b"<html/>", "xl/workbook.xml")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (damaged_sheet, "damaged XLSX workbook"),
        (cut_short, "not a readable XLSX workbook"),
        (csv_named_xlsx, "not a readable XLSX workbook"),
        (foreign_zip, "not a readable XLSX workbook"),
        (no_sheet, "the workbook has no worksheet"),
    ],
)
def test_a_damaged_or_foreign_xlsx_is_one_clear_line_and_exit_code_2(
    tmp_path: Path, good_xlsx: Path, make: Callable[[Path, Path], Path], message: str
) -> None:
    path = make(tmp_path / "closed.xlsx", good_xlsx)
    code, output = train(path, tmp_path)
    assert code == 2, output
    assert message in output and "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误 error: ") and str(path) in lines[0]
    assert not (tmp_path / "m" / MODEL_FILE).exists()


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bomb(tmp_path / "bomb.xlsx", rows=20_000)
    with zipfile.ZipFile(path) as package:
        sheet = package.getinfo(SHEET)
    assert path.stat().st_size < 200_000 and sheet.file_size > 10_000_000  # the premise: 199 KB in the issue
    opened: list[Path] = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda p, **_: opened.append(p))
    code, output = train(path, tmp_path)
    assert code == 2 and "a likely zip bomb" in output and "压缩炸弹" in output
    assert opened == []


def test_the_unpacked_size_has_a_cap_of_its_own(tmp_path: Path, good_xlsx: Path) -> None:
    read_labelled(good_xlsx, text_col="text", label_cols=["unit"])  # small members: no ratio check
    with pytest.raises(InvalidDataset, match="unpacks to 0 MB"):
        read_labelled(
            good_xlsx, text_col="text", label_cols=["unit"], limits=ReadLimits(max_unpacked_bytes=1000)
        )


def test_the_file_size_cap_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path / "big.csv", ["text", "unit"], [["停水了" * 100, "tapwater"]] * 2000)
    assert path.stat().st_size > 1024 * 1024
    monkeypatch.setenv("HOTLINE_CLASSIFIER_MAX_FILE_MB", "1")
    assert ClassifierSettings().read_limits().max_bytes == 1024 * 1024
    code, output = train(path, tmp_path)
    size = path.stat().st_size / 1024 / 1024
    assert (
        code == 2
        and f"file too large ({size:.1f} MB, at most 1 MB: HOTLINE_CLASSIFIER_MAX_FILE_MB)" in output
    )


def test_the_row_cap_stops_the_read_before_the_rest_of_the_file_is_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["text", "unit"], [["停水了", "tapwater"]] * 3)
    assert len(read_labelled(path, text_col="text", label_cols=["unit"], limits=ReadLimits(max_rows=3))) == 3
    # broken bytes 60 KB further on: a stream meets the cap first, a whole-file read the bytes
    rows = "停电了,power\n".encode() * 4000
    path.write_bytes(path.read_bytes() + rows + "坏了,power\n".encode("gbk"))
    with pytest.raises(InvalidDataset, match="more than 3 rows"):
        read_labelled(path, text_col="text", label_cols=["unit"], limits=ReadLimits(max_rows=3))
    broken_at = len(path.read_bytes()) - len("坏了,power\n".encode("gbk"))
    with pytest.raises(
        InvalidDataset, match=rf"not valid UTF-8 \(broken bytes at byte {broken_at}, line 4005\)"
    ):
        read_labelled(path, text_col="text", label_cols=["unit"])


def test_an_xlsx_with_wrong_stored_dimensions_is_read_whole(tmp_path: Path, good_xlsx: Path) -> None:
    path = rewrite(good_xlsx, tmp_path / "dims.xlsx", lambda d: d.replace(b'ref="A1:B21"', b'ref="A1:B1"'))
    assert b'ref="A1:B1"' in zipfile.ZipFile(path).read(SHEET)
    assert len(read_labelled(path, text_col="text", label_cols=["unit"])) == 20


def test_training_prints_empty_rows_and_truncated_texts(
    small_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    rows = [[r["text"], r["unit"]] for r in small_rows]
    rows[3] = [rows[3][0] + "很长" * 3000, rows[3][1]]
    rows[5:5] = [["", ""], ["", ""]]
    path = write_csv(tmp_path / "closed.csv", ["text", "unit"], rows)
    code, output = train(path, tmp_path, "--category-col", "")
    assert code == 0, output
    assert f"rows used {len(small_rows)}, skipped 0" in output
    assert f"empty rows 2, texts cut to {MAX_CHARS} characters 1" in output
