"""`hotline users`: list, add, deactivate, activate, password and unlock on a temporary database."""

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from hotline.clock import FixedClock
from hotline.enums import Role
from hotline.errors import PermissionDenied
from hotline.seed.data import DEMO_PASSWORD
from hotline.users.models import User
from hotline.users.service import authenticate
from tests.web.cli_database import demo_copy, use_database
from tests.web.conftest import World
from web import cli_users
from web.cli import app

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shaoyang


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_users, "clock", FixedClock(NOW))


@pytest.fixture
def db(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The CLI on a copy of the seeded demo database (units and the demo accounts)."""
    engine = demo_copy(monkeypatch, tmp_path, sqlite_template)
    yield engine
    engine.dispose()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, ["users", *args], input=input)


def user(engine: Engine, username: str) -> User:
    with Session(engine) as session:
        return session.exec(select(User).where(User.username == username)).one()


def usernames(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return {found.username for found in session.exec(select(User))}


def can_log_in(engine: Engine, username: str, password: str, now: datetime = NOW) -> bool:
    with Session(engine) as session:
        try:
            authenticate(session, username=username, password=password, now=now)
        except PermissionDenied:
            return False
        return True


def change(engine: Engine, username: str, **values: object) -> None:
    with Session(engine) as session:
        found = session.exec(select(User).where(User.username == username)).one()
        for name, value in values.items():
            setattr(found, name, value)
        session.add(found)
        session.commit()


def test_list_is_a_readable_table(db: Engine) -> None:
    change(db, "operator2", active=False)
    change(db, "unit_urban", locked_until=NOW + timedelta(minutes=12), failed_logins=0)
    change(db, "operator3", locked_until=NOW - timedelta(minutes=1))  # an expired lockout is not shown
    everyone = run("list")
    assert everyone.exit_code == 0, everyone.output
    lines = everyone.output.splitlines()
    assert lines[0] == "用户名           姓名             角色      单位                  状态  锁定至"
    assert lines[1] == "admin            系统管理员       管理员    —                     在用  —"
    assert "unit_urban       城管局 联络员    成员单位  城管局（urban）       在用  2026-11-23 09:12" in lines
    assert "operator3        话务员 刘洋      话务员    —                     在用  —" in lines
    assert not any(line.startswith("operator2") for line in lines)
    assert lines[-1] == "共 11 个账号（另有 1 个已停用，加 --inactive 一并列出）。"
    operators = run("list", "--role", "operator", "--inactive").output.splitlines()
    assert [line.split()[0] for line in operators[1:-1]] == ["operator1", "operator2", "operator3"]
    assert "已停用" in operators[2] and operators[-1] == "共 3 个账号。"
    urban = run("list", "--unit", "urban").output.splitlines()
    assert [line.split()[0] for line in urban[1:-1]] == ["unit_urban"]
    none = run("list", "--role", "supervisor", "--unit", "urban")
    assert none.output.splitlines() == ["没有符合条件的账号。", "共 0 个账号。"]


def test_add_asks_for_the_password_twice_without_showing_it(db: Engine) -> None:
    typed = "short\nnew-clerk-pass\ntypo-clerk-pass\nnew-clerk-pass\nnew-clerk-pass\n"
    result = run(
        "add", "clerk2", "--name", "城管局 联络员二", "--role", "unit", "--unit", "urban", input=typed
    )
    assert result.exit_code == 0, result.output
    assert "pass" not in result.stdout  # hidden input is not echoed
    assert result.stderr.splitlines() == [
        "密码至少 8 个字符，请重新输入。",
        "两次输入的密码不一致，请重新输入。",
    ]
    assert result.stdout.count("账号 clerk2 的新密码：") == 3 and result.stdout.count("再输入一次：") == 2
    assert result.stdout.splitlines()[-1] == "已添加账号 clerk2（城管局 联络员二）：成员单位，城管局。"
    added = user(db, "clerk2")
    assert (added.role, added.unit_id) == (Role.UNIT, user(db, "unit_urban").unit_id)
    assert can_log_in(db, "clerk2", "new-clerk-pass")


def test_add_reads_the_password_from_stdin_for_scripts(db: Engine) -> None:
    result = run(
        "add",
        "zhangsan",
        "--name",
        "话务员 张三",
        "--role",
        "operator",
        "--password-stdin",
        input="pw-from-a-file\r\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "已添加账号 zhangsan（话务员 张三）：话务员。\n"
    assert user(db, "zhangsan").role is Role.OPERATOR
    assert can_log_in(db, "zhangsan", "pw-from-a-file")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--role", "boss"), "", "「boss」不是员工角色，应为 operator（话务员）、dispatcher（派单员）"),
        (("--role", "system"), "", "「system」不是员工角色"),
        (("--role", "unit"), "", "成员单位的账号须用 --unit 指定单位代码"),
        (("--role", "operator", "--unit", "urban"), "", "话务员不属于成员单位，不要加 --unit"),
        (("--role", "unit", "--unit", "nowhere"), "", "没有代码为「nowhere」的成员单位"),
        (("--role", "operator", "--name", "  "), "", "显示名不能为空"),
        (("--role", "operator", "--password-stdin"), "short\n", "密码至少 8 个字符"),
        (("--role", "operator", "--password-stdin"), "", "标准输入里没有密码"),
        (("--role", "operator", "--password", "on-the-command-line"), "", "No such option: --password"),
    ],
)
def test_bad_arguments_exit_2_and_add_nobody(
    db: Engine, args: tuple[str, ...], stdin: str, message: str
) -> None:
    before = usernames(db)
    result = run("add", "newbie", "--name", "新人", *args, input=stdin)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert usernames(db) == before


def test_refused_actions_exit_1_with_the_reason_on_stderr(db: Engine) -> None:
    taken = run(
        "add",
        "operator1",
        "--name",
        "又一个",
        "--role",
        "operator",
        "--password-stdin",
        input="long-enough\n",
    )
    assert taken.exit_code == 1
    assert taken.stderr == "无法完成：用户名「operator1」已被占用（话务员 李艳）\n"
    last_admin = run("deactivate", "admin")
    assert last_admin.exit_code == 1
    assert "无法完成：「admin」是最后一个在用的管理员账号，不能停用" in last_admin.stderr
    assert user(db, "admin").active
    for command in ("deactivate", "activate", "unlock"):
        unknown = run(command, "nobody")
        assert (unknown.exit_code, unknown.stderr) == (1, "无法完成：没有用户名为「nobody」的账号\n")
    unknown = run("password", "nobody", "--password-stdin", input="long-enough\n")
    assert (unknown.exit_code, unknown.stderr) == (1, "无法完成：没有用户名为「nobody」的账号\n")


def test_deactivate_and_activate(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_WEB_LIVE_RECHECK_S", "10")  # how soon open live feeds notice
    epoch = user(db, "operator1").session_epoch
    result = run("deactivate", "operator1")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "已停用账号 operator1（话务员 李艳）：不能再登录，已有的登录全部失效（打开着的页面 10 秒内退出）。\n"
    )
    assert (user(db, "operator1").active, user(db, "operator1").session_epoch) == (False, epoch + 1)
    assert not can_log_in(db, "operator1", DEMO_PASSWORD)
    again = run("deactivate", "operator1")
    assert again.output == "账号 operator1（话务员 李艳）本来就已停用；其所有登录已失效。\n"
    back = run("activate", "operator1")
    assert back.output == "已启用账号 operator1（话务员 李艳）：可以重新登录。\n"
    assert can_log_in(db, "operator1", DEMO_PASSWORD)
    assert run("activate", "operator1").output == "账号 operator1（话务员 李艳）本来就在用。\n"


def test_password_and_unlock(db: Engine) -> None:
    change(db, "unit_urban", locked_until=NOW + timedelta(minutes=12), failed_logins=0)
    assert not can_log_in(db, "unit_urban", DEMO_PASSWORD)
    unlocked = run("unlock", "unit_urban")
    assert (
        unlocked.output
        == "已解锁账号 unit_urban（城管局 联络员）：原锁定至 2026-11-23 09:12，现在即可登录。\n"
    )
    assert can_log_in(db, "unit_urban", DEMO_PASSWORD)
    change(db, "unit_urban", failed_logins=3)
    assert (
        run("unlock", "unit_urban").output
        == "账号 unit_urban（城管局 联络员）未被锁定；登录失败次数已清零。\n"
    )
    assert user(db, "unit_urban").failed_logins == 0
    change(db, "operator2", active=False, locked_until=NOW + timedelta(minutes=5))
    result = run("password", "operator2", input="reset-pass-99\nreset-pass-99\n")
    assert result.exit_code == 0, result.output
    assert "reset-pass-99" not in result.output
    assert result.stdout.splitlines()[-2:] == [
        "已为账号 operator2（话务员 王芳）设置新密码：原有登录全部失效，锁定已解除。",
        "提示：该账号已停用，用 hotline users activate operator2 启用后才能登录。",
    ]
    stored = user(db, "operator2")
    assert (stored.locked_until, stored.session_epoch) == (None, 1)
    run("activate", "operator2")
    assert can_log_in(db, "operator2", "reset-pass-99")
    assert not can_log_in(db, "operator2", DEMO_PASSWORD)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_running_app_refuses_a_user_the_cli_deactivated_or_gave_a_new_password(
    backend: str, world_factory: Callable[..., World], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = world_factory(backend)
    use_database(monkeypatch, tmp_path, world.engine.url.render_as_string(hide_password=False))
    operator, dispatcher = world.login("operator1"), world.login("dispatcher")
    for client in (operator, dispatcher):
        assert client.get("/api/me").status_code == 200  # checked, and now cached for a few seconds
    assert run("deactivate", "operator1").exit_code == 0
    # The dispatcher keeps the account (still active) but gets a new password: old sessions end too.
    assert run("password", "dispatcher", "--password-stdin", input="after-a-leak-1\n").exit_code == 0
    now = time.monotonic()
    monkeypatch.setattr("web.deps.time.monotonic", lambda: now + 6)  # past the app's user cache
    assert operator.get("/api/me").status_code == 401
    assert dispatcher.get("/api/me").status_code == 401
    assert world.login("supervisor").get("/api/me").status_code == 200  # nobody else is affected


def test_a_database_that_was_never_set_up_gets_a_hint_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'empty.db'}")
    for args in (["list"], ["unlock", "admin"]):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert "尚未建表：请先运行 hotline db upgrade 和 hotline seed" in result.stderr
    calendar = CliRunner().invoke(app, ["calendar", "status"])
    assert calendar.exit_code == 1 and "hotline db upgrade" in calendar.stderr
