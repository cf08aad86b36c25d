"""Features of a ranking's candidates for the learned fusion (``tools.ranking.learned``): one row per
candidate item, the same at training time (``parley-eval train-fusion``) and at ranking time.

A candidate is an item some source proposed that passes the hard constraints (``Ranker.fuse``
filters before anything is computed here). Columns, ``FEATURES`` order:

* per source ``s`` of ``SOURCES``: ``rank_s`` (1-based among the source's allowed items),
  ``score_s`` (the source's own score) and ``rel_s`` (score / the source's best score this turn);
  missing (NaN) when ``s`` did not propose the item;
* ``rrf`` and ``rrf_rank``: the weighted reciprocal-rank fusion score and its rank (the fallback);
* item: log ratings count, log recent ratings count, year;
* item vs profile: share of the wanted genres it has; how typical its genres are of the liked
  movies; directors/cast and keywords it shares with the liked movies; a liked person in it; the
  profile's keywords it carries; same franchise as a liked movie; years from the liked movies' mean;
  share of the genres of liked films beyond the catalogue (``outside_genres``) it has;
* profile: liked, of them rated (known to the CF models), disliked and mentioned counts, wanted
  genres, words described, liked films beyond the catalogue, empty taste;
* ``n_sources``: how many sources proposed it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tools.base import Evidence
from tools.item_table import ItemTable
from tools.profile import PreferenceProfile
from tools.scorers.base import ScoredItem

SOURCES = (
    "kg",
    "cf_knn",
    "cf_svd",
    "vector",
    "popularity",
    "trending",
    "chat",
    "chat_co",
    "chat_similar",
    "chat_recent",
)
ITEM_FEATURES = (
    "rrf",
    "rrf_rank",
    "log_popularity",
    "log_recent_popularity",
    "year",
    "genre_share",
    "liked_genre_fit",
    "liked_people",
    "liked_keywords",
    "asked_person",
    "asked_keywords",
    "liked_franchise",
    "year_gap",
    "outside_genre_share",
    "n_liked",
    "n_liked_rated",
    "n_disliked",
    "n_mentioned",
    "n_genres_in",
    "n_words",
    "n_liked_outside",
    "empty_taste",
    "n_sources",
)
FEATURES = tuple(f"{kind}_{s}" for s in SOURCES for kind in ("rank", "score", "rel")) + ITEM_FEATURES
NAN = float("nan")


@dataclass
class Candidates:
    """A ranking's allowed candidates: each source's rank and score of each item, and its RRF score."""

    ranks: dict[int, dict[str, int]]
    scores: dict[int, dict[str, float]]
    rrf: dict[int, float]


def collect(
    found_by_source: dict[str, list[ScoredItem]],
    allowed: Callable[[int], bool],
    rrf: Callable[[int, dict[str, int]], float],
) -> tuple[Candidates, dict[int, list[Evidence]], dict[str, int]]:
    """The ``allowed`` items of every source's list, ranked 1.. within each source (an item once
    per source), with their evidence, RRF scores (``rrf(item, ranks by source)``) and the number
    kept per source."""
    ranks: dict[int, dict[str, int]] = {}
    raw: dict[int, dict[str, float]] = {}
    evidence: dict[int, list[Evidence]] = {}
    kept_by_source: dict[str, int] = {}
    verdict: dict[int, bool] = {}  # sources propose many of the same items
    for name, found in found_by_source.items():
        kept = 0
        for scored in found:
            ok = verdict.get(scored.item_id)
            if ok is None:
                ok = verdict[scored.item_id] = allowed(scored.item_id)
            if not ok or name in ranks.get(scored.item_id, ()):
                continue
            kept += 1
            ranks.setdefault(scored.item_id, {})[name] = kept
            raw.setdefault(scored.item_id, {})[name] = scored.score
            evidence.setdefault(scored.item_id, []).extend(scored.evidence)
        kept_by_source[name] = kept
    fused = {item_id: rrf(item_id, by_source) for item_id, by_source in ranks.items()}
    return Candidates(ranks, raw, fused), evidence, kept_by_source


def rated_liked(items: ItemTable, profile: PreferenceProfile) -> int:
    """How many of the liked films the CF models know (someone rated them): a chat seeker names one
    or two, a rating history gives many (the CF sources' weight grows with it, ``RankerWeights``)."""
    return sum(1 for i in profile.liked_items if (row := items.get(i)) is not None and row.popularity > 0)


class ProfileView:
    """What the features read from a profile, computed once per ranking."""

    def __init__(self, items: ItemTable, profile: PreferenceProfile) -> None:
        liked = [row for i in profile.liked_items if (row := items.get(i)) is not None]
        self.n_liked = len(liked)
        self.genres: Counter[str] = Counter(g for row in liked for g in row.genres)
        self.people = frozenset(p for row in liked for p in row.directors | row.cast)
        self.keywords = frozenset(k for row in liked for k in row.keywords)
        self.franchises = frozenset(row.franchise for row in liked if row.franchise)
        years = [row.year for row in liked if row.year]
        self.mean_year = sum(years) / len(years) if years else None
        self.genres_in = frozenset(profile.genres_in)
        self.asked_people = frozenset(profile.liked_people)
        self.asked_keywords = frozenset(profile.keywords_in)
        self.outside_genres = frozenset(profile.outside_genres)
        self.context = [
            float(self.n_liked),
            float(sum(row.popularity > 0 for row in liked)),  # as ``rated_liked``
            float(len(profile.disliked_items)),
            float(len(profile.mentioned_items)),
            float(len(self.genres_in)),
            float(len(profile.conversation_text.split())),
            float(len(profile.liked_outside)),
            float(profile.is_empty),
        ]


def feature_matrix(
    items: ItemTable, profile: PreferenceProfile, candidates: Candidates, order: list[int]
) -> NDArray[np.float64]:
    """The feature rows of ``order``'s items (candidates, best RRF first), ``FEATURES`` columns."""
    view = ProfileView(items, profile)
    best = {
        s: max((abs(by[s]) for by in candidates.scores.values() if s in by), default=0.0) for s in SOURCES
    }
    out = np.full((len(order), len(FEATURES)), NAN)
    for n, item_id in enumerate(order):
        row = items.rows[item_id]
        ranks = candidates.ranks.get(item_id, {})
        scores = candidates.scores.get(item_id, {})
        values: list[float] = []
        for s in SOURCES:
            if s in ranks:
                score = scores.get(s, NAN)
                values += [float(ranks[s]), score, score / best[s] if best[s] else NAN]
            else:
                values += [NAN, NAN, NAN]
        people = row.directors | row.cast
        genre_fit = (
            sum(view.genres[g] for g in row.genres) / (view.n_liked * len(row.genres))
            if view.n_liked and row.genres
            else NAN
        )
        values += [
            candidates.rrf.get(item_id, 0.0),
            float(n + 1),
            math.log1p(row.popularity),
            math.log1p(row.recent_popularity),
            float(row.year) if row.year else NAN,
            len(row.genres & view.genres_in) / len(view.genres_in) if view.genres_in else NAN,
            genre_fit,
            float(len(people & view.people)) if view.n_liked else NAN,
            len(row.keywords & view.keywords) / (1.0 + len(row.keywords)) if view.n_liked else NAN,
            float(bool(people & view.asked_people)),
            float(len(row.keywords & view.asked_keywords)),
            float(row.franchise in view.franchises) if view.n_liked else NAN,
            abs(row.year - view.mean_year) if row.year and view.mean_year else NAN,
            len(row.genres & view.outside_genres) / len(view.outside_genres) if view.outside_genres else NAN,
            *view.context,
            float(len(ranks)),
        ]
        out[n] = values
    return out
