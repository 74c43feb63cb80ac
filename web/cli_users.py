"""`hotline users`: the admin adds, deactivates, reactivates, unlocks staff accounts and resets passwords.

A password is typed twice at a hidden prompt, or read from the first line of stdin with
``--password-stdin`` for scripts; never taken as an argument, which would stay in the shell's
history and show in ``ps``. The database is the configured one (HOTLINE_DATABASE_URL); like
`hotline calendar`, the commands expect it migrated (`hotline db upgrade` or `hotline seed`).
"""

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlmodel import Session

from hotline.clock import Clock, SystemClock
from hotline.db import session_scope
from hotline.enums import Role
from hotline.errors import InvalidInput, NotFound
from hotline.sla.calendar import SHANGHAI
from hotline.units.models import Unit
from hotline.units.service import list_units
from hotline.users.models import User, UserCreate
from hotline.users.service import (
    MIN_PASSWORD_LEN,
    STAFF_ROLES,
    check_password,
    create_user,
    deactivate_user,
    get_user_by_username,
    list_users,
    reactivate_user,
    set_password,
    unlock_user,
)
from web.cli_admin import admin_database, refuse
from web.config import WebSettings
from web.labels import ROLE

users_app = typer.Typer(
    help="员工账号：列出、添加、停用、启用、重设密码、解锁。密码只在提示时输入，或用 --password-stdin。",
    no_args_is_help=True,
)

clock: Clock = SystemClock()  # tests put a FixedClock here
ROLE_CHOICES = "、".join(f"{role.value}（{ROLE[role]}）" for role in STAFF_ROLES)
NONE = "—"

UsernameArg = Annotated[str, typer.Argument(metavar="USERNAME", help="用户名（登录名）", show_default=False)]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="从标准输入读取密码（第一行），供脚本使用；否则提示输入两次")
]


def _role(value: str) -> Role:
    for role in STAFF_ROLES:
        if role.value == value.strip().lower():
            return role
    raise typer.BadParameter(f"「{value}」不是员工角色，应为 {ROLE_CHOICES} 之一", param_hint="--role")


def _unit(units: dict[str, Unit], code: str) -> Unit:
    found = units.get(code.strip())
    if found is None:
        raise typer.BadParameter(f"没有代码为「{code}」的成员单位", param_hint="--unit")
    return found


def _units_by_code(session: Session) -> dict[str, Unit]:
    return {unit.code: unit for unit in list_units(session, active_only=False)}


def _user(engine: Engine, username: str) -> User:
    """The account, read in a short transaction of its own (nothing stays locked while a person types)."""
    with Session(engine, expire_on_commit=False) as session:
        return get_user_by_username(session, username=username)


def _read_password_stdin() -> str:
    line = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    if not line:
        raise typer.BadParameter("标准输入里没有密码", param_hint="--password-stdin")
    try:
        return check_password(line)
    except InvalidInput as err:
        raise typer.BadParameter(str(err), param_hint="--password-stdin") from err


def _prompt_password(username: str) -> str:
    """Asked twice with hidden input until both agree and the core would take it."""
    while True:
        first = str(typer.prompt(f"账号 {username} 的新密码", hide_input=True, prompt_suffix="："))
        if len(first) < MIN_PASSWORD_LEN:
            typer.echo(f"密码至少 {MIN_PASSWORD_LEN} 个字符，请重新输入。", err=True)
            continue
        if typer.prompt("再输入一次", hide_input=True, prompt_suffix="：") == first:
            return first
        typer.echo("两次输入的密码不一致，请重新输入。", err=True)


def _new_password(username: str, *, from_stdin: bool) -> str:
    return _read_password_stdin() if from_stdin else _prompt_password(username)


def _id(user: User) -> int:
    assert user.id is not None  # read from the database
    return user.id


def _who(user: User) -> str:
    return f"{user.username}（{user.display_name}）"


def _locked_until(user: User, now: datetime) -> datetime | None:
    """When the lockout ends, if it has not yet (an expired one is just a stale column)."""
    return user.locked_until if user.locked_until is not None and user.locked_until > now else None


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns aligned on a terminal, where a Chinese character takes two cells."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def user_row(user: User, units: dict[int, Unit], now: datetime) -> list[str]:
    unit = units.get(user.unit_id) if user.unit_id is not None else None
    locked = _locked_until(user, now)
    return [
        user.username,
        user.display_name,
        ROLE.get(user.role, user.role),
        f"{unit.short_name or unit.name}（{unit.code}）" if unit else NONE,
        "在用" if user.active else "已停用",
        _local(locked) if locked else NONE,
    ]


@users_app.command("list", help="列出员工账号：用户名、姓名、角色、单位、状态、锁定到何时。")
def list_command(
    role: Annotated[str | None, typer.Option("--role", help=f"只列此角色：{ROLE_CHOICES}")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只列此成员单位的账号（单位代码）")] = None,
    inactive: Annotated[bool, typer.Option("--inactive", help="连同已停用的账号一并列出")] = False,
) -> None:
    wanted_role = _role(role) if role is not None else None
    with admin_database() as engine, Session(engine) as session:
        units = _units_by_code(session)
        wanted_unit = _unit(units, unit) if unit is not None else None
        matching = [
            user
            for user in list_users(session)
            if (wanted_role is None or user.role == wanted_role)
            and (wanted_unit is None or user.unit_id == wanted_unit.id)
        ]
        shown = [user for user in matching if inactive or user.active]
        if not shown:
            typer.echo("没有符合条件的账号。")
        else:
            by_id = {found.id: found for found in units.values() if found.id is not None}
            header = ["用户名", "姓名", "角色", "单位", "状态", "锁定至"]
            rows = [user_row(user, by_id, clock.now()) for user in shown]
            for line in format_table([header, *rows]):
                typer.echo(line)
        hidden = len(matching) - len(shown)
        summary = f"共 {len(shown)} 个账号"
        typer.echo(
            f"{summary}（另有 {hidden} 个已停用，加 --inactive 一并列出）。" if hidden else f"{summary}。"
        )


@users_app.command("add", help="添加员工账号；成员单位的账号须用 --unit 指定单位。密码提示输入两次。")
def add(
    username: UsernameArg,
    name: Annotated[str, typer.Option("--name", help="显示名，如 话务员 张三", show_default=False)],
    role: Annotated[str, typer.Option("--role", help=f"角色：{ROLE_CHOICES}", show_default=False)],
    unit: Annotated[
        str | None, typer.Option("--unit", help="成员单位代码（角色为 unit 时必填）", show_default=False)
    ] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    staff_role = _role(role)
    if not username.strip():
        raise typer.BadParameter("用户名不能为空", param_hint="USERNAME")
    if not name.strip():
        raise typer.BadParameter("显示名不能为空，如 话务员 张三", param_hint="--name")
    if staff_role is Role.UNIT and not unit:
        raise typer.BadParameter("成员单位的账号须用 --unit 指定单位代码", param_hint="--unit")
    if staff_role is not Role.UNIT and unit:
        raise typer.BadParameter(f"{ROLE[staff_role]}不属于成员单位，不要加 --unit", param_hint="--unit")
    with admin_database() as engine:
        with Session(engine) as session:  # checked before the password is asked for
            found = _unit(_units_by_code(session), unit) if unit else None
            try:
                taken = get_user_by_username(session, username=username)
            except NotFound:
                taken = None
        if taken is not None:
            refuse(f"用户名「{taken.username}」已被占用（{taken.display_name}）")
        password = _new_password(username.strip(), from_stdin=password_stdin)
        data = UserCreate(
            username=username,
            display_name=name,
            role=staff_role,
            password=password,
            unit_code=found.code if found else None,
        )
        with session_scope(engine) as session:
            user = create_user(session, data=data)
            where = f"，{found.short_name or found.name}" if found else ""
            typer.echo(f"已添加账号 {_who(user)}：{ROLE[staff_role]}{where}。")


@users_app.command("deactivate", help="停用账号（人员离职、调岗）：不能再登录，已登录的页面随即失效。")
def deactivate(username: UsernameArg) -> None:
    with admin_database() as engine, session_scope(engine) as session:
        user = get_user_by_username(session, username=username)
        was_active = user.active
        deactivate_user(session, user_id=_id(user))
        if was_active:
            typer.echo(
                f"已停用账号 {_who(user)}：不能再登录，已有的登录全部失效"
                f"（打开着的页面 {WebSettings().live_recheck_s:g} 秒内退出）。"
            )
        else:
            typer.echo(f"账号 {_who(user)}本来就已停用；其所有登录已失效。")


@users_app.command("activate", help="重新启用已停用的账号；停用前的登录不会恢复，须重新登录。")
def activate(username: UsernameArg) -> None:
    with admin_database() as engine, session_scope(engine) as session:
        user = get_user_by_username(session, username=username)
        if user.active:
            typer.echo(f"账号 {_who(user)}本来就在用。")
            return
        reactivate_user(session, user_id=_id(user))
        typer.echo(f"已启用账号 {_who(user)}：可以重新登录。")


@users_app.command(
    "password", help="重设密码（提示输入两次，或 --password-stdin）：原有登录全部失效，锁定解除。"
)
def password(username: UsernameArg, password_stdin: PasswordStdin = False) -> None:
    with admin_database() as engine:
        user = _user(engine, username)
        new = _new_password(user.username, from_stdin=password_stdin)  # no transaction open meanwhile
        with session_scope(engine) as session:
            changed = set_password(session, user_id=_id(user), password=new)
            typer.echo(f"已为账号 {_who(changed)}设置新密码：原有登录全部失效，锁定已解除。")
            if not changed.active:
                typer.echo(
                    f"提示：该账号已停用，用 hotline users activate {changed.username} 启用后才能登录。"
                )


@users_app.command("unlock", help="解除登录失败造成的锁定，并清零失败次数。")
def unlock(username: UsernameArg) -> None:
    with admin_database() as engine, session_scope(engine) as session:
        user = get_user_by_username(session, username=username)
        locked = _locked_until(user, clock.now())
        unlock_user(session, user_id=_id(user))
        if locked is not None:
            typer.echo(f"已解锁账号 {_who(user)}：原锁定至 {_local(locked)}，现在即可登录。")
        else:
            typer.echo(f"账号 {_who(user)}未被锁定；登录失败次数已清零。")
