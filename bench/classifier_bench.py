"""Classifier benchmark: every target of issue 3 printed beside a plain baseline, in one run.

    .venv/bin/python bench/classifier_bench.py [--folds 5] [--quick]

- Real set (../shared/data/taipei_qa.csv, read only): stratified k-fold CV, the same folds for
  every model, at unit level (`label`, 149 classes) and bureau level (`bureau`, 60 classes).
  Input is the Traditional `text` column; our pipeline converts it to Simplified inside,
  the baselines see it as it is.
    baseline  = jieba words + TfidfVectorizer() + LinearSVC(), nothing else (the issue's baseline)
    reference = character 1–3-gram TF-IDF + LinearSVC (the README's stronger reference)
    ours      = classifier.model.RoutingModel with ModelConfig(): the CLI's and the build's config
- Routing (`--only routing`): ModelConfig() — the one config `hotline classifier train` and
  `classifier.build` use — beside the plain baseline of issue 14 (jieba words 1–2 + characters
  1–3 TF-IDF + LinearSVC, min_df 2), same split, same run: macro-F1, top-1, top-3, predict p50/p99
  on one core. Sets: Taipei FAQ (short questions), a long-body set built from it (below), and the
  shipped corpus (unit head).
- Emergencies: recall on the phrase list and on the hold-out list, false alarms on ordinary
  requests (the tricky list and a held-out fifth of the corpus), beside a plain keyword baseline.
- Latency of one suggestion on one core (p50/p99), training time on 100k tickets, duplicate
  search among 100k open tickets (p99).
"""

# ruff: noqa: E402  (the thread limits below must be set before numpy is imported)
import os

# One core for the timed parts: set before numpy and scipy start their thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import csv
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.build import data_file, emergency_examples, flag_emergencies, read_column
from classifier.corpus.generate import generate
from classifier.duplicates import DuplicateIndex, OpenTicket
from classifier.model import ModelConfig, RoutingModel
from classifier.normalize import canonical
from classifier.service import RoutingClassifier
from classifier.settings import ClassifierSettings
from classifier.tokenize import tokenizer
from classifier.train import label_names, stratified_split

TAIPEI = (REPO.parent / "shared" / "data" / "taipei_qa.csv", Path("/work/shared/data/taipei_qa.csv"))


def pin_one_core() -> set[int]:
    """Pin the process to one core; return the cores it had, to give them back."""
    if not hasattr(os, "sched_setaffinity"):
        return set()
    cores = set(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {min(cores)})
    return cores


def unpin(cores: set[int]) -> None:
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cores)


def plain_words(text: str) -> list[str]:
    """The baseline's tokenizer: jieba as it comes (a private instance, default dictionary)."""
    return list(_PLAIN.lcut(text))


_PLAIN: Any = None


def baseline_features() -> TfidfVectorizer:
    return TfidfVectorizer(tokenizer=plain_words, token_pattern=None, lowercase=False)


def reference_features() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=(1, 3))


def topk(scores: np.ndarray, classes: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    order = np.argsort(-scores, axis=1)[:, :3]
    top1 = float(np.mean(classes[order[:, 0]] == truth))
    top3 = float(np.mean([t in classes[row] for t, row in zip(truth, order, strict=True)]))
    return top1, top3


def sklearn_scores(
    make: Callable[[], TfidfVectorizer], xtr: list[str], ytr: np.ndarray, xte: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    vec = make()
    model = LinearSVC().fit(vec.fit_transform(xtr), ytr)
    return model.decision_function(vec.transform(xte)), model.classes_


def ours_scores(xtr: list[str], ytr: np.ndarray, xte: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Our model as `hotline classifier train` builds it: ModelConfig(), label names as examples."""
    names = {"unit": label_names(set(ytr), {})}
    model = RoutingModel.fit(xtr, {"unit": list(ytr)}, config=ModelConfig(), label_names=names)
    classes, proba = model.proba("unit", xte)
    return proba, np.asarray(classes, dtype=object)


def taipei(folds: int) -> None:
    path = next((p for p in TAIPEI if p.is_file()), None)
    print("\n== Real set: Taipei FAQ → unit ==")
    if path is None:
        print("skipped: ../shared/data/taipei_qa.csv is not here")
        return
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = [r["text"] for r in rows]
    print(
        f"{len(rows)} rows, input column `text` (Traditional), "
        f"stratified {folds}-fold CV, seed 0, same folds for all"
    )
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for level in ("label", "bureau"):
        y = np.asarray([r[level] for r in rows], dtype=object)
        splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
        for train, test in splitter.split(np.zeros(len(y)), y):
            xtr = [texts[i] for i in train]
            xte = [texts[i] for i in test]
            runs = {
                "baseline": sklearn_scores(baseline_features, xtr, y[train], xte),
                "reference": sklearn_scores(reference_features, xtr, y[train], xte),
                "ours": ours_scores(xtr, y[train], xte),
            }
            for name, (scores, classes) in runs.items():
                results.setdefault((level, name), []).append(topk(scores, classes, y[test]))
    print(f"{'level':<12}{'model':<11}{'top-1':>8}{'top-3':>8}{'Δtop-1 vs baseline':>21}")
    for level, n in (("label", 149), ("bureau", 60)):
        base = np.mean([r[0] for r in results[(level, "baseline")]])
        for name in ("baseline", "reference", "ours"):
            top1 = np.mean([r[0] for r in results[(level, name)]])
            top3 = np.mean([r[1] for r in results[(level, name)]])
            print(f"{level + f'/{n}':<12}{name:<11}{top1:>8.4f}{top3:>8.4f}{(top1 - base) * 100:>+20.2f}p")
    print("targets: ours top-1 ≥ baseline + 3 points at both levels; ours top-3 ≥ 0.93 at unit level")


def plain_baseline() -> FeatureUnion:
    """Issue 14's baseline: jieba words 1–2 + characters 1–3, TF-IDF, min_df 2 (fed to LinearSVC())."""
    word = TfidfVectorizer(
        tokenizer=plain_words, token_pattern=None, lowercase=False, ngram_range=(1, 2), min_df=2
    )
    char = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2)
    return FeatureUnion([("word", word), ("char", char)])


def long_bodies(
    rows: Sequence[dict[str, str]],
    *,
    classes: Sequence[str],
    n: int,
    seed: int,
    own: tuple[int, int] = (3, 6),
    length: int = 400,
) -> tuple[list[str], list[str]]:
    """``n`` long messages of ``classes`` built from short labelled questions, in proportion to their rows.

    Each message is a few questions of its bureau (``own``) among questions of any other bureau
    (the 60, not only ``classes``), shuffled and joined until about ``length`` characters: the
    subject is said a few times inside a long text that also tells of other things.
    """
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = {}
    for r in rows:
        by_label.setdefault(r["bureau"], []).append(r["text_simplified"])
    weights = [len(by_label[b]) for b in classes]
    texts, truth = [], []
    for label in rng.choices(list(classes), weights=weights, k=n):
        pool = by_label[label]
        parts = rng.sample(pool, min(len(pool), rng.randint(*own)))
        others = [b for b in sorted(by_label) if b != label]
        target = rng.randint(int(length * 0.75), int(length * 1.25))
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(rng.choice(by_label[rng.choice(others)]))
        rng.shuffle(parts)
        texts.append("。".join(parts))
        truth.append(label)
    return texts, truth


def _macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return float(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0))


def _one_core_ms(predict_one: Callable[[str], Any], texts: Sequence[str]) -> tuple[float, float]:
    cores = pin_one_core()
    try:
        for text in texts[:30]:  # warm caches
            predict_one(text)
        samples = []
        for text in texts:
            t0 = time.perf_counter()
            predict_one(text)
            samples.append(time.perf_counter() - t0)
    finally:
        unpin(cores)
    return percentile_ms(samples, 50), percentile_ms(samples, 99)


def _score_baseline(xtr: list[str], ytr: list[str], xte: list[str], yte: list[str]) -> dict[str, float]:
    t0 = time.perf_counter()
    features = plain_baseline()
    svc = LinearSVC().fit(features.fit_transform(xtr), ytr)
    fit_s = time.perf_counter() - t0
    top1, top3 = topk(svc.decision_function(features.transform(xte)), svc.classes_, np.asarray(yte))
    predicted = svc.classes_[np.argmax(svc.decision_function(features.transform(xte)), axis=1)]
    p50, p99 = _one_core_ms(lambda t: svc.decision_function(features.transform([t])), xte[:400])
    return {
        "f1": _macro_f1(yte, list(predicted)),
        "top1": top1,
        "top3": top3,
        "p50": p50,
        "p99": p99,
        "fit": fit_s,
    }


def _score_ours(
    config: ModelConfig, xtr: list[str], ytr: list[str], xte: list[str], yte: list[str]
) -> dict[str, float]:
    """Trained as `hotline classifier train` trains: label names as examples, the given config."""
    t0 = time.perf_counter()
    names = {"unit": label_names(set(ytr), {})}
    model = RoutingModel.fit(xtr, {"unit": ytr}, config=config, label_names=names)
    fit_s = time.perf_counter() - t0
    classes, proba = model.proba("unit", xte)
    top1, top3 = topk(proba, np.asarray(classes, dtype=object), np.asarray(yte, dtype=object))
    predicted = [classes[i] for i in np.argmax(proba, axis=1)]
    p50, p99 = _one_core_ms(lambda t: model.predict_heads(t), xte[:400])
    return {"f1": _macro_f1(yte, predicted), "top1": top1, "top3": top3, "p50": p50, "p99": p99, "fit": fit_s}


# Rows besides ours and the baseline with --variants: each changes one thing of ModelConfig().
VARIANTS: dict[str, dict[str, Any]] = {
    "sublinear tf": {"sublinear_tf": True},
    "no class weights": {"class_weight": None},
    "min_df 2": {"min_df": 2},
    "chars 1–3": {"char_ngrams": (1, 3)},
    "old caps 12k/6k": {"char_max_features": 12_000, "word_max_features": 6_000},
    "old CLI config": {
        "char_max_features": 12_000,
        "word_max_features": 6_000,
        "sublinear_tf": True,
        "class_weight": None,
    },
}


def _routing_set(
    name: str, xtr: list[str], ytr: list[str], xte: list[str], yte: list[str], variants: bool
) -> None:
    print(
        f"\n-- {name}: {len(xtr)} train / {len(xte)} test, {len(set(ytr))} classes, "
        f"mean length {np.mean([len(t) for t in xte]):.0f} characters"
    )
    print(
        f"{'model':<24}{'macro-F1':>9}{'top-1':>8}{'top-3':>8}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'fit s':>7}{'ΔF1':>8}"
    )
    rows = {
        "baseline (plain)": _score_baseline(xtr, ytr, xte, yte),
        "ours ModelConfig()": _score_ours(ModelConfig(), xtr, ytr, xte, yte),
    }
    if variants:
        for label, change in VARIANTS.items():
            rows[f"  {label}"] = _score_ours(replace(ModelConfig(), **change), xtr, ytr, xte, yte)
    base = rows["baseline (plain)"]["f1"]
    for label, r in rows.items():
        print(
            f"{label:<24}{r['f1']:>9.4f}{r['top1']:>8.4f}{r['top3']:>8.4f}"
            f"{r['p50']:>8.2f}{r['p99']:>8.2f}{r['fit']:>7.1f}{(r['f1'] - base) * 100:>+7.2f}p"
        )


def _column(rows: Sequence[dict[str, str]], idx: Sequence[int], col: str) -> list[str]:
    return [rows[i][col] for i in idx]


def routing(*, variants: bool, long_n: int) -> None:
    print("\n== Routing: ModelConfig() (CLI, build, shipped) vs the plain baseline, same split ==")
    print("latency: one text, one head, one core (ours: RoutingModel.predict_heads; baseline: transform+SVC)")
    corpus = read_csv_rows(data_file("corpus.csv"))
    train, test = stratified_split([r["unit"] for r in corpus])
    _routing_set(
        "shipped corpus → unit (80/20 stratified, seed 0)",
        _column(corpus, train, "text"),
        _column(corpus, train, "unit"),
        _column(corpus, test, "text"),
        _column(corpus, test, "unit"),
        variants,
    )
    path = next((p for p in TAIPEI if p.is_file()), None)
    if path is None:
        print("Taipei sets skipped: ../shared/data/taipei_qa.csv is not here")
        return
    rows = read_csv_rows(path)
    train, test = stratified_split([r["bureau"] for r in rows])
    _routing_set(
        "Taipei FAQ (short, Simplified) → bureau (80/20 stratified, seed 0)",
        _column(rows, train, "text_simplified"),
        _column(rows, train, "bureau"),
        _column(rows, test, "text_simplified"),
        _column(rows, test, "bureau"),
        variants,
    )
    # Long bodies: the questions are split first, so no question is in a training and a test body.
    train_rows, test_rows = [rows[i] for i in train], [rows[i] for i in test]
    biggest = [b for b, _ in Counter(r["bureau"] for r in rows).most_common(7)]
    for classes, own, n, name in (
        # 7 classes, as many messages as the issue's hidden set; 2–4 questions of its bureau: the
        # old CLI config ties the baseline here (−0.5 to +0.0 points), −0.4 on the hidden set.
        (biggest, (2, 4), long_n, "7 biggest bureaus, 2–4 of its questions"),
        (
            sorted({r["bureau"] for r in rows}),
            (3, 6),
            long_n * 5 // 7,
            "all 60 bureaus, 3–6 of its questions",
        ),
    ):
        xtr, ytr = long_bodies(train_rows, classes=classes, n=n, seed=1, own=own)
        xte, yte = long_bodies(test_rows, classes=classes, n=n // 4, seed=2, own=own)
        _routing_set(f"Taipei long bodies (~400 chars; {name}, among others')", xtr, ytr, xte, yte, variants)
    print("target (issue 14): ours macro-F1 ≥ baseline + 0.02 on long bodies; predict p99 ≤ 5 ms")


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


KEYWORDS = (
    "着火",
    "火灾",
    "煤气",
    "燃气",
    "打架",
    "打人",
    "自杀",
    "跳楼",
    "车祸",
    "晕倒",
    "洪水",
    "倒塌",
    "溺水",
    "救命",
)


def keyword_flags(texts: Sequence[str]) -> np.ndarray:
    """The plain baseline: any alarming keyword, no negation or context."""
    return np.asarray([any(k in canonical(t) for k in KEYWORDS) for t in texts], dtype=bool)


def emergencies() -> None:
    print("\n== Emergencies ==")
    below = ClassifierSettings().emergency_below
    listed = read_column("emergencies.csv", "text")
    holdout = read_column("emergencies_holdout.csv", "text")
    tricky = read_column("ordinary.csv", "text")
    corpus = read_column("corpus.csv", "text")
    rng = random.Random(0)
    held = set(rng.sample(range(len(corpus)), len(corpus) // 5))
    # An emergency head trained without the held-out fifth of the corpus, for honest false alarms.
    texts, labels = emergency_examples()
    keep = [i for i in range(len(texts)) if i not in held]
    head = RoutingModel.fit([texts[i] for i in keep], {"emergency": [labels[i] for i in keep]})
    ordinary_held = [corpus[i] for i in sorted(held)]
    print(
        f"phrase list {len(listed)}, hold-out list {len(holdout)} (never trained on, rules not tuned on it)"
    )
    print(f"ordinary: {len(tricky)} tricky requests + {len(ordinary_held)} held-out corpus requests")
    print(
        f"{'detector':<24}{'recall list':>12}{'recall hold-out':>16}"
        f"{'FA tricky':>10}{'FA corpus':>10}{'FA all':>8}"
    )
    detectors: dict[str, Callable[[list[str]], np.ndarray]] = {
        "keywords (baseline)": keyword_flags,
        "rules": lambda t: flag_emergencies(None, t, below=below),
        f"rules + head (<{below})": lambda t: flag_emergencies(head, t, below=below),
    }
    for name, flag in detectors.items():
        fa_tricky, fa_corpus = flag(tricky), flag(ordinary_held)
        fa_all = (fa_tricky.sum() + fa_corpus.sum()) / (len(tricky) + len(ordinary_held))
        print(
            f"{name:<24}{flag(listed).mean():>12.4f}{flag(holdout).mean():>16.4f}"
            f"{fa_tricky.mean():>10.4f}{fa_corpus.mean():>10.4f}{fa_all:>8.4f}"
        )
    print("targets: recall 1.0 on the list of ≥ 200; false alarms ≤ 0.02 on ordinary requests")


def synthetic_tickets(n: int) -> list[dict[str, str]]:
    """n varied tickets: the corpus generator run with other seeds (each seed composes anew)."""
    rows: list[dict[str, str]] = []
    seed = 1000
    while len(rows) < n:
        rows += list(generate(seed))
        seed += 1
    random.Random(0).shuffle(rows)
    return rows[:n]


def percentile_ms(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000.0, q))


def latency(shipped: RoutingClassifier) -> None:
    print("\n== Predict latency, one suggestion, one core ==")
    texts = read_column("corpus.csv", "text")[::2] + read_column("emergencies_holdout.csv", "text")
    base_rows = read_column("corpus.csv", "text")
    base_vec = baseline_features()
    base = LinearSVC().fit(base_vec.fit_transform(base_rows), read_column("corpus.csv", "unit"))
    for text in texts[:50]:  # warm caches
        shipped.suggest(text)
    ours, plain = [], []
    for text in texts:
        t0 = time.perf_counter()
        shipped.suggest(text)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        base.decision_function(base_vec.transform([text]))
        plain.append(time.perf_counter() - t0)
    print(f"{len(texts)} texts, mean length {np.mean([len(t) for t in texts]):.0f} characters")
    print(f"{'':<40}{'p50 ms':>8}{'p99 ms':>8}")
    print(
        f"{'baseline (jieba+tfidf+svc, 1 head)':<40}"
        f"{percentile_ms(plain, 50):>8.2f}{percentile_ms(plain, 99):>8.2f}"
    )
    print(
        f"{'ours: suggest() (4 heads+rules+place)':<40}"
        f"{percentile_ms(ours, 50):>8.2f}{percentile_ms(ours, 99):>8.2f}"
    )
    print("target: ours p99 ≤ 5 ms")


def training(n: int) -> None:
    print(f"\n== Training on {n:,} tickets ==")
    rows = synthetic_tickets(n)
    texts = [r["text"] for r in rows]
    print(f"{len(texts):,} tickets from the corpus generator (other seeds), {len(set(texts)):,} distinct")
    t0 = time.perf_counter()
    vec = baseline_features()
    LinearSVC().fit(vec.fit_transform(texts), [r["unit"] for r in rows])
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    RoutingModel.fit(texts, {h: [r[h] for r in rows] for h in ("unit", "category", "nature")})
    ours = time.perf_counter() - t0
    print(f"baseline (1 head)                       {base:7.1f} s")
    print(f"ours (3 calibrated heads, shipped config) {ours:5.1f} s")
    print("target: ours ≤ 60 s")


def duplicates(n: int) -> None:
    print(f"\n== Duplicate search among {n:,} open tickets ==")
    rows = synthetic_tickets(n)
    now = time.time()
    rng = random.Random(1)
    index = DuplicateIndex()
    t0 = time.perf_counter()
    for i, row in enumerate(rows):
        index.add(OpenTicket(i, row["text"], row["district"], now - rng.uniform(0, 30 * 86400)))
    built = time.perf_counter() - t0
    queries = [r["text"] for r in synthetic_tickets(n + 400)[n:]]
    for q in queries[:20]:
        index.search(q, now=now)
    timings = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q, now=now)
        timings.append(time.perf_counter() - t0)
    # The baseline: cosine over a TF-IDF matrix of every open ticket, computed per query.
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2))
    matrix = vec.fit_transform([r["text"] for r in rows])
    plain = []
    for q in queries[:100]:
        t0 = time.perf_counter()
        scores = (matrix @ vec.transform([q]).T).toarray().ravel()
        np.argpartition(-scores, 5)[:5]
        plain.append(time.perf_counter() - t0)
    print(f"index built in {built:.1f} s; {len(queries)} queries")
    print(f"{'':<36}{'p50 ms':>8}{'p99 ms':>8}")
    print(
        f"{'baseline (brute-force TF-IDF cosine)':<36}"
        f"{percentile_ms(plain, 50):>8.2f}{percentile_ms(plain, 99):>8.2f}"
    )
    print(
        f"{'ours (bigram inverted index)':<36}"
        f"{percentile_ms(timings, 50):>8.2f}{percentile_ms(timings, 99):>8.2f}"
    )
    print("target: ours p99 ≤ 20 ms")


def main() -> None:
    global _PLAIN
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="3 folds and 20k tickets, for a smoke run")
    parser.add_argument(
        "--long", type=int, default=6000, help="long-body training messages (test: a quarter)"
    )
    parser.add_argument(
        "--variants", action="store_true", help="routing: also ModelConfig() with one thing changed"
    )
    parser.add_argument(
        "--only",
        default="latency,duplicates,training,emergencies,taipei,routing",
        help="comma-separated parts to run (default: all)",
    )
    args = parser.parse_args()
    if args.quick:
        args.folds, args.tickets = 3, 20_000
    import jieba

    _PLAIN = jieba.Tokenizer()
    _PLAIN.initialize()
    tokenizer()
    cores = pin_one_core()
    print(f"classifier benchmark — python {sys.version.split()[0]}, {len(cores) or '?'} cores")
    print(f"latency and duplicate search pinned to one core; training uses the {len(cores) or '?'} cores")
    parts = set(args.only.split(","))
    shipped = RoutingClassifier.load()
    print(f"shipped model: trained {shipped.card['trained_at']}, sklearn {shipped.card['sklearn_version']}")
    if "latency" in parts:
        latency(shipped)
    if "duplicates" in parts:
        duplicates(args.tickets)
    unpin(cores)
    if "training" in parts:
        training(args.tickets)
    if "emergencies" in parts:
        emergencies()
    if "taipei" in parts:
        taipei(args.folds)
    if "routing" in parts:
        routing(variants=args.variants, long_n=args.long)


if __name__ == "__main__":
    main()
