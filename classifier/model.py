"""The routing model: shared text features, one calibrated head per label, saved with a model card."""

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import joblib
import numpy as np
import numpy.typing as npt
import sklearn
from scipy import sparse
from sklearn.pipeline import FeatureUnion

from classifier.errors import IncompatibleModel, ModelNotFound
from classifier.normalize import normalize, normalize_all
from classifier.pipeline import (
    CalibratedLinearSVC,
    FloatArray,
    drop_pruned_vocabulary,
    fit_heads,
    text_features,
)
from classifier.tokenize import pretokenized

MODEL_FILE: Final = "model.joblib"
CARD_FILE: Final = "model_card.json"
FORMAT_VERSION: Final = 1
HEADS: Final = ("unit", "category", "nature")


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """How to build a model: one configuration, the best measured, for the CLI, the build and the bench.

    Measured by ``bench/classifier_bench.py --only routing --variants`` beside the plain baseline
    (jieba words 1–2 + characters 1–3 TF-IDF + LinearSVC, min_df 2), one thing changed at a time,
    on the shipped corpus, the Taipei FAQ and two long-body sets built from it (docs/classifier.md).
    Raw term counts and balanced class weights carry long bodies (60-bureau long set: sublinear
    counts 6 points of macro-F1 lower, no weights 1.5); character 1–2-grams beat 1–3 on three sets
    of four (long sets +0.5 and +3.3) at half the size and training time; min_df 1 is 1 point
    better than 2 on short texts, equal on long ones. The caps bound a large training file.
    """

    char_ngrams: tuple[int, int] = (1, 2)
    word_ngrams: tuple[int, int] = (1, 2)
    char_max_features: int | None = 100_000
    word_max_features: int | None = 200_000
    min_df: int = 1
    sublinear_tf: bool = False
    class_weight: str | None = "balanced"
    # Heads fitted without class weights: their probabilities feed thresholds tuned unweighted.
    # Balanced, the emergency head's false alarms on tricky ordinary requests (P(none) < 0.5) went
    # 2.7 → 6.8 %, and reply_quality's topic similarity (category probabilities) called a good
    # reply off topic.
    unweighted_heads: tuple[str, ...] = ("category", "emergency")
    C: float = 1.0
    calibration_samples: int = 4000
    n_jobs: int = 2  # processes for jieba, threads for liblinear (it releases the GIL) while training

    def as_dict(self) -> dict[str, Any]:
        return {
            "char_ngrams": list(self.char_ngrams),
            "word_ngrams": list(self.word_ngrams),
            "char_max_features": self.char_max_features,
            "word_max_features": self.word_max_features,
            "min_df": self.min_df,
            "sublinear_tf": self.sublinear_tf,
            "class_weight": self.class_weight,
            "unweighted_heads": list(self.unweighted_heads),
            "C": self.C,
            "calibration_samples": self.calibration_samples,
            "n_jobs": self.n_jobs,
        }


@dataclass(slots=True)
class HeadPrediction:
    """Classes of one head, best first, with calibrated probabilities."""

    labels: list[str]
    probabilities: list[float]


@dataclass
class RoutingModel:
    """Text features shared by every head; a head per label column (unit, category, nature)."""

    features: FeatureUnion
    heads: dict[str, CalibratedLinearSVC]
    config: ModelConfig = field(default_factory=ModelConfig)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        targets: Mapping[str, Sequence[str]],
        *,
        config: ModelConfig | None = None,
        label_names: Mapping[str, Mapping[str, str]] | None = None,
    ) -> "RoutingModel":
        """Fit features once and a head per target; rows with an empty target are left out of that head.

        ``label_names`` (head → label → name, e.g. "fund" → "市住房公积金中心") adds each name as one
        more example of its label: the words of a unit's name are evidence for it, and a rare
        label gets one example more. Only labels present in the targets are added.
        """
        config = config or ModelConfig()
        texts, targets = _with_label_names(texts, targets, label_names or {})
        features = text_features(
            char_ngrams=config.char_ngrams,
            word_ngrams=config.word_ngrams,
            char_max_features=config.char_max_features,
            word_max_features=config.word_max_features,
            min_df=config.min_df,
            sublinear_tf=config.sublinear_tf,
        )
        (_, char_vec), (_, word_vec) = features.transformer_list
        # Normalisation and segmentation run in other processes; this one builds the character
        # features while the words are being segmented.
        with pretokenized(texts, n_jobs=config.n_jobs, prepare=normalize_all) as (clean, tokens_ready):
            char_matrix = char_vec.fit_transform(clean)
            tokens_ready()
            word_matrix = word_vec.fit_transform(clean)
        # float64 is liblinear's own type: one conversion here rather than one per fit.
        matrix = sparse.hstack([char_matrix, word_matrix], format="csr", dtype=np.float64)
        drop_pruned_vocabulary(features)
        fitted: dict[str, CalibratedLinearSVC] = {}
        jobs: list[tuple[CalibratedLinearSVC, Any, npt.NDArray[Any]]] = []
        for name, values in targets.items():
            y = np.asarray(values, dtype=object)
            keep = np.flatnonzero(y != "")
            if len(np.unique(y[keep])) >= 2:
                fitted[name] = CalibratedLinearSVC(
                    C=config.C,
                    class_weight=None if name in config.unweighted_heads else config.class_weight,
                    calibration_samples=config.calibration_samples,
                    n_jobs=config.n_jobs,
                )
                x = matrix if len(keep) == len(y) else matrix[keep]
                jobs.append((fitted[name], x, y[keep].astype(str)))
        fit_heads(jobs, n_jobs=config.n_jobs)
        return cls(features=features, heads=fitted, config=config)

    def transform(self, texts: Sequence[str]) -> Any:
        """The feature matrix of raw texts.

        Calls each vectorizer directly: FeatureUnion.transform's parallel machinery costs more
        than the work itself for the one text of a live suggestion.
        """
        clean = [normalize(t) for t in texts]
        if len(clean) == 1:
            return self._transform_one(clean[0])
        return sparse.hstack(
            [vec.transform(clean) for _, vec in self.features.transformer_list], format="csr"
        )

    def _transform_one(self, text: str) -> Any:
        """One text's features without scikit-learn's input validation, which costs more than the work.

        Same arithmetic as TfidfVectorizer(norm="l2"), raw or sublinear counts as the vectorizer was
        built (read from it: a model saved before the option existed used sublinear ones); a test
        holds the two equal.
        """
        columns: list[int] = []
        values: list[float] = []
        offset = 0
        for _, vec in self.features.transformer_list:
            vocabulary = vec.vocabulary_
            counts: dict[int, int] = {}
            for term in vec.build_analyzer()(text):
                column = vocabulary.get(term)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if counts:
                index = np.fromiter(counts, dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                if vec.sublinear_tf:
                    tf = 1.0 + np.log(tf)
                weight = tf * vec.idf_[index]
                weight /= np.sqrt(np.dot(weight, weight))
                columns.extend((index + offset).tolist())
                values.extend(weight.tolist())
            offset += len(vec.idf_)
        data = np.asarray(values, dtype=np.float32)
        indices = np.asarray(columns, dtype=np.int32)
        return sparse.csr_matrix((data, indices, np.array([0, len(columns)])), shape=(1, offset))

    def proba(self, head: str, texts: Sequence[str]) -> tuple[list[str], FloatArray]:
        """Classes and calibrated probabilities of ``head`` for each text."""
        model = self.heads[head]
        return [str(c) for c in model.classes_], model.predict_proba(self.transform(texts))

    def predict_heads(self, text: str, *, top: int = 3) -> dict[str, HeadPrediction]:
        """The ``top`` classes of every head for one text (features computed once); ``top=0`` for all."""
        matrix = self.transform([text])
        result: dict[str, HeadPrediction] = {}
        for name, model in self.heads.items():
            p = model.predict_proba(matrix)[0]
            order = np.argsort(-p)[: top or None]
            result[name] = HeadPrediction(
                [str(model.classes_[i]) for i in order], [float(p[i]) for i in order]
            )
        return result

    def labels(self, head: str) -> list[str]:
        """Every class ``head`` knows."""
        return [str(c) for c in self.heads[head].classes_]


def _with_label_names(
    texts: Sequence[str], targets: Mapping[str, Sequence[str]], names: Mapping[str, Mapping[str, str]]
) -> tuple[list[str], dict[str, list[str]]]:
    all_texts = list(texts)
    all_targets = {head: list(values) for head, values in targets.items()}
    for head, by_label in names.items():
        if head not in all_targets:
            continue
        present = set(all_targets[head])
        for label, name in sorted(by_label.items()):
            if label in present and name:
                all_texts.append(name)
                for other, values in all_targets.items():
                    values.append(label if other == head else "")
    return all_texts, all_targets


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def save_model(
    model: RoutingModel,
    directory: Path,
    *,
    data_sha256: str,
    metrics: Mapping[str, Any],
    training_rows: int,
    source: str = "",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the model and its card into ``directory`` atomically; return the card."""
    directory.mkdir(parents=True, exist_ok=True)
    card: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "training_data_sha256": data_sha256,
        "training_rows": training_rows,
        "source": source,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "heads": {name: model.labels(name) for name in model.heads},
        "config": model.config.as_dict(),
        "metrics": dict(metrics),
        **(extra or {}),
    }
    drop_pruned_vocabulary(model.features)  # again: using the model re-creates a cache in it
    _atomic_write(directory / MODEL_FILE, lambda p: joblib.dump(model, p, compress=("zlib", 3)))
    _atomic_write(
        directory / CARD_FILE,
        lambda p: p.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"),
    )
    return card


def _atomic_write(target: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model is for every process of the app
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_card(directory: Path) -> dict[str, Any]:
    """The model card in ``directory``, or an error saying why it cannot be used."""
    card_path = directory / CARD_FILE
    if not (directory / MODEL_FILE).is_file():
        raise ModelNotFound(f"no model at {directory / MODEL_FILE}")
    if not card_path.is_file():
        raise IncompatibleModel(f"{card_path} is missing: a model without its card is not loaded")
    try:
        card: dict[str, Any] = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IncompatibleModel(f"{card_path} is not a readable model card: {err}") from err
    if not isinstance(card, dict) or "sklearn_version" not in card:
        raise IncompatibleModel(f"{card_path} does not say which scikit-learn version built the model")
    return card


def load_model(directory: Path) -> tuple[RoutingModel, dict[str, Any]]:
    """Load a model after checking its card; one built by another scikit-learn minor version is refused."""
    card = read_card(directory)
    built = str(card["sklearn_version"])
    if _minor(built) != _minor(sklearn.__version__):
        raise IncompatibleModel(
            f"the model in {directory} was built with scikit-learn {built}, this is {sklearn.__version__}: "
            "retrain it with `hotline classifier train` (or `python -m classifier.build`) before use"
        )
    if card.get("format_version") != FORMAT_VERSION:
        raise IncompatibleModel(
            f"model format {card.get('format_version')} in {directory}, expected {FORMAT_VERSION}"
        )
    try:
        model = joblib.load(directory / MODEL_FILE)
    except Exception as err:  # a truncated or foreign file: refuse whole, never half-load
        raise IncompatibleModel(f"{directory / MODEL_FILE} cannot be loaded: {err}") from err
    if not isinstance(model, RoutingModel) or "unit" not in model.heads:
        raise IncompatibleModel(f"{directory / MODEL_FILE} is not a routing model with a unit head")
    return model, card
