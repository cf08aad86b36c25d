"""Candidate sources for the ranker: each wraps one tool and proposes ranked items with evidence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from retrieval.errors import CannotScoreError
from retrieval.graph import GraphStore
from tools.base import Evidence
from tools.item_table import ItemTable
from tools.kg_lookup import neighbour_evidence
from tools.profile import NO_CONTEXT, PreferenceProfile, RankingContext
from tools.ranking.constraints import narrows, violates
from tools.scorers.base import ItemScorer, ScoredItem


class KgSource:
    """Movies sharing people/keywords/genres with the liked ones, and movies by liked people.

    ``use_snapshot``: read neighbourhoods from the graph's in-memory snapshot (every movie's links in
    this process); False for catalogues too big for one per worker (``graph_snapshot_max_items``):
    then each request asks the graph with the bounded Cypher query (the same rows)."""

    name = "kg"

    def __init__(self, graph: GraphStore, items: ItemTable, use_snapshot: bool = True) -> None:
        self.graph = graph
        self.items = items
        self.use_snapshot = use_snapshot

    def neighbours(self, liked: Sequence[int], k: int) -> list[dict[str, Any]]:
        """Shared-neighbour rows for a liked set, from the graph's in-memory snapshot (the same
        rows as the Cypher query, ``retrieval.graph.snapshot``; one small read checks the graph),
        or from the graph itself without a snapshot."""
        if not self.use_snapshot:
            return self.graph.shared_neighbours(liked, limit=k)
        return self.graph.snapshot().shared_neighbours(liked, limit=k)

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]:
        out: dict[int, ScoredItem] = {}
        if profile.liked_items:
            titles = {i: it.title for i in profile.liked_items if (it := self.items.get(i)) is not None}
            excluded = profile.excluded_items
            for row in self.neighbours(profile.liked_items, k + len(excluded)):
                item_id = int(row["item_id"])
                if item_id in excluded:
                    continue
                out[item_id] = ScoredItem(
                    item_id, float(row.get("score", 0.0)), neighbour_evidence(row, titles)
                )
        for key in profile.liked_people[:5]:
            people = self.graph.find_people(key, limit=1)
            display = str(people[0].get("name", key)) if people else key
            for movie in self.graph.movies_by_person(key)[:k]:
                item_id = int(movie["item_id"])
                roles = movie.get("roles") or []
                name = display
                evidence = Evidence(
                    source="kg",
                    kind="by_person",
                    summary=f"{'directed by' if 'director' in roles else 'with'} {name}",
                    facts={"person_key": key, "roles": roles, "item_id": item_id},
                )
                scored = out.setdefault(item_id, ScoredItem(item_id, 0.0, []))
                scored.score += 1000.0  # the person asked for this person: first in this source
                scored.evidence.insert(0, evidence)
        return sorted(out.values(), key=lambda s: (-s.score, s.item_id))


# evidence kind -> (the facts listing the liked films a CF reason rests on, the text naming them)
NAMED_EVIDENCE = {
    "cf_neighbours": ("neighbours", "people who liked {films} also rated this highly"),
    "svd_foldin": ("closest_liked", "rated highly by people with your taste in {films}"),
}


class ScorerSource:
    """A CF scorer as a candidate source (no signal -> no candidates; the popularity source covers).
    With the item table, its reasons name the liked films they rest on ("people who liked Heat and
    Collateral also rated this highly") instead of "the films you mentioned"."""

    def __init__(self, name: str, scorer: ItemScorer, items: ItemTable | None = None) -> None:
        self.name = name
        self.scorer = scorer
        self.items = items

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]:
        try:
            found = self.scorer.score(profile, k)
        except CannotScoreError:
            return []
        if self.items is not None:
            for scored in found:
                scored.evidence = [self._named(e) for e in scored.evidence]
        return found

    def _named(self, evidence: Evidence) -> Evidence:
        field, text = NAMED_EVIDENCE.get(evidence.kind, ("", ""))
        rows = list(evidence.facts.get(field) or [])[:2] if field else []
        titles = [it.title for r in rows if self.items and (it := self.items.get(int(r["item_id"])))]
        if not titles or len(titles) < len(rows):  # every film named, or the scorer's own text
            return evidence
        return evidence.model_copy(update={"summary": text.format(films=" and ".join(titles))})


class PopularitySource:
    """The popularity/quality prior, restricted to the wanted genres when there are some."""

    name = "popularity"

    def __init__(self, scorer: ItemScorer, items: ItemTable) -> None:
        self.scorer = scorer
        self.items = items

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]:
        limited = narrows(profile)
        if not profile.genres_in and not limited:
            return self.scorer.score(profile, k)
        wanted = set(profile.genres_in)
        # a runtime or language constraint can leave few of the k * 10 most popular: rank them all
        pool = self.scorer.score(profile, len(self.items.rows) if limited else k * 10)
        return [
            s
            for s in pool
            if (it := self.items.get(s.item_id)) is not None
            and (not wanted or it.genres & wanted)
            and (not limited or violates(it, profile, frozenset()) is None)
        ][:k]


class TrendingSource:
    """What people were watching lately: a prior for conversations about recent films.

    score(j) = log(1 + recent ratings of j) + 0.3 log(1 + all ratings of j) + exp((year_j - newest year) / 8),
    where "recent" is the last ``tools.item_table.RECENT_YEARS`` of the ratings log. Respects the
    wanted genres like the popularity source.
    """

    name = "trending"

    def __init__(self, items: ItemTable) -> None:
        self.items = items
        newest = max((row.year or 0 for row in items.rows.values()), default=0)
        self.ranked = sorted(
            (
                (
                    math.log1p(row.recent_popularity)
                    + 0.3 * math.log1p(row.popularity)
                    + (math.exp(((row.year or newest - 60) - newest) / 8.0) if newest else 0.0),
                    row.item_id,
                )
                for row in items.rows.values()
                if row.popularity > 0
            ),
            reverse=True,
        )

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]:
        wanted = set(profile.genres_in)
        excluded = profile.excluded_items
        limited = narrows(profile)
        out = []
        for score, item_id in self.ranked:
            row = self.items.rows[item_id]
            if item_id in excluded or (wanted and not row.genres & wanted):
                continue
            if limited and violates(row, profile, excluded) is not None:
                continue
            evidence = Evidence(
                source="popularity",
                kind="trending",
                summary=f"much watched lately: {row.recent_popularity} recent ratings",
                facts={
                    "recent_ratings": row.recent_popularity,
                    "n_ratings": row.popularity,
                    "year": row.year,
                },
            )
            out.append(ScoredItem(item_id, score, [evidence]))
            if len(out) >= k:
                break
        return out
