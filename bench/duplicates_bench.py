"""Duplicate finder benchmark: the meaning finder beside the earlier bigram one, in one run.

    .venv/bin/python bench/duplicates_bench.py [--open 100000] [--background 3000]

Quality: every text of ``classifier/data/duplicate_pairs.csv`` is an open ticket, among
``--background`` generated tickets (the corpus generator, other seeds). Each pair's ``a`` and
``b`` are searched for in turn (the query itself taken out of the index, put back after):
- recall@k: share of paraphrase partners found in the top k;
- precision@k: of the top-k results that are texts of the labelled set, the share that are the
  query's paraphrase partner (background hits are left out: they are unlabelled);
- hard-negative rate@k: share of hard negatives (same place other matter, same matter other
  place) found in the top k. Lower is better.
The set was written by hand for this bench (one author, also the author of
``data/concepts.txt``, so the concept table may fit it better than unseen calls): 55 matters
told twice in other words (same place, or no place named), 25 texts naming the same place as
one of them but another matter, and 33 the same matter at another district, street or estate.
The background and speed tickets come from ``classifier.corpus.generate`` (seeds 1000+, 2000+).

Speed: ``--open`` generated open tickets indexed one by one; p50/p99 of a search with the
labelled texts as queries, and the cost of one open (add) and one close (remove).
"""

# ruff: noqa: E402  (the thread limits below must be set before numpy is imported)
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import csv
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.corpus.generate import generate
from classifier.duplicates import DuplicateIndex, OpenTicket, bigram_terms, meaning_terms
from classifier.normalize import normalize
from classifier.tokenize import words

PAIRS = REPO / "classifier" / "data" / "duplicate_pairs.csv"
FINDERS: dict[str, Callable[[], DuplicateIndex]] = {
    "bigram (before)": lambda: DuplicateIndex(bigram_terms, legacy=True),
    "meaning (now)": lambda: DuplicateIndex(meaning_terms),
}


def without_concepts(text: str) -> dict[str, float]:
    return {t: w for t, w in meaning_terms(text).items() if not t.startswith("§")}


def with_jieba_words(text: str) -> dict[str, float]:
    terms = meaning_terms(text)
    terms.update({"w:" + w: 1.0 for w in words(normalize(text)) if len(w) >= 2})
    return terms


# Ablations, quality only: what the concepts bring, and what jieba words would add.
ABLATIONS: dict[str, Callable[[], DuplicateIndex]] = {
    "  no concepts": lambda: DuplicateIndex(without_concepts),
    "  + jieba words": lambda: DuplicateIndex(with_jieba_words),
}
KS = (1, 3, 5)
SHORT = {"same_matter_other_place": "other place", "same_place_other_matter": "other matter"}
NOW = 1_750_000_000.0
DAY = 86400.0


def synthetic(n: int, seed: int) -> list[str]:
    texts: list[str] = []
    while len(texts) < n:
        texts += [r["text"] for r in generate(seed)]
        seed += 1
    random.Random(seed).shuffle(texts)
    return texts[:n]


def labelled() -> tuple[list[str], dict[str, set[int]], list[tuple[str, int, int]]]:
    """The set's texts, each text's paraphrase partners, and (kind, query, other) for every pair."""
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts: list[str] = []
    ids: dict[str, int] = {}
    for row in rows:
        for text in (row["a"], row["b"]):
            ids.setdefault(text, len(texts))
            if ids[text] == len(texts):
                texts.append(text)
    partners: dict[str, set[int]] = defaultdict(set)
    pairs: list[tuple[str, int, int]] = []
    for row in rows:
        a, b = ids[row["a"]], ids[row["b"]]
        pairs += [(row["kind"], a, b), (row["kind"], b, a)]
        if row["kind"] == "paraphrase":
            partners[str(a)].add(b)
            partners[str(b)].add(a)
    return texts, partners, pairs


def quality(background: int) -> None:
    texts, partners, pairs = labelled()
    extra = synthetic(background, seed=2000)
    counts: dict[str, int] = defaultdict(int)
    for kind, _, _ in pairs:
        counts[kind] += 1
    print(f"\n== Quality: {len(texts)} labelled texts among {background:,} background tickets ==")
    print("pairs (both directions): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    header = f"{'':<18}" + "".join(f"{'R@' + str(k):>7}{'P@' + str(k):>7}" for k in KS)
    header += "".join(f"{'neg@3 ' + SHORT[k]:>20}" for k in sorted(counts) if k != "paraphrase")
    print(header)
    labelled_ids = set(range(len(texts)))
    for name, make in {**FINDERS, **ABLATIONS}.items():
        index = make()
        tickets = [OpenTicket(i, t, "", NOW - DAY) for i, t in enumerate(texts)]
        tickets += [OpenTicket(len(texts) + i, t, "", NOW - DAY) for i, t in enumerate(extra)]
        index.add_many(tickets)
        top: dict[int, list[int]] = {}
        for query in range(len(texts)):
            index.remove(query)
            top[query] = [m.ticket_id for m in index.search(texts[query], limit=max(KS), now=NOW)]
            index.add(tickets[query])
        line = f"{name:<18}"
        for k in KS:
            found = wanted = right = returned = 0
            for query in range(len(texts)):
                mine = partners.get(str(query), set())
                hits = top[query][:k]
                found += len(mine & set(hits))
                wanted += len(mine)
                shown = [h for h in hits if h in labelled_ids]
                right += sum(h in mine for h in shown)
                returned += len(shown)
            line += f"{found / wanted:>7.2f}{(right / returned if returned else 0.0):>7.2f}"
        for kind in sorted(counts):
            if kind == "paraphrase":
                continue
            these = [(q, o) for k, q, o in pairs if k == kind]
            rate = sum(o in top[q][:3] for q, o in these) / len(these)
            line += f"{rate:>20.2f}"
        print(line)


def speed(n: int) -> None:
    print(f"\n== Speed: {n:,} open tickets, one core ==")
    rows = synthetic(n, seed=1000)
    queries = labelled()[0] + synthetic(200, seed=9000)
    rng = random.Random(1)
    ages = [NOW - rng.uniform(0, 30 * DAY) for _ in rows]
    print(f"{'':<18}{'build s':>9}{'p50 ms':>9}{'p99 ms':>9}{'add ms':>9}{'remove ms':>11}{'hits/q':>8}")
    for name, make in FINDERS.items():
        index = make()
        t0 = time.perf_counter()
        for i, (text, age) in enumerate(zip(rows, ages, strict=True)):
            index.add(OpenTicket(i, text, "", age))
        built = time.perf_counter() - t0
        for q in queries[:20]:
            index.search(q, now=NOW)
        timings, hits = [], 0
        for q in queries:
            t0 = time.perf_counter()
            hits += len(index.search(q, now=NOW))
            timings.append(time.perf_counter() - t0)
        adds, removes = [], []
        for i, q in enumerate(queries[:200]):
            t0 = time.perf_counter()
            index.add(OpenTicket(n + i, q, "", NOW))
            adds.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            index.remove(i)
            removes.append(time.perf_counter() - t0)
        ms = np.asarray(timings) * 1000.0
        print(
            f"{name:<18}{built:>9.1f}{np.percentile(ms, 50):>9.2f}{np.percentile(ms, 99):>9.2f}"
            f"{np.mean(adds) * 1000:>9.3f}{np.mean(removes) * 1000:>11.4f}{hits / len(queries):>8.1f}"
        )
    print("target: meaning p99 ≤ 20 ms at 100,000 open tickets")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--open", type=int, default=100_000, help="open tickets for the speed run")
    parser.add_argument("--background", type=int, default=3000, help="unlabelled tickets in the quality run")
    args = parser.parse_args()
    quality(args.background)
    speed(args.open)


if __name__ == "__main__":
    main()
