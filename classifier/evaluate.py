"""Accuracy, macro-F1, top-3, per-class precision/recall and the most confused pairs for labelled texts."""

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

from classifier.dataset import DEFAULT_LIMITS, ReadLimits, read_labelled
from classifier.errors import InvalidDataset
from classifier.model import RoutingModel


@dataclass
class ClassScore:
    label: str
    precision: float
    recall: float
    support: int


@dataclass
class EvaluationReport:
    """Figures for one head over one labelled set."""

    rows: int
    accuracy: float
    macro_f1: float
    top3: float
    per_class: list[ClassScore] = field(default_factory=list)
    confused: list[tuple[str, str, int]] = field(default_factory=list)  # (true, predicted, count)
    unknown_labels: dict[str, int] = field(default_factory=dict)  # labels the model never saw
    # What reading the file left out or changed (evaluate_file fills these; 0 for texts in memory).
    skipped: dict[str, int] = field(default_factory=dict)  # reason → rows
    empty_rows: int = 0
    truncated: int = 0
    max_chars: int = 0

    def summary(self) -> dict[str, Any]:
        """The headline figures, for a model card."""
        return {
            "rows": self.rows,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "top3": round(self.top3, 4),
        }


def score_ranked(
    truth: Sequence[str], ranked: Sequence[Sequence[str]], *, known: Sequence[str] = (), top_pairs: int = 10
) -> EvaluationReport:
    """Evaluate ranked predictions (best first) against ``truth``."""
    if not truth:
        raise InvalidDataset("nothing to evaluate: no labelled rows")
    y = np.asarray(truth, dtype=object)
    pred = np.asarray([r[0] for r in ranked], dtype=object)
    top3 = float(np.mean([t in r[:3] for t, r in zip(truth, ranked, strict=True)]))
    labels = sorted(set(truth) | set(pred.tolist()))
    p, r, _, support = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    in_truth = sorted(set(truth))
    per_class = [
        ClassScore(label, float(p[i]), float(r[i]), int(support[i]))
        for i, label in enumerate(labels)
        if label in in_truth
    ]
    pairs = Counter((t, q) for t, q in zip(truth, pred.tolist(), strict=True) if t != q)
    known_set = set(known)
    unknown = Counter(t for t in truth if known_set and t not in known_set)
    return EvaluationReport(
        rows=len(truth),
        accuracy=float(np.mean(y == pred)),
        macro_f1=float(f1_score(y, pred, labels=in_truth, average="macro", zero_division=0)),
        top3=top3,
        per_class=per_class,
        confused=[(t, q, n) for (t, q), n in pairs.most_common(top_pairs)],
        unknown_labels=dict(unknown),
    )


def evaluate_model(
    model: RoutingModel, texts: Sequence[str], truth: Sequence[str], *, head: str
) -> EvaluationReport:
    """Evaluate one head of ``model`` on ``texts``."""
    classes, proba = model.proba(head, texts)
    order = np.argsort(-proba, axis=1)[:, :3]
    ranked = [[classes[j] for j in row] for row in order]
    return score_ranked(truth, ranked, known=classes)


def evaluate_file(
    model: RoutingModel,
    path: Path,
    *,
    text_col: str = "text",
    label_col: str = "unit",
    head: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> EvaluationReport:
    """Evaluate ``model`` on a labelled CSV/XLSX; the head defaults to the label column's name."""
    head = head or (label_col if label_col in model.heads else "unit")
    if head not in model.heads:
        raise InvalidDataset(f"the model has no {head!r} head; it has: {', '.join(model.heads)}")
    data = read_labelled(path, text_col=text_col, label_cols=[label_col], limits=limits)
    report = evaluate_model(model, data.texts, data.labels[label_col], head=head)
    report.skipped = dict(Counter(why for _, why in data.skipped))
    report.empty_rows = data.empty
    report.truncated = data.truncated
    report.max_chars = limits.max_chars
    return report


def cells(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (``f"{text:<width}"`` counts characters)."""
    return text + " " * max(0, width - cells(text))


def format_report(report: EvaluationReport, *, names: dict[str, str] | None = None) -> str:
    """A plain-text report for a terminal."""
    names = names or {}
    lines = [f"rows        {report.rows}"]
    if report.skipped:
        reasons = ", ".join(f"{why}: {n}" for why, n in sorted(report.skipped.items()))
        lines.append(f"skipped     {sum(report.skipped.values())} ({reasons})")
    if report.empty_rows:
        lines.append(f"empty rows  {report.empty_rows}")
    if report.truncated:
        lines.append(
            f"texts cut to {report.max_chars} characters {report.truncated} (evaluated on their start)"
        )
    lines += [
        f"accuracy    {report.accuracy:.4f}",
        f"macro-F1    {report.macro_f1:.4f}",
        f"top-3       {report.top3:.4f}",
        "",
    ]
    rows = sorted(report.per_class, key=lambda c: (-c.support, c.label))
    labels = [f"{c.label} {names.get(c.label, '')}".strip() for c in rows]
    width = max([32, *(cells(label) for label in labels)])
    lines.append(f"{pad('class', width)} {'precision':>9} {'recall':>7} {'support':>7}")
    for c, label in zip(rows, labels, strict=True):
        lines.append(f"{pad(label, width)} {c.precision:>9.3f} {c.recall:>7.3f} {c.support:>7}")
    lines += ["", "most confused (true → predicted: count)"]
    lines += [f"  {t} → {q}: {n}" for t, q, n in report.confused] or ["  (none)"]
    if report.unknown_labels:
        lines += ["", "labels the model does not know (always counted wrong)"]
        lines += [f"  {label}: {n}" for label, n in sorted(report.unknown_labels.items())]
    return "\n".join(lines)
