"""Two app processes share live pages through Redis pub/sub (the real server at 127.0.0.1:6379)."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from hotline.seed.data import DEMO_PASSWORD
from tests.web.conftest import SECRET, TICKET

REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as err:
        return f"Redis at {REDIS_URL} is not reachable ({err}); start redis-server to run this test"
    return None


def _start(db: Path, prefix: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{db}",
        "HOTLINE_REDIS_URL": REDIS_URL,
        "HOTLINE_WEB_SECRET_KEY": SECRET,
        "HOTLINE_WEB_CLASSIFIER": "false",
        "HOTLINE_WEB_REDIS_CHANNEL_PREFIX": prefix,
        "HOTLINE_WEB_WALLBOARD_MIN_INTERVAL_S": "0.05",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "web.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(r"running on http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
        if found:
            return process, f"127.0.0.1:{found.group(1)}"
        time.sleep(0.1)
    process.kill()
    process.wait()
    pytest.fail(f"an app process did not start: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture
def two_apps(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, str]]:
    reason = _redis_up()
    if reason:
        pytest.skip(reason)
    db = tmp_path / "shared.db"
    shutil.copyfile(sqlite_template, db)
    prefix = f"hotline-test-{os.getpid()}-{time.monotonic_ns()}:"
    started = [_start(db, prefix, tmp_path / f"app{n}.log") for n in range(2)]
    try:
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_an_event_in_one_process_reaches_a_wallboard_on_the_other(two_apps: tuple[str, str]) -> None:
    first, second = two_apps
    with (
        httpx.Client(base_url=f"http://{first}") as operator,
        httpx.Client(base_url=f"http://{second}") as board,
    ):
        login = operator.post("/api/login", json={"username": "operator1", "password": DEMO_PASSWORD})
        token = login.json()["csrf_token"]
        board.post(
            "/api/login", json={"username": "supervisor", "password": DEMO_PASSWORD}
        ).raise_for_status()
        assert board.get("/healthz").json()["hub"] == "redis"
        cookie = "; ".join(f"{k}={v}" for k, v in board.cookies.items())
        with connect(
            f"ws://{second}/ws/wallboard", additional_headers={"Cookie": cookie}, open_timeout=10
        ) as ws:
            first_board = json.loads(ws.recv(timeout=10))
            assert first_board["topic"] == "wallboard" and first_board["data"]["recent"] == []
            started = time.monotonic()
            created = operator.post(
                "/api/tickets", json={**TICKET, "title": "跨进程的工单"}, headers={"X-CSRF-Token": token}
            )
            assert created.status_code == 201
            while True:
                message = json.loads(ws.recv(timeout=2))
                titles = [t["title"] for t in message["data"]["recent"]]
                if "跨进程的工单" in titles:
                    break
            assert time.monotonic() - started < 2.0
