"""The admin's 分派模型 tab in Chromium: a retrain in the background with its progress, the held-out
report beside the model in use, promote and rollback with a second click, the server switching
models as it runs."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from classifier.model import ModelConfig
from classifier.registry import ModelRegistry
from classifier.settings import SHIPPED_MODEL_DIR
from hotline.audit.models import AuditEntry
from hotline.clock import SystemClock
from hotline.config import Settings
from tests.web.browser.conftest import SCREENS, SHOTS, LiveServer, serve_in_thread, signed_in_page
from tests.web.conftest import World, build_engine, drop_engine, now_at_start, web_settings
from tests.web.model_history import KEYWORD_TEXT, KEYWORD_UNIT, add_history
from web.app import create_app
from web.model_jobs import RetrainJobs
from web.model_reload import LiveClassifier
from web.routers.admin.models import JOBS_KEY, REGISTRY_KEY

pytestmark = pytest.mark.browser
SMALL = ModelConfig(char_max_features=3000, word_max_features=1500, calibration_samples=1000, n_jobs=1)


@pytest.fixture(scope="module")
def models_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, browser: Any
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("models-browser")
    engine = build_engine("sqlite", folder, sqlite_template)
    with Session(engine) as session:
        add_history(session, now_at_start())
    registry = ModelRegistry(folder / "store", fallback=SHIPPED_MODEL_DIR)
    live = LiveClassifier(registry, check_every_s=3600)
    app = create_app(
        Settings(database_url=str(engine.url)),
        web=web_settings(),
        engine=engine,
        clock=SystemClock(),
        classifier=live,
    )
    app.state.services.extras[REGISTRY_KEY] = registry
    app.state.services.extras[JOBS_KEY] = RetrainJobs(registry, engine, config=SMALL)
    with serve_in_thread(app) as (server, thread):
        world = World(app=app, engine=engine, clock=SystemClock(), client=None)  # type: ignore[arg-type]
        yield LiveServer(world, server, thread)
    drop_engine(engine)


def test_retrain_promote_and_roll_back_from_the_tab(browser: Any, models_server: LiveServer) -> None:
    page = signed_in_page(browser, models_server, "admin", size=SCREENS["laptop"])
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.click("a[data-section=models]")
    page.locator("#models-rows", has_text="还没有训练过的候选模型").wait_for()
    assert page.text_content("#models-active") == "随系统发布的模型"
    assert page.locator("#models-rollback-slot button").count() == 0  # nothing promoted yet
    page.click("#models-retrain")
    page.locator("#models-job", has_text="训练中").wait_for()
    assert page.locator("#models-retrain").is_disabled()
    page.locator("#models-job[data-status=succeeded]").wait_for(timeout=120_000)
    row = page.locator("#models-rows tr[data-version]")
    row.wait_for()
    version = row.get_attribute("data-version") or ""
    text = row.inner_text()
    assert "候选" in text and "随系统发布的模型：macro-F1" in text and "%" in text
    assert version in page.text_content("#models-job") or ""
    row.get_by_role("button", name="各单位").click()
    page.locator("#models-classes tr", has_text="市住房公积金中心（fund）").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "horizontal scroll"
    page.screenshot(path=str(SHOTS / "admin-models-laptop.png"), full_page=True)
    live: LiveClassifier = models_server.world.app.state.services.classifier
    assert live.suggest(KEYWORD_TEXT).units[0].unit_code != KEYWORD_UNIT
    # Promote: the first click only asks.
    button = row.get_by_role("button", name="启用")
    button.click()
    assert button.inner_text() == "确认启用？" and live.version is None
    button.click()
    page.locator("#models-rows tr[data-version] .badge", has_text="在用").wait_for()
    assert page.text_content("#models-active") == version
    assert live.version == version and live.suggest(KEYWORD_TEXT).units[0].unit_code == KEYWORD_UNIT
    rollback = page.locator("#models-rollback-slot button")
    rollback.click()
    assert rollback.inner_text() == "确认回退？" and live.version == version
    rollback.click()
    page.locator("#models-active", has_text="随系统发布的模型").wait_for()
    assert live.version is None and live.suggest(KEYWORD_TEXT).units[0].unit_code != KEYWORD_UNIT
    assert page.locator("#models-rollback-slot button").count() == 0
    with Session(models_server.world.engine) as session:
        done = session.exec(select(AuditEntry.action).where(AuditEntry.target_kind == "model")).all()
    assert sorted(done) == ["model.promote", "model.retrain", "model.rollback"]
    assert errors == []
    page.context.close()
