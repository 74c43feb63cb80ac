"""Working-time arithmetic on the Chinese calendar, deadlines, cards and the due list."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from hotline.clock import FixedClock
from hotline.enums import Card, Channel, LimitUnit, Nature, Stage, Urgency
from hotline.sla.calendar import SHANGHAI, WorkCalendar
from hotline.sla.service import (
    DEFAULT_POLICIES,
    TicketFacts,
    card,
    choose_policy,
    due_now,
    load_calendar,
    set_holiday,
)
from hotline.tickets import service as svc
from tests.factories import OPERATOR, make_ticket, seeded, unit_actor

CAL = WorkCalendar()


def local(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Spring Festival 2026: off 15–23 Feb; Saturdays 14 and 28 Feb are make-up workdays.
        (local(2026, 2, 13), 1, local(2026, 2, 14)),
        (local(2026, 2, 14), 1, local(2026, 2, 24)),
        (local(2026, 2, 12), 7, local(2026, 2, 28)),
        (local(2026, 2, 12), 8, local(2026, 3, 2)),
        # National Day 2026: off 1–7 Oct; Saturday 10 Oct is a make-up workday.
        (local(2026, 9, 30, 15), 1, local(2026, 10, 8, 15)),
        (local(2026, 9, 30, 15), 3, local(2026, 10, 10, 15)),
        (local(2026, 9, 30, 15), 4, local(2026, 10, 12, 15)),
        # Mid-Autumn 2026 moved Sunday 20 Sep into a workday.
        (local(2026, 9, 18, 16), 1, local(2026, 9, 20, 16)),
        # A start on a rest day counts from the start of the next working day.
        (local(2026, 10, 3), 1, local(2026, 10, 9, 0)),
        (local(2026, 10, 3), 0, local(2026, 10, 8, 0)),
        (local(2026, 11, 21), 1, local(2026, 11, 24, 0)),
        # An ordinary week.
        (local(2026, 11, 20, 17), 1, local(2026, 11, 23, 17)),
    ],
)
def test_add_working_days(start: datetime, days: int, due: datetime) -> None:
    assert CAL.add_working_days(start, days) == due
    assert CAL.add_working_days(start, days).tzinfo == UTC


def test_natural_limits_ignore_the_calendar() -> None:
    start = local(2026, 10, 1, 23, 30)
    assert CAL.add(start, 2, LimitUnit.HOURS) == local(2026, 10, 2, 1, 30)
    assert CAL.add(start, 15, LimitUnit.MINUTES) == local(2026, 10, 1, 23, 45)


def test_make_up_days_and_holidays_are_known() -> None:
    assert CAL.is_workday(date(2026, 2, 28))  # Saturday
    assert not CAL.is_workday(date(2026, 10, 5))  # Monday in the Golden Week
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4  # 8, 9, 10, 12 Oct


def test_admin_overrides_come_first_and_cover_unknown_years() -> None:
    assert not WorkCalendar().knows_year(2031)
    # chinese-calendar does not know 2031: weekdays count until the admin says otherwise
    assert WorkCalendar().add_working_days(local(2031, 1, 31), 1) == local(2031, 2, 3)
    overrides = {date(2031, 2, 3): False, date(2031, 2, 1): True}
    custom = WorkCalendar(overrides)
    assert custom.knows_year(2031)
    assert custom.add_working_days(local(2031, 1, 31), 1) == local(2031, 2, 1)
    assert custom.add_working_days(local(2031, 1, 31), 2) == local(2031, 2, 4)


def test_holidays_entered_by_the_admin_move_deadlines(session: Session) -> None:
    set_holiday(session, day=date(2026, 11, 24), workday=False, name="本地停工日")
    assert load_calendar(session).add_working_days(local(2026, 11, 23), 1) == local(2026, 11, 25)
    set_holiday(session, day=date(2026, 11, 24), workday=True)
    assert load_calendar(session).add_working_days(local(2026, 11, 23), 1) == local(2026, 11, 24)


def test_end_of_next_workday_for_callbacks() -> None:
    assert CAL.end_of_next_workday(local(2026, 9, 30, 16)) == local(2026, 10, 9, 0)
    assert CAL.end_of_next_workday(local(2026, 11, 23, 9)) == local(2026, 11, 25, 0)


def test_cards_turn_yellow_at_80_percent_and_red_when_overdue() -> None:
    start = local(2026, 11, 23, 9)
    due = start + timedelta(hours=10)
    assert card(now=start + timedelta(hours=7, minutes=59), start=start, due=due, ratio=0.8) is Card.NONE
    assert card(now=start + timedelta(hours=8), start=start, due=due, ratio=0.8) is Card.YELLOW
    assert card(now=due, start=start, due=due, ratio=0.8) is Card.YELLOW
    assert card(now=due + timedelta(seconds=1), start=start, due=due, ratio=0.8) is Card.RED


@pytest.mark.parametrize(
    ("facts", "policy"),
    [
        (
            TicketFacts(Nature.COMPLAINT, Urgency.CRITICAL, Channel.PHONE, True, False),
            "特急：危及生命财产安全",
        ),
        (TicketFacts(Nature.HELP, Urgency.URGENT, Channel.PHONE, True, False), "紧急：水电气暖"),
        (TicketFacts(Nature.HELP, Urgency.NORMAL, Channel.PHONE, True, False), "水电气暖"),
        (
            TicketFacts(Nature.CONSULTATION, Urgency.NORMAL, Channel.MAILBOX, False, False),
            "市长信箱咨询（简单）",
        ),
        (TicketFacts(Nature.COMPLAINT, Urgency.NORMAL, Channel.MAILBOX, False, False), "市长信箱"),
        (TicketFacts(Nature.CONSULTATION, Urgency.NORMAL, Channel.PHONE, False, False), "咨询"),
        (TicketFacts(Nature.COMPLAINT, Urgency.NORMAL, Channel.PHONE, False, True), "疑难复杂"),
        (TicketFacts(Nature.COMPLAINT, Urgency.NORMAL, Channel.PHONE, False, False), "一般"),
    ],
)
def test_policy_choice_by_specificity(facts: TicketFacts, policy: str) -> None:
    assert choose_policy(list(DEFAULT_POLICIES), facts).name == policy


def test_due_now_lists_yellow_then_red_work(session: Session, clock: FixedClock) -> None:
    seeded(session, clock.now())
    ticket = make_ticket(session, clock.now())
    assert ticket.id is not None
    svc.dispatch(session, ticket_id=ticket.id, unit_code="housing", actor=OPERATOR, now=clock.now())
    assert due_now(session, now=clock.now()) == []
    # sign limit: 1 working day (Mon 09:00 → Tue 09:00); yellow from 80 % (Tue 04:12)
    later = clock.advance(timedelta(hours=19, minutes=12))
    [item] = due_now(session, now=later)
    assert (item.stage, item.card, item.number) == (Stage.SIGN, Card.YELLOW, ticket.number)
    red = due_now(session, now=later + timedelta(hours=5))
    assert [(i.stage, i.card) for i in red] == [(Stage.SIGN, Card.RED)]
    other = unit_actor(session, "urban")
    assert due_now(session, now=later, unit_id=other.unit_id) == []
    svc.sign(session, ticket_id=ticket.id, actor=unit_actor(session, "housing"), now=later)
    assert due_now(session, now=later + timedelta(hours=5)) == []
    handle = due_now(session, now=datetime(2026, 12, 3, tzinfo=UTC))
    assert [(i.stage, i.card) for i in handle] == [(Stage.HANDLE, Card.RED)]
