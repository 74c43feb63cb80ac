"""Reading labelled tickets from CSV or XLSX, with clear errors for files that cannot be used."""

import csv
import io
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from classifier.errors import InvalidDataset, InvalidText
from classifier.normalize import MAX_CHARS, check_text

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})


@dataclass
class LabelledTexts:
    """Texts with their labels per column; ``skipped`` says which rows were left out and why."""

    texts: list[str] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str, labels: dict[str, str]) -> None:
        self.texts.append(text)
        for name, value in labels.items():
            self.labels.setdefault(name, []).append(value)


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV (UTF-8) or XLSX file (its first sheet)."""
    if not path.is_file():
        raise InvalidDataset(f"{path}: no such file")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _read_xlsx(path)
    if path.suffix.lower() not in {".csv", ".txt", ".tsv"}:
        raise InvalidDataset(f"{path}: expected a .csv or .xlsx file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidDataset(
            f"{path}: not valid UTF-8 (broken bytes at byte {err.start}); save it as UTF-8 CSV and retry"
        ) from err
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as err:
        raise InvalidDataset(f"{path}: not a readable CSV file: {err}") from err
    if not table:
        raise InvalidDataset(f"{path}: the file is empty")
    return [h.strip() for h in table[0]], table[1:]


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]]]:
    from openpyxl import load_workbook  # imported here: only the XLSX path needs it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a damaged or foreign file
        raise InvalidDataset(f"{path}: not a readable XLSX workbook: {err}") from err
    try:
        sheet = book.worksheets[0]
        table = [
            ["" if cell is None else str(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
            if any(cell is not None and str(cell).strip() for cell in row)
        ]
    finally:
        book.close()
    if not table:
        raise InvalidDataset(f"{path}: the first sheet is empty")
    return [h.strip() for h in table[0]], table[1:]


def read_labelled(
    path: Path,
    *,
    text_col: str,
    label_cols: Sequence[str],
    optional_cols: Sequence[str] = (),
    known_labels: dict[str, Collection[str]] | None = None,
    max_chars: int = MAX_CHARS,
) -> LabelledTexts:
    """Rows of ``path`` with a usable text and label; rows without one are skipped and counted.

    Missing required columns, and labels outside ``known_labels`` (when given for a column),
    are errors that name the file, the columns or the rows.
    """
    header, rows = read_rows(path)
    wanted = [text_col, *label_cols]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise InvalidDataset(
            f"{path}: missing column(s) {', '.join(missing)}; the file has: {', '.join(header) or '(none)'}"
        )
    present_optional = [c for c in optional_cols if c in header]
    index = {name: header.index(name) for name in [*wanted, *present_optional]}
    data = LabelledTexts()
    unknown: dict[str, list[tuple[int, str]]] = {}
    for number, row in enumerate(rows, start=2):
        cell = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
        try:
            text = check_text(cell[text_col], max_chars=max_chars)
        except InvalidText as err:
            data.skipped.append((number, str(err)))
            continue
        if any(not cell[c] for c in label_cols):
            data.skipped.append((number, "no label"))
            continue
        for column, allowed in (known_labels or {}).items():
            value = cell.get(column, "")
            if value and value not in allowed:
                unknown.setdefault(column, []).append((number, value))
        data.add(text, {c: cell[c] for c in [*label_cols, *present_optional]})
    if unknown:
        parts = []
        for column, hits in unknown.items():
            sample = ", ".join(f"row {n}: {v!r}" for n, v in hits[:5])
            parts.append(f"{len(hits)} unknown {column} label(s) ({sample})")
        raise InvalidDataset(f"{path}: " + "; ".join(parts))
    if not data.texts:
        raise InvalidDataset(f"{path}: no usable rows ({len(data.skipped)} skipped: {_skips(data.skipped)})")
    return data


def _skips(skipped: Iterable[tuple[int, str]]) -> str:
    return "; ".join(f"row {n}: {why}" for n, why in list(skipped)[:3])


@dataclass(frozen=True, slots=True)
class Correction:
    """A dispatcher's correction: the classifier suggested one unit, the dispatcher chose another."""

    text: str
    suggested: str
    chosen: str


def read_corrections(path: Path, *, known_units: Collection[str] | None = None) -> list[Correction]:
    """Corrections from a CSV with columns text, suggested, chosen; agreements are left out."""
    data = read_labelled(
        path,
        text_col="text",
        label_cols=["chosen"],
        optional_cols=["suggested"],
        known_labels={"chosen": known_units} if known_units is not None else None,
    )
    suggested = data.labels.get("suggested", [""] * len(data))
    return [
        Correction(text, s, c)
        for text, s, c in zip(data.texts, suggested, data.labels["chosen"], strict=True)
        if s != c
    ]


def merge_corrections(
    data: LabelledTexts, corrections: Iterable[Correction], *, label_col: str = "unit"
) -> LabelledTexts:
    """``data`` plus the corrections as examples of the chosen unit; a correction overrides the same text."""
    fixes = {c.text: c.chosen for c in corrections}
    merged = LabelledTexts(skipped=list(data.skipped))
    columns = list(data.labels)
    for i, text in enumerate(data.texts):
        row = {name: data.labels[name][i] for name in columns}
        if text in fixes:
            row[label_col] = fixes.pop(text)
            row = {name: (value if name == label_col else "") for name, value in row.items()}
        merged.add(text, row)
    for text, chosen in fixes.items():
        merged.add(text, {name: (chosen if name == label_col else "") for name in columns or [label_col]})
    return merged
