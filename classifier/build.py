"""Build the shipped model from the seed corpus: ``python -m classifier.build``.

Measures every head on a held-out split of the corpus, then fits on the whole corpus
plus the emergency head's examples and writes ``classifier/model/`` with its card.

The emergency head learns "none" from the corpus and from its plain sentences, and a
transfer number from ``emergencies.csv``. ``emergencies_holdout.csv`` is never trained
on, nor were the rules tuned on it: it is the honest figure for unseen phrasings.
"""

import csv
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from classifier.corpus.generate import plain_sentences
from classifier.dataset import read_labelled
from classifier.emergency import scan_emergency
from classifier.labels import CATEGORIES, ROUTABLE_UNITS
from classifier.model import ModelConfig, RoutingModel, file_sha256, save_model
from classifier.normalize import canonical
from classifier.settings import SHIPPED_MODEL_DIR, ClassifierSettings
from classifier.train import fit_and_measure

HEADS = {"unit": "unit", "category": "category", "nature": "nature"}


def data_file(name: str) -> Path:
    """A file of ``classifier/data``."""
    return Path(str(resources.files("classifier").joinpath("data", name)))


def read_column(name: str, column: str) -> list[str]:
    """One column of a CSV in ``classifier/data``."""
    with data_file(name).open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def emergency_examples() -> tuple[list[str], list[str]]:
    """Texts and labels of the emergency head ("none" or a transfer number)."""
    negatives = read_column("corpus.csv", "text") + plain_sentences()
    texts = read_column("emergencies.csv", "text")
    numbers = read_column("emergencies.csv", "transfer_to")
    return negatives + texts, ["none"] * len(negatives) + numbers


def flag_emergencies(model: RoutingModel | None, texts: list[str], *, below: float) -> np.ndarray:
    """Which texts are flagged: by a rule, or by the emergency head where no rule ruled the danger out."""
    flagged = []
    proba = None
    if model is not None and "emergency" in model.heads:
        classes, proba = model.proba("emergency", texts)
        none_col = classes.index("none")
    for i, text in enumerate(texts):
        alert, ruled_out = scan_emergency(canonical(text))
        by_model = proba is not None and not ruled_out and proba[i, none_col] < below
        flagged.append(alert is not None or by_model)
    return np.asarray(flagged, dtype=bool)


def emergency_figures(model: RoutingModel | None, *, below: float) -> dict[str, Any]:
    """Recall on the phrase lists and false alarms on ordinary requests, rules alone and with the head."""
    listed = read_column("emergencies.csv", "text")
    holdout = read_column("emergencies_holdout.csv", "text")
    ordinary = read_column("ordinary.csv", "text")
    corpus = read_column("corpus.csv", "text")
    return {
        "phrase_list": len(listed),
        "recall_rules": round(float(flag_emergencies(None, listed, below=below).mean()), 4),
        "holdout_phrases": len(holdout),
        "holdout_recall_rules": round(float(flag_emergencies(None, holdout, below=below).mean()), 4),
        "holdout_recall_rules_and_model": round(
            float(flag_emergencies(model, holdout, below=below).mean()), 4
        ),
        "tricky_ordinary": len(ordinary),
        "false_alarms_tricky_rules": round(float(flag_emergencies(None, ordinary, below=below).mean()), 4),
        "false_alarms_tricky_rules_and_model": round(
            float(flag_emergencies(model, ordinary, below=below).mean()), 4
        ),
        "false_alarms_corpus_rules": round(float(flag_emergencies(None, corpus, below=below).mean()), 4),
        "model_threshold_p_none_below": below,
    }


def build(out_dir: Path = SHIPPED_MODEL_DIR, *, config: ModelConfig | None = None) -> dict[str, Any]:
    """Train the shipped model from ``classifier/data`` and save it with its card.

    One thread by default: the corpus is small, and a rebuild then gives the same weights.
    """
    config = config or ModelConfig(n_jobs=1)
    corpus = data_file("corpus.csv")
    data = read_labelled(corpus, text_col="text", label_cols=list(HEADS.values()))
    started = time.perf_counter()
    names = {"unit": dict(ROUTABLE_UNITS), "category": dict(CATEGORIES)}
    _, reports, _ = fit_and_measure(data, HEADS, config=config, names=names)
    metrics: dict[str, Any] = {head: report.summary() for head, report in reports.items()}
    metrics["evaluated_on"] = (
        "held-out 20 % stratified split of the corpus (a model fitted on the other 80 %)"
    )
    extra_texts, extra_labels = emergency_examples()
    n = len(data.texts)
    if extra_texts[:n] != data.texts:
        raise RuntimeError("corpus.csv has rows read_labelled skipped: fix the corpus first")
    texts = data.texts + extra_texts[n:]  # the corpus leads both lists
    targets = {h: data.labels[c] + [""] * (len(texts) - n) for h, c in HEADS.items()}
    targets["emergency"] = extra_labels
    model = RoutingModel.fit(texts, targets, config=config, label_names=names)
    metrics["fit_seconds"] = round(time.perf_counter() - started, 1)
    metrics["emergency"] = emergency_figures(model, below=ClassifierSettings().emergency_below)
    card = save_model(
        model,
        out_dir,
        data_sha256=file_sha256(corpus),
        metrics=metrics,
        training_rows=len(texts),
        source="classifier/data/corpus.csv + emergencies.csv",
        extra={"emergency_data_sha256": file_sha256(data_file("emergencies.csv"))},
    )
    return card


if __name__ == "__main__":
    card = build()
    print(f"saved to {SHIPPED_MODEL_DIR}: {card['metrics']}")
