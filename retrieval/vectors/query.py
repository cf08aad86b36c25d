"""The vector store's plain shapes: a search hit, a build report, and the metadata filter of a query
(a Chroma ``where``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from retrieval.vectors.documents import genre_key


@dataclass(frozen=True)
class VectorHit:
    item_id: int
    distance: float  # cosine distance (0 = same direction, 2 = opposite)
    title: str
    snippet: str

    @property
    def score(self) -> float:
        """Cosine similarity, 1 - distance."""
        return 1.0 - self.distance


@dataclass(frozen=True)
class BuildReport:
    total: int  # documents in the collection after the build
    added: int
    updated: int
    removed: int
    unchanged: int
    embedded: int  # vectors computed by the model (the rest came from the cache)
    seconds: float


def build_where(
    *,
    year_min: int | None = None,
    year_max: int | None = None,
    genres_in: Iterable[str] = (),
    genres_out: Iterable[str] = (),
    exclude_ids: Iterable[int] = (),
) -> dict[str, Any] | None:
    """A Chroma ``where`` for the filters. ``genres_in``: any of them; ``genres_out``: none of them.
    A year bound excludes items of unknown year (stored as 0)."""
    clauses: list[dict[str, Any]] = []
    if year_min is not None or year_max is not None:
        clauses.append({"year": {"$gte": max(int(year_min or 1), 1)}})
        if year_max is not None:
            clauses.append({"year": {"$lte": int(year_max)}})
    wanted = sorted({genre_key(g) for g in genres_in if genre_key(g)})
    if len(wanted) == 1:
        clauses.append({"genres": {"$contains": wanted[0]}})
    elif wanted:
        clauses.append({"$or": [{"genres": {"$contains": g}} for g in wanted]})
    for g in sorted({genre_key(g) for g in genres_out if genre_key(g)}):
        clauses.append({"genres": {"$not_contains": g}})
    excluded = sorted({int(i) for i in exclude_ids})
    if excluded:
        clauses.append({"item_id": {"$nin": excluded}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def vector_hits(
    ids: Sequence[str], distances: Sequence[float], texts: Mapping[str, tuple[str, str]], snippet_chars: int
) -> list[VectorHit]:
    """The hits of a search's ids and distances, with titles and snippets from ``texts`` (id ->
    (document, title))."""
    hits = []
    for raw_id, distance in zip(ids, distances, strict=True):
        text_, title = texts.get(raw_id, ("", ""))
        snippet = text_ if len(text_) <= snippet_chars else text_[: snippet_chars - 1].rstrip() + "…"
        hits.append(VectorHit(item_id=int(raw_id), distance=float(distance), title=title, snippet=snippet))
    return hits
