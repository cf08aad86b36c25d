"""Adapts the trained ``retrieval.cf`` models to the dense view the scorers read (``CFView``)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from retrieval.cf.models import CFModels

ROW_CACHE_BYTES = 320_000_000  # the bundled catalogue keeps 4096 rows; 1M items keep about 43


class CFModelView:
    """Dense arrays over inner item indices, plus the KNN neighbour lists as similarity rows."""

    def __init__(self, models: CFModels) -> None:
        self.models = models
        self.global_mean = float(models.svd.global_mean)
        self.item_ids: NDArray[np.int64] = np.asarray(models.items.ids, dtype=np.int64)
        self.item_factors: NDArray[np.float64] = np.asarray(models.svd.qi, dtype=np.float64)
        self.item_bias: NDArray[np.float64] = np.asarray(models.svd.bi, dtype=np.float64)
        self.rating_count: NDArray[np.float64] = models.stats.count.astype(np.float64)
        self.rating_mean: NDArray[np.float64] = np.nan_to_num(models.stats.mean, nan=self.global_mean)
        self._rows: dict[int, NDArray[np.float64]] = {}
        # dense similarity rows kept (each one float per item): 4096, or fewer for a big catalogue
        self.row_cache_rows = int(min(4096, max(16, ROW_CACHE_BYTES // max(1, 8 * len(self.item_ids)))))

    def inner(self, item_id: int) -> int | None:
        return self.models.items.inner(item_id)

    def similar_items(self, inner: int, k: int) -> list[tuple[int, float]]:
        return self.models.knn.top(inner, k)

    def similarity_row(self, inner: int) -> NDArray[np.float64]:
        row = self._rows.get(inner)
        if row is None:
            row = np.zeros(len(self.item_ids), dtype=np.float64)
            neighbours = self.models.knn.neighbours[inner]
            valid = neighbours >= 0
            row[neighbours[valid]] = self.models.knn.similarity[inner][valid]
            if len(self._rows) > self.row_cache_rows:
                self._rows.clear()
            self._rows[inner] = row
        return row
