"""Reading training files: peak memory and seconds on a large CSV and on a zip-bomb XLSX.

    .venv/bin/python bench/dataset_bench.py [--mb 60] [--only read,bomb,train] [--src DIR]

- read:  ``read_labelled`` on a generated CSV of about ``--mb`` MB (text, unit, category).
- bomb:  ``read_labelled`` on a small XLSX whose one sheet unpacks to hundreds of MB.
- train: ``hotline classifier train`` on the same CSV, start to end (two fits: long).

Each measure runs in a fresh Python process and reports its peak RSS (the largest of the process
and of any process it forked) and wall seconds. ``--src DIR`` runs the children on another copy
of the code, e.g. the one before a change (``git archive main classifier | tar -x -C DIR``).
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.corpus.generate import generate  # noqa: E402

CHILD = """
import resource, sys, time
t0 = time.perf_counter()
outcome = "ok"
try:
    if sys.argv[1] == "read":
        from classifier.dataset import read_labelled
        data = read_labelled(__import__("pathlib").Path(sys.argv[2]), text_col="text", label_cols=["unit"])
        outcome = f"{len(data.texts)} rows"
    else:
        import runpy
        sys.argv = ["classifier", "train", *sys.argv[2:]]
        runpy.run_module("classifier.cli", run_name="__main__")
except SystemExit as exit:
    outcome = f"exit {exit.code}"
except BaseException as err:
    outcome = f"{type(err).__name__}: {' '.join(str(err).split())[:120]}"
seconds = time.perf_counter() - t0
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(f"RESULT {peak / 1024:.0f} {seconds:.1f} {outcome}", file=sys.stderr)
"""


def make_csv(path: Path, megabytes: int) -> int:
    """A training CSV of at least ``megabytes`` MB from the corpus generator (other seeds)."""
    rows, seed, target = 0, 1000, megabytes * 1024 * 1024
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "unit", "category"])
        while handle.tell() < target:
            for record in generate(seed):
                writer.writerow([record["text"], record["unit"], record["category"]])
                rows += 1
            seed += 1
    return rows


def make_bomb(path: Path, rows: int) -> int:
    """An XLSX whose sheet repeats one long row: small on disk, huge unpacked. Returns unpacked bytes."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["text", "unit"])
    seed = path.with_name("bomb-seed.xlsx")
    book.save(seed)
    long_row = (
        '<row><c t="inlineStr"><is><t>' + "小区停水了没有人管" * 300 + "</t></is></c>"
        '<c t="inlineStr"><is><t>tapwater</t></is></c></row>'
    ).encode()
    unpacked = 0
    with (
        zipfile.ZipFile(seed) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                head, _, _ = data.partition(b"</sheetData>")
                head = head.replace(b'ref="A1:B1"', f'ref="A1:B{rows + 1}"'.encode())
                with out.open(name, "w") as member:
                    member.write(head)
                    for _ in range(rows):
                        member.write(long_row)
                    member.write(b"</sheetData></worksheet>")
                unpacked += len(head) + rows * len(long_row)
            else:
                out.writestr(name, data)
                unpacked += len(data)
    seed.unlink()
    return unpacked


def measure(src: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "2"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], env=env, cwd=src, capture_output=True, text=True, check=False
    )
    line = next((x for x in done.stderr.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        return f"no result (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    peak, seconds, outcome = line.split(" ", 3)[1:]
    return f"peak RSS {int(peak):>6} MB  {float(seconds):>7.1f} s  {outcome}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=int, default=60, help="size of the generated CSV")
    parser.add_argument("--bomb-rows", type=int, default=100_000, help="rows of the zip-bomb sheet")
    parser.add_argument("--only", default="read,bomb", help="comma-separated parts: read, bomb, train")
    parser.add_argument(
        "--src", type=Path, default=REPO, help="the code the children run (default: this one)"
    )
    args = parser.parse_args()
    parts = set(args.only.split(","))
    print(f"dataset benchmark — python {sys.version.split()[0]}, code from {args.src}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if parts & {"read", "train"}:
            big = work / "closed.csv"
            t0 = time.perf_counter()
            rows = make_csv(big, args.mb)
            size = big.stat().st_size / 1024 / 1024
            print(f"generated {big.name}: {size:.1f} MB, {rows:,} rows in {time.perf_counter() - t0:.0f} s")
            if "read" in parts:
                print(f"read CSV     {measure(args.src, 'read', str(big))}")
            if "train" in parts:
                out = work / "model"
                print(f"train CSV    {measure(args.src, 'train', str(big), '--out', str(out))}")
        if "bomb" in parts:
            bomb = work / "bomb.xlsx"
            unpacked = make_bomb(bomb, args.bomb_rows)
            size = bomb.stat().st_size / 1024
            print(f"zip bomb {bomb.name}: {size:.0f} KB on disk, {unpacked / 1024 / 1024:.0f} MB unpacked")
            print(f"read bomb    {measure(args.src, 'read', str(bomb))}")


if __name__ == "__main__":
    main()
