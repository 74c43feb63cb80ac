"""`hotline seats`: list, add, assign and unassign on a copy of the seeded demo database."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from hotline.calls.models import Seat
from hotline.enums import SeatState
from hotline.users.models import User
from tests.web.cli_database import demo_copy, use_database
from tests.web.conftest import World
from web.cli import app


@pytest.fixture
def db(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The CLI on a copy of the seeded demo database: seats 1001-1003 for operator1-3."""
    engine = demo_copy(monkeypatch, tmp_path, sqlite_template)
    yield engine
    engine.dispose()


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["seats", *args])


def operators(engine: Engine) -> dict[str, str | None]:
    """Seat code → username of who works there."""
    with Session(engine) as session:
        users = {user.id: user.username for user in session.exec(select(User))}
        return {
            seat.code: users[seat.user_id] if seat.user_id is not None else None
            for seat in session.exec(select(Seat))
        }


def change(engine: Engine, model: type[Seat] | type[User], where: object, **values: object) -> None:
    with Session(engine) as session:
        found = session.exec(select(model).where(where)).one()  # type: ignore[arg-type]
        for name, value in values.items():
            setattr(found, name, value)
        session.add(found)
        session.commit()


def test_list_is_a_readable_table(db: Engine) -> None:
    change(db, Seat, Seat.code == "1002", state=SeatState.PAUSED, pause_reason="培训")
    change(db, User, User.username == "operator3", active=False)
    result = run("list")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "编号  接口               名称       状态          话务员",
        "1001  Local/1001@agents  坐席 1001  离线          operator1（话务员 李艳）",
        "1002  Local/1002@agents  坐席 1002  小休（培训）  operator2（话务员 王芳）",
        "1003  Local/1003@agents  坐席 1003  离线          operator3（话务员 刘洋），已停用",
        "共 3 个坐席，3 个已分配话务员。",
    ]


def test_add_sets_up_a_seat_nobody_works_at_yet(db: Engine) -> None:
    result = run("add", "2001", "--interface", "PJSIP/2001", "--name", "专家坐席")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "已添加坐席 2001（PJSIP/2001，专家坐席）：尚无话务员，用 hotline seats assign 2001 USERNAME 分配。\n"
    )
    plain = run("add", "2002", "--interface", "PJSIP/2002")
    assert plain.output.startswith("已添加坐席 2002（PJSIP/2002）：")
    listed = run("list").output.splitlines()
    assert "2001  PJSIP/2001         专家坐席   离线  —" in listed
    assert "2002  PJSIP/2002         —          离线  —" in listed
    assert listed[-1] == "共 5 个坐席，3 个已分配话务员。"
    with Session(db) as session:
        added = session.exec(select(Seat).where(Seat.code == "2001")).one()
    assert (added.interface, added.name, added.state, added.user_id) == (
        "PJSIP/2001",
        "专家坐席",
        SeatState.OFFLINE,
        None,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2001", "--interface", "2001"), "话机接口 '2001' 无效，应如 PJSIP/1001"),
        (("2001", "--interface", "PJSIP/20 01"), "话机接口 'PJSIP/20 01' 无效"),
        (("20/01", "--interface", "PJSIP/2001"), "坐席编号 '20/01' 无效：应为 1 到 32 个字母、数字、- 或 _"),
        (("2001",), "Missing option '--interface'"),
    ],
)
def test_bad_arguments_exit_2_and_add_nothing(db: Engine, args: tuple[str, ...], message: str) -> None:
    before = operators(db)
    result = run("add", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert operators(db) == before


def test_a_code_or_interface_already_taken_is_refused_with_exit_1(db: Engine) -> None:
    for args in (("1001", "--interface", "PJSIP/2001"), ("2001", "--interface", "Local/1001@agents")):
        result = run("add", *args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("无法完成：坐席 ") and result.stderr.endswith("已存在\n")
    assert set(operators(db)) == {"1001", "1002", "1003"}


def test_assign_moves_the_operator_and_says_who_lost_a_seat(db: Engine) -> None:
    run("add", "2001", "--interface", "PJSIP/2001")
    to_new = run("assign", "2001", "operator1")
    assert to_new.exit_code == 0, to_new.output
    assert to_new.output.splitlines() == [
        "坐席 2001 现由 operator1（话务员 李艳）使用。",
        "其原来的坐席 1001 已空出。",
    ]
    assert operators(db) == {"1001": None, "1002": "operator2", "1003": "operator3", "2001": "operator1"}
    taken_over = run("assign", "1002", "operator1")
    assert taken_over.output.splitlines() == [
        "坐席 1002 现由 operator1（话务员 李艳）使用。",
        "其原来的坐席 2001 已空出。",
        "原来在此的 operator2（话务员 王芳）现在没有坐席。",
    ]
    assert operators(db) == {"1001": None, "1002": "operator1", "1003": "operator3", "2001": None}
    again = run("assign", "1002", "operator1")
    assert (again.exit_code, again.output) == (0, "坐席 1002 本来就由 operator1（话务员 李艳）使用。\n")
    first = run("assign", "1001", "operator2")  # an operator without a seat
    assert first.output == "坐席 1001 现由 operator2（话务员 王芳）使用。\n"


def test_assign_refusals_exit_1_and_change_nothing(db: Engine) -> None:
    change(db, User, User.username == "operator3", active=False)
    before = operators(db)
    for args, said in (
        (("1001", "dispatcher"), "无法完成：只有话务员可以分配坐席，dispatcher 不是话务员\n"),
        (("1001", "unit_urban"), "无法完成：只有话务员可以分配坐席，unit_urban 不是话务员\n"),
        (("1001", "operator3"), "无法完成：账号 operator3 已停用\n"),
        (("1001", "nobody"), "无法完成：没有用户名为「nobody」的账号\n"),
        (("9999", "operator1"), "无法完成：没有坐席 9999\n"),
    ):
        result = run("assign", *args)
        assert (result.exit_code, result.stderr) == (1, said), args
    unknown = run("unassign", "9999")
    assert (unknown.exit_code, unknown.stderr) == (1, "无法完成：没有坐席 9999\n")
    assert operators(db) == before


def test_unassign(db: Engine) -> None:
    result = run("unassign", "1002")
    assert result.exit_code == 0, result.output
    assert result.output == "坐席 1002 已不再分配给 operator2（话务员 王芳）：其现在没有坐席。\n"
    assert operators(db)["1002"] is None
    assert run("unassign", "1002").output == "坐席 1002 本来就没有分配话务员。\n"
    for code in ("1001", "1003"):
        run("unassign", code)
    assert run("list").output.splitlines()[-1] == "共 3 个坐席，0 个已分配话务员。"


def test_an_empty_seat_list_says_how_to_add_one(db: Engine) -> None:
    with Session(db) as session:
        for seat in session.exec(select(Seat)):
            session.delete(seat)
        session.commit()
    result = run("list")
    assert (result.exit_code, result.output) == (
        0,
        "还没有坐席：用 hotline seats add CODE --interface PJSIP/1001 添加。\n",
    )


def test_a_database_that_was_never_set_up_gets_a_hint_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'empty.db'}")
    for args in (
        ["list"],
        ["add", "1001", "--interface", "PJSIP/1001"],
        ["assign", "1001", "a"],
        ["unassign", "1"],
    ):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert "尚未建表：请先运行 hotline db upgrade 和 hotline seed" in result.stderr


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_running_app_follows_an_assignment_made_on_the_command_line(
    backend: str, world_factory: Callable[..., World], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = world_factory(backend)
    use_database(monkeypatch, tmp_path, world.engine.url.render_as_string(hide_password=False))
    operator1, operator3 = world.login("operator1"), world.login("operator3")
    assert operator1.get("/api/seats/me").json()["code"] == "1001"
    assert run("assign", "1001", "operator3").exit_code == 0
    assert operator3.get("/api/seats/me").json()["code"] == "1001"
    lost = operator1.get("/api/seats/me")
    assert (lost.status_code, lost.json()["detail"]) == (404, "您还没有分配坐席，请联系管理员")
    board = {s["code"]: s["operator"] for s in world.login("supervisor").get("/api/seats").json()}
    assert board == {"1001": "话务员 刘洋", "1002": "话务员 王芳", "1003": ""}
