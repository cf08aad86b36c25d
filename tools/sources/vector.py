"""The vector source: semantic matches for the person's own words and for the liked films'
documents (Chroma, ``retrieval.vectors``), and the films carrying the keywords the words ask for."""

from __future__ import annotations

import re
from collections import OrderedDict
from functools import lru_cache

import numpy as np

from retrieval.vectors import VectorStore
from tools.base import Evidence
from tools.item_table import ItemTable
from tools.linking import COMMON_WORDS, fold
from tools.moods import wish_query, wish_terms
from tools.profile import NO_CONTEXT, PreferenceProfile, RankingContext
from tools.reason_words import FILLER_WORDS, ReasonWords
from tools.scorers.base import ScoredItem


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

    def queries(self, profile: PreferenceProfile) -> list[tuple[np.ndarray, str, str, tuple[int, ...]]]:
        """The queries, each (vector, query text for the evidence, summary of what it matches, the
        liked films a "more like these" query is made of)."""
        out: list[tuple[np.ndarray, str, str, tuple[int, ...]]] = []
        text = profile.description.strip()[-1000:]
        if text:  # negated clauses left out: "nothing gory" must not draw gory films
            query = wish_query(text) if self.wish_words else text
            out.append((self._embed(query), query, "matches what you described", ()))
        liked = list(profile.liked_items[-5:])
        vectors = self.store.item_vectors(liked) if liked else {}
        if vectors:
            mean = np.mean(list(vectors.values()), axis=0)
            names = [it.title for i in vectors if (it := self.items.get(i)) is not None]
            summary = f"similar in story and themes to {', '.join(names[:2])}"
            unit = mean / max(float(np.linalg.norm(mean)), 1e-9)
            out.append((unit, " | ".join(names), summary, tuple(vectors)))
        wanted = " ".join([*profile.genres_in, *profile.keywords_in])
        if not out and wanted:
            out.append((self._embed(wanted), wanted, "matches the genres and themes you asked for", ()))
        elif not out and profile.outside_genres:  # a liked film beyond the catalogue (linking only)
            genres = " ".join(profile.outside_genres)
            named = ", ".join(profile.outside_genres)
            out.append(
                (
                    self._embed(genres),
                    genres,
                    f"a close match for {named}, the genres of a film you liked",
                    (),
                )
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
            [
                hit
                for hit in self._search(vector, text, summary, profile, k, excluded)
                if not self.namesake(hit[0], of)
            ]
            for vector, text, summary, of in queries
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

    def namesake(self, item_id: int, liked: tuple[int, ...]) -> bool:
        """A "more like these" neighbour close for its title alone: it shares a title word with a
        liked film, no person or keyword, and is no sequel of it (same franchise, another title).
        "I loved Heat" drew The Heat (2013), a buddy-cop comedy with no credits in the catalogue, as
        "similar in story and themes"; Body Heat and City Heat were next. Toy Story 2 keeps its place."""
        row = self.items.get(item_id) if liked else None
        if row is None:
            return False
        words = _title_words(row.title)
        for other in (self.items.get(i) for i in liked):
            if other is None or not words & _title_words(other.title):
                continue
            people = (row.directors | row.cast) & (other.directors | other.cast)
            sequel = row.franchise == other.franchise and _bare(row.title) != _bare(other.title)
            if not (people or row.keywords & other.keywords or sequel):
                return True
        return False

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


def _bare(title: str) -> str:
    """A title folded, without its leading article ("The Heat" and "Heat": "heat")."""
    return re.sub(r"^(?:the|a|an) ", "", fold(title))


@lru_cache(maxsize=4096)
def _title_words(title: str) -> frozenset[str]:
    """A title's own words ("heat" of "The Heat"), not its small ones (cached: each "more like
    these" list asks for the liked films' words once per neighbour)."""
    return frozenset(w for w in fold(title).split() if len(w) >= 3 and w not in COMMON_WORDS)
