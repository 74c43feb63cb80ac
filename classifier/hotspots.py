"""Hot spots: place × topic groups whose recent count jumps above their own baseline.

For the wallboard and early warning.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HotSpotTicket:
    """A ticket as hot-spot detection sees it: where, what, when."""

    district: str
    topic: str  # a category code, or any grouping the caller chooses
    created_at_epoch: float


@dataclass(frozen=True, slots=True)
class HotSpot:
    """A group whose count in the latest window stands out from its earlier windows."""

    district: str
    topic: str
    count: int
    baseline: float  # mean count per window over the baseline windows
    score: float  # how far above the baseline, in Poisson standard deviations


def find_hot_spots(
    tickets: Iterable[HotSpotTicket],
    *,
    now: float,
    window_hours: float = 24.0,
    baseline_windows: int = 14,
    min_count: int = 3,
    threshold: float = 3.0,
) -> list[HotSpot]:
    """Groups whose count in the last window exceeds their baseline by ``threshold`` deviations, worst first.

    The baseline is the group's mean over the ``baseline_windows`` windows before; its spread is
    taken as Poisson (sqrt of the mean, at least 1) so a group never seen before needs
    ``min_count`` tickets, not one, to be called a hot spot.
    """
    window = window_hours * 3600.0
    start = now - window * (baseline_windows + 1)
    current: Counter[tuple[str, str]] = Counter()
    history: defaultdict[tuple[str, str], int] = defaultdict(int)
    for ticket in tickets:
        t = ticket.created_at_epoch
        if t > now or t < start:
            continue
        key = (ticket.district or "", ticket.topic or "")
        if t >= now - window:
            current[key] += 1
        else:
            history[key] += 1
    spots: list[HotSpot] = []
    for (district, topic), count in current.items():
        if count < min_count:
            continue
        baseline = history[(district, topic)] / baseline_windows
        score = (count - baseline) / max(1.0, math.sqrt(baseline))
        if score >= threshold:
            spots.append(HotSpot(district, topic, count, round(baseline, 3), round(score, 3)))
    spots.sort(key=lambda s: (-s.score, -s.count, s.district, s.topic))
    return spots
