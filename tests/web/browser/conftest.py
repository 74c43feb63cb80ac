"""A real server (uvicorn on an ephemeral port, in a thread of the test process) and Debian's Chromium."""

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import pytest
import uvicorn
from sqlalchemy import Engine

from hotline.clock import SystemClock
from hotline.config import Settings
from tests.web.conftest import World, build_engine, drop_engine, web_settings
from web.adapters import RulesOnlyClassifier
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/hotline-shots")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


class LiveServer:
    def __init__(self, world: World, server: uvicorn.Server, thread: threading.Thread) -> None:
        self.world, self.server, self.thread = world, server, thread
        sockets = server.servers[0].sockets
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"


@contextmanager
def serve_in_thread(app: Any) -> Iterator[tuple[uvicorn.Server, threading.Thread]]:
    """uvicorn serving ``app`` on an ephemeral loopback port, in a thread of the test process."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield server, thread
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    engine: Engine = build_engine("sqlite", tmp_path_factory.mktemp("browser"), sqlite_template)
    clock = SystemClock()
    app = create_app(
        Settings(database_url=str(engine.url)),
        web=web_settings(wallboard_refresh_s=30),
        engine=engine,
        clock=clock,
        classifier=RulesOnlyClassifier(),
    )
    with serve_in_thread(app) as (server, thread):
        world = World(app=app, engine=engine, clock=clock, client=None)  # type: ignore[arg-type]
        yield LiveServer(world, server, thread)
    drop_engine(engine)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def clean_shots() -> None:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(exist_ok=True)


class Served(Protocol):
    url: str


PAGE_TIMEOUT_MS = 5000
SCREENS = {"laptop": (1440, 900), "fullhd": (1920, 1080)}


def signed_in_page(
    browser: Any, server: Served, username: str, *, size: tuple[int, int] = (1440, 900)
) -> Any:
    """A new browser context at ``size``, signed in through the real login form as ``username``.

    Any dialog (alert/confirm) fails the test: the pages use toasts and inline confirmations.
    """
    from hotline.seed.data import DEMO_PASSWORD

    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    return page
