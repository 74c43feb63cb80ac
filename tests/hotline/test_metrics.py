"""Each metric against a fixture whose figures were worked out by hand (see the tables below).

The fixture spans two local days in Shaoyang, P = [Mon 2026-11-23 00:00, Wed 2026-11-25 00:00)
Asia/Shanghai, and "now" is Tue 2026-11-24 23:50. Times in the tables are local.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from hotline.calls.models import Call, Seat
from hotline.categories.models import Category
from hotline.clock import FixedClock
from hotline.config import Settings
from hotline.enums import (
    AssignmentRole,
    CallOutcome,
    Card,
    Channel,
    Nature,
    Role,
    Satisfaction,
    SeatState,
    Stage,
    TicketStatus,
    UnitKind,
)
from hotline.errors import InvalidInput
from hotline.metrics.models import MetricFilter, MetricRules, Rate, TicketRates
from hotline.metrics.service import (
    breakdown,
    call_metrics,
    live_snapshot,
    period_metrics,
    rolling_call_metrics,
    unit_ranking,
    wilson_lower_bound,
)
from hotline.sla.service import due_now
from hotline.tickets import service as tickets
from hotline.tickets.models import Assignment, CallbackRecord, Supervision, Ticket, TicketCreate
from hotline.units.models import Unit
from hotline.users.models import Actor

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = TicketStatus


def at(day: int, hour: int, minute: int = 0, second: float = 0) -> datetime:
    """A local time in Shaoyang in November 2026, as the aware UTC instant the core stores."""
    local = datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI) + timedelta(seconds=second)
    return local.astimezone(UTC)


P_START, P_END, NOW = at(23, 0), at(25, 0), at(24, 23, 50)


def r(numerator: int, denominator: int) -> Rate:
    return Rate(numerator=numerator, denominator=denominator)


def rates(on_time: Rate, callback: Rate, satisfaction: Rate, solve: Rate, response: Rate) -> TicketRates:
    return TicketRates(
        on_time=on_time, callback=callback, satisfaction=satisfaction, solve=solve, response=response
    )


# --- the hand-computed fixture -------------------------------------------------------------------


class World:
    """Ids of what the fixture inserted."""

    def __init__(self, units: dict[str, int], categories: dict[str, int]) -> None:
        self.units = units
        self.categories = categories


def _add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def _ticket(session: Session, number: str, **fields: Any) -> int:
    """Insert a ticket as it stands after its history; its id."""
    fields.setdefault("updated_at", fields["created_at"])
    ticket = _add(session, Ticket(number=number, title=number, content="内容", **fields))
    assert isinstance(ticket.id, int)
    return ticket.id


@pytest.fixture
def world(session: Session) -> World:
    units = {
        code: _add(session, Unit(code=code, name=name, kind=UnitKind.DEPARTMENT)).id
        for code, name in (("A", "城管局"), ("B", "水务局"), ("C", "住建局"))
    }
    a, b, c = units["A"], units["B"], units["C"]
    cat1 = _add(session, Category(code="property", name="物业管理")).id
    cat2 = _add(session, Category(code="water", name="供水")).id
    dx, sq = "大祥区", "双清区"

    # Calls. wait/talk in seconds; c8 and c11 are in the queue at NOW.
    #  call joined     outcome        answered wait  talk  in P  today  last 24 h
    #  c1   24 09:00   ANSWERED       yes      15.0  100   yes   yes    yes   (15 s: inside the level)
    #  c2   24 09:05   ANSWERED       yes      15.5  200   yes   yes    yes
    #  c3   24 09:10   ANSWERED       yes       3.0   60   yes   yes    yes
    #  c4   24 09:15   SHORT_ABANDON  no        2.0    -   short
    #  c5   24 09:20   ABANDONED      no        4.9    -   short (< 5 s)
    #  c6   24 09:25   ABANDONED      no        5.0    -   counted abandon (5 s is not short)
    #  c7   24 09:30   ABANDONED      no       30.0    -   counted abandon
    #  c8   24 23:49   WAITING        -           -    -   in queue, left out
    #  c9   24 10:00   TRANSFERRED    yes      10.0   30   yes   yes    yes
    #  c10  22 20:00   ANSWERED       yes       1.0   10   no    no     no
    #  c11  24 23:48:30 RINGING       -           -    -   in queue, left out
    #  c12  23 23:55   ANSWERED       yes      20.0   50   yes   no     yes
    calls = (
        ("c1", at(24, 9, 0), CallOutcome.ANSWERED, 15.0, 100.0),
        ("c2", at(24, 9, 5), CallOutcome.ANSWERED, 15.5, 200.0),
        ("c3", at(24, 9, 10), CallOutcome.ANSWERED, 3.0, 60.0),
        ("c4", at(24, 9, 15), CallOutcome.SHORT_ABANDON, 2.0, None),
        ("c5", at(24, 9, 20), CallOutcome.ABANDONED, 4.9, None),
        ("c6", at(24, 9, 25), CallOutcome.ABANDONED, 5.0, None),
        ("c7", at(24, 9, 30), CallOutcome.ABANDONED, 30.0, None),
        ("c8", at(24, 23, 49), CallOutcome.WAITING, None, None),
        ("c9", at(24, 10, 0), CallOutcome.TRANSFERRED, 10.0, 30.0),
        ("c10", at(22, 20, 0), CallOutcome.ANSWERED, 1.0, 10.0),
        ("c11", at(24, 23, 48, 30), CallOutcome.RINGING, None, None),
        ("c12", at(23, 23, 55), CallOutcome.ANSWERED, 20.0, 50.0),
    )
    for linkedid, joined, outcome, wait, talk in calls:
        queued = outcome in {CallOutcome.WAITING, CallOutcome.RINGING}
        answered = talk is not None
        session.add(
            Call(
                linkedid=linkedid,
                joined_at=joined,
                outcome=outcome,
                wait_s=wait,
                talk_s=talk,
                answered_at=joined + timedelta(seconds=wait or 0) if answered else None,
                ended_at=None if queued else joined + timedelta(seconds=(wait or 0) + (talk or 0)),
            )
        )
    for code, state in (
        ("1001", SeatState.READY),
        ("1002", SeatState.TALKING),
        ("1003", SeatState.TALKING),
        ("1004", SeatState.PAUSED),
        ("1005", SeatState.OFFLINE),
    ):
        session.add(Seat(code=code, interface=f"PJSIP/{code}", state=state))

    # Tickets. due = the handle deadline.
    #  no   status      lead dist cat channel  nature        created   due       replied   closed
    #  T1   CLOSED      A    大祥 1   phone    complaint     23 10:00  24 12:00  24 12:00  24 15:00 on time
    #  T2   CLOSED      A    大祥 1   phone    help          23 23:30  24 08:00  24 09:00  24 20:00 late
    #  T3   CLOSED      B    双清 2   web      consultation  24 00:30  24 22:00* 24 21:00  24 22:30 on time
    #  T4   CLOSED      -    大祥 -   phone    consultation  24 10:00  -         -         24 10:05 spot
    #  T5   MERGED→T1   -    大祥 1   phone    complaint     23 11:00  -         -         -
    #  T6   HANDLING    B    双清 2   phone    report        24 07:30  24 23:00  -         -
    #  T7   CLOSED      A    双清 1   phone    help          22 10:00  23 10:00  23 11:00  23 12:00 late
    #  T8   CLOSED      A    大祥 1   mailbox  suggestion    24 14:00  25 12:00  24 16:00  25 10:00 (> P)
    #  T9   REJECTED    -    双清 -   phone    other         24 11:00
    #  T10  DISPATCHED  B    双清 2   phone    help          20 10:00  30 10:00  sign 24 23:00 / 25 01:00 †
    #  T11  REPLIED     A    大祥 1   phone    complaint     20 09:00  25 09:00  23 23:50
    #  † sign yellow / sign due.
    #  * T3's deadline after an approved extension (it was 24 18:00: replied late by the original,
    #    on time by the extended one).
    #  callback due / done: T1 24 18:00 / 24 15:00, T2 24 20:00 / 24 20:00, T3 24 23:00 / 24 22:30,
    #  T5 24 17:00 / -, T7 23 18:00 / 23 12:00, T8 25 18:00 / 25 10:00 (after P), T11 24 23:50 / -.
    t1 = _ticket(session, "T1", status=S.CLOSED, lead_unit_id=a, district=dx, category_id=cat1,
                 nature=Nature.COMPLAINT, created_at=at(23, 10), handle_due_at=at(24, 12),
                 replied_at=at(24, 12), closed_at=at(24, 15), callback_due_at=at(24, 18),
                 callback_done_at=at(24, 15))  # fmt: skip
    t2 = _ticket(session, "T2", status=S.CLOSED, lead_unit_id=a, district=dx, category_id=cat1,
                 nature=Nature.HELP, created_at=at(23, 23, 30), handle_due_at=at(24, 8),
                 replied_at=at(24, 9), closed_at=at(24, 20), callback_due_at=at(24, 20),
                 callback_done_at=at(24, 20))  # fmt: skip
    t3 = _ticket(session, "T3", status=S.CLOSED, lead_unit_id=b, district=sq, category_id=cat2,
                 channel=Channel.WEB, nature=Nature.CONSULTATION, created_at=at(24, 0, 30),
                 handle_due_at=at(24, 22), replied_at=at(24, 21), closed_at=at(24, 22, 30),
                 callback_due_at=at(24, 23), callback_done_at=at(24, 22, 30))  # fmt: skip
    t4 = _ticket(session, "T4", status=S.CLOSED, district=dx, nature=Nature.CONSULTATION,
                 created_at=at(24, 10), closed_at=at(24, 10, 5))  # fmt: skip
    _ticket(session, "T5", status=S.MERGED, master_id=t1, district=dx, category_id=cat1,
            nature=Nature.COMPLAINT, created_at=at(23, 11), merged_at=at(23, 12),
            callback_due_at=at(24, 17))  # fmt: skip
    t6 = _ticket(session, "T6", status=S.HANDLING, lead_unit_id=b, district=sq, category_id=cat2,
                 nature=Nature.REPORT, created_at=at(24, 7, 30), dispatched_at=at(24, 9, 10),
                 sign_yellow_at=at(24, 9, 30), sign_due_at=at(24, 9, 40),
                 handle_yellow_at=at(24, 20), handle_due_at=at(24, 23))  # fmt: skip
    t7 = _ticket(session, "T7", status=S.CLOSED, lead_unit_id=a, district=sq, category_id=cat1,
                 nature=Nature.HELP, created_at=at(22, 10), handle_due_at=at(23, 10),
                 replied_at=at(23, 11), closed_at=at(23, 12), callback_due_at=at(23, 18),
                 callback_done_at=at(23, 12))  # fmt: skip
    t8 = _ticket(session, "T8", status=S.CLOSED, lead_unit_id=a, district=dx, category_id=cat1,
                 channel=Channel.MAILBOX, nature=Nature.SUGGESTION, created_at=at(24, 14),
                 handle_due_at=at(25, 12), replied_at=at(24, 16), closed_at=at(25, 10),
                 callback_due_at=at(25, 18), callback_done_at=at(25, 10))  # fmt: skip
    _ticket(session, "T9", status=S.REJECTED, district=sq, created_at=at(24, 11),
            rejected_at=at(24, 11, 5))  # fmt: skip
    t10 = _ticket(session, "T10", status=S.DISPATCHED, lead_unit_id=b, district=sq, category_id=cat2,
                  nature=Nature.HELP, created_at=at(20, 10), dispatched_at=at(20, 10, 10),
                  sign_yellow_at=at(24, 23), sign_due_at=at(25, 1),
                  handle_yellow_at=at(28, 10), handle_due_at=at(30, 10))  # fmt: skip
    t11 = _ticket(session, "T11", status=S.REPLIED, lead_unit_id=a, district=dx, category_id=cat1,
                  nature=Nature.COMPLAINT, created_at=at(20, 9), handle_yellow_at=at(24, 9),
                  handle_due_at=at(25, 9), replied_at=at(23, 23, 50),
                  callback_due_at=at(24, 23, 50))  # fmt: skip

    # Callback records: R5 did not reach the caller; R7 lies after P.
    #  rec ticket at        reached satisfaction          solved
    #  R1  T1     24 15:00  yes     satisfied             yes
    #  R2  T2     24 20:00  yes     basically satisfied   -
    #  R3  T3     24 21:30  yes     unsatisfied           no
    #  R4  T3     24 22:30  yes     satisfied             yes
    #  R5  T7     23 11:30  no      -                     -
    #  R6  T7     23 12:00  yes     basically satisfied   no
    #  R7  T8     25 10:00  yes     satisfied             yes
    sat, basic, unsat = Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.UNSATISFIED
    for ticket, attempt, when, reached, satisfaction, solved in (
        (t1, 1, at(24, 15), True, sat, True),
        (t2, 1, at(24, 20), True, basic, None),
        (t3, 1, at(24, 21, 30), True, unsat, False),
        (t3, 2, at(24, 22, 30), True, sat, True),
        (t7, 1, at(23, 11, 30), False, None, None),
        (t7, 2, at(23, 12), True, basic, False),
        (t8, 1, at(25, 10), True, sat, True),
    ):
        session.add(
            CallbackRecord(
                ticket_id=ticket,
                attempt=attempt,
                at=when,
                reached=reached,
                satisfaction=satisfaction,
                solved=solved,
            )
        )

    # Assignments (响应 = contact within 24 h of dispatch, boundary included).
    #  asg ticket unit role dispatched  contacted     in P  counted
    #  A1  T1     A    lead 23 10:10    24 10:10      yes   on time (exactly 24 h)
    #  A2  T2     A    lead 23 23:40    24 23:40:01   yes   late (24 h + 1 s)
    #  A3  T3     B    lead 24 00:40    -             yes   no contact
    #  A3c T3     C    co   24 00:40    24 01:00      -     co-units do not count
    #  A4  T6     B    lead 24 09:10    24 10:00      yes   on time
    #  A6  T6     A    lead 24 08:00    - (returned)  yes   no contact; counts for A, not for B
    #  A7  T7     A    lead 22 10:10    22 11:00      no
    #  A8  T8     A    lead 24 14:10    24 14:30      yes   on time
    #  A11 T11    A    lead 20 09:10    20 10:00      no
    lead, co = AssignmentRole.LEAD, AssignmentRole.CO
    for ticket, unit, role, dispatched, contacted, active in (
        (t1, a, lead, at(23, 10, 10), at(24, 10, 10), True),
        (t2, a, lead, at(23, 23, 40), at(24, 23, 40, 1), True),
        (t3, b, lead, at(24, 0, 40), None, True),
        (t3, c, co, at(24, 0, 40), at(24, 1), True),
        (t6, b, lead, at(24, 9, 10), at(24, 10), True),
        (t6, a, lead, at(24, 8), None, False),
        (t7, a, lead, at(22, 10, 10), at(22, 11), True),
        (t8, a, lead, at(24, 14, 10), at(24, 14, 30), True),
        (t11, a, lead, at(20, 9, 10), at(20, 10), True),
    ):
        session.add(
            Assignment(
                ticket_id=ticket,
                unit_id=unit,
                role=role,
                active=active,
                dispatched_at=dispatched,
                contacted_at=contacted,
            )
        )

    # 督办 flags: only S1 is overdue on an open ticket at NOW.
    session.add(Supervision(ticket_id=t10, note="S1", due_at=at(24, 22), created_at=at(24, 9)))
    session.add(
        Supervision(ticket_id=t6, note="S2", due_at=at(24, 12), created_at=at(24, 9), resolved_at=at(24, 13))
    )
    session.add(Supervision(ticket_id=t4, note="S3", due_at=at(24, 11), created_at=at(24, 10, 1)))
    session.commit()
    return World(units, {"property": cat1, "water": cat2})


# --- calls ---------------------------------------------------------------------------------------


def test_call_metrics_leave_out_short_abandons_and_calls_still_queued(session: Session, world: World) -> None:
    calls = call_metrics(session, start=P_START, end=P_END)

    assert (calls.offered, calls.short_abandoned, calls.in_queue, calls.counted) == (11, 2, 2, 7)
    assert calls.answer_rate == r(5, 7)
    assert calls.service_level == r(3, 7)  # c1 at exactly 15 s is in, c2 at 15.5 s is not
    assert calls.abandon_rate == r(2, 7)  # c6 at exactly 5 s is an abandon, c5 at 4.9 s is short
    assert calls.avg_speed_of_answer_s == pytest.approx(12.7)  # (15 + 15.5 + 3 + 10 + 20) / 5
    assert calls.avg_handling_time_s == pytest.approx(88.0)  # (100 + 200 + 60 + 30 + 50) / 5


def test_rolling_24h_ends_at_now(session: Session, world: World) -> None:
    calls = rolling_call_metrics(session, now=at(24, 10, 0))

    # [23 10:00, 24 10:00): c1-c7 and c12; c9 joined exactly at 10:00 and is left for the next window.
    assert (calls.offered, calls.counted) == (8, 6)
    assert calls.answer_rate == r(4, 6)


def test_rules_come_from_settings() -> None:
    rules = MetricRules.from_settings(Settings(short_abandon_s=7, service_level_s=20, timezone="Asia/Urumqi"))

    assert (rules.short_abandon_s, rules.service_level_s, rules.timezone) == (7, 20, "Asia/Urumqi")
    assert rules.response_limit_s == 24 * 3600


def test_call_metrics_follow_the_configured_thresholds(session: Session, world: World) -> None:
    rules = MetricRules(short_abandon_s=10, service_level_s=20)

    calls = call_metrics(session, start=P_START, end=P_END, rules=rules)

    # c6 (5 s) is now short too; c2 (15.5 s) and c12 (20 s) are now inside the level.
    assert (calls.short_abandoned, calls.counted) == (3, 6)
    assert calls.answer_rate == r(5, 6)
    assert calls.service_level == r(5, 6)
    assert calls.abandon_rate == r(1, 6)


# --- ticket rates --------------------------------------------------------------------------------


def test_period_metrics_match_the_hand_computed_figures(session: Session, world: World) -> None:
    m = period_metrics(session, start=P_START, end=P_END)

    # T1 (replied exactly at its deadline) T3 (extended deadline) T4 (on the spot) of T1 T2 T3 T4 T7
    assert m.rates.on_time == r(3, 5)
    assert m.rates.callback == r(4, 6)  # T1 T2 T3 T7 of those + T5 (merged follower) + T11 (due, not done)
    assert m.rates.satisfaction == r(4, 5)  # R1 R2 R4 R6 (basically satisfied counts) of R1 R2 R3 R4 R6
    assert m.rates.solve == r(2, 4)  # R1 R4 of R1 R3 R4 R6 (R2 recorded no answer)
    assert m.rates.response == r(3, 6)  # A1 (exactly 24 h) A4 A8 of A1 A2 A3 A4 A6 A8
    assert m.rates.on_time.value == pytest.approx(0.6)
    assert m.calls.answer_rate == r(5, 7)

    assert m.counts.created == 8
    assert m.counts.by_status == {
        S.DRAFT: 0,
        S.DISPATCHED: 0,
        S.HANDLING: 1,
        S.RETURNED: 0,
        S.REPLIED: 0,
        S.CLOSED: 5,
        S.REJECTED: 1,
        S.MERGED: 1,
    }
    assert m.counts.by_channel == {Channel.PHONE: 6, Channel.WEB: 1, Channel.MAILBOX: 1, Channel.API: 0}
    assert m.counts.by_nature == {
        Nature.CONSULTATION: 2,
        Nature.HELP: 1,
        Nature.COMPLAINT: 2,
        Nature.REPORT: 1,
        Nature.SUGGESTION: 1,
        Nature.PRAISE: 0,
        Nature.OTHER: 1,
    }


@pytest.mark.parametrize(
    ("filters", "created", "expected"),
    [
        pytest.param(
            {"unit": "A"},
            3,
            rates(r(1, 3), r(3, 4), r(3, 3), r(1, 2), r(2, 4)),
            id="unit A (A6 counts for A)",
        ),
        pytest.param({"unit": "B"}, 2, rates(r(1, 1), r(1, 1), r(1, 2), r(1, 2), r(1, 2)), id="unit B"),
        pytest.param(
            {"district": "双清区"}, 3, rates(r(1, 2), r(2, 2), r(2, 3), r(1, 3), r(1, 3)), id="district"
        ),
        pytest.param(
            {"category": "water"}, 2, rates(r(1, 1), r(1, 1), r(1, 2), r(1, 2), r(1, 3)), id="category"
        ),
        pytest.param(
            {"channel": Channel.WEB}, 1, rates(r(1, 1), r(1, 1), r(1, 2), r(1, 2), r(0, 1)), id="channel"
        ),
        pytest.param(
            {"unit": "A", "channel": Channel.MAILBOX},
            1,
            rates(r(0, 0), r(0, 0), r(0, 0), r(0, 0), r(1, 1)),
            id="unit and channel together",
        ),
    ],
)
def test_filters_narrow_ticket_figures_but_not_call_figures(
    session: Session, world: World, filters: dict[str, Any], created: int, expected: TicketRates
) -> None:
    wanted = MetricFilter(
        unit_id=world.units[filters["unit"]] if "unit" in filters else None,
        district=filters.get("district"),
        category_id=world.categories[filters["category"]] if "category" in filters else None,
        channel=filters.get("channel"),
    )

    m = period_metrics(session, start=P_START, end=P_END, filters=wanted)

    assert m.rates == expected
    assert m.counts.created == created
    assert m.calls.answer_rate == r(5, 7)


def test_empty_period_gives_none_not_zero_division(session: Session, world: World) -> None:
    start = datetime(2027, 3, 1, tzinfo=SHANGHAI)
    end = start + timedelta(days=2)

    m = period_metrics(session, start=start, end=end)

    assert m.calls.answer_rate == r(0, 0)
    assert m.calls.answer_rate.value is None
    assert m.calls.avg_speed_of_answer_s is None
    assert m.calls.avg_handling_time_s is None
    assert all(getattr(m.rates, name).value is None for name in TicketRates.model_fields)
    assert m.counts.created == 0
    assert set(m.counts.by_status.values()) == {0}
    assert breakdown(session, start=start, end=end, by="unit") == []
    days = breakdown(session, start=start, end=end, by="day")
    assert [(row.key, row.created, row.rates.on_time.value) for row in days] == [
        (date(2027, 3, 1), 0, None),
        (date(2027, 3, 2), 0, None),
    ]
    assert unit_ranking(session, start=start, end=end) == []


def test_a_period_must_be_aware_and_forward(session: Session) -> None:
    with pytest.raises(InvalidInput):
        period_metrics(session, start=P_END, end=P_START)
    with pytest.raises(InvalidInput):
        call_metrics(session, start=datetime(2026, 11, 23), end=datetime(2026, 11, 24))  # noqa: DTZ001
    with pytest.raises(InvalidInput, match="weekday"):
        breakdown(session, start=P_START, end=P_END, by="weekday")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exceeds"):
        Rate(numerator=3, denominator=2)


# --- breakdowns ----------------------------------------------------------------------------------


def test_per_day_uses_the_local_day_of_each_figures_own_timestamp(session: Session, world: World) -> None:
    days = breakdown(session, start=P_START, end=P_END, by="day")

    # T2 at 23:30 local (15:30 UTC) is the 23rd's; T3 at 00:30 local (16:30 UTC on the 23rd) the 24th's.
    assert [(row.key, row.label, row.created) for row in days] == [
        (date(2026, 11, 23), "2026-11-23", 3),  # T1 T2 T5
        (date(2026, 11, 24), "2026-11-24", 5),  # T3 T4 T6 T8 T9
    ]
    assert days[0].rates == rates(r(0, 1), r(1, 1), r(1, 1), r(0, 1), r(1, 2))
    assert days[1].rates == rates(r(3, 4), r(3, 5), r(3, 4), r(2, 3), r(2, 4))


def test_per_day_over_a_single_day(session: Session, world: World) -> None:
    days = breakdown(session, start=at(24, 0), end=at(25, 0), by="day")

    assert [(row.key, row.created) for row in days] == [(date(2026, 11, 24), 5)]
    assert days[0].rates == rates(r(3, 4), r(3, 5), r(3, 4), r(2, 3), r(2, 4))


def test_per_unit_district_category_and_channel(session: Session, world: World) -> None:
    a, b = world.units["A"], world.units["B"]

    by_unit = {row.key: row for row in breakdown(session, start=P_START, end=P_END, by="unit")}
    assert set(by_unit) == {a, b, None}  # C is only a co-unit; T4 T5 T9 have no lead unit
    assert (by_unit[a].label, by_unit[a].created) == ("城管局", 3)
    assert by_unit[a].rates == rates(r(1, 3), r(3, 4), r(3, 3), r(1, 2), r(2, 4))
    assert by_unit[b].rates == rates(r(1, 1), r(1, 1), r(1, 2), r(1, 2), r(1, 2))
    assert (by_unit[None].created, by_unit[None].rates.on_time, by_unit[None].rates.callback) == (
        3,
        r(1, 1),
        r(0, 1),
    )

    by_district = {row.key: row for row in breakdown(session, start=P_START, end=P_END, by="district")}
    assert by_district["大祥区"].created == 5
    assert by_district["大祥区"].rates == rates(r(2, 3), r(2, 4), r(2, 2), r(1, 1), r(2, 3))
    assert by_district["双清区"].rates == rates(r(1, 2), r(2, 2), r(2, 3), r(1, 3), r(1, 3))

    by_category = {row.key: row for row in breakdown(session, start=P_START, end=P_END, by="category")}
    cat1, cat2 = world.categories["property"], world.categories["water"]
    assert {k: (row.label, row.created, row.rates.on_time) for k, row in by_category.items()} == {
        cat1: ("物业管理", 4, r(1, 3)),
        cat2: ("供水", 2, r(1, 1)),
        None: ("", 2, r(1, 1)),
    }

    by_channel = breakdown(session, start=P_START, end=P_END, by="channel")
    assert [(row.key, row.label, row.created) for row in by_channel] == [
        (Channel.PHONE, "电话", 6),
        (Channel.MAILBOX, "市长信箱", 1),
        (Channel.WEB, "网站", 1),
    ]


# --- the live wallboard --------------------------------------------------------------------------


def test_live_snapshot(session: Session, world: World) -> None:
    snap = live_snapshot(session, now=NOW)

    assert snap.day == date(2026, 11, 24)
    assert snap.calls_waiting == 2  # c8 and c11
    assert snap.longest_wait_s == pytest.approx(90.0)  # c11 joined at 23:48:30
    assert snap.seats == {
        SeatState.OFFLINE: 1,
        SeatState.READY: 1,
        SeatState.RINGING: 0,
        SeatState.TALKING: 2,
        SeatState.WRAP_UP: 0,
        SeatState.PAUSED: 1,
    }
    # Today: c1-c9 and c11 joined; c12 joined yesterday but is inside the rolling 24 h.
    assert (snap.calls_today.offered, snap.calls_today.counted) == (10, 6)
    assert snap.calls_today.answer_rate == r(4, 6)
    assert snap.calls_today.service_level == r(3, 6)
    assert snap.calls_today.avg_speed_of_answer_s == pytest.approx(10.875)
    assert snap.calls_24h.answer_rate == r(5, 7)
    assert snap.today == rates(r(3, 4), r(3, 5), r(3, 4), r(2, 3), r(2, 4))
    # T10 sign yellow, T6 handle red, T11 callback yellow (due exactly now), S1 on T10 red.
    assert (snap.cards.red, snap.cards.yellow) == (2, 2)
    assert {stage: (c.red, c.yellow) for stage, c in snap.cards_by_stage.items()} == {
        Stage.SIGN: (0, 1),
        Stage.HANDLE: (1, 0),
        Stage.CALLBACK: (0, 1),
        Stage.SUPERVISION: (1, 0),
    }
    assert snap.open_by_status == {S.DRAFT: 0, S.DISPATCHED: 1, S.HANDLING: 1, S.RETURNED: 0, S.REPLIED: 1}


def test_card_counts_agree_with_due_now(session: Session, world: World) -> None:
    items = due_now(session, now=NOW)
    snap = live_snapshot(session, now=NOW)

    for stage, counts in snap.cards_by_stage.items():
        assert counts.red == sum(1 for i in items if i.stage is stage and i.card is Card.RED)
        assert counts.yellow == sum(1 for i in items if i.stage is stage and i.card is Card.YELLOW)


def test_live_snapshot_of_an_empty_system(session: Session) -> None:
    snap = live_snapshot(session, now=NOW)

    assert (snap.calls_waiting, snap.longest_wait_s) == (0, 0.0)
    assert set(snap.seats) == set(SeatState)
    assert set(snap.seats.values()) == {0}
    assert snap.calls_today.answer_rate.value is None
    assert snap.today.satisfaction.value is None
    assert (snap.cards.red, snap.cards.yellow) == (0, 0)


# --- ranking -------------------------------------------------------------------------------------


def test_ranking_accounts_for_volume(session: Session) -> None:
    small = _add(session, Unit(code="small", name="小单位", kind=UnitKind.DEPARTMENT)).id
    big = _add(session, Unit(code="big", name="大单位", kind=UnitKind.DEPARTMENT)).id
    _add(session, Unit(code="idle", name="闲单位", kind=UnitKind.DEPARTMENT))
    # small: 2 of 2 on every rate; big: 390 of 400 on every rate.
    for unit, count, good in ((small, 2, 2), (big, 400, 390)):
        for i in range(count):
            ok = i < good
            ticket = _ticket(
                session,
                f"{unit}-{i}",
                status=S.CLOSED,
                lead_unit_id=unit,
                created_at=at(2, 9),
                handle_due_at=at(9, 9),
                replied_at=at(5, 9) if ok else at(10, 9),
                closed_at=at(11, 9),
            )
            session.add(
                CallbackRecord(
                    ticket_id=ticket,
                    attempt=1,
                    at=at(11, 9),
                    reached=True,
                    satisfaction=Satisfaction.SATISFIED if ok else Satisfaction.UNSATISFIED,
                )
            )
            session.add(
                Assignment(
                    ticket_id=ticket,
                    unit_id=unit,
                    dispatched_at=at(2, 9, 5),
                    contacted_at=at(2, 10) if ok else None,
                )
            )
    session.commit()

    ranking = unit_ranking(session, start=at(1, 0), end=at(30, 0))

    assert [(s.rank, s.code, s.volume) for s in ranking] == [(1, "big", 400), (2, "small", 2)]
    top, bottom = ranking
    assert (bottom.on_time.value, top.on_time.value) == (1.0, 0.975)  # the naive rate would invert them
    assert (top.on_time, top.satisfaction, top.response) == (r(390, 400), r(390, 400), r(390, 400))
    # Wilson 95 % lower bounds, worked by hand: 2/2 → 1/(1 + 1.96²/2) = 0.3424; 390/400 → 0.9546.
    assert bottom.score == pytest.approx(0.3424, abs=1e-4)
    assert top.score == pytest.approx(0.9546, abs=1e-4)


def test_wilson_lower_bound() -> None:
    assert wilson_lower_bound(r(0, 0)) == 0.0
    assert wilson_lower_bound(r(2, 2)) == pytest.approx(0.34237, abs=1e-5)
    assert wilson_lower_bound(r(390, 400)) == pytest.approx(0.95460, abs=1e-5)
    assert wilson_lower_bound(r(0, 10)) == pytest.approx(0.0, abs=1e-12)


# --- through the lifecycle -----------------------------------------------------------------------


def test_figures_from_a_ticket_driven_through_the_lifecycle(session: Session, clock: FixedClock) -> None:
    """An extended deadline, a merged follower's callback, a basically-satisfied caller, a contact."""
    unit = _add(session, Unit(code="cgj", name="城管局", kind=UnitKind.DEPARTMENT))
    session.commit()
    operator, dispatcher = Actor(role=Role.OPERATOR), Actor(role=Role.DISPATCHER)
    staff = Actor(role=Role.UNIT, unit_id=unit.id)

    def create(title: str) -> int:
        ticket = tickets.create_ticket(
            session, data=TicketCreate(title=title, content="小区路灯不亮"), actor=operator, now=clock.now()
        )
        assert ticket.id is not None
        return ticket.id

    master = create("路灯不亮")
    tickets.dispatch(session, ticket_id=master, unit_code="cgj", actor=dispatcher, now=clock.now())
    follower = create("路灯又不亮")
    tickets.merge(
        session,
        ticket_id=follower,
        master_id=master,
        actor=dispatcher,
        now=clock.advance(timedelta(minutes=5)),
    )
    tickets.sign(session, ticket_id=master, actor=staff, now=clock.advance(timedelta(minutes=30)))
    tickets.record_contact(session, ticket_id=master, actor=staff, now=clock.advance(timedelta(hours=2)))
    original_due = session.get_one(Ticket, master).handle_due_at
    assert original_due is not None
    request = tickets.request_extension(
        session,
        ticket_id=master,
        actor=staff,
        now=clock.advance(timedelta(days=1)),
        working_days=2,
        reason="等配件",
    )
    assert request.id is not None
    tickets.decide_extension(session, request_id=request.id, approve=True, actor=dispatcher, now=clock.now())
    extended_due = session.get_one(Ticket, master).handle_due_at
    assert extended_due is not None
    clock.set(original_due + timedelta(hours=1))  # late by the original deadline, on time by the extended
    assert clock.now() < extended_due
    tickets.reply(session, ticket_id=master, actor=staff, now=clock.now(), text="已更换灯泡")
    clock.advance(timedelta(hours=1))
    tickets.record_callback(
        session,
        ticket_id=master,
        actor=operator,
        now=clock.now(),
        reached=True,
        satisfaction=Satisfaction.BASICALLY_SATISFIED,
        solved=True,
    )
    start, end = at(23, 0), datetime(2027, 1, 1, tzinfo=SHANGHAI)

    before = period_metrics(session, start=start, end=end)
    assert before.rates.on_time == r(1, 1)
    assert before.rates.callback == r(1, 2)  # the merged follower's caller is due a callback too
    assert before.rates.satisfaction == r(1, 1)  # basically satisfied counts as satisfied
    assert before.rates.response == r(1, 1)

    tickets.record_callback(
        session,
        ticket_id=follower,
        actor=operator,
        now=clock.advance(timedelta(hours=1)),
        reached=True,
        satisfaction=Satisfaction.UNSATISFIED,
        solved=False,
    )
    after = period_metrics(session, start=start, end=end)
    assert after.rates.on_time == r(1, 1)  # the merged follower is not a closed ticket
    assert after.rates.callback == r(2, 2)
    assert after.rates.satisfaction == r(1, 2)
    assert after.rates.solve == r(1, 2)
    assert after.counts.by_status[S.MERGED] == 1


def test_response_limit_is_exact_to_the_microsecond(session: Session) -> None:
    unit = _add(session, Unit(code="u", name="单位", kind=UnitKind.DEPARTMENT)).id
    dispatched = at(23, 9, 0, 59.999999)  # a fraction SQLite's own date functions would round away
    for n, contacted in enumerate(
        (dispatched + timedelta(hours=24), dispatched + timedelta(hours=24, microseconds=1))
    ):
        ticket = _ticket(session, f"R{n}", status=S.HANDLING, lead_unit_id=unit, created_at=dispatched)
        session.add(
            Assignment(ticket_id=ticket, unit_id=unit, dispatched_at=dispatched, contacted_at=contacted)
        )
    session.commit()

    m = period_metrics(session, start=P_START, end=P_END)

    assert m.rates.response == r(1, 2)
