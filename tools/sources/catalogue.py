"""Candidate sources for the ranker: each wraps one tool and proposes ranked items with evidence."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.errors import CannotScoreError
from retrieval.graph import GraphStore
from retrieval.vectors import VectorStore
from tools.base import Evidence
from tools.item_table import ItemTable
from tools.kg_lookup import neighbour_evidence
from tools.moods import wish_query, wish_terms
from tools.profile import NO_CONTEXT, PreferenceProfile, RankingContext
from tools.ranking.constraints import narrows, violates
from tools.reason_words import FILLER_WORDS, ReasonWords
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


class VectorSource:
    r"""Semantic matches for the person's own description and for the liked items' document vectors
    ("more like this"), each a nearest-neighbour list; with both, one list of the two fused by
    reciprocal rank, :math:`s_j = \sum_l 1 / (k + \mathrm{rank}_l(j))` with ``k = FUSE_K``: an item the
    description and the liked films agree on comes first, and neither signal drowns the other
    (ReDial seekers mostly name films, INSPIRED seekers mostly describe). Without either, the asked
    genres and keywords as a query. The description is embedded without its negated mood clauses
    (``tools.moods.wish_query``), and the films carrying the keywords the words ask for ("set in
    Tokyo", "twisty": ``keyword_hits``) are one more list in the fusion."""

    name = "vector"
    FUSE_K = 20.0

    def __init__(
        self, store: VectorStore, items: ItemTable, pool: int = 100, wish_words: bool = True
    ) -> None:
        self.store = store
        self.items = items
        self.pool = pool
        self.wish_words = wish_words  # False: the description embedded as said, no keyword list
        self._words: ReasonWords | None = None  # the catalogue's rule for what a reason may quote
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def _embed(self, text: str) -> np.ndarray:
        """The query vector of a text, cached (the description often repeats across turns)."""
        vector = self._vectors.get(text)
        if vector is None:
            vector = self.store.embed_query(text)
            self._vectors[text] = vector
            if len(self._vectors) > 256:
                self._vectors.popitem(last=False)
        return vector

    def queries(self, profile: PreferenceProfile) -> list[tuple[np.ndarray, str, str]]:
        """The queries, each (vector, query text for the evidence, summary of what it matches)."""
        out = []
        text = profile.description.strip()[-1000:]
        if text:  # negated clauses left out: "nothing gory" must not draw gory films
            query = wish_query(text) if self.wish_words else text
            out.append((self._embed(query), query, "matches what you described"))
        liked = list(profile.liked_items[-5:])
        vectors = self.store.item_vectors(liked) if liked else {}
        if vectors:
            mean = np.mean(list(vectors.values()), axis=0)
            names = [it.title for i in vectors if (it := self.items.get(i)) is not None]
            summary = f"similar in story and themes to {', '.join(names[:2])}"
            out.append((mean / max(float(np.linalg.norm(mean)), 1e-9), " | ".join(names), summary))
        wanted = " ".join([*profile.genres_in, *profile.keywords_in])
        if not out and wanted:
            out.append((self._embed(wanted), wanted, "matches the genres and themes you asked for"))
        elif not out and profile.outside_genres:  # a liked film beyond the catalogue (linking only)
            genres = " ".join(profile.outside_genres)
            named = ", ".join(profile.outside_genres)
            out.append(
                (self._embed(genres), genres, f"a close match for {named}, the genres of a film you liked")
            )
        return out

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]:
        queries = self.queries(profile)
        excluded = profile.excluded_items
        scores: dict[int, float] = {}
        evidence: dict[int, list[Evidence]] = {}
        lists = [
            self._search(vector, text, summary, profile, k, excluded) for vector, text, summary in queries
        ]
        if self.wish_words and (keyed := self.keyword_hits(profile, k, excluded)):
            lists.append(keyed)
        for kept in lists:
            for rank, (item_id, score, one) in enumerate(kept, start=1):
                fused = 1.0 / (self.FUSE_K + rank)
                scores[item_id] = scores.get(item_id, 0.0) + (score if len(lists) == 1 else fused)
                evidence.setdefault(item_id, []).append(one)
        best = sorted(scores, key=lambda i: (-scores[i], i))[:k]
        return [ScoredItem(i, scores[i], evidence[i]) for i in best]

    def _search(
        self,
        vector: np.ndarray,
        text: str,
        summary: str,
        profile: PreferenceProfile,
        k: int,
        excluded: frozenset[int],
    ) -> list[tuple[int, float, Evidence]]:
        """One nearest-neighbour list: (item id, cosine similarity, evidence), excluded items dropped."""
        hits = self.store.query(
            vector=vector,
            k=min(self.pool, k) + len(excluded),
            year_min=profile.year_min,
            year_max=profile.year_max,
            genres_out=profile.genres_out,
        )
        return [
            (
                hit.item_id,
                hit.score,
                Evidence(
                    source="vector",
                    kind="text_match",
                    summary=summary,
                    facts={"query": text[:300], "snippet": hit.snippet, "score": round(hit.score, 4)},
                ),
            )
            for hit in hits
            if hit.item_id not in excluded
        ]

    def keyword_hits(
        self, profile: PreferenceProfile, k: int, excluded: frozenset[int]
    ) -> list[tuple[int, float, Evidence]]:
        """The items carrying the keywords the person's words ask for (``profile.keywords_in`` and
        ``tools.moods.wish_terms`` of the description: "set in Tokyo" -> 'tokyo', "twisty" ->
        'plot twist', ...), most keywords matched first, then the most rated; inside the year range
        and the left-out genres. Score: the share of the asked keywords matched."""
        terms = wish_terms(profile.description)
        said = [*profile.keywords_in, *terms.places, *terms.keywords]
        # only keywords a reason may quote (``tools.reason_words``; never 'classic', 'original'): the
        # reason names them
        if self._words is None:
            self._words = ReasonWords.from_items(self.items)
        words = self._words
        asked = [k for k in dict.fromkeys(said) if words.quotable(k) and k not in FILLER_WORDS]
        if not asked:
            return []
        wanted = set(asked)
        out_genres = {*profile.genres_out, *terms.genres_out}
        found: list[tuple[int, int, int, tuple[str, ...]]] = []
        for row in self.items.rows.values():
            shared = row.keywords & wanted
            if not shared or row.item_id in excluded or row.genres & out_genres:
                continue
            if profile.year_min is not None and (row.year is None or row.year < profile.year_min):
                continue
            if profile.year_max is not None and (row.year is None or row.year > profile.year_max):
                continue
            found.append((-len(shared), -row.popularity, row.item_id, tuple(sorted(shared))))
        found.sort()
        out = []
        for n, _, item_id, keys in found[: min(self.pool, k)]:
            row = self.items.rows[item_id]
            named = ", ".join(f"'{w}'" for w in keys[:2])
            year = f" ({row.year})" if row.year else ""
            evidence = Evidence(
                source="vector",
                kind="text_match",
                summary=f"carries the keyword{'s' if len(keys) > 1 else ''} {named} that fits what you asked for",
                facts={
                    "query": " | ".join(asked)[:300],
                    "snippet": f"{row.display_title}{year}: {', '.join(keys)}",
                    "score": round(-n / len(asked), 4),
                },
            )
            out.append((item_id, -n / len(asked), evidence))
        return out


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
