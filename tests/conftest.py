"""Shared fixtures: a real database per test, on SQLite and on the real PostgreSQL.

Each test runs inside a connection-level transaction that is rolled back at the end;
services commit to savepoints inside it. The PostgreSQL leg runs when
``HOTLINE_TEST_DATABASE_URL`` names a server (CI sets it) and skips with the reason otherwise.
"""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

import hotline.models  # noqa: F401  (registers every table)
from hotline.clock import FixedClock
from hotline.db import make_engine, with_search_path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PG_ENV = "HOTLINE_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One schema per backend for the whole run.

    On PostgreSQL each run gets its own schema, so runs side by side on one server
    (two developers, or a benchmark) never drop each other's tables.
    """
    schema = f"test_{os.getpid()}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        found = postgres_url()
        if found is None:
            pytest.skip(f"PostgreSQL leg: set {PG_ENV} (CI points it at 127.0.0.1:5432)")
        url = with_search_path(found, schema)
    eng = make_engine(url)
    try:
        if eng.dialect.name == "postgresql":
            with eng.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        SQLModel.metadata.create_all(eng)
    except OperationalError as err:
        pytest.skip(f"PostgreSQL leg: server at {PG_ENV} unreachable: {err.orig}")
    yield eng
    if eng.dialect.name == "postgresql":
        with eng.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every commit is rolled back after the test."""
    with engine.connect() as conn:
        trans = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False) as db:
            yield db
        trans.rollback()


@pytest.fixture
def clock() -> FixedClock:
    """Monday 2026-11-23 09:00 in Shaoyang (01:00 UTC), a plain working day."""
    return FixedClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
