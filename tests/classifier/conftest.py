"""Fixtures for the classifier tests: the shipped model loaded once, a small model trained once."""

import csv
import random
from pathlib import Path

import pytest

from classifier.model import ModelConfig, RoutingModel
from classifier.service import RoutingClassifier

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "classifier" / "data"
TAIPEI_CANDIDATES = (
    REPO.parent / "shared" / "data" / "taipei_qa.csv",
    Path("/work/shared/data/taipei_qa.csv"),
)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def corpus_rows() -> list[dict[str, str]]:
    return read_csv(DATA / "corpus.csv")


@pytest.fixture(scope="session")
def shipped() -> RoutingClassifier:
    return RoutingClassifier.load()


@pytest.fixture(scope="session")
def small_rows(corpus_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """A fixed sample of the corpus, enough for every unit to appear."""
    rng = random.Random(7)
    by_unit: dict[str, list[dict[str, str]]] = {}
    for row in corpus_rows:
        by_unit.setdefault(row["unit"], []).append(row)
    sample: list[dict[str, str]] = []
    for unit in sorted(by_unit):
        sample += rng.sample(by_unit[unit], 12)
    return sample


@pytest.fixture(scope="session")
def small_model(small_rows: list[dict[str, str]]) -> RoutingModel:
    texts = [r["text"] for r in small_rows]
    targets = {h: [r[h] for r in small_rows] for h in ("unit", "category", "nature")}
    return RoutingModel.fit(
        texts, targets, config=ModelConfig(char_max_features=4000, word_max_features=2000)
    )


@pytest.fixture(scope="session")
def taipei_path() -> Path:
    for path in TAIPEI_CANDIDATES:
        if path.is_file():
            return path
    pytest.skip("the real Taipei set is not here (expected ../shared/data/taipei_qa.csv beside the repo)")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
