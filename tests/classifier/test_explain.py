"""The routing explanation: which words of the text pushed towards each suggested unit."""

import numpy as np
import pytest

from classifier.explain import UnitExplainer
from classifier.normalize import normalize
from classifier.service import RoutingClassifier


@pytest.fixture(scope="module")
def explainer(shipped: RoutingClassifier) -> UnitExplainer:
    return UnitExplainer(shipped.model)


def test_the_words_that_name_the_matter_point_to_its_unit(explainer: UnitExplainer) -> None:
    found = explainer.explain("我的公积金提取一直没有到账", ["fund"])
    words = [e.word for e in found["fund"]]
    assert words and words[0] == "公积金"


def test_each_unit_gets_its_own_words(explainer: UnitExplainer) -> None:
    text = "孩子学校乱收费，还有公积金提取不了"
    found = explainer.explain(text, ["edu", "fund"])
    edu = {e.word for e in found["edu"]}
    fund = {e.word for e in found["fund"]}
    assert "学校" in edu and "学校" not in fund
    assert "公积金" in fund and "公积金" not in edu


def test_evidence_is_words_of_the_text_strongest_first(explainer: UnitExplainer) -> None:
    text = "小区楼下烧烤摊夜里太吵，油烟很大，电话13812345678"
    seen = normalize(text)
    for evidence in explainer.explain(text, ["eco", "urban"]).values():
        assert 0 < len(evidence) <= 5
        weights = [e.weight for e in evidence]
        assert weights == sorted(weights, reverse=True) and min(weights) > 0
        for e in evidence:
            assert e.word in seen and e.word not in {"num", "tel"} and "," not in e.word


def test_the_weights_add_up_from_value_times_coefficient(shipped: RoutingClassifier) -> None:
    """Evidence for one word is that word's features' value × coefficient, not a made-up score."""
    text = "公积金"
    row = shipped.model.transform([text]).tocsr()
    head = shipped.model.heads["unit"]
    at = [str(c) for c in head.classes_].index("fund")
    margin_part = float(np.dot(row.data, head.coef_[at, row.indices]))
    (only,) = UnitExplainer(shipped.model).explain(text, ["fund"], limit=10)["fund"]
    assert only.word == "公积金"
    assert only.weight == pytest.approx(margin_part, abs=1e-3)


def test_an_unknown_unit_gets_no_words(explainer: UnitExplainer) -> None:
    assert explainer.explain("路灯坏了", ["no-such-unit"]) == {"no-such-unit": []}
