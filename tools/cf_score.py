"""``cf_score``: collaborative-filtering scores for the session user (not in the training data)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from tools.base import Evidence, Tool
from tools.profile import PreferenceProfile
from tools.scorers.base import CFView, ItemScorer, ScoredItem, score_with_fallback
from tools.scorers.knn_item import ItemKnnScorer
from tools.scorers.popularity import PopularityScorer
from tools.scorers.svd_foldin import SvdFoldInScorer


class CfScoreArgs(BaseModel):
    liked_item_ids: list[int] = Field(default_factory=list, max_length=100)
    disliked_item_ids: list[int] = Field(default_factory=list, max_length=100)
    exclude_item_ids: list[int] = Field(default_factory=list, max_length=1000)
    method: Literal["knn", "svd"] = Field(default="knn", description="item-based KNN or SVD fold-in")
    limit: int = Field(default=10, ge=1, le=500)


class CfScoredItem(BaseModel):
    item_id: int
    score: float
    evidence: list[Evidence]


class CfScoreResult(BaseModel):
    method: str
    fallback: bool = Field(description="True when nothing was known and the popularity prior answered")
    items: list[CfScoredItem]


class CfScore(Tool[CfScoreArgs, CfScoreResult]):
    name: ClassVar[str] = "cf_score"
    description: ClassVar[str] = (
        "Collaborative filtering: given the movies the user liked and disliked in this chat, score "
        "other catalogue movies by what people with similar ratings liked; evidence names the liked "
        "movies that drove each score. With nothing known yet it returns widely liked movies."
    )
    Args: ClassVar[type[BaseModel]] = CfScoreArgs
    Result: ClassVar[type[BaseModel]] = CfScoreResult

    def __init__(self, cf: CFView) -> None:
        self.scorers: dict[str, ItemScorer] = {"knn": ItemKnnScorer(cf), "svd": SvdFoldInScorer(cf)}
        self.popularity = PopularityScorer(cf)

    def score(self, profile: PreferenceProfile, method: str, k: int) -> tuple[list[ScoredItem], bool]:
        return score_with_fallback(self.scorers[method], self.popularity, profile, k)

    def run(self, args: CfScoreArgs) -> CfScoreResult:
        profile = PreferenceProfile(
            liked_items=tuple(args.liked_item_ids),
            disliked_items=tuple(args.disliked_item_ids),
            seen=tuple(args.exclude_item_ids),
        )
        items, fallback = self.score(profile, args.method, args.limit)
        return CfScoreResult(
            method=args.method,
            fallback=fallback,
            items=[
                CfScoredItem(item_id=s.item_id, score=round(s.score, 4), evidence=s.evidence) for s in items
            ],
        )
