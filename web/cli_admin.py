"""What the admin commands (`hotline calendar`, `hotline users`) share: the database, and refusals."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from sqlalchemy import Engine, inspect

from hotline.config import Settings
from hotline.db import make_engine
from hotline.errors import DomainError
from hotline.users.models import User

USERS_TABLE: str = User.__table__.name  # type: ignore[attr-defined]


def refuse(message: str) -> NoReturn:
    """End the command: the reason on stderr in Chinese, exit code 1 (2 is for bad arguments)."""
    typer.echo(f"无法完成：{message}", err=True)
    raise typer.Exit(1)


@contextmanager
def admin_database() -> Iterator[Engine]:
    """The configured database (``HOTLINE_DATABASE_URL``); a refusal of the core ends the command."""
    settings = Settings()
    engine = make_engine(settings.database_url, echo=settings.echo_sql)
    try:
        if not inspect(engine).has_table(USERS_TABLE):  # a new install: say what to run
            where = engine.url.render_as_string()  # the password, if any, stays hidden
            refuse(f"数据库 {where} 尚未建表：请先运行 hotline db upgrade 和 hotline seed")
        yield engine
    except DomainError as err:
        refuse(str(err))
    finally:
        engine.dispose()
