"""Timing helpers for every layer: milliseconds since a ``time.perf_counter()`` reading, and
nearest-rank percentiles of latency samples (the p50/p95 every report and benchmark prints)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence


def ms_since(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()`` reading), to 0.01 ms."""
    return round((time.perf_counter() - started) * 1000.0, 2)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least a share ``q`` (0..1) of the values
    at or below it (0.0 for no values)."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"a percentile is a share between 0 and 1, not {q}")
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(q * len(ordered)) - 1)])


def percentiles(values: Sequence[float], qs: Sequence[float] = (0.5, 0.95), digits: int = 1) -> dict[str, float]:
    """``{"p50": ..., "p95": ...}`` (one key per share in ``qs``), rounded to ``digits``; 0.0 for no
    values."""
    ordered = sorted(values)
    return {f"p{q * 100:g}": round(percentile(ordered, q), digits) for q in qs}
