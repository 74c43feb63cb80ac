"""The scripted day: a ticket's whole life through the services, and the CLI that prints it."""

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from sqlmodel import Session, select
from typer.testing import CliRunner

from hotline.calls.models import Call
from hotline.cli import day_command, export_training, seed_command
from hotline.day import run_day
from hotline.enums import Satisfaction, TicketStatus, WorklistState
from hotline.sla.calendar import SHANGHAI


def test_the_day_takes_a_ticket_from_call_to_closed(session: Session) -> None:
    lines: list[str] = []
    start = datetime(2026, 11, 23, 8, 30, tzinfo=SHANGHAI)
    noise, question, gas, same, wages = run_day(session, start=start, say=lines.append)
    assert noise.status is TicketStatus.CLOSED
    assert noise.satisfaction is Satisfaction.SATISFIED
    assert noise.call_id is not None
    assert question.status is TicketStatus.CLOSED
    assert gas.status is TicketStatus.REJECTED
    assert same.status is TicketStatus.MERGED
    assert same.callback_done_at is not None
    assert wages.status is TicketStatus.HANDLING
    assert wages.dispatch_count == 2
    # complex (15 working days from 11-23 10:40 local) + 5 working days approved
    assert wages.handle_due_at == datetime(2026, 12, 21, 3, 10, tzinfo=UTC)
    pending = session.exec(select(Call).where(Call.worklist == WorklistState.PENDING)).all()
    assert [c.linkedid for c in pending] == ["day.3"]
    assert any("closed" in line and noise.number in line for line in lines)
    # 5 calls counted (the 3 s abandon is left out), 4 answered; the 40 s abandon is not
    assert any(line.split()[:2] == ["接通率", "answer"] and "(4/5)" in line for line in lines)
    assert any(line.strip().startswith("rank 1: 市城市管理局") for line in lines)


def test_day_and_seed_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    app = typer.Typer()
    app.command("seed")(seed_command)
    app.command("day")(day_command)
    runner = CliRunner()
    first = runner.invoke(app, ["seed"])
    assert first.exit_code == 0, first.output
    assert "60 units" in first.output
    again = runner.invoke(app, ["seed"])
    assert "nothing (already seeded)" in again.output
    day = runner.invoke(app, ["day", "--date", "2026-11-23"])
    assert day.exit_code == 0, day.output
    assert "callback_satisfied   replied → closed" in day.output
    holiday = runner.invoke(app, ["day", "--date", "2026-10-02"])
    assert holiday.exit_code != 0
    assert "not a working day" in holiday.output


def test_export_training_writes_unit_and_category_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'export.db'}")
    app = typer.Typer()
    app.command("day")(day_command)
    app.command("export")(export_training)
    runner = CliRunner()
    assert runner.invoke(app, ["day", "--date", "2026-11-23"]).exit_code == 0
    out = tmp_path / "train.csv"
    result = runner.invoke(app, ["export", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # the day closes one dispatched ticket: 工地夜间施工噪音扰民, led by 城管 and suggested as such
    assert [(r["unit"], r["category"], r["suggested"]) for r in rows] == [("urban", "env.noise", "urban")]
    assert rows[0]["text"].startswith("工地夜间施工噪音扰民。")
