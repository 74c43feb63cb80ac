"""`hotline calendar`: the holidays and make-up working days (调休) that time limits count on.

chinese-calendar knows each year's official holidays only once the State Council has published
them and a release follows; for later years the admin enters them here as overrides, from the
notice (国务院办公厅关于某年部分节假日安排的通知). A year file for `hotline calendar load`:

    # 2027 年部分节假日安排
    2027-01-01 休 元旦
    2027-02-06..2027-02-12 休 春节
    2027-02-14 班 春节调休

One day or an inclusive range (``..``), then 休 (day off) or 班 (make-up working day), then the name.
Loading adds to (or corrects) what is there; it never removes a day: use `remove` for that.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlmodel import Session

from hotline.clock import Clock, SystemClock
from hotline.db import session_scope
from hotline.errors import InvalidInput
from hotline.sla.calendar import SHANGHAI, WorkCalendar
from hotline.sla.models import HolidayOverride
from hotline.sla.service import (
    HOLIDAY_RANGE_MAX_DAYS,
    YearStatus,
    check_year,
    holiday_warning,
    list_holidays,
    remove_holiday,
    set_holiday_range,
    year_status,
)
from web.cli_admin import admin_database

calendar_app = typer.Typer(
    help="法定节假日与调休：工单时限按工作日计算，chinese-calendar 未收录的年份须在此录入。",
    no_args_is_help=True,
)

clock: Clock = SystemClock()  # tests put a FixedClock here
WEEKDAYS = "一二三四五六日"
KINDS = {"休": False, "班": True}  # the notice's own words: day off, make-up working day

DayArg = Annotated[str, typer.Argument(metavar="DATE", help="日期 YYYY-MM-DD", show_default=False)]
NameOpt = Annotated[str, typer.Option("--name", help="名称，如 春节、春节调休", show_default=False)]


def parse_day(value: str, *, hint: str = "DATE") -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as err:
        raise typer.BadParameter(
            f"{value!r} 不是日期，应为 YYYY-MM-DD（如 2027-02-06）", param_hint=hint
        ) from err


def _name(value: str) -> str:
    if not value.strip():
        raise typer.BadParameter("名称不能为空，如 春节、春节调休", param_hint="--name")
    return value


def day_label(day: date) -> str:
    return f"{day.isoformat()} 周{WEEKDAYS[day.weekday()]}"


def row_line(row: HolidayOverride) -> str:
    kind = "班" if row.workday else "休"
    return f"{day_label(row.day)}  {kind}  {row.name or '（未命名）'}"


def status_line(status: YearStatus) -> str:
    source = "chinese-calendar 已收录官方安排" if status.package_knows else "chinese-calendar 未收录该年"
    entered = f"已录入放假 {status.days_off} 天、调休上班 {status.workdays} 天"
    verdict = "工单时限可信" if status.trustworthy else "工单时限不可信：按周一至周五计算"
    return f"{status.year}年：{source}；{entered}。{verdict}。"


def _show_years(session: Session, years: Iterable[int]) -> None:
    """Each year's status line, and the staff warning where one is due."""
    today = clock.now().astimezone(SHANGHAI).date()
    for year in sorted(set(years)):
        status = year_status(session, year=year)
        typer.echo(status_line(status))
        warning = holiday_warning(status, today=today)
        if warning:
            typer.echo(f"警告：{warning}")


@calendar_app.command(
    "status", help="今年和明年（或指定年份）的工单时限是否按真实节假日计算；明年节假日未录入时发出警告。"
)
def status(
    year: Annotated[int | None, typer.Argument(help="年份（默认：今年和明年）", show_default=False)] = None,
) -> None:
    this_year = clock.now().astimezone(SHANGHAI).year
    with admin_database() as engine, Session(engine) as session:
        _show_years(session, [check_year(year)] if year is not None else [this_year, this_year + 1])


@calendar_app.command("list", help="列出某年录入的节假日与调休上班日。")
def list_command(year: Annotated[int, typer.Argument(help="年份", show_default=False)]) -> None:
    with admin_database() as engine, Session(engine) as session:
        rows = list_holidays(session, year=year)
        if rows:
            typer.echo(f"{year}年录入的节假日与调休（共 {len(rows)} 天）：")
            for row in rows:
                typer.echo(row_line(row))
        else:
            typer.echo(f"{year}年没有录入的节假日或调休。")
        typer.echo(status_line(year_status(session, year=year)))


def _span_text(start: date, end: date) -> str:
    if start == end:
        return day_label(start)
    return f"{day_label(start)} 至 {day_label(end)}（{(end - start).days + 1} 天）"


@calendar_app.command("holiday", help="录入放假：单日，或用 --to 录入连续几天（含两端）。")
def holiday(
    day: DayArg,
    name: NameOpt,
    to: Annotated[
        str | None, typer.Option("--to", help="放假到哪天为止（含），YYYY-MM-DD", show_default=False)
    ] = None,
) -> None:
    start, name = parse_day(day), _name(name)
    end = parse_day(to, hint="--to") if to else start
    with admin_database() as engine:
        with session_scope(engine) as session:
            rows = set_holiday_range(session, start=start, end=end, workday=False, name=name, commit=False)
        typer.echo(f"已录入放假：{_span_text(start, end)}  {rows[0].name}")
        with Session(engine) as session:
            _show_years(session, {start.year, end.year})


@calendar_app.command("workday", help="录入调休上班日（一般是周六或周日）。")
def workday(day: DayArg, name: NameOpt) -> None:
    when, name = parse_day(day), _name(name)
    with admin_database() as engine:
        with session_scope(engine) as session:
            rows = set_holiday_range(session, start=when, end=when, workday=True, name=name, commit=False)
        typer.echo(f"已录入调休上班：{day_label(when)}  {rows[0].name}")
        if WorkCalendar().is_workday(when):
            typer.echo(f"提示：{day_label(when)} 本来就是工作日，这条录入不改变时限；调休上班一般在周末。")
        with Session(engine) as session:
            _show_years(session, [when.year])


@calendar_app.command("remove", help="删除某天的录入，恢复按 chinese-calendar（或周一至周五）计算。")
def remove(day: DayArg) -> None:
    when = parse_day(day)
    with admin_database() as engine:
        with session_scope(engine) as session:
            row = remove_holiday(session, day=when)
        typer.echo(f"已删除：{row_line(row)}")
        with Session(engine) as session:
            _show_years(session, [when.year])


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a year file."""

    line: int
    start: date
    end: date
    workday: bool
    name: str


def _parse_line(number: int, text: str) -> Entry:
    parts = text.split(maxsplit=2)
    if len(parts) < 3:
        raise InvalidInput("应为「日期 休|班 名称」，如 2027-02-06..2027-02-12 休 春节")
    when, kind, name = parts
    if kind not in KINDS:
        raise InvalidInput(f"第二栏应为「休」或「班」，不是「{kind}」")
    first, _, last = when.partition("..")
    try:
        start = date.fromisoformat(first)
        end = date.fromisoformat(last) if last else start
    except ValueError as err:
        raise InvalidInput(f"日期「{when}」应为 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD") from err
    return Entry(number, start, end, KINDS[kind], name)


def parse_year_file(lines: Iterable[str]) -> tuple[list[Entry], list[str]]:
    """The entries of a year file, and its faults by line (blank lines and # comments skipped)."""
    entries: list[Entry] = []
    faults: list[str] = []
    seen: dict[date, int] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            entry = _parse_line(number, text)
        except InvalidInput as err:
            faults.append(f"第 {number} 行：{err}")
            continue
        span = min((entry.end - entry.start).days + 1, HOLIDAY_RANGE_MAX_DAYS + 1)  # the core refuses more
        for offset in range(max(0, span)):
            day = entry.start + timedelta(days=offset)
            if day in seen:
                faults.append(f"第 {number} 行：{day} 已在第 {seen[day]} 行出现")
                break
            seen[day] = number
        entries.append(entry)
    return entries, faults


def _store(session: Session, entries: list[Entry]) -> list[str]:
    """Write every entry in the session's transaction; returns the faults the core found, by line."""
    faults: list[str] = []
    for entry in entries:
        try:
            set_holiday_range(
                session,
                start=entry.start,
                end=entry.end,
                workday=entry.workday,
                name=entry.name,
                commit=False,
            )
        except InvalidInput as err:
            faults.append(f"第 {entry.line} 行：{err}")
    return faults


def _refuse(file: Path, faults: list[str]) -> NoReturn:
    for fault in faults:
        typer.echo(fault, err=True)
    typer.echo(f"{file} 有 {len(faults)} 处错误，什么也没有录入。", err=True)
    raise typer.Exit(1)


@calendar_app.command(
    "load", help="从年度安排文件整批录入，每行「日期[..日期] 休|班 名称」；有错则一条也不录入。"
)
def load(
    file: Annotated[Path, typer.Argument(help="年度安排文件（UTF-8），每行：日期[..日期] 休|班 名称")],
) -> None:
    try:
        text = file.read_text(encoding="utf-8-sig")  # a BOM from Windows Notepad is fine
    except (OSError, UnicodeDecodeError) as err:
        typer.echo(f"无法读取 {file}：{err}", err=True)
        raise typer.Exit(1) from err
    entries, faults = parse_year_file(text.splitlines())
    if not entries and not faults:
        faults.append("文件里没有任何安排")
    if faults:
        _refuse(file, faults)
    with admin_database() as engine:
        with session_scope(engine) as session:
            faults = _store(session, entries)
            if faults:
                _refuse(file, faults)  # inside the transaction: leaving it by the exception rolls back
        days = [(e.end - e.start).days + 1 for e in entries]
        off = sum(n for n, e in zip(days, entries, strict=True) if not e.workday)
        typer.echo(f"已从 {file} 录入 {sum(days)} 天：放假 {off} 天，调休上班 {sum(days) - off} 天。")
        with Session(engine) as session:
            _show_years(session, {e.start.year for e in entries} | {e.end.year for e in entries})
