"""The timing helpers (``tools.timing``), re-exported for the layers that import only ``bot``
(the evaluation harness)."""

from __future__ import annotations

from tools.timing import ms_since, percentile, percentiles

__all__ = ["ms_since", "percentile", "percentiles"]
