"""What the metrics service returns: frozen, typed figures that show as "x / y" and serialise as is."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hotline.config import Settings
from hotline.enums import Channel, Nature, SeatState, Stage, TicketStatus

BreakdownBy = Literal["unit", "district", "category", "channel", "day"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class MetricRules(_Frozen):
    """The numbers the metric definitions depend on; a view of Settings."""

    timezone: str = "Asia/Shanghai"
    short_abandon_s: int = Field(default=5, ge=0)
    service_level_s: int = Field(default=15, ge=1)
    response_limit_s: int = Field(
        default=24 * 3600, ge=1, description="响应率: contact within this of dispatch"
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> "MetricRules":
        return cls.model_validate(settings.model_dump(include=set(cls.model_fields)))


class Rate(_Frozen):
    """numerator / denominator; ``value`` is None when there is nothing to divide by."""

    numerator: int = Field(ge=0)
    denominator: int = Field(ge=0)
    value: float | None = Field(default=None, description="always derived from the two counts")

    @model_validator(mode="before")
    @classmethod
    def _derive_value(cls, data: Any) -> Any:
        if isinstance(data, dict):
            num, den = int(data.get("numerator", 0)), int(data.get("denominator", 0))
            if num > den:
                raise ValueError(f"a rate's numerator ({num}) exceeds its denominator ({den})")
            data = {**data, "value": num / den if den else None}
        return data


def rate(numerator: int | None, denominator: int | None) -> Rate:
    """A Rate from two counts, where SQL's NULL for "no rows" counts as 0."""
    return Rate(numerator=numerator or 0, denominator=denominator or 0)


class MetricFilter(_Frozen):
    """Narrows ticket metrics; call metrics ignore it (a call has no unit, district or category)."""

    unit_id: int | None = Field(default=None, description="the lead unit (主办)")
    district: str | None = None
    category_id: int | None = None
    channel: Channel | None = None


class CallMetrics(_Frozen):
    """Queue figures for calls that joined the queue in a period."""

    offered: int = Field(description="calls that reached the queue in the period")
    short_abandoned: int = Field(description="abandoned within short_abandon_s: left out of every rate")
    in_queue: int = Field(description="still waiting or ringing: not decided yet, left out of every rate")
    counted: int = Field(description="the denominator of every call rate")
    answered: int
    abandoned: int
    answer_rate: Rate
    service_level: Rate
    abandon_rate: Rate
    avg_speed_of_answer_s: float | None
    avg_handling_time_s: float | None


class TicketCounts(_Frozen):
    """Tickets created in a period; every enum value is present, with 0 where none."""

    created: int
    by_status: dict[TicketStatus, int]
    by_channel: dict[Channel, int]
    by_nature: dict[Nature, int]


class TicketRates(_Frozen):
    on_time: Rate
    callback: Rate
    satisfaction: Rate
    solve: Rate
    response: Rate


class PeriodMetrics(_Frozen):
    """Every figure of DESIGN.md's Metrics section for [start, end) and a filter."""

    start: datetime
    end: datetime
    filters: MetricFilter
    calls: CallMetrics
    rates: TicketRates
    counts: TicketCounts


class BreakdownRow(_Frozen):
    """One group of a breakdown; each figure counts by its own timestamp (see period_metrics)."""

    key: int | str | date | None
    label: str
    created: int
    rates: TicketRates


class CardCounts(_Frozen):
    red: int = 0
    yellow: int = 0


class LiveSnapshot(_Frozen):
    """The wallboard at ``at``."""

    at: datetime
    day: date = Field(description="the local day 'today' means")
    calls_waiting: int
    longest_wait_s: float = Field(description="0 when nobody is waiting")
    seats: dict[SeatState, int]
    calls_today: CallMetrics
    calls_24h: CallMetrics = Field(description="the rolling 24 h ending at ``at``")
    today: TicketRates
    cards: CardCounts
    cards_by_stage: dict[Stage, CardCounts]
    open_by_status: dict[TicketStatus, int]


class UnitScore(_Frozen):
    """A unit's place in the ranking; ``score`` weighs each rate by the evidence behind it."""

    rank: int
    unit_id: int
    code: str
    name: str
    volume: int = Field(description="tickets dispatched to the unit as lead in the period")
    on_time: Rate
    satisfaction: Rate
    solve: Rate = Field(description="解决率: shown beside the score, not weighed in it")
    response: Rate
    score: float


class RankingWeights(_Frozen):
    on_time: float = Field(default=0.4, ge=0)
    satisfaction: float = Field(default=0.4, ge=0)
    response: float = Field(default=0.2, ge=0)
    z: float = Field(default=1.96, gt=0, description="Wilson interval: 1.96 for 95 %")
