"""The admin's holiday overrides for years chinese-calendar does not know (2027 with 1.11.0)."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from hotline.errors import InvalidInput, NotFound
from hotline.sla.calendar import SHANGHAI, WorkCalendar, package_knows_year
from hotline.sla.service import (
    HOLIDAY_NAME_MAX,
    YearStatus,
    calendar_notices,
    holiday_warning,
    list_holidays,
    load_calendar,
    remove_holiday,
    set_holiday,
    set_holiday_range,
    year_status,
)
from hotline.tickets import service as svc
from tests.factories import OPERATOR, make_ticket, seeded

WARNING_2027 = "2027年法定节假日尚未录入，工单时限将按周一至周五计算。请管理员在「系统管理 › 节假日」中录入。"


def local(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


def spring_festival_2027(session: Session) -> None:
    """An example arrangement: off Sat 6 – Fri 12 Feb, Sunday 14 Feb worked instead."""
    set_holiday_range(session, start=date(2027, 2, 6), end=date(2027, 2, 12), workday=False, name="春节")
    set_holiday(session, day=date(2027, 2, 14), workday=True, name="春节调休")


def test_the_package_knows_2026_but_not_2027() -> None:
    # The premise of all of this: when a release adds 2027, these tests say so.
    assert package_knows_year(2026)
    assert not package_knows_year(2027)


def test_overrides_move_2027_working_days_and_due_dates(session: Session) -> None:
    before = load_calendar(session)
    assert before.add_working_days(local(2027, 2, 5), 1) == local(2027, 2, 8)  # Friday → Monday
    assert before.working_days_between(date(2027, 2, 1), date(2027, 2, 28)) == 19
    spring_festival_2027(session)
    after = load_calendar(session)
    assert after.add_working_days(local(2027, 2, 5), 1) == local(2027, 2, 14)  # the make-up Sunday
    assert after.add_working_days(local(2027, 2, 5), 2) == local(2027, 2, 15)
    assert after.working_days_between(date(2027, 2, 1), date(2027, 2, 28)) == 19 - 5 + 1


def test_a_ticket_dispatched_before_the_2027_holiday_is_due_after_it(session: Session) -> None:
    start = local(2027, 2, 5)
    seeded(session, start)
    spring_festival_2027(session)
    ticket = make_ticket(session, start)
    assert ticket.id is not None
    moved = svc.dispatch(session, ticket_id=ticket.id, unit_code="housing", actor=OPERATOR, now=start)
    assert moved.sign_due_at == local(2027, 2, 14).astimezone(UTC)  # 1 working day, not Monday 8 Feb
    # 7 working days: 14, 15, 16, 17, 18, 19, 22 Feb
    assert moved.handle_due_at == local(2027, 2, 22).astimezone(UTC)


def test_status_of_2027_flips_once_holidays_are_entered(session: Session) -> None:
    assert year_status(session, year=2027) == YearStatus(2027, False, 0, 0)
    assert not year_status(session, year=2027).trustworthy
    set_holiday(session, day=date(2027, 1, 30), workday=True, name="调休")
    # a make-up working day alone means the holidays are still missing
    assert not year_status(session, year=2027).trustworthy
    assert not load_calendar(session).knows_year(2027)
    spring_festival_2027(session)
    status = year_status(session, year=2027)
    assert (status.days_off, status.workdays, status.trustworthy) == (7, 2, True)
    assert load_calendar(session).knows_year(2027)
    assert year_status(session, year=2026) == YearStatus(2026, True, 0, 0)
    assert year_status(session, year=2026).trustworthy


def test_list_and_remove_overrides(session: Session) -> None:
    spring_festival_2027(session)
    set_holiday(session, day=date(2028, 1, 3), workday=False, name="元旦")
    listed = list_holidays(session, year=2027)
    assert [(r.day.isoformat(), r.workday, r.name) for r in listed[:2]] == [
        ("2027-02-06", False, "春节"),
        ("2027-02-07", False, "春节"),
    ]
    assert [r.day for r in listed][-1] == date(2027, 2, 14) and len(listed) == 8
    removed = remove_holiday(session, day=date(2027, 2, 14))
    assert (removed.day, removed.workday, removed.name) == (date(2027, 2, 14), True, "春节调休")
    assert len(list_holidays(session, year=2027)) == 7
    assert not load_calendar(session).is_workday(date(2027, 2, 14))  # back to an ordinary Sunday
    with pytest.raises(NotFound, match="2027-02-14"):
        remove_holiday(session, day=date(2027, 2, 14))


def test_entering_a_day_again_corrects_it(session: Session) -> None:
    set_holiday(session, day=date(2027, 2, 13), workday=False, name="春节")
    set_holiday(session, day=date(2027, 2, 13), workday=True, name=" 春节调休 ")
    [row] = list_holidays(session, year=2027)
    assert (row.workday, row.name) == (True, "春节调休")
    # within one transaction too: a later range overlapping an earlier one wins on the shared day
    set_holiday_range(
        session, start=date(2027, 2, 6), end=date(2027, 2, 8), workday=False, name="春节", commit=False
    )
    set_holiday_range(
        session, start=date(2027, 2, 8), end=date(2027, 2, 8), workday=True, name="调休", commit=False
    )
    session.commit()
    assert [(r.day.day, r.workday) for r in list_holidays(session, year=2027)] == [
        (6, False),
        (7, False),
        (8, True),
        (13, True),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"day": datetime(2027, 2, 6, tzinfo=UTC)}, "日期格式不对"),
        ({"day": date(2207, 2, 6)}, "年份 2207"),
        ({"name": "春" * (HOLIDAY_NAME_MAX + 1)}, "节日名称过长"),
        ({"name": "春节\n调休"}, "控制字符"),
    ],
)
def test_bad_overrides_are_refused(session: Session, kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"day": date(2027, 2, 6), "workday": False, "name": "春节", **kwargs}
    with pytest.raises(InvalidInput, match=message):
        set_holiday(session, **values)  # type: ignore[arg-type]
    assert list_holidays(session, year=2027) == []


def test_the_longest_name_is_kept(session: Session) -> None:
    set_holiday(session, day=date(2027, 2, 6), workday=False, name="春" * HOLIDAY_NAME_MAX)
    assert list_holidays(session, year=2027)[0].name == "春" * HOLIDAY_NAME_MAX


def test_a_range_of_31_days_is_accepted(session: Session) -> None:
    rows = set_holiday_range(
        session, start=date(2027, 2, 1), end=date(2027, 3, 3), workday=False, name="停工"
    )
    assert len(rows) == len(list_holidays(session, year=2027)) == 31


def test_bad_ranges_write_nothing(session: Session) -> None:
    with pytest.raises(InvalidInput, match="早于"):
        set_holiday_range(session, start=date(2027, 2, 12), end=date(2027, 2, 6), workday=False, name="春节")
    with pytest.raises(InvalidInput, match="最多录入 31 天，2027-02-01 至 2027-03-04 有 32 天"):
        set_holiday_range(session, start=date(2027, 2, 1), end=date(2027, 3, 4), workday=False, name="春节")
    with pytest.raises(InvalidInput, match="节日名称过长"):
        set_holiday_range(
            session, start=date(2027, 2, 6), end=date(2027, 2, 12), workday=False, name="春" * 65
        )
    assert list_holidays(session, year=2027) == []
    with pytest.raises(InvalidInput, match="年份 1999"):
        list_holidays(session, year=1999)


@pytest.mark.parametrize(
    ("today", "warned"),
    [
        (date(2026, 10, 31), False),  # 62 days before
        (date(2026, 11, 1), False),  # 61 days before
        (date(2026, 11, 2), True),  # 60 days before
        (date(2026, 12, 31), True),
    ],
)
def test_the_warning_starts_60_days_before_the_year(today: date, warned: bool) -> None:
    unknown = YearStatus(2027, package_knows=False, days_off=0, workdays=0)
    assert holiday_warning(unknown, today=today) == (WARNING_2027 if warned else "")


def test_a_started_year_without_holidays_warns_in_the_present_tense() -> None:
    unknown = YearStatus(2027, package_knows=False, days_off=0, workdays=3)
    assert holiday_warning(unknown, today=date(2027, 1, 4)) == WARNING_2027.replace("将按", "正按")
    entered = YearStatus(2027, package_knows=False, days_off=1, workdays=0)
    assert holiday_warning(entered, today=date(2027, 1, 4)) == ""


def test_notices_for_this_year_and_next(session: Session) -> None:
    now = local(2026, 11, 21, 0)  # Saturday, local midnight (still 20 Nov in UTC)
    notices = calendar_notices(session, now=now)
    assert [(n.status.year, n.warning) for n in notices] == [(2026, ""), (2027, WARNING_2027)]
    spring_festival_2027(session)
    assert [n.warning for n in calendar_notices(session, now=now)] == ["", ""]


def test_the_calendar_without_overrides_still_runs_monday_to_friday_in_2027() -> None:
    assert WorkCalendar().is_workday(date(2027, 2, 8)) and not WorkCalendar().is_workday(date(2027, 2, 6))
