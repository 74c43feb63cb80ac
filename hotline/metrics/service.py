"""Every figure of DESIGN.md's Metrics section, for the wallboard, the reports and the tests alike.

One definition per figure, computed by aggregate SQL (count, CASE, GROUP BY): no rows are loaded
into Python; a month of a million-ticket database is a handful of index range scans. A period is
[start, end) in aware UTC times; each figure says which timestamp places a record in the period.
Call figures ignore ticket filters. No function reads the clock: ``now`` is always passed in.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, get_args
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, not_, or_
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select

from hotline.calls.models import Call, Seat
from hotline.categories.models import Category
from hotline.clock import ensure_utc
from hotline.enums import (
    OPEN_STATUSES,
    AssignmentRole,
    CallOutcome,
    Channel,
    Nature,
    Satisfaction,
    SeatState,
    Stage,
    TicketStatus,
)
from hotline.errors import InvalidInput
from hotline.metrics.models import (
    BreakdownBy,
    BreakdownRow,
    CallMetrics,
    CardCounts,
    LiveSnapshot,
    MetricFilter,
    MetricRules,
    PeriodMetrics,
    RankingWeights,
    Rate,
    TicketCounts,
    TicketRates,
    UnitScore,
    rate,
)
from hotline.metrics.sql import Expr, day_bucket, local_days, plus_seconds
from hotline.names import CHANNEL, local_time
from hotline.tickets.models import Assignment, CallbackRecord, Supervision, Ticket
from hotline.units.models import Unit

DEFAULT_METRIC_RULES = MetricRules()
DEFAULT_WEIGHTS = RankingWeights()
NO_FILTER = MetricFilter()
MAX_DAYS = 400  # a per-day breakdown over more days is a CASE too long to be sensible

_IN_QUEUE = (CallOutcome.WAITING, CallOutcome.RINGING)
_CONTENT = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
_NONE = Rate(numerator=0, denominator=0)
_Counts = dict[Any, tuple[int, ...]]
_Query = Select[*tuple[Any, ...]]


# --- calls ---------------------------------------------------------------------------------------


def call_metrics(
    session: Session, *, start: datetime, end: datetime, rules: MetricRules = DEFAULT_METRIC_RULES
) -> CallMetrics:
    """Queue figures for the calls whose ``joined_at`` lies in [start, end).

    The denominator of every rate ("calls that reached the queue") leaves out short abandons
    (outcome SHORT_ABANDON, or ABANDONED with ``wait_s`` < ``short_abandon_s``) and calls still
    waiting or ringing, whose fate is not known yet; a finished period has none of those.
    - 接通率 answer rate = calls answered by an operator (``answered_at`` set) / denominator;
    - 15 秒接通率 service level = answered with ``wait_s`` <= ``service_level_s`` / denominator;
    - abandon rate = ABANDONED calls that are not short / denominator;
    - average speed of answer = mean ``wait_s`` of answered calls;
    - average handling time = mean ``talk_s`` of answered calls (a call still talking has none yet).
    """
    start, end = _period(start, end)
    outcome, wait = col(Call.outcome), col(Call.wait_s)
    short = or_(
        outcome == CallOutcome.SHORT_ABANDON,
        and_(
            outcome == CallOutcome.ABANDONED,
            func.coalesce(wait, rules.short_abandon_s) < rules.short_abandon_s,
        ),
    )
    in_queue = and_(outcome.in_(_IN_QUEUE), col(Call.answered_at).is_(None), col(Call.ended_at).is_(None))
    counted = and_(not_(short), not_(in_queue))
    answered = and_(counted, col(Call.answered_at).is_not(None))
    query = _select(
        func.count(),
        _count(short),
        _count(in_queue),
        _count(counted),
        _count(answered),
        _count(and_(answered, wait <= rules.service_level_s)),
        _count(and_(counted, outcome == CallOutcome.ABANDONED)),
        func.avg(case((answered, wait))),
        func.avg(case((answered, col(Call.talk_s)))),
    ).where(col(Call.joined_at) >= start, col(Call.joined_at) < end)
    row = session.exec(query).one()
    offered, n_short, n_queue, n_counted, n_answered, n_in_level, n_abandoned = (int(v) for v in row[:7])
    return CallMetrics(
        offered=offered,
        short_abandoned=n_short,
        in_queue=n_queue,
        counted=n_counted,
        answered=n_answered,
        abandoned=n_abandoned,
        answer_rate=rate(n_answered, n_counted),
        service_level=rate(n_in_level, n_counted),
        abandon_rate=rate(n_abandoned, n_counted),
        avg_speed_of_answer_s=_float(row[7]),
        avg_handling_time_s=_float(row[8]),
    )


def rolling_call_metrics(
    session: Session, *, now: datetime, rules: MetricRules = DEFAULT_METRIC_RULES
) -> CallMetrics:
    """call_metrics over the 24 h ending at ``now`` (the standard asks 接通率 ≥ 95 % over any 24 h)."""
    now = _utc(now)
    return call_metrics(session, start=now - timedelta(hours=24), end=now, rules=rules)


# --- tickets -------------------------------------------------------------------------------------


def period_metrics(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    filters: MetricFilter = NO_FILTER,
    rules: MetricRules = DEFAULT_METRIC_RULES,
) -> PeriodMetrics:
    """Every figure for [start, end) and a filter (on the lead unit, district, category, channel).

    Each ticket figure places a record in the period by its own timestamp:
    - 按时办结率 on-time = CLOSED tickets with ``closed_at`` in the period that finished within
      their (extended) deadline / those tickets. Finished = ``replied_at``, else ``closed_at``;
      within = finished <= ``handle_due_at``; no handle deadline (closed on the spot) is on time.
      Merged tickets are not closed and do not count.
    - 回访率 callback = tickets with ``callback_due_at`` in the period (merged followers of a closed
      master included) whose callback is done (``callback_done_at`` set: the caller was reached,
      or the last try failed) / those tickets.
    - 满意率 satisfaction = rated callbacks (CallbackRecord reached, satisfaction given, ``at`` in
      the period) that are satisfied or basically satisfied / rated callbacks. A rating given at
      the end of a call answered on the spot is not a callback and does not count.
    - 解决率 solve = rated callbacks with solved = true / rated callbacks that recorded solved.
    - 响应率 response = lead assignments with ``dispatched_at`` in the period whose unit recorded a
      contact within ``response_limit_s`` (24 h, boundary included) / those assignments; the unit
      filter means the assignment's unit, which may since have returned the ticket.
    - counts = tickets with ``created_at`` in the period, by current status, channel and nature.
    Call figures (see call_metrics) ignore the filter.
    """
    start, end = _period(start, end)
    rates = _ticket_rates(session, start=start, end=end, filters=filters, group=_Group(None), rules=rules)
    return PeriodMetrics(
        start=start,
        end=end,
        filters=filters,
        calls=call_metrics(session, start=start, end=end, rules=rules),
        rates=rates.get(None, _NO_RATES),
        counts=_ticket_counts(session, start=start, end=end, filters=filters),
    )


def breakdown(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    by: BreakdownBy,
    filters: MetricFilter = NO_FILTER,
    rules: MetricRules = DEFAULT_METRIC_RULES,
) -> list[BreakdownRow]:
    """The ticket figures of period_metrics per lead unit, district, category, channel or local day.

    A record falls in the group of its ticket (for 响应率 by unit: the assignment's unit), and for
    ``day`` in the local day (``rules.timezone``) of the timestamp that places it in the period.
    Days come in order, every day of the period present; other groups come busiest first, and
    only groups with something to show.
    """
    start, end = _period(start, end)
    if by not in get_args(BreakdownBy):
        raise InvalidInput(f"不能按「{by}」分组统计")
    days = local_days(start, end, ZoneInfo(rules.timezone)) if by == "day" else []
    if len(days) > MAX_DAYS:
        raise InvalidInput(f"按日统计最多 {MAX_DAYS} 天")
    group = _Group(by, tuple(begin for _, begin in days))
    rates = _ticket_rates(session, start=start, end=end, filters=filters, group=group, rules=rules)
    created = _fetch(
        session,
        group.ticket(col(Ticket.created_at)),
        [func.count()],
        lambda q: q.where(*_created_in(start, end), *_ticket_where(filters)),
    )
    if by == "day":
        # A period within one local day is not grouped at all: its one row has the key None.
        keys = range(len(days)) if len(days) > 1 else [None]
        return [
            BreakdownRow(
                key=day,
                label=day.isoformat(),
                created=created.get(key, (0,))[0],
                rates=rates.get(key, _NO_RATES),
            )
            for key, (day, _) in zip(keys, days, strict=True)
        ]
    labels = _labels(session, by, set(rates) | set(created))
    rows = [
        BreakdownRow(
            key=key,
            label=labels.get(key, "" if key is None else str(key)),
            created=created.get(key, (0,))[0],
            rates=rates.get(key, _NO_RATES),
        )
        for key in set(rates) | set(created)
    ]
    return sorted(rows, key=lambda row: (-row.created, row.label, str(row.key)))


def unit_ranking(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    filters: MetricFilter = NO_FILTER,
    weights: RankingWeights = DEFAULT_WEIGHTS,
    rules: MetricRules = DEFAULT_METRIC_RULES,
) -> list[UnitScore]:
    """Units ranked by a score that accounts for volume, best first.

    Each of a unit's 按时办结率, 满意率 and 响应率 (defined as in period_metrics) enters the score as
    the lower bound of its Wilson interval (95 % by default): 2 / 2 is weak evidence (0.34),
    390 / 400 strong (0.95), and a rate with nothing behind it counts 0. The score is the weighted
    sum (0.4 on-time + 0.4 satisfaction + 0.2 response by default); ties go to the larger volume
    (tickets dispatched to the unit as lead in the period). Units with no activity are left out.
    Each unit's 解决率 comes along for display; it does not enter the score.
    """
    start, end = _period(start, end)
    per_unit = _ticket_rates(
        session,
        start=start,
        end=end,
        filters=filters,
        group=_Group("unit"),
        rules=rules,
        only=("on_time", "rated", "response"),
    )
    ids = [key for key in per_unit if key is not None]
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(ids)))} if ids else {}
    scored: list[tuple[float, int, Unit, TicketRates]] = []
    for unit_id in ids:
        rates = per_unit[unit_id]
        score = (
            weights.on_time * wilson_lower_bound(rates.on_time, z=weights.z)
            + weights.satisfaction * wilson_lower_bound(rates.satisfaction, z=weights.z)
            + weights.response * wilson_lower_bound(rates.response, z=weights.z)
        )
        scored.append((score, rates.response.denominator, units[unit_id], rates))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].id or 0))
    return [
        UnitScore(
            rank=place,
            unit_id=unit.id or 0,
            code=unit.code,
            name=unit.name,
            volume=volume,
            on_time=rates.on_time,
            satisfaction=rates.satisfaction,
            solve=rates.solve,
            response=rates.response,
            score=score,
        )
        for place, (score, volume, unit, rates) in enumerate(scored, start=1)
    ]


def wilson_lower_bound(share: Rate, *, z: float = 1.96) -> float:
    """Lower end of the Wilson score interval of a rate; 0 with nothing behind it."""
    n = share.denominator
    if n == 0:
        return 0.0
    p = share.numerator / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n)


# --- the live wallboard --------------------------------------------------------------------------


def live_snapshot(
    session: Session, *, now: datetime, rules: MetricRules = DEFAULT_METRIC_RULES
) -> LiveSnapshot:
    """The wallboard at ``now``.

    - calls waiting = calls WAITING or RINGING with no ``ended_at``; longest wait = ``now`` minus
      the earliest ``joined_at`` among them (0 when the queue is empty);
    - seats = seats per state, every state present;
    - today = the whole local day (``rules.timezone``) that holds ``now``: its call figures and
      ticket rates, exactly period_metrics for that day; plus call figures over the rolling 24 h;
    - cards = open work yellow or red right now, one per stage as hotline.sla.service.due_now
      lists it (sign, handle, callback; an overdue 督办 flag is red), counted in SQL;
    - open tickets per open status.
    """
    now = _utc(now)
    tz = ZoneInfo(rules.timezone)
    today = now.astimezone(tz).date()
    day_start = datetime.combine(today, time(), tzinfo=tz).astimezone(UTC)
    day_end = datetime.combine(today + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
    waiting, oldest = session.exec(
        _select(func.count(), func.min(Call.joined_at)).where(
            col(Call.outcome).in_(_IN_QUEUE), col(Call.ended_at).is_(None)
        )
    ).one()
    seats = dict.fromkeys(SeatState, 0)
    for state, count in session.exec(_select(Seat.state, func.count()).group_by(col(Seat.state))):
        seats[state] = int(count)
    open_by_status = dict.fromkeys(sorted(OPEN_STATUSES, key=list(TicketStatus).index), 0)
    open_rows = session.exec(
        _select(Ticket.status, func.count())
        .where(col(Ticket.status).in_(OPEN_STATUSES))
        .group_by(col(Ticket.status))
    )
    for status, count in open_rows:
        open_by_status[status] = int(count)
    by_stage = _cards(session, now=now)
    rates = _ticket_rates(
        session, start=day_start, end=day_end, filters=NO_FILTER, group=_Group(None), rules=rules
    )
    return LiveSnapshot(
        at=now,
        day=today,
        calls_waiting=int(waiting),
        longest_wait_s=max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0,
        seats=seats,
        calls_today=call_metrics(session, start=day_start, end=day_end, rules=rules),
        calls_24h=rolling_call_metrics(session, now=now, rules=rules),
        today=rates.get(None, _NO_RATES),
        cards=CardCounts(
            red=sum(c.red for c in by_stage.values()), yellow=sum(c.yellow for c in by_stage.values())
        ),
        cards_by_stage=by_stage,
        open_by_status=open_by_status,
    )


def _cards(session: Session, *, now: datetime) -> dict[Stage, CardCounts]:
    """Yellow and red cards per stage, by the same rules as due_now: yellow from the stored
    yellow instant, red once ``now`` is past the deadline."""
    status = col(Ticket.status)
    stages = (
        (Stage.SIGN, [TicketStatus.DISPATCHED], Ticket.sign_yellow_at, Ticket.sign_due_at),
        (
            Stage.HANDLE,
            [TicketStatus.DISPATCHED, TicketStatus.HANDLING],
            Ticket.handle_yellow_at,
            Ticket.handle_due_at,
        ),
        (Stage.CALLBACK, [TicketStatus.REPLIED], Ticket.callback_due_at, Ticket.callback_due_at),
    )
    measures: list[ColumnElement[int]] = []
    for _, statuses, yellow_at, due_at in stages:
        carded = and_(status.in_(statuses), col(yellow_at) <= now)
        measures.append(_count(and_(carded, col(due_at) < now)))
        measures.append(_count(and_(carded, or_(col(due_at).is_(None), col(due_at) >= now))))
    watched = {s for _, statuses, _, _ in stages for s in statuses}
    row = session.exec(_select(*measures).where(status.in_(watched))).one()
    overdue_flags = session.exec(
        select(func.count())
        .select_from(Supervision)
        .join(Ticket, col(Ticket.id) == Supervision.ticket_id)
        .where(
            col(Supervision.resolved_at).is_(None),
            col(Supervision.due_at) <= now,
            col(Ticket.status).in_(OPEN_STATUSES),
        )
    ).one()
    counts = [int(v) for v in row]
    cards = {
        stage[0]: CardCounts(red=counts[2 * i], yellow=counts[2 * i + 1]) for i, stage in enumerate(stages)
    }
    cards[Stage.SUPERVISION] = CardCounts(red=int(overdue_flags), yellow=0)
    return cards


# --- internals -----------------------------------------------------------------------------------


_NO_RATES = TicketRates(on_time=_NONE, callback=_NONE, satisfaction=_NONE, solve=_NONE, response=_NONE)
_TICKET_BY = {
    "unit": Ticket.lead_unit_id,
    "district": Ticket.district,
    "category": Ticket.category_id,
    "channel": Ticket.channel,
}


@dataclass(frozen=True, slots=True)
class _Group:
    """What a query groups by: nothing (one row, key None), a ticket column, or a local day index."""

    by: BreakdownBy | None
    day_starts: tuple[datetime, ...] = ()

    def ticket(self, timestamp: Expr) -> Expr | None:
        if self.by is None:
            return None
        if self.by == "day":
            return day_bucket(timestamp, self.day_starts) if len(self.day_starts) > 1 else None
        return col(_TICKET_BY[self.by])

    def assignment(self) -> Expr | None:
        return col(Assignment.unit_id) if self.by == "unit" else self.ticket(col(Assignment.dispatched_at))

    def needs_ticket(self, *, assignment: bool = False) -> bool:
        """Whether the key is a ticket column (an assignment carries its own unit)."""
        return self.by in _TICKET_BY and not (assignment and self.by == "unit")


def _ticket_rates(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    filters: MetricFilter,
    group: _Group,
    rules: MetricRules,
    only: Sequence[str] = ("on_time", "callback", "rated", "response"),
) -> dict[Any, TicketRates]:
    """The five ticket rates per group key; see period_metrics for the definitions."""
    where = _ticket_where(filters)
    on_time: _Counts = {}
    callback: _Counts = {}
    rated: _Counts = {}
    response: _Counts = {}
    if "on_time" in only:
        finished = func.coalesce(col(Ticket.replied_at), col(Ticket.closed_at))
        in_time = or_(col(Ticket.handle_due_at).is_(None), finished <= col(Ticket.handle_due_at))
        closed_at = col(Ticket.closed_at)
        on_time = _fetch(
            session,
            group.ticket(closed_at),
            [_count(in_time), func.count()],
            lambda q: q.where(
                col(Ticket.status) == TicketStatus.CLOSED, closed_at >= start, closed_at < end, *where
            ),
        )
    if "callback" in only:
        due_at = col(Ticket.callback_due_at)
        callback = _fetch(
            session,
            group.ticket(due_at),
            [_count(col(Ticket.callback_done_at).is_not(None)), func.count()],
            lambda q: q.where(due_at >= start, due_at < end, *where),
        )
    if "rated" in only:
        at, solved = col(CallbackRecord.at), col(CallbackRecord.solved)
        join = bool(where) or group.needs_ticket()
        rated = _fetch(
            session,
            group.ticket(at),
            [
                _count(col(CallbackRecord.satisfaction).in_(_CONTENT)),
                func.count(),
                _count(solved.is_(True)),
                _count(solved.is_not(None)),
            ],
            lambda q: _join_ticket(q.select_from(CallbackRecord), CallbackRecord.ticket_id, join).where(
                col(CallbackRecord.reached).is_(True),
                col(CallbackRecord.satisfaction).is_not(None),
                at >= start,
                at < end,
                *where,
            ),
        )
    if "response" in only:
        dispatched, contacted = col(Assignment.dispatched_at), col(Assignment.contacted_at)
        ticket_where = _ticket_where(filters.model_copy(update={"unit_id": None}))
        unit_where = [col(Assignment.unit_id) == filters.unit_id] if filters.unit_id is not None else []
        join = bool(ticket_where) or group.needs_ticket(assignment=True)
        in_time = and_(contacted.is_not(None), contacted <= plus_seconds(dispatched, rules.response_limit_s))
        response = _fetch(
            session,
            group.assignment(),
            [_count(in_time), func.count()],
            lambda q: _join_ticket(q.select_from(Assignment), Assignment.ticket_id, join).where(
                col(Assignment.role) == AssignmentRole.LEAD,
                dispatched >= start,
                dispatched < end,
                *unit_where,
                *ticket_where,
            ),
        )
    keys = set(on_time) | set(callback) | set(rated) | set(response)
    return {
        key: TicketRates(
            on_time=rate(*on_time.get(key, (0, 0))),
            callback=rate(*callback.get(key, (0, 0))),
            satisfaction=rate(*rated.get(key, (0, 0, 0, 0))[:2]),
            solve=rate(*rated.get(key, (0, 0, 0, 0))[2:]),
            response=rate(*response.get(key, (0, 0))),
        )
        for key in keys
    }


def _ticket_counts(
    session: Session, *, start: datetime, end: datetime, filters: MetricFilter
) -> TicketCounts:
    by_status = dict.fromkeys(TicketStatus, 0)
    by_channel = dict.fromkeys(Channel, 0)
    by_nature = dict.fromkeys(Nature, 0)
    query = (
        _select(Ticket.status, Ticket.channel, Ticket.nature, func.count())
        .where(*_created_in(start, end), *_ticket_where(filters))
        .group_by(col(Ticket.status), col(Ticket.channel), col(Ticket.nature))
    )
    for status, channel, nature, count in session.exec(query):
        by_status[status] += count
        by_channel[channel] += count
        by_nature[nature] += count
    return TicketCounts(
        created=sum(by_status.values()), by_status=by_status, by_channel=by_channel, by_nature=by_nature
    )


def _fetch(
    session: Session,
    key: Expr | None,
    measures: Sequence[Expr],
    build: Callable[[_Query], _Query],
) -> _Counts:
    """Run one aggregate query, grouped by ``key`` when there is one; counts per key."""
    columns = list(measures) if key is None else [key.label("k"), *measures]
    query = build(_select(*columns))
    if key is not None:
        query = query.group_by(key)
    found: _Counts = {}
    for row in session.exec(query):
        values = tuple(row)
        if key is None:
            found[None] = tuple(int(v or 0) for v in values)
        else:
            found[values[0]] = tuple(int(v or 0) for v in values[1:])
    return found


def _join_ticket(query: _Query, ticket_id: Any, join: bool) -> _Query:
    return query.join(Ticket, col(Ticket.id) == ticket_id) if join else query


def _ticket_where(filters: MetricFilter) -> list[Expr]:
    where: list[Expr] = []
    if filters.unit_id is not None:
        where.append(col(Ticket.lead_unit_id) == filters.unit_id)
    if filters.district is not None:
        where.append(col(Ticket.district) == filters.district)
    if filters.category_id is not None:
        where.append(col(Ticket.category_id) == filters.category_id)
    if filters.channel is not None:
        where.append(col(Ticket.channel) == filters.channel)
    return where


def _created_in(start: datetime, end: datetime) -> list[Expr]:
    return [col(Ticket.created_at) >= start, col(Ticket.created_at) < end]


def _labels(session: Session, by: BreakdownBy, keys: set[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if by == "unit" and ids:
        return {u.id: u.name for u in session.exec(select(Unit).where(col(Unit.id).in_(ids)))}
    if by == "category" and ids:
        return {c.id: c.name for c in session.exec(select(Category).where(col(Category.id).in_(ids)))}
    if by == "channel":  # the Chinese name (电话, 市长信箱…); the key stays the code
        return {k: CHANNEL.get(k, str(k)) for k in ids}
    return {}


def _count(condition: Expr) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


def _select(*columns: Any) -> _Query:
    """sqlmodel's select() is typed for at most four columns; an aggregate row has more."""
    return Select(*columns)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _utc(value: datetime) -> datetime:
    try:
        return ensure_utc(value)
    except ValueError as err:
        raise InvalidInput(str(err)) from err


def _period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise InvalidInput(f"统计时段的结束时间须晚于开始时间（{local_time(start)} → {local_time(end)}）")
    return start, end


__all__ = [
    "DEFAULT_METRIC_RULES",
    "DEFAULT_WEIGHTS",
    "NO_FILTER",
    "BreakdownBy",
    "BreakdownRow",
    "CallMetrics",
    "CardCounts",
    "LiveSnapshot",
    "MetricFilter",
    "MetricRules",
    "PeriodMetrics",
    "RankingWeights",
    "Rate",
    "TicketCounts",
    "TicketRates",
    "UnitScore",
    "breakdown",
    "call_metrics",
    "live_snapshot",
    "period_metrics",
    "rolling_call_metrics",
    "unit_ranking",
    "wilson_lower_bound",
]


def calls_per_hour(session: Session, *, day_start: datetime) -> list[int]:
    """Calls that joined the queue in each of the 24 hours from ``day_start`` (the wallboard's curve)."""
    start = _utc(day_start)
    end = start + timedelta(hours=24)
    counts = [0] * 24
    for joined in session.exec(
        select(Call.joined_at).where(col(Call.joined_at) >= start, col(Call.joined_at) < end)
    ):
        if joined is not None:
            counts[min(23, int((joined - start).total_seconds() // 3600))] += 1
    return counts


def ticket_topics_since(
    session: Session, *, since: datetime, limit: int = 20000
) -> list[tuple[str, str, datetime]]:
    """(district, category name, created_at) of tickets created since ``since``: the hot-spot input."""
    rows = session.exec(
        select(Ticket.district, Category.name, Ticket.created_at)
        .join(Category, col(Category.id) == Ticket.category_id, isouter=True)
        .where(col(Ticket.created_at) >= _utc(since))
        .order_by(col(Ticket.created_at).desc())
        .limit(limit)
    )
    return [(district or "", name or "未分类", created) for district, name, created in rows]
