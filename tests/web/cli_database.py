"""The admin commands' tests: the CLI pointed at a database of the test's own."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hotline.db import make_engine


def use_database(monkeypatch: pytest.MonkeyPatch, folder: Path, url: str) -> None:
    monkeypatch.chdir(folder)  # no .env file is read
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "300")  # typer's error panel wraps long lines otherwise


def demo_copy(monkeypatch: pytest.MonkeyPatch, folder: Path, template: Path) -> Engine:
    """A copy of the seeded demo database (units, demo accounts, seats 1001-1003) for the CLI."""
    target = folder / "cli.db"
    shutil.copyfile(template, target)
    use_database(monkeypatch, folder, f"sqlite:///{target}")
    return make_engine(f"sqlite:///{target}")
