"""Erlang C: how many seats a queue needs, and the service level a number of seats gives.

Calls arrive at random (Poisson) at ``rate`` per second, each holds a seat ``aht_s`` seconds on
average; the offered traffic is ``A = rate × aht_s`` erlangs. With ``n`` seats (``n > A``), the
chance a caller waits at all is Erlang C, and the chance they wait longer than ``t`` seconds is
``C · exp(-(n - A) · t / aht_s)``. Erlang B is computed by its recursion, which stays exact where
factorials and powers overflow (a 12345 centre offers 100+ erlangs at peak).
"""

import math


def erlang_b(traffic: float, seats: int) -> float:
    """The blocking probability of ``seats`` servers offered ``traffic`` erlangs."""
    if traffic < 0 or seats < 0:
        raise ValueError("traffic and seats must not be negative")
    b = 1.0
    for n in range(1, seats + 1):
        b = traffic * b / (n + traffic * b)
    return b


def erlang_c(traffic: float, seats: int) -> float:
    """The probability a caller has to wait; 1 when the seats cannot keep up (``seats <= traffic``)."""
    if seats <= traffic:
        return 1.0
    b = erlang_b(traffic, seats)
    return seats * b / (seats - traffic * (1 - b))


def service_level(traffic: float, seats: int, *, aht_s: float, target_s: float) -> float:
    """The share of callers answered within ``target_s``: 0 when the queue only grows."""
    if traffic <= 0:
        return 1.0
    if seats <= traffic:
        return 0.0
    waiting = erlang_c(traffic, seats) * math.exp(-(seats - traffic) * target_s / aht_s)
    return max(0.0, 1.0 - waiting)


def seats_needed(traffic: float, *, aht_s: float, target_s: float, level: float, limit: int = 2000) -> int:
    """The fewest seats that answer ``level`` of callers within ``target_s``.

    Raises ValueError past ``limit`` (a wrong input, not a real centre).
    """
    if traffic <= 0:
        return 0
    seats = max(1, math.floor(traffic) + 1)
    while service_level(traffic, seats, aht_s=aht_s, target_s=target_s) < level:
        seats += 1
        if seats > limit:
            raise ValueError(f"more than {limit} seats for {traffic:.1f} erlangs")
    return seats
