"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import hotline.models  # noqa: F401
from hotline.db import make_engine, with_search_path
from hotline.migrate import upgrade
from tests.conftest import postgres_url


@pytest.fixture(params=["sqlite", "postgres"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield engine
        engine.dispose()
        return
    found = postgres_url()
    if found is None:
        pytest.skip("PostgreSQL leg: set HOTLINE_TEST_DATABASE_URL")
    schema = f"mig_{os.getpid()}"
    engine = make_engine(with_search_path(found, schema))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield engine
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def test_upgrade_builds_the_models_schema(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    assert diff == [], "models and migrations differ: run scripts/regen-initial-migration"
    assert set(inspect(empty_engine).get_table_names()) >= set(SQLModel.metadata.tables)
    upgrade(empty_engine)  # a second run is a no-op
