"""What-if staffing from the calls in the database: arrivals, handle time, seats on the phones."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from hotline.calls.models import Call, Seat
from hotline.enums import CallOutcome, SeatState
from hotline.metrics.erlang import seats_needed, service_level
from hotline.metrics.models import MetricRules
from hotline.metrics.staffing import DEFAULT_AHT_S, staffing_now

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shaoyang
RULES = MetricRules()


def _calls(session: Session, n: int, *, start: datetime, every_s: float, talk_s: float | None) -> None:
    for i in range(n):
        joined = start + timedelta(seconds=i * every_s)
        answered = joined + timedelta(seconds=5) if talk_s is not None else None
        session.add(
            Call(
                linkedid=f"s-{start.timestamp()}-{i}",
                joined_at=joined,
                outcome=CallOutcome.ANSWERED if talk_s is not None else CallOutcome.ABANDONED,
                wait_s=5.0,
                talk_s=talk_s,
                answered_at=answered,
                ended_at=joined + timedelta(seconds=5 + (talk_s or 0)),
            )
        )


def _seats(session: Session, states: list[SeatState]) -> None:
    for i, state in enumerate(states):
        session.add(Seat(code=f"9{i:03}", interface=f"PJSIP/9{i:03}", state=state))


def test_the_last_hour_sets_the_traffic_and_the_seats_on_the_phones_set_the_level(session: Session) -> None:
    # 120 calls in the last hour at 180 s each: 6 erlangs; an older burst is outside the window.
    _calls(session, 120, start=NOW - timedelta(minutes=59), every_s=29, talk_s=180.0)
    _calls(session, 50, start=NOW - timedelta(hours=3), every_s=10, talk_s=600.0)
    on = [SeatState.READY] * 3 + [SeatState.TALKING] * 4 + [SeatState.WRAP_UP]
    _seats(session, [*on, SeatState.PAUSED, SeatState.PAUSED, SeatState.OFFLINE])
    session.commit()
    s = staffing_now(session, now=NOW, rules=RULES)
    assert (s.arrivals, s.calls_per_hour, s.aht_s, s.aht_from) == (120, 120.0, 180.0, "last_hour")
    assert s.traffic_erlangs == 6.0 and s.seats_on == 8 and s.target_s == 15
    assert s.seats_needed == seats_needed(6.0, aht_s=180, target_s=15, level=0.95)
    assert s.level_now == service_level(6.0, 8, aht_s=180, target_s=15)
    assert (
        s.seats_needed is not None and s.seats_needed > 8 and s.level_now is not None and s.level_now < 0.95
    )


def test_few_answers_borrow_the_day_and_none_use_the_default(session: Session) -> None:
    _calls(session, 2, start=NOW - timedelta(minutes=30), every_s=60, talk_s=90.0)
    _calls(session, 20, start=NOW - timedelta(hours=5), every_s=60, talk_s=300.0)
    session.commit()
    borrowed = staffing_now(session, now=NOW, rules=RULES)
    assert borrowed.aht_from == "last_24h" and borrowed.aht_s == round((2 * 90 + 20 * 300) / 22, 1)
    later = NOW + timedelta(days=2)  # nothing answered within 24 h of this
    _calls(session, 3, start=later - timedelta(minutes=10), every_s=60, talk_s=None)
    session.commit()
    empty = staffing_now(session, now=later, rules=RULES)
    assert empty.aht_from == "default" and empty.aht_s == DEFAULT_AHT_S and empty.arrivals == 3
    assert empty.seats_on == 0 and empty.level_now == 0.0 and empty.wait_chance_now == 1.0


def test_a_quiet_hour_needs_no_seat_and_predicts_nothing(session: Session) -> None:
    _seats(session, [SeatState.READY, SeatState.READY])
    session.commit()
    s = staffing_now(session, now=NOW, rules=RULES)
    assert s.arrivals == 0 and s.seats_needed == 0 and s.level_now is None and s.wait_chance_now is None
