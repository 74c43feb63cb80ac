"""答非所问: the check on our labelled replies, and what it says about single replies."""

import csv
from pathlib import Path

import pytest

from classifier.reply_quality import check_reply, topic_similarity
from classifier.service import RoutingClassifier

SET = Path(__file__).parents[2] / "classifier" / "data" / "reply_quality.csv"
NOISE = "小区楼上装修每天晚上十点以后还在电钻，老人小孩睡不着，希望管一管。"


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return RoutingClassifier.load().model


def test_on_the_labelled_set_it_beats_the_length_baseline_and_flags_no_good_reply(model) -> None:  # type: ignore[no-untyped-def]
    with SET.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 51
    ours = [
        check_reply(
            r["complaint"], r["reply"], similarity=topic_similarity(model, r["complaint"], r["reply"])
        ).low
        for r in rows
    ]
    baseline = [len([c for c in r["reply"] if "\u4e00" <= c <= "\u9fff"]) < 40 for r in rows]
    truth = [r["label"] == "bad" for r in rows]

    def f1(predicted: list[bool]) -> float:
        tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
        fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
        fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
        return float(2 * tp / (2 * tp + fp + fn))

    assert f1(ours) >= 0.9 and f1(ours) > f1(baseline) + 0.3
    assert not any(p for p, t in zip(ours, truth, strict=True) if not t)  # no good reply flagged


def test_what_a_unit_is_told(model) -> None:  # type: ignore[no-untyped-def]
    stock = check_reply(NOISE, "您反映的问题已收悉，我单位高度重视，将认真研究，积极协调相关部门妥善处理。")
    assert stock.low and "boilerplate" in stock.issues and "no_action" in stock.issues
    wrong = "经查，该路段路灯线路老化，已安排维修班组于11月20日更换电缆，目前3盏路灯已恢复照明。"
    off = check_reply(NOISE, wrong, similarity=topic_similarity(model, NOISE, wrong))
    assert off.low and off.issues == ["off_topic"]
    right = "经核实，该户装修未办理夜间施工许可。我局于11月20日约谈业主和施工队，责令晚上8点后停止作业。"
    good = check_reply(NOISE, right, similarity=topic_similarity(model, NOISE, right))
    assert not good.low and good.issues == []
    # without the model a reply is never called off topic: words miss paraphrases
    assert "off_topic" not in check_reply(NOISE, wrong).issues
    assert (
        check_reply(NOISE, "已处理").issues == ["no_action", "boilerplate", "too_short"]
        or check_reply(NOISE, "已处理").low
    )


def test_similarity_is_a_cosine(model) -> None:  # type: ignore[no-untyped-def]
    assert topic_similarity(model, NOISE, NOISE) == pytest.approx(1.0, abs=1e-6)
    assert 0.0 <= topic_similarity(model, NOISE, "社保卡丢了在哪里补办") < 0.5
