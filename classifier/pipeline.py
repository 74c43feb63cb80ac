"""Features and the calibrated linear classifier, following scikit-learn's estimator rules.

Parameters are stored untouched in ``__init__``; fitted state ends in ``_``; the word
analyzer is the module-level :func:`classifier.tokenize.words` so a fitted pipeline
pickles by reference.
"""

import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
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
    sublinear_tf: bool = True,
) -> FeatureUnion:
    """Character n-grams (robust to segmentation errors) beside jieba word n-grams (whole terms).

    ``sublinear_tf=False`` keeps raw counts: in a long complaint the words said again and again
    are the subject, and 1 + log(count) flattens them towards the one-off ones.
    """
    char = TfidfVectorizer(
        analyzer="char",
        ngram_range=char_ngrams,
        sublinear_tf=sublinear_tf,
        min_df=min_df,
        max_features=char_max_features,
        dtype=np.float32,
    )
    word = TfidfVectorizer(
        tokenizer=words,
        token_pattern=None,
        lowercase=False,
        ngram_range=word_ngrams,
        sublinear_tf=sublinear_tf,
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


ROW_UPDATES = 400_000  # the dual solver's budget per class, in rows visited
MIN_PASSES = 4
_REST = "\x00rest"  # sorts before every real label


@dataclass(frozen=True, slots=True)
class _Linear:
    classes: npt.NDArray[Any]
    coef: Any
    intercept: Any


@dataclass(frozen=True, slots=True)
class _Task:
    cost: int  # rows × classes: the longest tasks start first, the short ones fill the gaps
    run: Callable[[], Any]


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
        # A budget of 400,000 row updates per class (never under 4 passes): small sets run to
        # convergence, large ones stop early, where predictions have settled. Measured: on 80k
        # generated tickets, top-1 of each head within 0.15 points at 4 passes and at 6; on the
        # Taipei set forced to 4 passes, within 0.2 points of convergence (3 passes: 0.3 lower).
        max_iter = self.max_iter or max(MIN_PASSES, ROW_UPDATES // max(1, n_rows))
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

    def fit(self, x: Any, y: Any) -> Self:
        """Fit the SVC on all rows, then the temperature on a held-out split."""
        fit_heads([(self, x, y)], n_jobs=self.n_jobs)
        return self

    def _plan(
        self, x: Any, y: npt.NDArray[Any], n_groups: int
    ) -> tuple[list[_Task], Callable[[list[Any]], None]]:
        """The fits this head needs (its classes in ``n_groups`` groups, then the calibration), and
        the function that puts their results together."""
        self.classes_ = np.unique(y)
        groups = [g for g in np.array_split(self.classes_, n_groups) if len(g)]
        tasks = [_Task(x.shape[0] * len(g), partial(self._fit_group, x, y, g)) for g in groups]
        calibration_rows = min(x.shape[0], self.calibration_fit_rows)
        tasks.append(_Task(calibration_rows * len(self.classes_), partial(self._fit_temperature, x, y)))

        def finish(results: list[Any]) -> None:
            *parts, self.temperature_ = results
            svc = _concatenate(parts)
            self.coef_ = svc.coef.astype(np.float32)
            self.intercept_ = svc.intercept.astype(np.float32)

        return tasks, finish

    def _fit_group(self, x: Any, y: npt.NDArray[Any], group: npt.NDArray[Any]) -> _Linear:
        """One-vs-rest weights for the classes of ``group``.

        Every other label becomes a shared "rest": liblinear's one-vs-rest problem for a class is
        the same whichever other labels the rest carry, so groups fitted apart equal one fit.
        """
        if len(group) == len(np.unique(y)):
            svc = self._svc(x.shape[0]).fit(x, y)
            return _Linear(svc.classes_, svc.coef_, svc.intercept_)
        relabelled = np.where(np.isin(y, group), y, _REST)
        svc = self._svc(x.shape[0]).fit(x, relabelled)
        rows = [i for i, c in enumerate(svc.classes_) if c != _REST]
        return _Linear(svc.classes_[rows], svc.coef_[rows], svc.intercept_[rows])

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
        y_train = y[train_idx]
        if len(np.unique(y_train)) < 2:
            return 1.0
        svc = self._fit_group(x[train_idx], y_train, np.unique(y_train))
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


def _concatenate(parts: list[_Linear]) -> _Linear:
    if len(parts) == 1:
        return parts[0]
    got = np.concatenate([p.classes for p in parts])
    order = np.argsort(got)
    coef = np.vstack([p.coef for p in parts])[order]
    intercept = np.concatenate([p.intercept for p in parts])[order]
    return _Linear(got[order], coef, intercept)


def fit_heads(heads: Sequence[tuple[CalibratedLinearSVC, Any, Any]], *, n_jobs: int) -> None:
    """Fit several heads, each on its own (matrix, labels), sharing one pool of ``n_jobs`` threads.

    liblinear releases the GIL, so threads use every core. A head takes threads in proportion
    to its share of all classes: its classes are split into that many groups (see
    ``_fit_group``), so one head alone uses every thread, and heads of similar size run side by
    side unsplit, each fitting once. Calibration fits are tasks of their own in the same pool.
    With ``n_jobs=1`` everything runs in order in the calling thread: a rebuild is identical.
    """
    labels = [np.asarray(y) for _, _, y in heads]
    total = sum(len(np.unique(y)) for y in labels)
    tasks: list[tuple[int, _Task]] = []  # (head, task)
    finishers: list[Callable[[list[Any]], None]] = []
    for head, ((model, x, _), y) in enumerate(zip(heads, labels, strict=True)):
        n_classes = len(np.unique(y))
        # At least two real classes per group: a group of one would be a binary problem.
        n_groups = max(1, min(round(n_jobs * n_classes / total), n_classes // 2))
        planned, finish = model._plan(x, y, n_groups)
        tasks += [(head, task) for task in planned]
        finishers.append(finish)
    # One filter for the calling thread and its workers: catch_warnings is not thread-safe,
    # so it must not be entered inside the threads.
    with warnings.catch_warnings():
        # Labels are unit codes, never a regression target, however many there are per row.
        warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
        # The early stop on large sets is deliberate (see _svc).
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        results = _run(tasks, n_jobs)
    for head, finish in enumerate(finishers):
        finish([result for (owner, _), result in zip(tasks, results, strict=True) if owner == head])


def _run(tasks: list[tuple[int, _Task]], n_jobs: int) -> list[Any]:
    """Every task's result, in the order given; the longest start first."""
    if n_jobs <= 1:
        return [task.run() for _, task in tasks]
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i][1].cost)
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        futures = {i: pool.submit(tasks[i][1].run) for i in order}
        return [futures[i].result() for i in range(len(tasks))]
