"""/api/assist/suggest says when the router is unsure, and which words pointed to each unit."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hotline.clock import FixedClock
from hotline.config import Settings
from tests.web.conftest import World, build_engine, now_at_start, web_settings
from web.adapters import RulesOnlyClassifier
from web.app import create_app
from web.model_reload import load_live_classifier


@pytest.fixture(scope="module")
def classified(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    """The app with the shipped routing model, as in production."""
    engine = build_engine("sqlite", tmp_path_factory.mktemp("explain"), sqlite_template)
    app = create_app(
        Settings(database_url=str(engine.url)),
        web=web_settings(),
        engine=engine,
        clock=FixedClock(now_at_start()),
        classifier=load_live_classifier(enabled=True),
    )
    assert not isinstance(app.state.services.classifier, RulesOnlyClassifier)
    with TestClient(app) as client:
        yield World(app=app, engine=engine, clock=app.state.services.clock, client=client)
    engine.dispose()


def test_each_suggested_unit_comes_with_the_words_that_pointed_to_it(classified: World) -> None:
    operator = classified.login("operator1")
    text = "我的公积金提取申请交了一个月还没有到账"
    found = operator.post("/api/assist/suggest", json={"text": text}).json()
    assert found["unsure"] is False
    top = found["units"][0]
    assert top["unit_code"] == "fund"
    assert top["words"][0]["word"] == "公积金" and top["words"][0]["weight"] > 0
    for unit in found["units"]:
        assert len(unit["words"]) <= 5
        assert all(w["word"] in text and w["weight"] > 0 for w in unit["words"])


def test_a_vague_text_is_flagged_unsure(classified: World) -> None:
    operator = classified.login("operator1")
    found = operator.post("/api/assist/suggest", json={"text": "你好，我想反映一个情况"}).json()
    assert found["unsure"] is True and found["units"]


def test_without_a_model_there_are_no_words(world: World) -> None:
    found = world.login("operator1").post("/api/assist/suggest", json={"text": "公积金提取"}).json()
    assert found["units"] == [] and found["unsure"] is True
