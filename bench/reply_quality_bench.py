"""答非所问 check: ours beside a length-only baseline on our labelled replies, in one run.

    .venv/bin/python bench/reply_quality_bench.py

The set (classifier/data/reply_quality.csv) is ours: 17 complaints from the seed scenarios, each
with a concrete reply (good), a stock-phrase reply (bad), and the concrete reply written for
another of the complaints (bad: the copy-pasted answer to the wrong ticket). The rules were
written looking at it, so these figures describe the rules on the kinds of reply they were made
for, not a hidden test.
    baseline   = "bad" when the reply has fewer than 40 Chinese characters (what a reviewer skims by)
    words only = check_reply without the model (RulesOnlyClassifier): it never calls a reply off topic
    ours       = check_reply with the routing model's category similarity (the server's default)
Latency: one check on one core, p50/p99, the model's share included.
"""

# ruff: noqa: E402
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import csv
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.reply_quality import check_reply, topic_similarity
from classifier.service import RoutingClassifier

SET = REPO / "classifier" / "data" / "reply_quality.csv"
KINDS = ("good", "boilerplate", "off_topic")  # the set's rows come in this order per complaint


def rows() -> list[dict[str, str]]:
    with SET.open(encoding="utf-8") as f:
        found = list(csv.DictReader(f))
    for i, row in enumerate(found):
        row["kind"] = KINDS[i % 3]
    return found


def figures(name: str, bad: Callable[[str, str], bool], data: list[dict[str, str]]) -> dict[str, float]:
    predicted = [bad(r["complaint"], r["reply"]) for r in data]
    truth = [r["label"] == "bad" for r in data]
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    caught = {k: sum(p for p, r in zip(predicted, data, strict=True) if r["kind"] == k) for k in KINDS}
    per = sum(1 for r in data if r["kind"] == "good")
    print(
        f"{name:<11} precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
        f"flagged: good {caught['good']}/{per}  boilerplate {caught['boilerplate']}/{per}  "
        f"off-topic {caught['off_topic']}/{per}"
    )
    return {"precision": precision, "recall": recall, "f1": f1}


def latency(check: Callable[[str, str], object], data: list[dict[str, str]], rounds: int = 20) -> str:
    times = []
    for _ in range(rounds):
        for r in data:
            t = time.perf_counter()
            check(r["complaint"], r["reply"])
            times.append(time.perf_counter() - t)
    times.sort()
    return f"p50 {times[len(times) // 2] * 1000:.2f} ms  p99 {times[int(len(times) * 0.99)] * 1000:.2f} ms"


def main() -> None:
    data = rows()
    model = RoutingClassifier.load().model
    han = re.compile(r"[\u4e00-\u9fff]")

    def baseline(_c: str, reply: str) -> bool:
        return len(han.findall(reply)) < 40

    def words_only(c: str, reply: str) -> bool:
        return check_reply(c, reply).low

    def ours(c: str, reply: str) -> bool:
        return check_reply(c, reply, similarity=topic_similarity(model, c, reply)).low

    print(f"reply-quality set: {len(data)} replies ({SET.relative_to(REPO)})")
    figures("baseline", baseline, data)
    figures("words only", words_only, data)
    figures("ours", ours, data)
    print("latency    words only", latency(lambda c, r: check_reply(c, r), data))
    print(
        "latency    ours      ",
        latency(lambda c, r: check_reply(c, r, similarity=topic_similarity(model, c, r)), data),
    )


if __name__ == "__main__":
    main()
