import csv
import io
import re
from collections import Counter

from classifier import labels
from classifier.corpus.generate import CORPUS_COLUMNS, generate, load_situations
from tests.classifier.conftest import DATA


def test_the_corpus_is_large_and_labelled_with_our_codes(corpus_rows: list[dict[str, str]]) -> None:
    assert len(corpus_rows) >= 3000
    assert list(corpus_rows[0]) == list(CORPUS_COLUMNS)
    for row in corpus_rows:
        assert row["text"].strip()
        assert row["unit"] in labels.ROUTABLE_UNITS
        assert row["category"] in labels.CATEGORIES
        assert row["nature"] in labels.NATURES
        assert row["urgency"] in labels.URGENCIES
        assert row["district"] in {"", *labels.DISTRICTS.values()}


def test_every_unit_every_category_and_every_nature_is_learnable(corpus_rows: list[dict[str, str]]) -> None:
    units = Counter(r["unit"] for r in corpus_rows)
    assert set(units) == set(labels.ROUTABLE_UNITS)
    assert min(units.values()) >= 30, units.most_common()[-5:]
    assert set(r["category"] for r in corpus_rows) == set(labels.CATEGORIES)
    assert set(r["nature"] for r in corpus_rows) == set(labels.NATURES)


def test_the_corpus_is_varied_not_one_template(corpus_rows: list[dict[str, str]]) -> None:
    texts = [r["text"] for r in corpus_rows]
    assert len(set(texts)) == len(texts)
    prefixes = Counter(t[:6] for t in texts)
    assert prefixes.most_common(1)[0][1] / len(texts) < 0.05
    lengths = sorted(len(t) for t in texts)
    assert lengths[len(lengths) // 10] < 30 and lengths[-len(lengths) // 10] > 80  # short and long
    # Many distinct hand-written sentences, not one sentence with words swapped.
    cores = [core for s in load_situations() for core in s.cores]
    assert len(set(cores)) >= 500
    openings = Counter(re.sub(r"\{\w+\}", "", c)[:4] for c in cores)
    assert openings.most_common(1)[0][1] / len(cores) < 0.1  # "想问一下" is the commonest, as on a real line


def test_the_corpus_mixes_callers_words_and_operator_records(corpus_rows: list[dict[str, str]]) -> None:
    texts = [r["text"] for r in corpus_rows]
    third_person = sum(t.startswith(("来电人", "市民来电", "该市民", "群众来电")) for t in texts)
    assert 0.15 < third_person / len(texts) < 0.6
    assert sum(bool(r["district"]) for r in corpus_rows) / len(texts) > 0.3


def test_the_corpus_file_is_what_the_generator_writes(corpus_rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CORPUS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(generate())
    assert buffer.getvalue() == (DATA / "corpus.csv").read_text(encoding="utf-8"), (
        "classifier/data/corpus.csv is stale: run `python -m classifier.corpus.generate`, "
        "then `python -m classifier.build`"
    )


def test_every_district_has_territorial_examples(corpus_rows: list[dict[str, str]]) -> None:
    by_unit = Counter(r["unit"] for r in corpus_rows if r["unit"] in labels.DISTRICTS)
    assert set(by_unit) == set(labels.DISTRICTS)
    for row in corpus_rows:
        if row["unit"] in labels.DISTRICTS:
            assert row["district"] == labels.DISTRICTS[row["unit"]], row
