import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import sklearn

from classifier.errors import IncompatibleModel, ModelNotFound
from classifier.model import CARD_FILE, MODEL_FILE, RoutingModel, load_model, save_model


@pytest.fixture(scope="module")
def saved(small_model: RoutingModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("model")
    save_model(
        small_model, directory, data_sha256="0" * 64, metrics={"unit": {"accuracy": 1.0}}, training_rows=3
    )
    return directory


def copy_of(saved: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(saved, target)
    return target


def test_save_and_load_give_the_same_predictions(small_model: RoutingModel, saved: Path) -> None:
    loaded, card = load_model(saved)
    texts = ["小区停水了两天", "公司拖欠工资三个月", "想问一下公积金怎么提取"]
    for head in ("unit", "category", "nature"):
        assert np.allclose(small_model.proba(head, texts)[1], loaded.proba(head, texts)[1])
    assert card["sklearn_version"] == sklearn.__version__
    assert card["training_data_sha256"] == "0" * 64
    assert card["heads"]["unit"] == small_model.labels("unit")


def test_probabilities_are_calibrated_distributions(small_model: RoutingModel) -> None:
    _, p = small_model.proba("unit", ["小区门口有人占道摆摊", "想问一下医保异地就医备案"])
    assert np.allclose(p.sum(axis=1), 1.0)
    assert ((p >= 0) & (p <= 1)).all()
    assert 0.01 < small_model.heads["unit"].temperature_ < 10


@pytest.mark.parametrize("version", ["0.24.2", "1.8.0", "2.0.0"])
def test_a_model_from_another_sklearn_version_is_refused(saved: Path, tmp_path: Path, version: str) -> None:
    directory = copy_of(saved, tmp_path)
    card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
    card["sklearn_version"] = version
    (directory / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(IncompatibleModel, match=f"scikit-learn {version}.*retrain"):
        load_model(directory)


def test_a_patch_release_is_accepted(saved: Path, tmp_path: Path) -> None:
    directory = copy_of(saved, tmp_path)
    card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
    major, minor = sklearn.__version__.split(".")[:2]
    card["sklearn_version"] = f"{major}.{minor}.99"
    (directory / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    load_model(directory)


def test_a_model_without_its_card_is_refused(saved: Path, tmp_path: Path) -> None:
    directory = copy_of(saved, tmp_path)
    (directory / CARD_FILE).unlink()
    with pytest.raises(IncompatibleModel, match="card"):
        load_model(directory)


def test_a_damaged_model_file_is_refused_whole(saved: Path, tmp_path: Path) -> None:
    directory = copy_of(saved, tmp_path)
    data = (directory / MODEL_FILE).read_bytes()
    (directory / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(IncompatibleModel, match="cannot be loaded"):
        load_model(directory)


def test_a_missing_model_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match=str(tmp_path)):
        load_model(tmp_path)


def test_the_fast_single_text_path_gives_scikit_learns_features(small_model: RoutingModel) -> None:
    from scipy import sparse

    from classifier.normalize import normalize

    texts = [
        "小区停水了两天，电话13907391234",
        "住房公積金怎麼提取？",
        "zzz",
        "的",
        "喂，你好，我想反映一下噪音扰民",
    ]
    for text in texts:
        fast = small_model.transform([text]).toarray()
        vectorizers = small_model.features.transformer_list
        slow = sparse.hstack([vec.transform([normalize(text)]) for _, vec in vectorizers]).toarray()
        assert fast.shape == slow.shape
        assert np.allclose(fast, slow, atol=1e-6)


def test_saving_the_same_model_twice_gives_the_same_bytes(small_model: RoutingModel, tmp_path: Path) -> None:
    small_model.proba("unit", ["用过以后再存"])  # using a model must not leave per-process state in it
    for name in ("a", "b"):
        save_model(small_model, tmp_path / name, data_sha256="0" * 64, metrics={}, training_rows=1)
    assert (tmp_path / "a" / MODEL_FILE).read_bytes() == (tmp_path / "b" / MODEL_FILE).read_bytes()


def test_training_in_worker_processes_gives_the_same_features(
    small_rows: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from classifier import tokenize
    from classifier.model import ModelConfig

    texts = [r["text"] for r in small_rows][:300]
    targets = {"unit": [r["unit"] for r in small_rows][:300]}
    serial = RoutingModel.fit(texts, targets, config=ModelConfig(n_jobs=1))
    monkeypatch.setattr(tokenize, "PARALLEL_FROM", 0)
    parallel = RoutingModel.fit(texts, targets, config=ModelConfig(n_jobs=2))
    for (_, a), (_, b) in zip(
        serial.features.transformer_list, parallel.features.transformer_list, strict=True
    ):
        assert a.vocabulary_ == b.vocabulary_
        assert np.array_equal(a.idf_, b.idf_)
    # Threads interleave liblinear's shuffling: weights differ a little, the ranking does not.
    assert serial.labels("unit") == parallel.labels("unit")
    assert np.array_equal(
        serial.proba("unit", texts)[1].argmax(axis=1), parallel.proba("unit", texts)[1].argmax(axis=1)
    )


def test_heads_share_the_threads_and_a_lone_head_splits_its_classes() -> None:
    from classifier.pipeline import CalibratedLinearSVC, fit_heads

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(6, 20))
    y = np.repeat(np.array(list("abcdef")), 40)
    x = centres[np.searchsorted(np.array(list("abcdef")), y)] + 0.3 * rng.normal(size=(240, 20))
    alone = CalibratedLinearSVC(n_jobs=2).fit(x, y)  # two groups of three classes against a "rest"
    together = [CalibratedLinearSVC(), CalibratedLinearSVC()]
    fit_heads([(together[0], x, y), (together[1], x, y)], n_jobs=2)  # a head per thread, unsplit
    serial = CalibratedLinearSVC(n_jobs=1).fit(x, y)
    for model in (alone, *together):
        assert list(model.classes_) == list("abcdef")
        assert np.allclose(model.coef_, serial.coef_, atol=1e-2)
        assert np.array_equal(model.predict(x), serial.predict(x))
        assert model.temperature_ == pytest.approx(serial.temperature_, rel=1e-2)


def test_the_fast_path_follows_the_vectorizers_tf_choice(small_rows: list[dict[str, str]]) -> None:
    """Raw counts (the default) and sublinear ones (models saved before the option) both match."""
    from scipy import sparse

    from classifier.model import ModelConfig
    from classifier.normalize import normalize

    texts = [r["text"] for r in small_rows]
    text = "噪音噪音噪音，楼下装修噪音扰民，晚上还在施工"
    for sublinear in (False, True):
        model = RoutingModel.fit(
            texts, {"unit": [r["unit"] for r in small_rows]}, config=ModelConfig(sublinear_tf=sublinear)
        )
        vectorizers = model.features.transformer_list
        assert all(vec.sublinear_tf is sublinear for _, vec in vectorizers)
        slow = sparse.hstack([vec.transform([normalize(text)]) for _, vec in vectorizers]).toarray()
        assert np.allclose(model.transform([text]).toarray(), slow, atol=1e-6)
