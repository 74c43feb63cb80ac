from pathlib import Path

import pytest
from openpyxl import Workbook

from classifier.dataset import Correction, merge_corrections, read_corrections, read_labelled
from classifier.errors import InvalidDataset
from classifier.normalize import MAX_CHARS
from tests.classifier.conftest import write_csv


def test_a_csv_missing_its_columns_names_them(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["content", "dept"], [["停水了", "tapwater"]])
    with pytest.raises(InvalidDataset, match=r"missing column\(s\) text, unit; the file has: content, dept"):
        read_labelled(path, text_col="text", label_cols=["unit"])


def test_broken_utf8_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("text,unit\n小区停水了,tapwater\n".encode("gbk"))
    with pytest.raises(InvalidDataset, match="not valid UTF-8"):
        read_labelled(path, text_col="text", label_cols=["unit"])


def test_unknown_unit_labels_are_refused_when_a_label_set_is_given(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv", ["text", "unit"], [["停水了", "tapwater"], ["乱收费", "price_bureau"]]
    )
    with pytest.raises(InvalidDataset, match=r"1 unknown unit label\(s\) \(row 3: 'price_bureau'\)"):
        read_labelled(path, text_col="text", label_cols=["unit"], known_labels={"unit": {"tapwater"}})


def test_rows_without_text_or_label_are_skipped_and_counted(tmp_path: Path) -> None:
    rows = [
        ["停水了", "tapwater"],
        ["", "power"],
        ["没有单位", ""],
        ["x" * (MAX_CHARS + 1), "power"],
        ["", ""],
        ["停电了", "power"],
    ]
    data = read_labelled(
        write_csv(tmp_path / "t.csv", ["text", "unit"], rows), text_col="text", label_cols=["unit"]
    )
    assert data.texts == ["停水了", "x" * MAX_CHARS, "停电了"]  # a long text is cut, not lost
    assert [n for n, _ in data.skipped] == [3, 4]
    assert (data.empty, data.truncated) == (1, 1)


def test_a_file_with_no_usable_row_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["text", "unit"], [["", "power"]])
    with pytest.raises(InvalidDataset, match="no usable rows"):
        read_labelled(path, text_col="text", label_cols=["unit"])


def test_other_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidDataset, match="no such file"):
        read_labelled(tmp_path / "none.csv", text_col="text", label_cols=["unit"])
    (tmp_path / "t.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InvalidDataset, match=r"\.csv or \.xlsx"):
        read_labelled(tmp_path / "t.json", text_col="text", label_cols=["unit"])
    (tmp_path / "fake.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InvalidDataset, match="not a readable XLSX"):
        read_labelled(tmp_path / "fake.xlsx", text_col="text", label_cols=["unit"])
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InvalidDataset, match="empty"):
        read_labelled(tmp_path / "empty.csv", text_col="text", label_cols=["unit"])


def test_xlsx_is_read_like_csv(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["text", "unit", "category"])
    sheet.append(["停水了", "tapwater", "utility.water"])
    sheet.append([12345, "power", None])
    book.save(tmp_path / "t.xlsx")
    data = read_labelled(
        tmp_path / "t.xlsx", text_col="text", label_cols=["unit"], optional_cols=["category"]
    )
    assert data.texts == ["停水了", "12345"]
    assert data.labels == {"unit": ["tapwater", "power"], "category": ["utility.water", ""]}


def test_corrections_keep_only_disagreements_and_feed_the_next_training_set(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "corrections.csv",
        ["text", "suggested", "chosen"],
        [["停水了", "power", "tapwater"], ["停电了", "power", "power"], ["新的一条", "urban", "housing"]],
    )
    corrections = read_corrections(path)
    assert corrections == [
        Correction("停水了", "power", "tapwater"),
        Correction("新的一条", "urban", "housing"),
    ]
    base = write_csv(tmp_path / "base.csv", ["text", "unit"], [["停水了", "power"], ["停电了", "power"]])
    merged = merge_corrections(read_labelled(base, text_col="text", label_cols=["unit"]), corrections)
    assert list(zip(merged.texts, merged.labels["unit"], strict=True)) == [
        ("停水了", "tapwater"),
        ("停电了", "power"),
        ("新的一条", "housing"),
    ]


def test_a_correction_to_an_unknown_unit_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", ["text", "suggested", "chosen"], [["停水了", "power", "nobody"]])
    with pytest.raises(InvalidDataset, match="unknown chosen label"):
        read_corrections(path, known_units={"power", "tapwater"})
