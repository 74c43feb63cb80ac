"""Erlang C against values worked by hand and the textbook formula with factorials."""

import math

import pytest

from hotline.metrics.erlang import erlang_c, seats_needed, service_level


def factorial_erlang_c(a: float, n: int) -> float:
    """The textbook form: (Aⁿ/n! · n/(n−A)) / (Σₖ₌₀ⁿ⁻¹ Aᵏ/k! + Aⁿ/n! · n/(n−A))."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def test_small_cases_worked_by_hand() -> None:
    assert erlang_c(2.0, 3) == pytest.approx(4 / 9)  # (4/3·3) / (1 + 2 + 2 + 4)
    assert erlang_c(1.0, 2) == pytest.approx(1 / 3)


@pytest.mark.parametrize(("a", "n"), [(0.5, 1), (5.0, 7), (10.0, 12), (23.7, 30), (60.0, 70)])
def test_the_recursion_matches_the_factorial_form(a: float, n: int) -> None:
    assert erlang_c(a, n) == pytest.approx(factorial_erlang_c(a, n), rel=1e-9)


def test_a_busy_centre_does_not_overflow() -> None:
    # 1,800 calls an hour at 4 minutes each: 120 erlangs; factorials of 130 overflow floats.
    needed = seats_needed(120.0, aht_s=240, target_s=15, level=0.95)
    assert 125 < needed < 145
    assert service_level(120.0, needed, aht_s=240, target_s=15) >= 0.95
    assert service_level(120.0, needed - 1, aht_s=240, target_s=15) < 0.95


def test_too_few_seats_give_zero_and_no_traffic_needs_none() -> None:
    assert erlang_c(5.0, 5) == 1.0 and service_level(5.0, 4, aht_s=180, target_s=15) == 0.0
    assert seats_needed(0.0, aht_s=180, target_s=15, level=0.95) == 0
    assert service_level(0.0, 0, aht_s=180, target_s=15) == 1.0


def test_more_seats_never_lower_the_level() -> None:
    levels = [service_level(8.0, n, aht_s=200, target_s=15) for n in range(9, 20)]
    assert levels == sorted(levels) and levels[-1] > 0.99
