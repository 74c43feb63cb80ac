"""What-if staffing for the wallboard: Erlang C over the last hour's arrivals and handle time.

- arrivals: calls that joined the queue in the last hour (the window), short abandons included, as
  they took a place in the queue;
- handle time: the mean talk time of the calls answered in the window; with fewer than
  ``MIN_TALKS`` of them, of those answered in the last 24 h; with none, ``DEFAULT_AHT_S``;
- seats on the phones: ready, ringing, talking, or in wrap-up (paused and offline seats take no calls);
- needed: the fewest seats answering ``target_level`` within the service-level seconds;
- level now: the service level today's seats on the phones reach at that traffic.
"""

from datetime import datetime, timedelta
from typing import Final, Literal

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from hotline.calls.models import Call, Seat
from hotline.clock import ensure_utc
from hotline.enums import SeatState
from hotline.metrics.erlang import erlang_c, seats_needed, service_level
from hotline.metrics.models import MetricRules

WINDOW: Final = timedelta(hours=1)
MIN_TALKS: Final = 5  # fewer answered calls than this make a noisy mean: look back 24 h
DEFAULT_AHT_S: Final = 240.0  # 4 minutes, until the centre has answered calls of its own
TARGET_LEVEL: Final = 0.95  # DESIGN: answer within 15 s, ≥ 95 %
ON_THE_PHONES: Final = (SeatState.READY, SeatState.RINGING, SeatState.TALKING, SeatState.WRAP_UP)


class Staffing(BaseModel):
    arrivals: int
    calls_per_hour: float
    aht_s: float
    aht_from: Literal["last_hour", "last_24h", "default"]
    traffic_erlangs: float
    seats_on: int
    target_s: int
    target_level: float
    seats_needed: int | None  # None: beyond any real centre (a runaway input)
    level_now: float | None  # None: no calls in the window, so nothing to predict
    wait_chance_now: float | None


def _mean_talk(session: Session, since: datetime, until: datetime) -> tuple[float | None, int]:
    mean, count = session.exec(
        select(func.avg(Call.talk_s), func.count()).where(
            col(Call.answered_at) >= since, col(Call.answered_at) < until, col(Call.talk_s).is_not(None)
        )
    ).one()
    return (float(mean) if mean is not None else None), int(count)


def staffing_now(
    session: Session, *, now: datetime, rules: MetricRules, target_level: float = TARGET_LEVEL
) -> Staffing:
    now = ensure_utc(now)
    since = now - WINDOW
    arrivals = int(
        session.exec(
            select(func.count()).where(col(Call.joined_at) >= since, col(Call.joined_at) <= now)
        ).one()
    )
    mean, talks = _mean_talk(session, since, now)
    aht_from: Literal["last_hour", "last_24h", "default"] = "last_hour"
    if mean is None or talks < MIN_TALKS:
        day_mean, day_talks = _mean_talk(session, now - timedelta(hours=24), now)
        if day_mean is not None and day_talks >= max(talks, 1):
            mean, aht_from = day_mean, "last_24h"
    if mean is None or mean <= 0:
        mean, aht_from = DEFAULT_AHT_S, "default"
    seats_on = int(session.exec(select(func.count()).where(col(Seat.state).in_(ON_THE_PHONES))).one())
    rate_per_s = arrivals / WINDOW.total_seconds()
    traffic = rate_per_s * mean
    target_s = rules.service_level_s
    try:
        needed: int | None = seats_needed(traffic, aht_s=mean, target_s=target_s, level=target_level)
    except ValueError:
        needed = None
    return Staffing(
        arrivals=arrivals,
        calls_per_hour=round(rate_per_s * 3600, 1),
        aht_s=round(mean, 1),
        aht_from=aht_from,
        traffic_erlangs=round(traffic, 2),
        seats_on=seats_on,
        target_s=target_s,
        target_level=target_level,
        seats_needed=needed,
        level_now=service_level(traffic, seats_on, aht_s=mean, target_s=target_s) if arrivals else None,
        wait_chance_now=erlang_c(traffic, seats_on) if arrivals else None,
    )
