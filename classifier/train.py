"""Training: the shipped model from the corpus, and retraining from a city's own closed tickets.

A retrained model replaces the current one only when it is not worse on a held-out split
of the new data; the current one is moved to ``backup-<time>/`` beside it, never deleted.
"""

import random
import shutil
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier.dataset import (
    DEFAULT_LIMITS,
    LabelledTexts,
    ReadLimits,
    merge_corrections,
    read_corrections,
    read_labelled,
)
from classifier.errors import ClassifierError, InvalidDataset, ModelNotFound
from classifier.evaluate import EvaluationReport, evaluate_model
from classifier.labels import CATEGORIES, ROUTABLE_UNITS
from classifier.model import (
    CARD_FILE,
    MODEL_FILE,
    ModelConfig,
    RoutingModel,
    file_sha256,
    load_model,
    save_model,
)

HELD_OUT = 0.2


def stratified_split(
    labels: Sequence[str], *, test_share: float = HELD_OUT, seed: int = 0
) -> tuple[list[int], list[int]]:
    """Row indices (train, test): each class gives ``test_share`` of its rows to test; under 3 rows, none."""
    by_class: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_class[label].append(i)
    rng = random.Random(seed)
    train: list[int] = []
    test: list[int] = []
    for label in sorted(by_class):
        rows = by_class[label]
        rng.shuffle(rows)
        n_test = round(len(rows) * test_share) if len(rows) >= 3 else 0
        test += rows[:n_test]
        train += rows[n_test:]
    return sorted(train), sorted(test)


def _targets(data: LabelledTexts, rows: Sequence[int], heads: dict[str, str]) -> dict[str, list[str]]:
    return {head: [data.labels[col][i] for i in rows] for head, col in heads.items() if col in data.labels}


@dataclass
class TrainResult:
    """What a training run did and why."""

    replaced: bool
    reason: str
    candidate: EvaluationReport
    previous: EvaluationReport | None
    out_dir: Path
    backup_dir: Path | None
    card: dict[str, Any] | None
    rows: int
    skipped: int
    empty: int = 0
    truncated: int = 0
    warnings: list[str] = field(default_factory=list)  # said before the result, whatever it is
    corrections: int = 0  # dispatcher corrections learned from


def label_names(labels: Collection[str], known: Mapping[str, str]) -> dict[str, str]:
    """A name for each label: ours for our codes, the label itself when it is already a Chinese name."""
    return {
        label: known.get(label) or (label if any("\u4e00" <= ch <= "\u9fff" for ch in label) else "")
        for label in labels
    }


def fit_and_measure(
    data: LabelledTexts,
    heads: dict[str, str],
    *,
    config: ModelConfig | None = None,
    seed: int = 0,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[RoutingModel, dict[str, EvaluationReport], list[int]]:
    """Fit on a stratified training split and evaluate each head on the held-out rows.

    ``heads`` maps head name → label column. Returns the split model, its reports and the test rows.
    """
    train_rows, test_rows = stratified_split(data.labels[heads["unit"]], seed=seed)
    if not test_rows:
        raise InvalidDataset("too few rows to hold any out for evaluation (each class needs at least 3)")
    model = RoutingModel.fit(
        [data.texts[i] for i in train_rows],
        _targets(data, train_rows, heads),
        config=config,
        label_names=names,
    )
    texts = [data.texts[i] for i in test_rows]
    reports: dict[str, EvaluationReport] = {}
    for head, column in heads.items():
        if head in model.heads:
            truth = [data.labels[column][i] for i in test_rows]
            keep = [j for j, t in enumerate(truth) if t]
            reports[head] = evaluate_model(
                model, [texts[j] for j in keep], [truth[j] for j in keep], head=head
            )
    return model, reports, test_rows


def train_file(
    path: Path,
    *,
    out_dir: Path,
    text_col: str = "text",
    label_col: str = "unit",
    category_col: str | None = "category",
    corrections: Path | None = None,
    known_units: Sequence[str] | None = None,
    config: ModelConfig | None = None,
    force: bool = False,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> TrainResult:
    """Retrain from a CSV/XLSX of closed tickets (plus dispatcher corrections) into ``out_dir``."""
    optional = [category_col] if category_col else []
    known: dict[str, Collection[str]] | None = (
        {label_col: set(known_units)} if known_units is not None else None
    )
    data = read_labelled(
        path,
        text_col=text_col,
        label_cols=[label_col],
        optional_cols=optional,
        known_labels=known,
        limits=limits,
    )
    fixes = []
    if corrections is not None:
        fixes = read_corrections(corrections, known_units=known_units, limits=limits)
        data = merge_corrections(data, fixes, label_col=label_col)
    heads = {"unit": label_col}
    if category_col and category_col in data.labels:
        heads["category"] = category_col
    if len(set(data.labels[label_col])) < 2:
        raise InvalidDataset(f"{path}: column {label_col} needs at least two different units to learn from")
    names = {
        "unit": label_names(set(data.labels[label_col]), ROUTABLE_UNITS),
        "category": label_names(set(data.labels.get(category_col or "", [])), CATEGORIES),
    }
    _, reports, test_rows = fit_and_measure(data, heads, config=config, names=names)
    previous, current_units = _previous_report(out_dir, data, test_rows, label_col)
    cand = reports["unit"]
    said: dict[str, Any] = {"corrections": len(fixes)}
    new_units = set(data.labels[label_col])
    if current_units and not current_units & new_units:
        # Another city's file or another directory: a top-1 of 0 for the current model would let
        # any new one through, and the current one's units would be gone without a word.
        reason = (
            f"kept the current model in {out_dir}: none of the current model's {len(current_units)} "
            f"units is among the {len(new_units)} of the new data (e.g. current "
            f"{', '.join(sorted(current_units)[:3])}; new {', '.join(sorted(new_units)[:3])}). "
            "Check --out and HOTLINE_CLASSIFIER_MODEL_DIR; pass --force to replace it all the same"
        )
        if not force:
            return TrainResult(False, reason, cand, previous, out_dir, None, None, *_counts(data), **said)
    lost = sorted(current_units - new_units)
    warnings = []
    if lost:
        warnings.append(
            f"{len(lost)} of the current model's {len(current_units)} units are not in the new data "
            f"and will no longer be suggested: {', '.join(lost[:10])}{' …' if len(lost) > 10 else ''}"
        )
    if previous is not None and not force and cand.accuracy < previous.accuracy:
        reason = (
            f"kept the current model: new top-1 {cand.accuracy:.4f} < current {previous.accuracy:.4f} "
            "on the held-out split"
        )
        return TrainResult(
            False, reason, cand, previous, out_dir, None, None, *_counts(data), warnings=warnings, **said
        )
    final = RoutingModel.fit(
        data.texts, _targets(data, range(len(data)), heads), config=config, label_names=names
    )
    backup = _backup(out_dir)
    metrics: dict[str, Any] = {head: r.summary() for head, r in reports.items()}
    metrics["evaluated_on"] = "held-out 20 % stratified split of the training file"
    if previous is not None:
        metrics["previous_model_unit"] = previous.summary()
    card = save_model(
        final,
        out_dir,
        data_sha256=file_sha256(path),
        metrics=metrics,
        training_rows=len(data),
        source=path.name,
    )
    reason = (
        "no current model"
        if previous is None
        else f"new top-1 {cand.accuracy:.4f} ≥ current {previous.accuracy:.4f}"
    )
    return TrainResult(
        True, reason, cand, previous, out_dir, backup, card, *_counts(data), warnings=warnings, **said
    )


def _counts(data: LabelledTexts) -> tuple[int, int, int, int]:
    """Rows used, skipped, empty and with a truncated text: what the command prints."""
    return len(data), len(data.skipped), data.empty, data.truncated


def _previous_report(
    out_dir: Path, data: LabelledTexts, test_rows: Sequence[int], label_col: str
) -> tuple[EvaluationReport | None, set[str]]:
    """The current model's figures on the held-out rows, and the units it knows."""
    try:
        model, _ = load_model(out_dir)
    except ModelNotFound:
        return None, set()
    except ClassifierError:
        return None, set()  # an unusable current model is no standard to beat; it is still backed up
    texts = [data.texts[i] for i in test_rows]
    truth = [data.labels[label_col][i] for i in test_rows]
    return evaluate_model(model, texts, truth, head="unit"), set(model.labels("unit"))


def _backup(out_dir: Path) -> Path | None:
    if not (out_dir / MODEL_FILE).exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    backup = out_dir / f"backup-{stamp}"
    backup.mkdir(parents=True)
    for name in (MODEL_FILE, CARD_FILE):
        if (out_dir / name).exists():
            shutil.copy2(out_dir / name, backup / name)
    return backup
