"""`hotline seats`: the admin sets up call seats and says which operator works at each.

A seat is a phone on the hotline queue: its code (the extension, e.g. ``1001``) and its
queue-member interface (``PJSIP/1001``, ``Local/1001@agents``). The phone system reports a seat's
state; who works at it is the admin's to say, here or in the web (``PUT /api/seats/{code}/operator``).
An operator works at one seat at a time: assigning them elsewhere frees their old seat.

The command writes the database only; an operator's seat page that is open already picks up a
new seat when it is reloaded. Like `hotline users`, it expects the database migrated.
"""

from typing import Annotated

import typer
from sqlmodel import Session

from hotline.calls.models import Seat
from hotline.calls.service import add_seat, assign_seat, get_seat_by_code, list_seats, seat_of_user
from hotline.db import session_scope
from hotline.errors import InvalidInput
from hotline.ports import NullPublisher
from hotline.users.models import User
from hotline.users.service import get_user, get_user_by_username, list_users
from web.cli_admin import admin_database
from web.cli_users import NONE, format_table
from web.labels import SEAT_STATE

seats_app = typer.Typer(
    help="坐席：列出、添加，以及由哪位话务员使用（一位话务员同时只用一个坐席）。",
    no_args_is_help=True,
)

CodeArg = Annotated[
    str, typer.Argument(metavar="CODE", help="坐席编号（分机号），如 1001", show_default=False)
]
UsernameArg = Annotated[str, typer.Argument(metavar="USERNAME", help="话务员的用户名", show_default=False)]


def _who(user: User) -> str:
    return f"{user.username}（{user.display_name}）"


def _state(seat: Seat) -> str:
    label = SEAT_STATE[seat.state]
    return f"{label}（{seat.pause_reason}）" if seat.pause_reason else label


def seat_row(seat: Seat, users: dict[int, User]) -> list[str]:
    user = users.get(seat.user_id) if seat.user_id is not None else None
    operator = NONE if user is None else _who(user) + ("，已停用" if not user.active else "")
    return [seat.code, seat.interface, seat.name or NONE, _state(seat), operator]


@seats_app.command("list", help="列出坐席：编号、话机接口、名称、状态、话务员。")
def list_command() -> None:
    with admin_database() as engine, Session(engine) as session:
        seats = list_seats(session)
        if not seats:
            typer.echo("还没有坐席：用 hotline seats add CODE --interface PJSIP/1001 添加。")
            return
        users = {user.id: user for user in list_users(session) if user.id is not None}
        header = ["编号", "接口", "名称", "状态", "话务员"]
        for line in format_table([header, *(seat_row(seat, users) for seat in seats)]):
            typer.echo(line)
        staffed = sum(1 for seat in seats if seat.user_id is not None)
        typer.echo(f"共 {len(seats)} 个坐席，{staffed} 个已分配话务员。")


@seats_app.command("add", help="添加坐席（在电话系统报告它之前）；之后用 assign 分配话务员。")
def add(
    code: CodeArg,
    interface: Annotated[
        str,
        typer.Option(
            "--interface", help="话机在队列中的接口，如 PJSIP/1001、Local/1001@agents", show_default=False
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="名称，如 专家坐席")] = "",
) -> None:
    with admin_database() as engine, session_scope(engine) as session:
        try:
            seat = add_seat(session, code=code, interface=interface, name=name)
        except InvalidInput as err:  # a malformed argument: exit 2, as typer does for its own checks
            raise typer.BadParameter(str(err)) from err
        named = f"，{seat.name}" if seat.name else ""
        typer.echo(
            f"已添加坐席 {seat.code}（{seat.interface}{named}）：尚无话务员，"
            f"用 hotline seats assign {seat.code} USERNAME 分配。"
        )


@seats_app.command("assign", help="把坐席分配给一位话务员；其原来的坐席随即空出。")
def assign(code: CodeArg, username: UsernameArg) -> None:
    with admin_database() as engine, session_scope(engine) as session:
        seat = get_seat_by_code(session, code=code)
        user = get_user_by_username(session, username=username)
        if seat.user_id == user.id:
            typer.echo(f"坐席 {seat.code} 本来就由 {_who(user)}使用。")
            return
        before = get_user(session, user_id=seat.user_id) if seat.user_id is not None else None
        left = seat_of_user(session, user_id=user.id) if user.id is not None else None
        assign_seat(session, seat=seat, user=user, publisher=NullPublisher())
        typer.echo(f"坐席 {seat.code} 现由 {_who(user)}使用。")
        if left is not None:
            typer.echo(f"其原来的坐席 {left.code} 已空出。")
        if before is not None:
            typer.echo(f"原来在此的 {_who(before)}现在没有坐席。")


@seats_app.command("unassign", help="坐席不再分配给任何话务员。")
def unassign(code: CodeArg) -> None:
    with admin_database() as engine, session_scope(engine) as session:
        seat = get_seat_by_code(session, code=code)
        if seat.user_id is None:
            typer.echo(f"坐席 {seat.code} 本来就没有分配话务员。")
            return
        before = get_user(session, user_id=seat.user_id)
        assign_seat(session, seat=seat, user=None, publisher=NullPublisher())
        typer.echo(f"坐席 {seat.code} 已不再分配给 {_who(before)}：其现在没有坐席。")
