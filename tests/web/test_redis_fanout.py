"""Two app processes share live pages through Redis pub/sub (the real server at 127.0.0.1:6379)."""

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from hotline.seed.data import DEMO_PASSWORD
from tests.web.conftest import REDIS_URL, SECRET, TICKET


def _redis_up() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as err:
        return f"Redis at {REDIS_URL} is not reachable ({err}); start redis-server to run this test"
    return None


def _env(db: Path, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{db}",
        "HOTLINE_REDIS_URL": REDIS_URL,
        "HOTLINE_WEB_SECRET_KEY": SECRET,
        "HOTLINE_WEB_CLASSIFIER": "false",
        "HOTLINE_WEB_REDIS_CHANNEL_PREFIX": prefix,
        "HOTLINE_WEB_WALLBOARD_MIN_INTERVAL_S": "0.05",
    }


def _start(
    env: dict[str, str], log: Path, command: list[str] | None = None, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    """Start an app process (uvicorn on a free port unless told otherwise); wait until each worker runs."""
    command = command or [sys.executable, "-m", "uvicorn", "--factory", "web.app:create_app", "--port", "0"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        output = log.read_text(errors="replace")
        found = re.search(r"running on http://127\.0\.0\.1:(\d+)", output)
        if found and output.count("Application startup complete") >= workers:
            return process, f"127.0.0.1:{found.group(1)}"
        time.sleep(0.1)
    process.kill()
    process.wait()
    pytest.fail(f"an app process did not start: {log.read_text(errors='replace')[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def two_apps(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, str]]:
    reason = _redis_up()
    if reason:
        pytest.skip(reason)
    db = tmp_path / "shared.db"
    shutil.copyfile(sqlite_template, db)
    prefix = f"hotline-test-{os.getpid()}-{time.monotonic_ns()}:"
    started = [_start(_env(db, prefix), tmp_path / f"app{n}.log") for n in range(2)]
    try:
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            _stop(process)


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


def test_hotline_serve_with_two_workers_takes_concurrent_writes_on_one_sqlite_file(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """`hotline serve --workers 2`: two processes write the same SQLite file; no ticket is lost."""
    reason = _redis_up()
    if reason:
        pytest.skip(reason)
    db = tmp_path / "shared.db"
    shutil.copyfile(sqlite_template, db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--workers", "2"]
    env = _env(db, f"hotline-test-{os.getpid()}-{time.monotonic_ns()}:")
    process, host = _start(env, tmp_path / "serve.log", command, workers=2)
    try:
        with httpx.Client(base_url=f"http://{host}") as login:
            token = login.post(
                "/api/login", json={"username": "operator1", "password": DEMO_PASSWORD}
            ).json()["csrf_token"]
            cookies = dict(login.cookies)

        def create(n: int) -> tuple[int, str]:
            # a new connection each time, so the kernel spreads them over both workers
            with httpx.Client(base_url=f"http://{host}", cookies=cookies) as client:
                response = client.post(
                    "/api/tickets", json={**TICKET, "title": f"并发 {n}"}, headers={"X-CSRF-Token": token}
                )
                return response.status_code, response.json()["ticket"]["number"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(create, range(60)))
        assert [status for status, _ in results] == [201] * 60
        assert len({number for _, number in results}) == 60
        with sqlite3.connect(db) as conn:
            titles = {row[0] for row in conn.execute("SELECT title FROM ticket WHERE title LIKE '并发 %'")}
        assert titles == {f"并发 {n}" for n in range(60)}
        log = (tmp_path / "serve.log").read_text(errors="replace")
        assert len(set(re.findall(r"Started server process \[(\d+)\]", log))) == 2
    finally:
        _stop(process)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({}, "HOTLINE_REDIS_URL"),
        ({"HOTLINE_REDIS_URL": REDIS_URL}, "HOTLINE_WEB_SECRET_KEY"),
    ],
)
def test_several_workers_are_refused_without_what_they_share(
    env: dict[str, str], problem: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from web.cli import app

    monkeypatch.chdir(tmp_path)  # no .env file is read
    for name in ("HOTLINE_REDIS_URL", "HOTLINE_WEB_REDIS_URL", "HOTLINE_WEB_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", "1"])
    assert result.exit_code == 2
    assert problem in result.output
