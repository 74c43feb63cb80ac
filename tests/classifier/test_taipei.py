"""The real labelled set (Taipei's FAQ → unit): read, never copied into the project."""

from pathlib import Path

import pytest

from classifier.dataset import read_labelled
from classifier.evaluate import evaluate_model
from classifier.model import ModelConfig, RoutingModel
from classifier.train import stratified_split


@pytest.fixture(scope="module")
def split(taipei_path: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    data = read_labelled(taipei_path, text_col="text", label_cols=["label"])
    train, test = stratified_split(data.labels["label"], seed=1)
    texts, labels = data.texts, data.labels["label"]
    return (
        [texts[i] for i in train],
        [labels[i] for i in train],
        [texts[i] for i in test],
        [labels[i] for i in test],
    )


def test_the_real_set_is_learned_well(split: tuple[list[str], list[str], list[str], list[str]]) -> None:
    train_x, train_y, test_x, test_y = split
    model = RoutingModel.fit(
        train_x, {"unit": train_y}, config=ModelConfig(char_max_features=None, word_max_features=None)
    )
    report = evaluate_model(model, test_x, test_y, head="unit")
    # The plain jieba + TF-IDF + LinearSVC baseline gets about 0.78 / 0.88 here (see bench/).
    assert report.accuracy >= 0.79
    assert report.top3 >= 0.89
    assert len({c.label for c in report.per_class}) > 140


def test_traditional_text_is_read_as_simplified(
    split: tuple[list[str], list[str], list[str], list[str]],
) -> None:
    from classifier.normalize import canonical

    assert canonical("臺北市政府社會局") == "台北市政府社会局"
