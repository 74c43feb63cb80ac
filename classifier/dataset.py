"""Reading labelled tickets from CSV or XLSX, with clear errors for files that cannot be used.

Files are read a row at a time and within caps (``ReadLimits``): the size on disk, the number of
rows, and for XLSX the package's unpacked size and compression ratio, checked before openpyxl
opens it. Whatever is wrong with a file comes out as one ``InvalidDataset`` line, in Chinese and
English, never a library's traceback.
"""

import csv
import zipfile
from collections.abc import Collection, Generator, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from classifier.errors import InvalidDataset, InvalidText
from classifier.normalize import MAX_CHARS, check_text

EXCEL_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
TEXT_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv"})
MB: Final = 1024 * 1024
# Members this small are not held to the ratio: styles and the like compress very well.
RATIO_GRACE_BYTES: Final = 1 * MB


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What reading one file may cost; ``ClassifierSettings.read_limits()`` fills it from settings."""

    max_bytes: int = 200 * MB  # on disk, CSV or XLSX
    max_rows: int = 1_000_000  # rows after the header, empty ones included
    max_unpacked_bytes: int = 1000 * MB  # an XLSX package's members, unpacked, together
    max_ratio: int = 100  # one member may unpack to at most this many times its packed size
    max_chars: int = MAX_CHARS  # longer texts are cut to this many characters


DEFAULT_LIMITS: Final = ReadLimits()


@dataclass
class LabelledTexts:
    """Texts with their labels per column; ``skipped`` says which rows were left out and why.

    ``empty`` counts rows with no cell filled in (not listed in ``skipped``); ``truncated`` counts
    texts cut to the length limit.
    """

    texts: list[str] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    empty: int = 0
    truncated: int = 0

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str, labels: dict[str, str]) -> None:
        self.texts.append(text)
        for name, value in labels.items():
            self.labels.setdefault(name, []).append(value)


def _bad(path: Path, chinese: str, english: str) -> InvalidDataset:
    return InvalidDataset(f"{path}: {chinese} / {english}")


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text[:200]


def iter_rows(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> Generator[list[str]]:
    """Every row of a CSV (UTF-8) or XLSX file (its first sheet) as text cells, empty rows too.

    Checks the file's size (and an XLSX package) before reading; raises InvalidDataset.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise _bad(path, "文件不存在", "no such file")
    if suffix not in EXCEL_SUFFIXES | TEXT_SUFFIXES:
        raise _bad(path, "请使用 .csv 或 .xlsx 文件", "expected a .csv or .xlsx file")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise _bad(
            path,
            f"文件过大（{size / MB:.1f} MB，上限 {limits.max_bytes / MB:.0f} MB）",
            f"file too large ({size / MB:.1f} MB, at most {limits.max_bytes / MB:.0f} MB: "
            "HOTLINE_CLASSIFIER_MAX_FILE_MB); split it",
        )
    if suffix in EXCEL_SUFFIXES:
        _check_package(path, limits)
        return _xlsx_rows(path)
    return _csv_rows(path, delimiter="\t" if suffix == ".tsv" else ",")


def _csv_rows(path: Path, *, delimiter: str) -> Generator[list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.reader(handle, delimiter=delimiter)
    except UnicodeDecodeError as err:
        raise _broken_utf8(path) from err
    except csv.Error as err:
        raise _bad(path, "无法按 CSV 读取", f"not a readable CSV file: {_one_line(err)}") from err
    except OSError as err:
        raise _bad(path, "无法读取文件", f"cannot read the file: {_one_line(err)}") from err


def _broken_utf8(path: Path) -> InvalidDataset:
    """Where the first broken byte is: the decoder reads ahead in chunks, so look again line by line."""
    line, byte, offset = 0, 0, 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as err:
                line, byte = number, offset + err.start
                break
            offset += len(raw)
    return _bad(
        path,
        f"不是有效的 UTF-8 编码（第 {line} 行），请另存为 UTF-8 CSV 后重试",
        f"not valid UTF-8 (broken bytes at byte {byte}, line {line}); save it as UTF-8 CSV and retry",
    )


def _check_package(path: Path, limits: ReadLimits) -> None:
    """Refuse a zip bomb before anything unpacks it: sizes from the package's own directory.

    Python's zipfile never unpacks a member past the size the directory states (a member that
    claims less than it holds fails its CRC check), so checking the stated sizes is enough.
    """
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise _bad(
            path,
            "不是 XLSX 工作簿（旧版 .xls 请在 Excel 中另存为 .xlsx）",
            f"not a readable XLSX workbook: {_one_line(err)}",
        ) from err
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > RATIO_GRACE_BYTES and member.file_size > limits.max_ratio * packed:
            raise _bad(
                path,
                "工作簿解压后异常膨胀，疑似压缩炸弹，已拒绝",
                f"refused: {member.filename} unpacks {member.file_size // packed}x its packed size "
                f"(at most {limits.max_ratio}x: HOTLINE_CLASSIFIER_MAX_XLSX_RATIO), a likely zip bomb",
            )
    if total > limits.max_unpacked_bytes:
        raise _bad(
            path,
            f"工作簿解压后过大（{total / MB:.0f} MB，上限 {limits.max_unpacked_bytes / MB:.0f} MB）",
            f"refused: the workbook unpacks to {total / MB:.0f} MB (at most "
            f"{limits.max_unpacked_bytes / MB:.0f} MB: HOTLINE_CLASSIFIER_MAX_XLSX_UNPACKED_MB); "
            "save it as CSV or split it",
        )


def _xlsx_rows(path: Path) -> Generator[list[str]]:
    from openpyxl import load_workbook  # imported here: only the XLSX path needs it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a damaged or foreign file
        raise _bad(path, "不是可读的 XLSX 工作簿", f"not a readable XLSX workbook: {_one_line(err)}") from err
    try:
        if not book.worksheets:
            raise _bad(path, "工作簿没有工作表", "the workbook has no worksheet")
        sheet = book.worksheets[0]
        # The dimensions a writer stored are a claim: wrong ones would cut rows off or pad
        # a million empty ones. Without them openpyxl reads the rows that are there.
        sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            yield ["" if cell is None else str(cell) for cell in row]
    except InvalidDataset:
        raise
    except Exception as err:  # a damaged sheet fails only when its rows are parsed
        raise _bad(path, "工作簿已损坏，无法读取", f"damaged XLSX workbook: {_one_line(err)}") from err
    finally:
        book.close()


def read_labelled(
    path: Path,
    *,
    text_col: str,
    label_cols: Sequence[str],
    optional_cols: Sequence[str] = (),
    known_labels: dict[str, Collection[str]] | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> LabelledTexts:
    """Rows of ``path`` with a usable text and label; rows without one are skipped and counted.

    Read as a stream within ``limits``. Empty rows are counted, texts over ``limits.max_chars``
    cut to it and counted. Missing required columns, more rows than ``limits.max_rows``, and
    labels outside ``known_labels`` (when given for a column) are errors that name the file, the
    columns or the rows.
    """
    data = LabelledTexts()
    unknown: dict[str, list[tuple[int, str]]] = {}
    index: dict[str, int] = {}  # column → position, filled from the header
    kept: list[str] = []  # the label columns kept: required, then the optional ones present
    header_at = 0
    with closing(iter_rows(path, limits)) as rows:
        for number, row in enumerate(rows, start=1):
            blank = not any(cell.strip() for cell in row)
            if not header_at:
                if not blank:
                    index = _columns(path, [h.strip() for h in row], text_col, label_cols, optional_cols)
                    kept = [*label_cols, *(c for c in optional_cols if c in index)]
                    header_at = number
                continue
            if number - header_at > limits.max_rows:
                raise _bad(
                    path,
                    f"超过 {limits.max_rows} 行，请拆分文件",
                    f"more than {limits.max_rows:,} rows (HOTLINE_CLASSIFIER_MAX_ROWS); split the file",
                )
            if blank:
                data.empty += 1
                continue
            cell = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
            text = cell[text_col]
            if len(text) > limits.max_chars:
                text = text[: limits.max_chars]
                data.truncated += 1
            try:
                text = check_text(text, max_chars=limits.max_chars)
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
            data.add(text, {c: cell[c] for c in kept})
    if not header_at:
        raise _bad(path, "文件是空的", "the file is empty")
    if unknown:
        parts = []
        for column, hits in unknown.items():
            sample = ", ".join(f"row {n}: {v!r}" for n, v in hits[:5])
            parts.append(f"{len(hits)} unknown {column} label(s) ({sample})")
        raise _bad(path, "有未知的标签", "; ".join(parts))
    if not data.texts:
        raise _bad(
            path, "没有可用的行", f"no usable rows ({len(data.skipped)} skipped: {_skips(data.skipped)})"
        )
    return data


def _columns(
    path: Path, header: list[str], text_col: str, label_cols: Sequence[str], optional_cols: Sequence[str]
) -> dict[str, int]:
    """Where each wanted column is: the text first, then the labels, then the optional ones present."""
    wanted = [text_col, *label_cols]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise _bad(
            path,
            f"缺少列 {'、'.join(missing)}",
            f"missing column(s) {', '.join(missing)}; the file has: {', '.join(header) or '(none)'}",
        )
    present_optional = [c for c in optional_cols if c in header]
    return {name: header.index(name) for name in [*wanted, *present_optional]}


def _skips(skipped: Iterable[tuple[int, str]]) -> str:
    return "; ".join(f"row {n}: {why}" for n, why in list(skipped)[:3])


@dataclass(frozen=True, slots=True)
class Correction:
    """A dispatcher's correction: the classifier suggested one unit, the dispatcher chose another."""

    text: str
    suggested: str
    chosen: str


def read_header(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> list[str]:
    """The first non-empty row of ``path``, stripped: its column names."""
    with closing(iter_rows(path, limits)) as rows:
        for row in rows:
            if any(cell.strip() for cell in row):
                return [cell.strip() for cell in row]
    raise _bad(path, "文件是空的", "the file is empty")


# The unit a dispatcher chose, by the column name each writer uses: a corrections file's own, or
# `hotline tickets export-training`'s (text, unit, category, suggested).
CHOSEN_COLUMNS: Final = ("chosen", "unit")


def read_corrections(
    path: Path, *, known_units: Collection[str] | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> list[Correction]:
    """Corrections from a CSV with columns text, suggested and chosen (or unit); agreements are left out.

    The training export of the core (``text, unit, category, suggested``) is read as it is: its
    ``unit`` is the unit the ticket went to, the dispatcher's choice.
    """
    header = read_header(path, limits)
    chosen = next((c for c in CHOSEN_COLUMNS if c in header), CHOSEN_COLUMNS[0])
    data = read_labelled(
        path,
        text_col="text",
        label_cols=[chosen],
        optional_cols=["suggested"],
        known_labels={chosen: known_units} if known_units is not None else None,
        limits=limits,
    )
    suggested = data.labels.get("suggested", [""] * len(data))
    return [
        Correction(text, s, c)
        for text, s, c in zip(data.texts, suggested, data.labels[chosen], strict=True)
        if s != c
    ]


def merge_corrections(
    data: LabelledTexts, corrections: Iterable[Correction], *, label_col: str = "unit"
) -> LabelledTexts:
    """``data`` plus the corrections as examples of the chosen unit; a correction overrides the same text."""
    fixes = {c.text: c.chosen for c in corrections}
    merged = LabelledTexts(skipped=list(data.skipped), empty=data.empty, truncated=data.truncated)
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
