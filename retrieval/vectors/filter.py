"""A query's metadata filter resolved in memory: the ids of the documents that pass the clauses of
``build_where``, for ``VectorStore.query`` to search among (Chroma's ``ids``) instead of a ``where``.

Chroma evaluates a ``where`` in its metadata store: 25-40 ms over 10,000 documents whatever the
filter, against 4 ms for the same nearest-neighbour search restricted to the passing ``ids`` (the
same neighbours and distances: tests compare both). The metadata (year, genre keys, item id; see
``retrieval.vectors.documents``) is read once per store, on the first filtered query; a collection
over ``MAX_DOCUMENTS`` documents, or whose records do not have that shape, keeps the ``where``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

from retrieval.vectors.documents import genre_key

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

MAX_DOCUMENTS = 100_000  # beyond it every worker would hold (and send) too many ids: Chroma filters


class MetadataTable:
    """Each document's id, year (0 = unknown), genre keys and item id."""

    def __init__(self, ids: Sequence[str], metadatas: Sequence[Mapping[str, Any]]) -> None:
        self.ids = np.asarray(ids, dtype=object)
        self.years = np.asarray([m["year"] for m in metadatas], dtype=np.int64)
        self.item_ids = np.asarray([m["item_id"] for m in metadatas], dtype=np.int64)
        self.genres = [frozenset(m.get("genres") or ()) for m in metadatas]
        self._with_genre: dict[str, NDArray[np.bool_]] = {}

    @staticmethod
    def regular(metadata: Mapping[str, Any] | None) -> bool:
        """Whether a record has the shape the filter reads (else Chroma's ``where`` decides)."""
        if metadata is None:
            return False
        year, item_id, genres = metadata.get("year"), metadata.get("item_id"), metadata.get("genres", [])
        return (
            type(year) is int
            and type(item_id) is int
            and isinstance(genres, list)
            and all(isinstance(g, str) for g in genres)
        )

    def with_genre(self, key: str) -> NDArray[np.bool_]:
        mask = self._with_genre.get(key)
        if mask is None:
            mask = self._with_genre[key] = np.fromiter(
                (key in g for g in self.genres), bool, len(self.genres)
            )
        return mask

    def allowed(
        self,
        *,
        year_min: int | None = None,
        year_max: int | None = None,
        genres_in: Iterable[str] = (),
        genres_out: Iterable[str] = (),
        exclude_ids: Iterable[int] = (),
    ) -> list[str]:
        """The ids passing the filter, as ``build_where``'s clauses read: a year bound excludes an
        unknown year (0), ``genres_in`` any of them, ``genres_out`` none of them (items without
        genres pass), excluded item ids left out."""
        keep = np.ones(len(self.ids), dtype=bool)
        if year_min is not None or year_max is not None:
            keep &= self.years >= max(int(year_min or 1), 1)
            if year_max is not None:
                keep &= self.years <= int(year_max)
        wanted = sorted({genre_key(g) for g in genres_in if genre_key(g)})
        if wanted:
            keep &= np.logical_or.reduce([self.with_genre(g) for g in wanted])
        for g in {genre_key(g) for g in genres_out if genre_key(g)}:
            keep &= ~self.with_genre(g)
        excluded = [int(i) for i in exclude_ids]
        if excluded:
            keep &= ~np.isin(self.item_ids, excluded)
        return cast(list[str], self.ids[keep].tolist())


class MetadataFilter:
    """The collection's ``MetadataTable``, read on first use; None where Chroma must filter."""

    def __init__(self, max_documents: int = MAX_DOCUMENTS) -> None:
        self.max_documents = max_documents
        self._table: MetadataTable | None = None
        self._read = False

    def clear(self) -> None:
        """Forget the table (the collection was written)."""
        self._table, self._read = None, False

    def table(self, col: Collection) -> MetadataTable | None:
        if not self._read:
            table = None
            if col.count() <= self.max_documents:
                got = col.get(include=cast(Any, ["metadatas"]))
                metadatas = got.get("metadatas") or []
                if len(metadatas) == len(got["ids"]) and all(MetadataTable.regular(m) for m in metadatas):
                    table = MetadataTable(got["ids"], cast(list[Mapping[str, Any]], metadatas))
            self._table, self._read = table, True
        return self._table
