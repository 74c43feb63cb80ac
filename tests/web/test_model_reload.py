"""The live classifier checks the store's pointer at most every few seconds, loads a new active model
once, and keeps the old one when the new one cannot be loaded."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from classifier.model import CARD_FILE, MODEL_FILE
from classifier.registry import POINTER_FILE, VERSIONS_DIR, ModelRegistry
from hotline.ports import ReplyVerdict, Suggestion, UnitScore
from web.model_reload import LiveClassifier


class Named:
    """A stand-in model that answers with the directory it was loaded from."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def suggest(self, text: str) -> Suggestion:
        return Suggestion(units=(UnitScore(self.path.name, 1.0),))

    def check_reply(self, complaint: str, reply: str) -> ReplyVerdict:
        return ReplyVerdict(score=1.0, low=False, issues=())


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def point_to(registry: ModelRegistry, version: str) -> None:
    """What promote leaves on disk (without its load check, which needs a real model)."""
    folder = registry.root / VERSIONS_DIR / version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILE).write_bytes(b"x")
    (folder / CARD_FILE).write_text("{}")
    (registry.root / POINTER_FILE).write_text(f'{{"version": "{version}", "history": []}}')


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    fallback = tmp_path / "shipped"
    fallback.mkdir()
    return ModelRegistry(tmp_path / "store", fallback=fallback)


def unit(live: LiveClassifier) -> str:
    return live.suggest("路灯不亮").units[0].unit_code


def test_the_pointer_is_checked_at_most_every_interval(registry: ModelRegistry) -> None:
    clock, loads = Clock(), []

    def load(path: Path) -> Named:
        loads.append(path.name)
        return Named(path)

    live = LiveClassifier(registry, load=load, check_every_s=2.0, monotonic=clock)
    assert unit(live) == "shipped" and live.version is None
    point_to(registry, "20261207-100000-aaaa")
    clock.now = 1.9
    assert unit(live) == "shipped"  # not yet checked
    clock.now = 2.0
    assert unit(live) == "20261207-100000-aaaa" and live.version == "20261207-100000-aaaa"
    clock.now = 10.0
    assert unit(live) == "20261207-100000-aaaa"
    assert loads == ["shipped", "20261207-100000-aaaa"]  # an unchanged pointer loads nothing


def test_a_model_that_fails_to_load_keeps_the_current_one(registry: ModelRegistry) -> None:
    def load(path: Path) -> Named:
        if path.name.endswith("bbbb"):
            raise OSError("truncated file")
        return Named(path)

    live = LiveClassifier(registry, load=load, check_every_s=0)
    point_to(registry, "20261207-100000-aaaa")
    assert unit(live) == "20261207-100000-aaaa"
    point_to(registry, "20261207-110000-bbbb")
    assert unit(live) == "20261207-100000-aaaa" and live.version == "20261207-100000-aaaa"


def test_no_model_at_start_means_the_rules_alone(registry: ModelRegistry) -> None:
    def load(path: Path) -> Named:
        raise OSError("no model")

    live = LiveClassifier(registry, load=load)
    assert live.suggest("家里着火了").units == ()
    assert live.suggest("家里着火了").emergency is not None


class Explained(Named):
    """A stand-in that can also say which words pointed where."""

    def explain(self, text: str, unit_codes: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
        return {code: [(self.path.name, 0.5)] for code in unit_codes}


def test_the_seat_explanation_comes_from_the_active_model(registry: ModelRegistry) -> None:
    clock = Clock()
    live = LiveClassifier(registry, load=Explained, monotonic=clock)
    assert live.explain("路灯不亮", ["a"]) == {"a": [("shipped", 0.5)]}
    point_to(registry, "20261207-100000-bbbb")
    clock.now = 5.0
    assert live.explain("路灯不亮", ["a"]) == {"a": [("20261207-100000-bbbb", 0.5)]}


def test_a_model_that_cannot_explain_gives_no_words(registry: ModelRegistry) -> None:
    assert LiveClassifier(registry, load=Named).explain("路灯不亮", ["a"]) == {}
