"""The seat shows why a unit was suggested (the words that pointed to it) and when the model is unsure."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from hotline.clock import SystemClock
from hotline.config import Settings
from tests.web.browser.conftest import CHROMIUM, SHOTS, LiveServer, serve_in_thread, signed_in_page
from tests.web.conftest import World, build_engine, drop_engine, web_settings
from web.app import create_app
from web.model_reload import load_live_classifier

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    """A live server with the shipped routing model (the shared one runs on the rules alone)."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    engine: Engine = build_engine("sqlite", tmp_path_factory.mktemp("why"), sqlite_template)
    clock = SystemClock()
    app = create_app(
        Settings(database_url=str(engine.url)),
        web=web_settings(),
        engine=engine,
        clock=clock,
        classifier=load_live_classifier(enabled=True),
    )
    with serve_in_thread(app) as (server, thread):
        world = World(app=app, engine=engine, clock=clock, client=None)  # type: ignore[arg-type]
        yield LiveServer(world, server, thread)
    drop_engine(engine)


def test_the_words_behind_each_suggestion_are_listed_as_text(browser: Any, model_server: LiveServer) -> None:
    page = signed_in_page(browser, model_server, "dispatcher")
    page.goto(model_server.url + "/intake")
    page.focus("#content")
    page.keyboard.type("<b>我的公积金</b>提取申请交了一个月还没有到账")
    page.wait_for_selector("#suggest-why li[data-unit='fund'] mark")
    first = page.inner_text("#suggest-why li[data-unit='fund'] mark")
    assert first == "公积金"
    assert page.inner_text("#suggest-why li[data-unit='fund']").startswith("公积金中心：")
    assert page.query_selector("#suggest-why b") is None  # the caller's markup stays text
    assert page.is_hidden("#suggest-unsure")
    page.locator(".suggest").screenshot(path=str(SHOTS / "suggest-why.png"))
    page.context.close()


def test_an_unsure_suggestion_asks_for_a_person(browser: Any, model_server: LiveServer) -> None:
    page = signed_in_page(browser, model_server, "dispatcher")
    page.goto(model_server.url + "/intake")
    page.focus("#content")
    page.keyboard.type("你好，我想反映一个情况")
    page.wait_for_selector("#suggest-unsure:has-text('不确定，请人工判断')", state="visible")
    assert page.query_selector_all("#suggest-units button")
    page.locator(".suggest").screenshot(path=str(SHOTS / "suggest-unsure.png"))
    page.context.close()
