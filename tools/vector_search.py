"""``vector_search``: a descriptive wish -> catalogue items, by semantic similarity (Chroma)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

from retrieval.vectors import VectorStore
from tools.base import Evidence, Tool


class VectorSearchArgs(BaseModel):
    text: str = Field(min_length=1, max_length=1000, description="what the user wants, in their words")
    year_min: int | None = Field(default=None, ge=1870, le=2100)
    year_max: int | None = Field(default=None, ge=1870, le=2100)
    genres_in: list[str] = Field(default_factory=list, max_length=20)
    genres_out: list[str] = Field(default_factory=list, max_length=20)
    exclude_item_ids: list[int] = Field(default_factory=list, max_length=1000)
    limit: int = Field(default=10, ge=1, le=500)


class VectorMatch(BaseModel):
    item_id: int
    score: float
    evidence: list[Evidence]


class VectorSearchResult(BaseModel):
    items: list[VectorMatch]


class VectorSearch(Tool[VectorSearchArgs, VectorSearchResult]):
    name: ClassVar[str] = "vector_search"
    description: ClassVar[str] = (
        "Semantic search over movie descriptions (plot, keywords, genres, people): give the user's "
        "wish in their words ('slow, melancholic, set in Tokyo'), optionally a year range, genres to "
        "include or exclude and movie ids to skip. Evidence is the matched text and its score."
    )
    Args: ClassVar[type[BaseModel]] = VectorSearchArgs
    Result: ClassVar[type[BaseModel]] = VectorSearchResult

    def __init__(self, store: VectorStore) -> None:
        self.store = store

    def run(self, args: VectorSearchArgs) -> VectorSearchResult:
        hits = self.store.query(
            args.text,
            args.limit,
            year_min=args.year_min,
            year_max=args.year_max,
            genres_in=args.genres_in,
            genres_out=args.genres_out,
            exclude_ids=args.exclude_item_ids,
        )
        items = []
        for hit in hits:
            evidence = Evidence(
                source="vector",
                kind="text_match",
                summary=f"matches your description: \u201c{hit.snippet[:120]}\u201d",
                facts={"query": args.text, "snippet": hit.snippet, "score": round(hit.score, 4)},
            )
            items.append(VectorMatch(item_id=hit.item_id, score=round(hit.score, 4), evidence=[evidence]))
        return VectorSearchResult(items=items)
