"""Percentiles, one definition for every bench."""

from __future__ import annotations


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n·p/100)
    return ordered[int(rank) - 1]


def rounded(values: list[float], p: float, digits: int = 1) -> float | None:
    """:func:`percentile`, rounded for a results file."""
    value = percentile(values, p)
    return None if value is None else round(value, digits)
