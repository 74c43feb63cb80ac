"""The core's commands: schema, seed data, the scripted day, exports. Mounted under `hotline`."""

import csv
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hotline.categories.models import Category
from hotline.clock import SystemClock
from hotline.config import Settings
from hotline.day import run_day
from hotline.db import make_engine, session_scope
from hotline.enums import Role, TicketStatus
from hotline.export import safe_cell
from hotline.migrate import upgrade
from hotline.seed.data import DEMO_PASSWORD
from hotline.seed.service import demo_accounts_left, seed
from hotline.sla.calendar import SHANGHAI
from hotline.sla.service import due_now, load_calendar
from hotline.tickets.models import Ticket
from hotline.units.models import Unit
from hotline.users.service import list_users

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tickets_app = typer.Typer(help="Ticket exports and checks.", no_args_is_help=True)


def _engine() -> Engine:
    settings = Settings()
    return make_engine(settings.database_url, echo=settings.echo_sql)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    engine = _engine()
    upgrade(engine, revision)
    typer.echo(f"database at {engine.url.render_as_string(hide_password=True)} is at {revision}")


def seed_command(
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="also the demo accounts (all with the published password hotline12345), seats and"
            " articles: for trying the system out, never on a city's server",
        ),
    ] = False,
) -> None:
    """Load Shaoyang's units, categories and time limits (and, with --demo, demo data); safe to run again."""
    engine = _engine()
    upgrade(engine)
    with session_scope(engine) as session:
        report = seed(session, now=SystemClock().now(), demo=demo)
    added = ", ".join(f"{n} {what}" for what, n in report.added.items()) or "nothing (already seeded)"
    typer.echo(f"seeded: {added}")
    with session_scope(engine) as session:
        if demo:
            typer.echo(f"演示账号的密码均为 {DEMO_PASSWORD}：只用于试用，不要用在他人能访问的服务器上。")
            return
        left = demo_accounts_left(session)
        if left:
            names = "、".join(user.username for user in left)
            typer.echo(
                f"警告：演示账号 {names} 仍在使用公开的演示密码 {DEMO_PASSWORD}："
                "请用 hotline users password USERNAME 改密码，或用 hotline users deactivate USERNAME 停用。",
                err=True,
            )
        if not any(user.role is Role.ADMIN and user.active for user in list_users(session)):
            typer.echo(
                "还没有管理员账号：用 hotline users add USERNAME --name 姓名 --role admin 添加第一个"
                "（密码提示输入两次），再用它添加其他员工账号。"
            )


@tickets_app.command("export-training")
def export_training(out: Path) -> None:
    """Write closed tickets as a training CSV (text, unit, category, suggested) for `classifier train`.

    A cell a spreadsheet would take for a formula is written with a leading ' (hotline.export).
    """
    engine = _engine()
    with Session(engine) as session, out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "unit", "category", "suggested"])
        units = {u.id: u.code for u in session.exec(select(Unit))}
        categories = {c.id: c.code for c in session.exec(select(Category))}
        rows = session.exec(
            select(Ticket).where(
                col(Ticket.status) == TicketStatus.CLOSED, col(Ticket.lead_unit_id).is_not(None)
            )
        )
        count = 0
        for ticket in rows:
            row = [
                f"{ticket.title}。{ticket.content}",
                units.get(ticket.lead_unit_id, ""),
                categories.get(ticket.category_id, ""),
                units.get(ticket.suggested_unit_id, ""),
            ]
            writer.writerow([safe_cell(value) for value in row])
            count += 1
    typer.echo(f"wrote {count} tickets to {out}")


@tickets_app.command("due")
def due() -> None:
    """Print the tickets that are yellow or red now."""
    engine = _engine()
    with Session(engine) as session:
        items = due_now(session, now=SystemClock().now())
    for item in items:
        typer.echo(f"{item.card:6} {item.stage:11} {item.number}  due {item.due_at:%Y-%m-%d %H:%M}Z")
    typer.echo(f"{len(items)} due")


def day_command(
    date_: Annotated[
        str, typer.Option("--date", help="the working day to play, YYYY-MM-DD (default: next)")
    ] = "",
) -> None:
    """Play a scripted day through the services on the configured database and print it."""
    engine = _engine()
    upgrade(engine)
    with session_scope(engine) as session:
        calendar = load_calendar(session)
        today = SystemClock().now().astimezone(SHANGHAI).date()
        day = date.fromisoformat(date_) if date_ else calendar.next_workday(today)
        if not calendar.is_workday(day):
            raise typer.BadParameter(f"{day} is not a working day", param_hint="--date")
        run_day(session, start=datetime.combine(day, time(8, 30), SHANGHAI), say=typer.echo)
