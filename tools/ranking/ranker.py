"""The ranker: a preference profile -> top-k catalogue items, each with the evidence behind it.

Fusion (weighted reciprocal-rank fusion): every candidate source ranks items on its own; an item's
fused score is

    fused(j) = sum_s  w_s / (k_rrf + rank_s(j))  +  w_genre * share of the wanted genres j has

where ``rank_s(j)`` is 1-based (absent items add nothing) and the weights ``w_s`` come from Settings
(tuned on the ReDial/INSPIRED development halves); the CF sources' weights grow with the liked films
the CF models know (``RankerWeights.cf_scale``: five rated favourites are a rating history). Hard
constraints (``tools.ranking.constraints``) are applied to every candidate before fusion (never relaxed): catalogue items only, nothing liked/disliked/seen/rejected/already
recommended, inside the year range, no excluded genre, nothing by a disliked person, inside the
runtime range (an unknown runtime is outside it), in a wanted language (``tools.languages.speaks``). Diversity is
maximal marginal relevance over genre/director/keyword overlap and franchise (no five sequels).
A source that fails (store down) is skipped and reported in ``degraded``.

With a learned model in the catalogue directory (``tools.ranking.learned``, ``data/fusion_model.txt``)
the fused score is the model's (``LearnedFusion.applies``: every turn; with ``learned_on_wish`` off,
not one a fresh description leads) for at most ``learned_max_rated`` liked films the CF models know;
on a turn a fresh description leads, the vector source's best few come first, and an asked-for
person's films before them (``tools.ranking.leads``);
the hard constraints before it, genre-first and MMR after it, and each item's reasons (its proposing
sources') stay as above.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, Field

from retrieval.errors import ParleyError
from tools.base import Evidence
from tools.item_table import ItemTable
from tools.profile import NO_CONTEXT, PreferenceProfile, RankingContext
from tools.ranking.constraints import Constraints
from tools.ranking.features import Candidates, collect, rated_liked
from tools.ranking.leads import asked_people_first, described_first
from tools.ranking.learned import LearnedFusion
from tools.ranking.weights import RankerWeights
from tools.scorers.base import ScoredItem
from tools.timing import ms_since as _ms


class CandidateSource(Protocol):
    """Something that proposes ranked items for a profile (a tool or a scorer); ``context`` is the
    rest of the ranking request (e.g. corpus replay's held-out dialogue)."""

    name: str

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]: ...


class RankedItem(BaseModel):
    item_id: int
    title: str
    year: int | None
    genres: list[str]
    score: float
    evidence: list[Evidence]
    source_ranks: dict[str, int]


class SourceTiming(BaseModel):
    name: str
    ms: float
    n_candidates: int
    error: str | None = None


@dataclass
class Gathered:
    """Candidate lists by source, before fusion."""

    found: dict[str, list[ScoredItem]]
    timings: list[SourceTiming]
    degraded: list[str]


class RankResult(BaseModel):
    items: list[RankedItem]
    timings: list[SourceTiming]
    degraded: list[str] = Field(default_factory=list, description="sources that failed this turn")


MMR_REFERENCE_RANK = 40  # MMR rescales relevance between the best candidate and this rank
# sources that know something about this person's taste (the conversation prior does not)
TASTE_SOURCES = frozenset({"kg", "cf_knn", "cf_svd", "vector", "chat_co", "chat_similar"})
CF_SOURCES = frozenset({"cf_knn", "cf_svd"})  # their weight grows with the liked films they know
# Stronger, more specific reasons first (a shared director says more than a shared genre).
EVIDENCE_PRIORITY = {
    "by_person": 0,
    "shared_director": 1,
    "shared_cast": 2,
    "shared_person": 2,
    "shared_keyword": 3,
    "cf_neighbours": 4,
    "text_match": 5,
    "svd_foldin": 6,
    "chat_co_recommended": 7,
    "chat_similar": 7,
    "shared_genre": 8,
    "popular": 9,
    "trending": 9,
    "chat_recommended": 9,
    "chat_recent": 9,
}
ExplainFn = Callable[[PreferenceProfile, list[int]], dict[int, list[Evidence]]]


class Ranker:
    def __init__(
        self,
        items: ItemTable,
        sources: Sequence[CandidateSource],
        weights: RankerWeights | None = None,
        explain: ExplainFn | None = None,
        explain_top: int = 10,
        fusion: LearnedFusion | None = None,
    ) -> None:
        self.fusion = fusion  # the learned fusion (tools.ranking.learned); None: RRF
        self.items = items
        self.explain_top = explain_top  # graph paths are looked up for the best few items only
        self.sources = list(sources)
        self.weights = weights or RankerWeights()
        self.explain = explain

    def with_weights(self, weights: RankerWeights) -> Ranker:
        """The same items, sources and explanations under other fusion weights (weight tuning)."""
        return Ranker(self.items, self.sources, weights, self.explain, self.explain_top, self.fusion)

    def with_fusion(self, fusion: LearnedFusion | None) -> Ranker:
        """The same ranker fusing with another learned model (None: RRF)."""
        return Ranker(self.items, self.sources, self.weights, self.explain, self.explain_top, fusion)

    def rank(
        self,
        profile: PreferenceProfile,
        k: int = 5,
        only: Sequence[str] | None = None,
        diversify: bool = True,
        context: RankingContext = NO_CONTEXT,
    ) -> RankResult:
        gathered = self.gather(profile, only, context)
        return self.fuse(profile, gathered.found, k, diversify, gathered.timings, gathered.degraded)

    def gather(
        self,
        profile: PreferenceProfile,
        only: Sequence[str] | None = None,
        context: RankingContext = NO_CONTEXT,
        switched_off: bool = False,
        pool: int | None = None,
    ) -> Gathered:
        """Every source's candidate list for a profile (a failing source is recorded, not raised).
        The expensive half of ranking: fuse the result as often as needed (e.g. a 40-item pool for
        the question policy, then the top five). ``context``: the rest of the request, passed to
        every source. Weight tuning asks the ``switched_off`` sources too (weight 0), for ``pool``
        candidates each (default: the weights' pool)."""
        found_by_source: dict[str, list[ScoredItem]] = {}
        timings: list[SourceTiming] = []
        degraded: list[str] = []
        for source in self.sources:
            if only is not None and source.name not in only:
                continue
            if self.weights.weight(source.name) <= 0.0 and not switched_off:
                continue  # switched off: its list would add nothing to any fused score
            started = time.perf_counter()
            try:
                found = source.candidates(profile, pool or self.weights.pool, context)
                if context.unavailable:
                    found = [s for s in found if s.item_id not in context.unavailable]
                found_by_source[source.name] = found
            except ParleyError as error:  # a store is down: degrade, never crash
                degraded.append(source.name)
                timings.append(
                    SourceTiming(name=source.name, ms=_ms(started), n_candidates=0, error=str(error))
                )
                continue
            timings.append(SourceTiming(name=source.name, ms=_ms(started), n_candidates=0))
        return Gathered(found=found_by_source, timings=timings, degraded=degraded)

    def fuse(
        self,
        profile: PreferenceProfile,
        found_by_source: dict[str, list[ScoredItem]],
        k: int = 5,
        diversify: bool = True,
        timings: list[SourceTiming] | None = None,
        degraded: list[str] | None = None,
        explain: bool = True,
    ) -> RankResult:
        """Fuse candidate lists (source name -> ranked items), whoever gathered them: the sources
        above (plan-first) or the tools an LLM chose to call (tool-calling agent). Hard constraints
        are applied here, so no caller can bypass them."""
        timings = list(timings or [])
        degraded = list(degraded or [])
        candidates, evidence, kept_by_source = self._allowed(profile, found_by_source)
        timings = [
            t.model_copy(update={"n_candidates": kept_by_source.get(t.name, t.n_candidates)}) for t in timings
        ]
        ranks, fused = candidates.ranks, candidates.rrf
        if self.fusion is not None and fused and self._learned(self.fusion, profile):
            fused = self.fusion.rescore(self.items, profile, candidates)
            fused = described_first(fused, ranks, self.weights.description_lead(profile))
            fused = asked_people_first(fused, self.items, frozenset(profile.liked_people))
        with_evidence = [i for i in fused if evidence.get(i)]
        order = self._genre_first(sorted(with_evidence, key=lambda i: (-fused[i], i)), profile, k)
        chosen = self._mmr(order, fused, k) if diversify else order[:k]
        if explain and self.explain is not None and chosen:
            started = time.perf_counter()
            try:
                for item_id, paths in self.explain(profile, chosen[: self.explain_top]).items():
                    evidence.setdefault(item_id, [])[:0] = paths
                timings.append(SourceTiming(name="explain", ms=_ms(started), n_candidates=len(chosen)))
            except ParleyError as error:
                degraded.append("explain")
                timings.append(
                    SourceTiming(name="explain", ms=_ms(started), n_candidates=0, error=str(error))
                )
        result = [self._ranked(i, fused[i], evidence[i], ranks[i]) for i in chosen]
        return RankResult(items=result, timings=timings, degraded=degraded)

    def _learned(self, fusion: LearnedFusion, profile: PreferenceProfile) -> bool:
        """Whether the learned fusion ranks: its own rule, and no more liked films known to the CF
        models than ``learned_max_rated`` (beyond it, RRF with the CF weight grown)."""
        rated = rated_liked(self.items, profile)
        on_wish = self.weights.learned_on_wish
        return fusion.applies(profile, on_wish) and rated <= self.weights.learned_max_rated

    def candidates(
        self, profile: PreferenceProfile, found_by_source: dict[str, list[ScoredItem]]
    ) -> Candidates:
        """The allowed candidates of gathered lists with their ranks, scores and RRF scores (the
        learned fusion's input; its training reads them here)."""
        return self._allowed(profile, found_by_source)[0]

    def _allowed(
        self, profile: PreferenceProfile, found_by_source: dict[str, list[ScoredItem]]
    ) -> tuple[Candidates, dict[int, list[Evidence]], dict[str, int]]:
        """Hard constraints over every list: (candidates, their evidence, kept items by source)."""
        constraints = Constraints(profile, profile.excluded_items)

        def ok(item_id: int) -> bool:
            row = self.items.get(item_id)
            return row is not None and constraints.violation(row) is None

        cf_scale = self.weights.cf_scale(rated_liked(self.items, profile))
        return collect(found_by_source, ok, self._fusion_score(profile, found_by_source, cf_scale))

    def _fusion_score(
        self, profile: PreferenceProfile, found_by_source: dict[str, list[ScoredItem]], cf_scale: float
    ) -> Callable[[int, dict[str, int]], float]:
        """The RRF score of an item (its ranks by source) for this profile, with what it needs of the
        profile and the weights read once (the same sums, in the same order, for every candidate)."""
        w = self.weights
        weight = {name: w.weight(name) for name in found_by_source}
        shares = dict.fromkeys(CF_SOURCES, cf_scale) | {"vector": w.description_weight(profile)}
        # what people recommend in chats only counts in full for items that fit this person's taste
        full, alone = shares | {"chat": 1.0}, shares | {"chat": w.chat_alone}
        empty, rows, rrf_k = profile.is_empty, self.items.rows, w.rrf_k
        people, wanted, outside = (
            frozenset(profile.liked_people),
            frozenset(profile.genres_in),
            frozenset(profile.outside_genres),
        )
        n_wanted, n_outside = len(profile.genres_in), len(profile.outside_genres)

        def score_of(item_id: int, by_source: dict[str, int]) -> float:
            share = full if empty or not TASTE_SOURCES.isdisjoint(by_source) else alone
            score = sum(
                weight[name] * share.get(name, 1.0) / (rrf_k + rank) for name, rank in by_source.items()
            )
            row = rows[item_id]
            if people and row.by_any(people):
                score += w.person
            if wanted:
                score += w.genre * len(row.genres & wanted) / n_wanted
            if outside:  # the genres of liked films beyond the catalogue, weakly
                score += w.outside_genre * len(row.genres & outside) / n_outside
            return score

        return score_of

    def _genre_first(self, order: list[int], profile: PreferenceProfile, k: int) -> list[int]:
        """Asked-for genres decide when they can: with at least ``k`` candidates in one of them,
        only those are kept; with fewer, they come first and the best others fill the list."""
        if not profile.genres_in:
            return order
        wanted = set(profile.genres_in)
        matching = [i for i in order if self.items.rows[i].genres & wanted]
        if len(matching) >= k:
            return matching
        return matching + [i for i in order if not self.items.rows[i].genres & wanted]

    def _mmr(self, order: list[int], fused: dict[int, float], k: int) -> list[int]:
        """Maximal marginal relevance over the best ``max(4k, 40)`` candidates; relevance is rescaled
        so that the best candidate is 1 and the 40th is 0, whatever ``k`` is, so the first picks do not
        depend on how long a list was asked for (a top-10 is the start of the top-50)."""
        pool = order[: max(4 * k, MMR_REFERENCE_RANK)]
        if not pool:
            return []
        top = fused[pool[0]]
        bottom = fused[pool[min(len(pool), MMR_REFERENCE_RANK) - 1]]
        spread = (top - bottom) or 1.0
        chosen: list[int] = []
        lam = self.weights.mmr_lambda
        closest = dict.fromkeys(pool, 0.0)  # max similarity to the chosen items, kept incrementally
        while pool and len(chosen) < k:
            best = max(pool, key=lambda i: lam * (fused[i] - bottom) / spread - (1 - lam) * closest[i])
            chosen.append(best)
            pool.remove(best)
            if lam < 1.0:
                for i in pool:
                    closest[i] = max(closest[i], self.items.similarity(i, best))
        return chosen

    def _ranked(
        self, item_id: int, score: float, evidence: list[Evidence], ranks: dict[str, int]
    ) -> RankedItem:
        row = self.items.rows[item_id]
        unique = list({(e.kind, _evidence_entity(e)): e for e in evidence}.values())
        unique.sort(key=lambda e: EVIDENCE_PRIORITY.get(e.kind, 50))
        return RankedItem(
            item_id=item_id,
            title=row.display_title,
            year=row.year,
            genres=sorted(row.genres),
            score=round(score, 6),
            evidence=unique,
            source_ranks=ranks,
        )


def _evidence_entity(evidence: Evidence) -> str:
    """What a piece of evidence is about (the shared person/keyword/genre), to drop repeats."""
    via = evidence.facts.get("via")
    if isinstance(via, dict) and via.get("name"):
        return str(via["name"]).lower()
    name = evidence.facts.get("name")
    return str(name).lower() if name else evidence.summary
