"""What the admin commands (`hotline calendar`, `hotline users`) share: the database, and refusals."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from sqlalchemy import Engine

from hotline.config import Settings
from hotline.db import make_engine
from hotline.errors import DomainError


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
        yield engine
    except DomainError as err:
        refuse(str(err))
    finally:
        engine.dispose()
