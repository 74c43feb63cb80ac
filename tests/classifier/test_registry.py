"""The model store: versions appear whole, the pointer switches whole, rollback walks back, and an
empty or broken store serves the fallback model."""

import json
import os
from pathlib import Path

import pytest

from classifier.dataset import Correction
from classifier.errors import IncompatibleModel, InvalidDataset
from classifier.model import MODEL_FILE, RoutingModel
from classifier.registry import (
    POINTER_FILE,
    VERSIONS_DIR,
    ModelRegistry,
    NothingToRollBack,
    UnknownVersion,
)
from classifier.retrain import TicketRow, build_training_set, check_enough
from classifier.settings import SHIPPED_MODEL_DIR


def store(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(tmp_path / "models", fallback=SHIPPED_MODEL_DIR)


def add(registry: ModelRegistry, model: RoutingModel, note: str = "") -> str:
    info = registry.add_version(
        model,
        report={"note": note, "candidate": {"top1": 0.5}},
        data_sha256="0" * 64,
        metrics={},
        training_rows=10,
        source="test",
    )
    return info.version


def test_an_empty_store_serves_the_fallback(tmp_path: Path) -> None:
    registry = store(tmp_path)
    assert registry.versions() == []
    assert registry.active_version() is None
    assert registry.active_dir() == SHIPPED_MODEL_DIR
    with pytest.raises(NothingToRollBack, match="没有可回退"):
        registry.rollback()


def test_a_candidate_is_stored_whole_and_not_active(tmp_path: Path, small_model: RoutingModel) -> None:
    registry = store(tmp_path)
    version = add(registry, small_model, "first")
    [info] = registry.versions()
    assert info.version == version and not info.active
    assert info.report["note"] == "first" and info.report["version"] == version
    assert (info.path / MODEL_FILE).is_file()
    # No staging directory is left behind, and the fallback still serves.
    assert [p.name for p in (registry.root / VERSIONS_DIR).iterdir()] == [version]
    assert registry.active_dir() == SHIPPED_MODEL_DIR


def test_promote_and_rollback_walk_the_history(tmp_path: Path, small_model: RoutingModel) -> None:
    registry = store(tmp_path)
    first, second = add(registry, small_model), add(registry, small_model)
    assert first != second
    registry.promote(first, by="admin")
    assert registry.active_version() == first and registry.active_dir() == registry.version_dir(first)
    registry.promote(second)
    assert registry.active_version() == second
    assert [v.version for v in registry.versions() if v.active] == [second]
    assert registry.rollback().version == first
    assert registry.active_version() == first
    assert registry.rollback().version is None  # before the first promote: the shipped model
    assert registry.active_dir() == SHIPPED_MODEL_DIR
    with pytest.raises(NothingToRollBack):
        registry.rollback()


def test_the_pointer_is_replaced_whole_or_not_at_all(
    tmp_path: Path, small_model: RoutingModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = store(tmp_path)
    first, second = add(registry, small_model), add(registry, small_model)
    registry.promote(first)
    before = (registry.root / POINTER_FILE).read_text(encoding="utf-8")

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        registry.promote(second)
    monkeypatch.undo()
    assert (registry.root / POINTER_FILE).read_text(encoding="utf-8") == before
    assert registry.active_version() == first
    assert not [p for p in registry.root.iterdir() if p.name.endswith(".tmp")]
    assert json.loads(before)["version"] == first


def test_unknown_broken_or_vanished_versions(tmp_path: Path, small_model: RoutingModel) -> None:
    registry = store(tmp_path)
    with pytest.raises(UnknownVersion):
        registry.promote("../../etc")
    with pytest.raises(UnknownVersion, match="不存在"):
        registry.promote("20260101-000000-abcd")
    broken = add(registry, small_model)
    (registry.version_dir(broken) / MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(IncompatibleModel):
        registry.promote(broken)
    assert registry.active_version() is None  # a model that cannot load is never made active
    good = add(registry, small_model)
    registry.promote(good)
    (registry.version_dir(good) / MODEL_FILE).unlink()  # someone cleaned the store by hand
    assert registry.active_version() is None and registry.active_dir() == SHIPPED_MODEL_DIR


def test_too_little_history_is_refused_in_words() -> None:
    few = build_training_set([TicketRow(f"路灯坏了{i}", "urban") for i in range(10)], [])
    with pytest.raises(InvalidDataset, match="只有 10 条，至少需要 50 条"):
        check_enough(few.data)
    one_unit = build_training_set(
        [TicketRow(f"路灯坏了{i}", "urban") for i in range(60)] + [TicketRow("工资拖欠", "hrss")] * 2, []
    )
    with pytest.raises(InvalidDataset, match="只有 1 个单位"):
        check_enough(one_unit.data)


def test_corrections_override_the_same_text_and_count() -> None:
    built = build_training_set(
        [TicketRow("小区路灯坏了", "urban", "urban.light"), TicketRow("工资拖欠", "hrss")],
        [Correction("小区路灯坏了", "urban", "power"), Correction("同意的", "hrss", "hrss")],
    )
    assert built.closed == 2 and built.corrections == 1
    assert dict(zip(built.data.texts, built.data.labels["unit"], strict=True)) == {
        "小区路灯坏了": "power",
        "工资拖欠": "hrss",
    }
