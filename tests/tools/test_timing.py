"""The one percentile and milliseconds helper of every report and benchmark."""

from __future__ import annotations

import time

import pytest

from tools.timing import ms_since, percentile, percentiles


def test_percentiles_nearest_rank() -> None:
    assert percentiles([float(v) for v in range(1, 101)]) == {"p50": 50.0, "p95": 95.0}
    assert percentiles([]) == {"p50": 0.0, "p95": 0.0}
    assert percentiles([3.0, 1.0, 2.0], qs=(0.0, 0.5, 1.0)) == {"p0": 1.0, "p50": 2.0, "p100": 3.0}
    assert percentiles([1.234, 9.876], qs=(0.999,), digits=2) == {"p99.9": 9.88}


def test_percentile_is_a_value_of_the_sample() -> None:
    samples = [10.0, 20.0, 30.0, 40.0]
    assert percentile(samples, 0.5) == 20.0  # nearest rank: no interpolation
    assert percentile(samples, 0.95) == 40.0
    assert percentile([7.0], 0.95) == 7.0
    with pytest.raises(ValueError):
        percentile(samples, 95)  # a share, not a percent


def test_ms_since_counts_milliseconds() -> None:
    started = time.perf_counter() - 0.25
    assert 250.0 <= ms_since(started) < 5000.0
