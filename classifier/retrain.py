"""A candidate model from the city's own tickets: held-out report beside the active model, saved to the store.

The caller (the composition root) reads the closed tickets and the dispatcher corrections from its
database and hands them over as plain rows; this module knows no database. Training goes through
the public functions of ``classifier.train`` and ``classifier.model``, so their configuration is
theirs. Nothing is promoted here: an admin looks at the report and promotes.
"""

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from classifier.dataset import Correction, LabelledTexts, merge_corrections
from classifier.errors import ClassifierError, InvalidDataset, InvalidText
from classifier.evaluate import EvaluationReport, evaluate_model
from classifier.labels import CATEGORIES, ROUTABLE_UNITS
from classifier.model import ModelConfig, RoutingModel, load_model
from classifier.normalize import MAX_CHARS, check_text
from classifier.registry import ModelRegistry, VersionInfo
from classifier.train import HELD_OUT, fit_and_measure, label_names

MIN_ROWS: Final = 50
MIN_CLASSES: Final = 2
MIN_PER_CLASS: Final = 3  # fewer and the stratified split holds none of the class out

Progress = Callable[[str, float], None]


def _quiet(stage: str, fraction: float) -> None:
    del stage, fraction


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A closed ticket: its text and the unit that finally handled it (and its category, if any)."""

    text: str
    unit: str
    category: str = ""


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """The merged rows and where they came from."""

    data: LabelledTexts
    closed: int
    corrections: int


def build_training_set(
    closed: Iterable[TicketRow], corrections: Iterable[Correction], *, max_chars: int = MAX_CHARS
) -> TrainingSet:
    """Closed tickets as examples of their final unit, then corrections (which override the same text)."""
    data = LabelledTexts()
    n_closed = 0
    for row in closed:
        text = _usable(row.text, data, max_chars)
        if text is None or not row.unit:
            continue
        data.add(text, {"unit": row.unit, "category": row.category})
        n_closed += 1
    fixes: list[Correction] = []
    for fix in corrections:
        text = _usable(fix.text, data, max_chars)
        if text is not None and fix.chosen and fix.chosen != fix.suggested:
            fixes.append(Correction(text, fix.suggested, fix.chosen))
    if fixes:
        data = merge_corrections(data, fixes, label_col="unit")
    return TrainingSet(data, n_closed, len(fixes))


def _usable(text: str, data: LabelledTexts, max_chars: int) -> str | None:
    if len(text) > max_chars:
        text = text[:max_chars]
        data.truncated += 1
    try:
        return check_text(text, max_chars=max_chars)
    except InvalidText as err:
        data.skipped.append((len(data) + len(data.skipped) + 1, str(err)))
        return None


def check_enough(data: LabelledTexts, *, min_rows: int = MIN_ROWS, min_classes: int = MIN_CLASSES) -> None:
    """Refuse, in words an admin can act on, a set too small to learn from or to measure on."""
    if len(data) < min_rows:
        raise InvalidDataset(
            f"可用于训练的已办结工单太少：只有 {len(data)} 条，至少需要 {min_rows} 条"
            "（含调度员改派记录）。请在积累更多已办结工单后再训练。"
        )
    counts = Counter(data.labels.get("unit", []))
    enough = sorted(unit for unit, n in counts.items() if n >= MIN_PER_CLASS)
    if len(enough) < min_classes:
        raise InvalidDataset(
            f"可学习的承办单位太少：只有 {len(enough)} 个单位各有至少 {MIN_PER_CLASS} 条工单，"
            f"至少需要 {min_classes} 个。"
        )


def _figures(report: EvaluationReport, names: Mapping[str, str]) -> dict[str, Any]:
    per_class = []
    for score in report.per_class:
        p, r = score.precision, score.recall
        per_class.append(
            {
                "label": score.label,
                "name": names.get(score.label, ""),
                "precision": round(p, 4),
                "recall": round(r, 4),
                "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                "support": score.support,
            }
        )
    return {
        "rows": report.rows,
        "macro_f1": round(report.macro_f1, 4),
        "top1": round(report.accuracy, 4),
        "top3": round(report.top3, 4),
        "per_class": per_class,
    }


def _data_sha256(data: LabelledTexts) -> str:
    digest = hashlib.sha256()
    units = data.labels.get("unit", [])
    for text, unit in zip(data.texts, units, strict=True):
        digest.update(f"{unit}\t{text}\n".encode())
    return digest.hexdigest()


def train_candidate(
    training: TrainingSet,
    registry: ModelRegistry,
    *,
    unit_names: Mapping[str, str] | None = None,
    config: ModelConfig | None = None,
    seed: int = 0,
    created_by: str = "",
    min_rows: int = MIN_ROWS,
    min_classes: int = MIN_CLASSES,
    progress: Progress = _quiet,
    now: datetime | None = None,
) -> VersionInfo:
    """Train, report on a held-out split beside the active model (same rows), save a candidate version.

    The figures are those of a model fitted on the training part; the saved model is then fitted
    on every row, as ``classifier.train`` does. Raises InvalidDataset when there is too little data.
    """
    data = training.data
    check_enough(data, min_rows=min_rows, min_classes=min_classes)
    units = set(data.labels["unit"])
    known_units = {**ROUTABLE_UNITS, **(unit_names or {})}
    heads = {"unit": "unit"}
    if any(data.labels.get("category", [])):
        heads["category"] = "category"
    names = {
        "unit": label_names(units, known_units),
        "category": label_names({c for c in data.labels.get("category", []) if c}, CATEGORIES),
    }
    progress("训练（留出集评估）", 0.1)
    _, reports, test_rows = fit_and_measure(data, heads, config=config, seed=seed, names=names)
    progress("与当前模型对比", 0.45)
    unit_report = reports["unit"]
    texts = [data.texts[i] for i in test_rows]
    truth = [data.labels["unit"][i] for i in test_rows]
    active_version = registry.active_version()
    try:
        active_model, _ = load_model(registry.active_dir())
        active: dict[str, Any] | None = {
            "version": active_version,
            **_figures(evaluate_model(active_model, texts, truth, head="unit"), known_units),
        }
    except ClassifierError:
        active = None  # no usable active model: nothing to compare with
    progress("全量训练", 0.55)
    targets = {head: [data.labels[col][i] for i in range(len(data))] for head, col in heads.items()}
    final = RoutingModel.fit(data.texts, targets, config=config, label_names=names)
    progress("保存候选模型", 0.9)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    report: dict[str, Any] = {
        "created_at": stamp.isoformat(timespec="seconds"),
        "created_by": created_by,
        "seed": seed,
        "held_out_share": HELD_OUT,
        "n_rows": len(data),
        "n_train": len(data) - len(test_rows),
        "n_test": len(test_rows),
        "n_closed": training.closed,
        "n_corrections": training.corrections,
        "classes": len(units),
        "candidate": _figures(unit_report, known_units),
        "active": active,
        "category": _figures(reports["category"], CATEGORIES) if "category" in reports else None,
    }
    metrics: dict[str, Any] = {head: r.summary() for head, r in reports.items()}
    metrics["evaluated_on"] = f"held-out {HELD_OUT:.0%} stratified split (seed {seed}) of the tickets"
    return registry.add_version(
        final,
        report=report,
        data_sha256=_data_sha256(data),
        metrics=metrics,
        training_rows=len(data),
        source="closed tickets and dispatcher corrections",
        now=stamp,
    )
