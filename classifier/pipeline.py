"""Features and the calibrated linear classifier, following scikit-learn's estimator rules.

Parameters are stored untouched in ``__init__``; fitted state ends in ``_``; the word
analyzer is the module-level :func:`classifier.tokenize.words` so a fitted pipeline
pickles by reference.
"""

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from classifier.tokenize import words

FloatArray = npt.NDArray[np.float64]


def text_features(
    *,
    char_ngrams: tuple[int, int] = (1, 2),
    word_ngrams: tuple[int, int] = (1, 2),
    char_max_features: int | None = None,
    word_max_features: int | None = None,
    min_df: int = 1,
) -> FeatureUnion:
    """Character n-grams (robust to segmentation errors) beside jieba word n-grams (whole terms)."""
    char = TfidfVectorizer(
        analyzer="char",
        ngram_range=char_ngrams,
        sublinear_tf=True,
        min_df=min_df,
        max_features=char_max_features,
        dtype=np.float32,
    )
    word = TfidfVectorizer(
        tokenizer=words,
        token_pattern=None,
        lowercase=False,
        ngram_range=word_ngrams,
        sublinear_tf=True,
        min_df=min_df,
        max_features=word_max_features,
        dtype=np.float32,
    )
    return FeatureUnion([("char", char), ("word", word)])


def drop_pruned_vocabulary(features: FeatureUnion) -> None:
    """Forget the terms each vectorizer pruned (only for introspection, and large on disk), and the
    memory address scikit-learn keeps as a cache, which would make two identical builds differ."""
    for _, vectorizer in features.transformer_list:
        for attribute in ("stop_words_", "_stop_words_id"):
            if hasattr(vectorizer, attribute):
                delattr(vectorizer, attribute)


def softmax(scores: FloatArray, temperature: float) -> FloatArray:
    """Row-wise softmax of ``scores / temperature``."""
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    result: FloatArray = e / e.sum(axis=1, keepdims=True)
    return result


_REST = "\x00rest"  # sorts before every real label


@dataclass(frozen=True, slots=True)
class _Linear:
    classes: npt.NDArray[Any]
    coef: Any
    intercept: Any


class CalibratedLinearSVC(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A one-vs-rest LinearSVC whose margins become probabilities by temperature scaling.

    The temperature is fitted on held-out margins: one split, the SVC behind it trained on at
    most ``calibration_fit_rows`` rows and scored on at most ``calibration_samples``, so training
    stays cheap on large sets; rare classes missing from the split are fine.
    """

    def __init__(
        self,
        *,
        C: float = 1.0,  # noqa: N803  (scikit-learn's name for it)
        class_weight: str | None = None,
        calibration_samples: int = 4000,
        calibration_fit_rows: int = 5000,
        max_iter: int | None = None,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.calibration_samples = calibration_samples
        self.calibration_fit_rows = calibration_fit_rows
        self.max_iter = max_iter
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _svc(self, n_rows: int) -> LinearSVC:
        # dual=True: with more rows than features "auto" picks the primal solver, ten times slower here.
        # A budget of about half a million row updates per class (never under 5 passes): small sets
        # run to convergence, large ones stop early, where predictions have long settled. Checked on
        # 100k tickets: the same accuracy at 5 passes as at convergence, log-loss 0.39 against 0.34.
        max_iter = self.max_iter or max(5, 500_000 // max(1, n_rows))
        return LinearSVC(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=max_iter,
            dual=True,
            tol=1e-3,
            # The dual solver shuffles. Fixed, a rebuild gives the same model, with n_jobs=1 only:
            # liblinear's generator is global to the process, so threads interleave its draws.
            random_state=self.random_state,
        )

    def _fit_one(self, x: Any, y: Any) -> LinearSVC:
        return self._svc(x.shape[0]).fit(x, y)

    def _fit_svc(self, x: Any, y: npt.NDArray[Any]) -> _Linear:
        # One filter for the calling thread and its workers: catch_warnings is not thread-safe,
        # so it must not be entered inside the threads.
        with warnings.catch_warnings():
            # Labels are unit codes, never a regression target, however many there are per row.
            warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
            # The early stop on large sets is deliberate (see _svc).
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            return self._fit_svc_threads(x, y)

    def _fit_svc_threads(self, x: Any, y: npt.NDArray[Any]) -> _Linear:
        """One-vs-rest weights for every class, the classes split over ``n_jobs`` threads.

        Each thread trains its classes against a shared "rest" label: liblinear's one-vs-rest
        problem for a class is the same whichever other labels the rest carry, so the result
        equals one multi-class fit, and liblinear releases the GIL while it works.
        """
        classes = np.unique(y)
        if self.n_jobs <= 1 or len(classes) < 4:
            svc = self._fit_one(x, y)
            return _Linear(svc.classes_, svc.coef_, svc.intercept_)
        groups = [g for g in np.array_split(classes, self.n_jobs) if len(g)]

        def fit_group(group: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], Any, Any]:
            relabelled = np.where(np.isin(y, group), y, _REST)
            svc = self._fit_one(x, relabelled)
            rows = [i for i, c in enumerate(svc.classes_) if c != _REST]
            return svc.classes_[rows], svc.coef_[rows], svc.intercept_[rows]

        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            parts = list(pool.map(fit_group, groups))
        got = np.concatenate([p[0] for p in parts])
        order = np.argsort(got)
        coef = np.vstack([p[1] for p in parts])[order]
        intercept = np.concatenate([p[2] for p in parts])[order]
        return _Linear(got[order], coef, intercept)

    def fit(self, x: Any, y: Any) -> Self:
        """Fit the SVC on all rows, then the temperature on a held-out split."""
        y = np.asarray(y)
        svc = self._fit_svc(x, y)
        self.classes_ = svc.classes
        self.coef_ = svc.coef.astype(np.float32)
        self.intercept_ = svc.intercept.astype(np.float32)
        self.temperature_ = self._fit_temperature(x, y)
        return self

    def _fit_temperature(self, x: Any, y: npt.NDArray[Any]) -> float:
        n = len(y)
        if n < 20 or len(self.classes_) < 2:
            return 1.0
        counts = np.unique(y, return_counts=True)[1]
        splitter: KFold | StratifiedKFold
        if counts.min() >= 5:
            splitter = StratifiedKFold(5, shuffle=True, random_state=self.random_state)
        else:
            splitter = KFold(5, shuffle=True, random_state=self.random_state)
        train_idx, held_idx = next(splitter.split(np.zeros(n), y))
        held_idx = held_idx[: self.calibration_samples]
        train_idx = np.sort(
            np.random.default_rng(self.random_state).permutation(train_idx)[: self.calibration_fit_rows]
        )
        if len(np.unique(y[train_idx])) < 2:
            return 1.0
        svc = self._fit_svc(x[train_idx], y[train_idx])
        scores = np.full((len(held_idx), len(self.classes_)), -10.0)
        columns = np.searchsorted(self.classes_, svc.classes)
        margins = np.asarray(x[held_idx] @ svc.coef.T) + svc.intercept
        if margins.shape[1] == 1:
            margins = np.column_stack([-margins[:, 0], margins[:, 0]])
        scores[:, columns] = margins
        truth = np.searchsorted(self.classes_, y[held_idx])

        def nll(log_t: float) -> float:
            p = softmax(scores, float(np.exp(log_t)))
            return float(-np.mean(np.log(p[np.arange(len(truth)), truth] + 1e-12)))

        best = minimize_scalar(nll, bounds=(np.log(0.01), np.log(10.0)), method="bounded")
        return float(np.exp(best.x))

    def decision_function(self, x: Any) -> FloatArray:
        """Margins, one column per class (two columns for two classes)."""
        weights = self.__dict__.get("_weights_by_feature")
        if weights is None:
            # sparse @ a transposed (Fortran-order) array copies the whole array on every call
            weights = self.__dict__["_weights_by_feature"] = np.ascontiguousarray(self.coef_.T)
        scores: FloatArray = np.asarray(x @ weights, dtype=np.float64) + self.intercept_
        if scores.shape[1] == 1:
            scores = np.column_stack([-scores[:, 0], scores[:, 0]])
        return scores

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state.pop("_weights_by_feature", None)  # a cache, rebuilt on first use
        return state

    def predict_proba(self, x: Any) -> FloatArray:
        """Calibrated probabilities, one column per class in ``classes_`` order."""
        return softmax(self.decision_function(x), self.temperature_)

    def predict(self, x: Any) -> npt.NDArray[Any]:
        """The most likely class of each row."""
        result: npt.NDArray[Any] = self.classes_[np.argmax(self.decision_function(x), axis=1)]
        return result
