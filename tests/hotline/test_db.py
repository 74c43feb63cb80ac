"""The database layer: SQLite write transactions take the lock at BEGIN, across processes."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from hotline.db import IDLE_BEFORE_PING_S, make_engine, session_scope, writer
from tests.conftest import PG_ENV, postgres_url


def _other_process_can_write(path: Path) -> bool:
    """What a second process (the phone bridge, another web worker) finds: may it start writing now?"""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as err:
        if "locked" not in str(err):
            raise
        return False
    finally:
        other.close()


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    """A SQLite file holding one counter row, and its engine."""
    path = tmp_path / "counter.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine, path
    engine.dispose()


def test_a_writer_session_holds_the_sqlite_write_lock_from_its_first_read(
    counter: tuple[Engine, Path],
) -> None:
    engine, path = counter
    with Session(engine) as reading:
        reading.execute(text("SELECT n FROM counter")).one()
        assert _other_process_can_write(path)  # a plain read leaves others free to write
    with Session(writer(engine)) as writing:
        writing.execute(text("SELECT n FROM counter")).one()
        assert not _other_process_can_write(path)  # the writer reserved the database at BEGIN
        writing.commit()
    assert _other_process_can_write(path)


def test_concurrent_read_then_write_units_of_work_all_commit(counter: tuple[Engine, Path]) -> None:
    """Read a counter, then write it back +1: deferred transactions would fail with 'locked'."""
    engine, _ = counter
    errors: list[BaseException] = []

    def bump(times: int) -> None:
        try:
            for _ in range(times):
                with session_scope(engine) as session:
                    n = session.execute(text("SELECT n FROM counter")).scalar_one()
                    session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as err:  # reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=bump, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 100  # no lost update


def test_writer_is_the_same_engine_on_postgresql() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connects
    assert writer(engine) is engine


@pytest.mark.parametrize("url", ["sqlite://"])
def test_writer_keeps_the_pool_of_its_engine(url: str) -> None:
    engine = make_engine(url)
    assert writer(engine).pool is engine.pool


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    url = postgres_url()
    if url is None:
        pytest.skip(f"PostgreSQL leg: set {PG_ENV} (CI points it at 127.0.0.1:5432)")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        pid: int = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


def _kill(engine: Engine, pid: int) -> None:
    """As a server restart or a firewall would: the pooled connection dies while it lies idle."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with other.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    finally:
        other.dispose()


def test_a_pooled_connection_that_died_while_idle_is_replaced_before_use(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = _backend_pid(pg_engine)
    _kill(pg_engine, dead)
    later = time.monotonic() + IDLE_BEFORE_PING_S + 1
    monkeypatch.setattr("hotline.db.time.monotonic", lambda: later)
    assert _backend_pid(pg_engine) != dead  # pinged, found dead, swapped: the request did not fail


def test_a_connection_in_steady_use_is_not_pinged(pg_engine: Engine) -> None:
    dead = _backend_pid(pg_engine)
    _kill(pg_engine, dead)
    with pytest.raises(OperationalError):  # the cost of skipping the ping: this one request fails
        _backend_pid(pg_engine)
    assert _backend_pid(pg_engine) != dead  # and the pool starts afresh
