"""`hotline seed` on a new database: a city's data and no account anybody knows the password of."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from hotline.db import make_engine
from hotline.errors import PermissionDenied
from hotline.seed.data import DEMO_PASSWORD, DEMO_USERS
from hotline.seed.service import seed
from hotline.units.models import Unit
from hotline.users.models import User
from hotline.users.service import authenticate
from web.cli import app

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    target = tmp_path / "city.db"
    monkeypatch.chdir(tmp_path)  # no .env file is read
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{target}")
    monkeypatch.setenv("COLUMNS", "300")
    return make_engine(f"sqlite:///{target}")


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def accounts(engine: Engine) -> list[User]:
    with Session(engine) as session:
        return list(session.exec(select(User)))


def logs_in(engine: Engine, username: str, password: str) -> bool:
    with Session(engine) as session:
        try:
            authenticate(session, username=username, password=password, now=NOW)
        except PermissionDenied:
            return False
        return True


def test_seed_loads_the_city_and_makes_no_account(db: Engine) -> None:
    result = run("seed")
    assert result.exit_code == 0, result.output
    with Session(db) as session:
        assert len(session.exec(select(Unit)).all()) > 50
    assert accounts(db) == []
    assert (
        "还没有管理员账号：用 hotline users add USERNAME --name 姓名 --role admin 添加第一个" in result.output
    )
    assert DEMO_PASSWORD not in result.output
    # the admin adds the first account as the hint says, and the hint is gone
    added = run(
        "users",
        "add",
        "chief",
        "--name",
        "信息科 张工",
        "--role",
        "admin",
        "--password-stdin",
        input="a-long-secret\n",
    )
    assert added.exit_code == 0, added.output
    again = run("seed")
    assert again.exit_code == 0 and "还没有管理员账号" not in again.output, again.output
    assert logs_in(db, "chief", "a-long-secret")
    assert [user.username for user in accounts(db)] == ["chief"]


def test_seed_demo_makes_the_demo_accounts_and_says_their_password_is_public(db: Engine) -> None:
    result = run("seed", "--demo")
    assert result.exit_code == 0, result.output
    assert f"演示账号的密码均为 {DEMO_PASSWORD}：只用于试用" in result.output
    assert {user.username for user in accounts(db)} == {username for username, *_ in DEMO_USERS}
    assert logs_in(db, "admin", DEMO_PASSWORD)


def test_seed_warns_about_demo_accounts_left_from_an_earlier_demo_seed(db: Engine) -> None:
    assert run("seed", "--demo").exit_code == 0
    changed = run("users", "password", "admin", "--password-stdin", input="the-city-admin-secret\n")
    assert changed.exit_code == 0, changed.output
    assert run("users", "deactivate", "unit_power").exit_code == 0
    result = run("seed")
    assert result.exit_code == 0, result.output
    warned = [user for user, *_ in DEMO_USERS if user not in {"admin", "unit_power"}]
    assert (
        f"警告：演示账号 {'、'.join(sorted(warned))} 仍在使用公开的演示密码 {DEMO_PASSWORD}" in result.output
    )
    assert "还没有管理员账号" not in result.output


def test_the_seed_service_makes_demo_accounts_only_when_asked(db: Engine) -> None:
    from hotline.migrate import upgrade

    upgrade(db)
    with Session(db) as session:
        report = seed(session, now=NOW)
        assert "users" not in report.added and "units" in report.added
    assert accounts(db) == []
