"""`hotline calendar`: status, list, holiday, workday, remove and load on a temporary database."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select
from typer.testing import CliRunner, Result

import hotline.models  # noqa: F401  (registers every table)
from hotline.clock import FixedClock
from hotline.db import make_engine
from hotline.sla.models import HolidayOverride
from web import cli_calendar
from web.cli import app

WARNING_2027 = (
    "警告：2027年法定节假日尚未录入，工单时限将按周一至周五计算。请管理员在「系统管理 › 节假日」中录入。"
)

YEAR_FILE = """\
# 2027 年部分节假日安排（示例）
2027-01-01 休 元旦
2027-02-06..2027-02-12 休 春节   # 含除夕
2027-02-14 班 春节调休

2027-02-20 班 春节调休
"""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The CLI on a fresh SQLite file, on Saturday 2026-11-21 in Shaoyang."""
    url = f"sqlite:///{tmp_path / 'calendar.db'}"
    monkeypatch.chdir(tmp_path)  # no .env file is read
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")  # typer's error panel wraps long lines otherwise
    monkeypatch.setattr(cli_calendar, "clock", FixedClock(datetime(2026, 11, 21, 2, 0, tzinfo=UTC)))
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["calendar", *args])


def stored(engine: Engine) -> list[tuple[str, bool, str]]:
    with Session(engine) as session:
        rows = session.exec(select(HolidayOverride).order_by(col(HolidayOverride.day))).all()
        return [(r.day.isoformat(), r.workday, r.name) for r in rows]


def test_status_warns_about_2027_until_its_holidays_are_loaded(db: Engine, tmp_path: Path) -> None:
    before = run("status")
    assert before.exit_code == 0, before.output
    assert before.output.splitlines() == [
        "2026年：chinese-calendar 已收录官方安排；已录入放假 0 天、调休上班 0 天。工单时限可信。",
        "2027年：chinese-calendar 未收录该年；已录入放假 0 天、调休上班 0 天。"
        "工单时限不可信：按周一至周五计算。",
        WARNING_2027,
    ]
    year_file = tmp_path / "2027.txt"
    year_file.write_text(YEAR_FILE, encoding="utf-8")
    loaded = run("load", str(year_file))
    assert loaded.exit_code == 0, loaded.output
    assert f"已从 {year_file} 录入 10 天：放假 8 天，调休上班 2 天。" in loaded.output
    assert (
        "2027年：chinese-calendar 未收录该年；已录入放假 8 天、调休上班 2 天。工单时限可信。" in loaded.output
    )
    after = run("status")
    assert after.exit_code == 0 and "警告" not in after.output
    listed = run("list", "2027")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0] == "2027年录入的节假日与调休（共 10 天）："
    assert lines[1:3] == ["2027-01-01 周五  休  元旦", "2027-02-06 周六  休  春节"]
    assert "2027-02-20 周六  班  春节调休" in lines
    assert len(stored(db)) == 10


def test_holiday_workday_list_and_remove(db: Engine) -> None:
    entered = run("holiday", "2027-02-06", "--to", "2027-02-12", "--name", "春节")
    assert entered.exit_code == 0, entered.output
    assert entered.output.splitlines()[0] == "已录入放假：2027-02-06 周六 至 2027-02-12 周五（7 天）  春节"
    assert "工单时限可信" in entered.output and "警告" not in entered.output
    made_up = run("workday", "2027-02-14", "--name", "春节调休")
    assert made_up.exit_code == 0, made_up.output
    assert made_up.output.splitlines()[0] == "已录入调休上班：2027-02-14 周日  春节调休"
    assert "提示" not in made_up.output
    assert stored(db)[-1] == ("2027-02-14", True, "春节调休")
    removed = run("remove", "2027-02-14")
    assert removed.exit_code == 0, removed.output
    assert removed.output.splitlines()[0] == "已删除：2027-02-14 周日  班  春节调休"
    assert [day for day, _, _ in stored(db)] == [f"2027-02-{d:02d}" for d in range(6, 13)]
    again = run("remove", "2027-02-14")
    assert again.exit_code == 1
    assert "无法完成：2027-02-14 没有录入节假日或调休" in again.stderr
    empty = run("list", "2028")
    assert empty.output.splitlines()[0] == "2028年没有录入的节假日或调休。"


def test_a_make_up_day_on_a_weekday_gets_a_hint(db: Engine) -> None:
    result = run("workday", "2027-02-15", "--name", "调休")
    assert result.exit_code == 0, result.output
    assert "提示：2027-02-15 周一 本来就是工作日" in result.output


def test_status_of_one_year(db: Engine) -> None:
    result = run("status", "2026")
    assert result.output.splitlines() == [
        "2026年：chinese-calendar 已收录官方安排；已录入放假 0 天、调休上班 0 天。工单时限可信。"
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("holiday", "2027-02-30", "--name", "春节"), 2, "不是日期"),
        (("holiday", "2027-02-06", "--to", "2/12", "--name", "春节"), 2, "不是日期"),
        (
            ("holiday", "2027-02-12", "--to", "2027-02-06", "--name", "春节"),
            1,
            "无法完成：结束日期 2027-02-06 早于",
        ),
        (("holiday", "2027-02-01", "--to", "2027-04-01", "--name", "春节"), 1, "一次最多录入 31 天"),
        (("holiday", "2027-02-06", "--name", "春" * 65), 1, "节日名称过长：65 个字"),
        (("holiday", "2027-02-06", "--name", "  "), 2, "名称不能为空"),
        (("holiday", "2027-02-06"), 2, "--name"),
        (("workday", "2207-02-14", "--name", "调休"), 1, "年份 2207 超出范围"),
        (("status", "2207"), 1, "年份 2207 超出范围"),
        (("list", "1999"), 1, "年份 1999 超出范围"),
        (("remove", "tomorrow"), 2, "不是日期"),
    ],
)
def test_bad_input_is_refused_in_chinese(db: Engine, args: tuple[str, ...], code: int, message: str) -> None:
    result = run(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert stored(db) == []


def test_a_faulty_file_is_refused_whole_with_line_numbers(db: Engine, tmp_path: Path) -> None:
    year_file = tmp_path / "bad.txt"
    year_file.write_text(
        "2027-01-01 休 元旦\n2027-02-06 放 春节\n2027-13-01 休 春节\n2027-02-14\n2027-01-01 班 调休\n",
        encoding="utf-8",
    )
    result = run("load", str(year_file))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "第 2 行：第二栏应为「休」或「班」，不是「放」",
        "第 3 行：日期「2027-13-01」应为 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD",
        "第 4 行：应为「日期 休|班 名称」，如 2027-02-06..2027-02-12 休 春节",
        "第 5 行：2027-01-01 已在第 1 行出现",
        f"{year_file} 有 4 处错误，什么也没有录入。",
    ]
    assert stored(db) == []


def test_a_file_the_core_refuses_writes_nothing(db: Engine, tmp_path: Path) -> None:
    year_file = tmp_path / "bad.txt"
    # with a byte-order mark, as Windows Notepad saves it
    year_file.write_text("2027-01-01 休 元旦\n2027-02-12..2027-02-06 休 春节\n", encoding="utf-8-sig")
    result = run("load", str(year_file))
    assert result.exit_code == 1
    assert "第 2 行：结束日期 2027-02-06 早于开始日期 2027-02-12" in result.stderr
    assert stored(db) == []
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert "文件里没有任何安排" in run("load", str(empty)).stderr
    missing = run("load", str(tmp_path / "missing.txt"))
    assert missing.exit_code == 1 and "无法读取" in missing.stderr


def test_a_range_across_new_year_shows_both_years(db: Engine) -> None:
    result = run("holiday", "2026-12-31", "--to", "2027-01-01", "--name", "元旦")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith("2026年") and lines[2].startswith("2027年") and len(lines) == 3
    assert date(2026, 12, 31).isoformat() in lines[0]
