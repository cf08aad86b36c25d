"""Beyond-accuracy figures of ranked lists: popularity, long tail, catalogue coverage, diversity, and
drift towards the chat corpus's most-mentioned films.

The metric functions take one list (or the lists of a run) and plain lookups; ``BeyondAccuracy``
gathers a run's top-``k`` lists per ranker (``add``) and reports each ranker's figures
(``by_ranker``), over every case and over the cases where the person's taste is known (at least
one liked film). Popularity is the number of ratings of an item in the bundled MovieLens ratings
(``Evaluation.popularity_counts``); the chat corpus's mention counts are
``Evaluation.chat_mention_counts``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from bot.evaluation import Evaluation

K = 10
HEAD_SHARE = 0.1  # the head: the top 10% of the catalogue by ratings count
CHAT_TOP = 50  # the chat corpus's most-mentioned films


def popularity_percentiles(counts: Mapping[int, int]) -> dict[int, float]:
    """Each item's mid-rank popularity percentile in the catalogue, 0-100:
    ``100 * (#items with fewer ratings + 0.5 * #items with as many) / #items`` (the least rated
    items sit near 0, the most rated near 100; ties share one value)."""
    n = len(counts)
    below: dict[int, int] = {}
    same: dict[int, int] = {}
    for value in counts.values():
        same[value] = same.get(value, 0) + 1
    seen = 0
    for value in sorted(same):
        below[value] = seen
        seen += same[value]
    return {i: 100.0 * (below[c] + 0.5 * same[c]) / n for i, c in counts.items()}


def head_items(counts: Mapping[int, int], share: float = HEAD_SHARE) -> set[int]:
    """The ``ceil(share * #items)`` most-rated items (ties broken by the smaller id): the head;
    every other item is the long tail."""
    n = math.ceil(share * len(counts))
    return set(sorted(counts, key=lambda i: (-counts[i], i))[:n])


def top_mentioned(mentions: Mapping[int, int], n: int = CHAT_TOP) -> set[int]:
    """The ``n`` most-mentioned items of a chat corpus (ties broken by the smaller id)."""
    return set(sorted(mentions, key=lambda i: (-mentions[i], i))[:n])


def mean_popularity_percentile(ranked: Sequence[int], percentiles: Mapping[int, float]) -> float | None:
    """Mean popularity percentile of the listed items (an item outside the catalogue counts 0);
    None for an empty list."""
    if not ranked:
        return None
    return sum(percentiles.get(i, 0.0) for i in ranked) / len(ranked)


def share_in(ranked: Sequence[int], group: Collection[int]) -> float | None:
    """Share of the listed items that are in ``group`` (None for an empty list)."""
    if not ranked:
        return None
    return sum(1 for i in ranked if i in group) / len(ranked)


def long_tail_share(ranked: Sequence[int], head: Collection[int]) -> float | None:
    """Share of the listed items outside the head (``head_items``)."""
    share = share_in(ranked, head)
    return None if share is None else 1.0 - share


def catalogue_coverage(lists: Iterable[Sequence[int]], catalogue_size: int) -> float:
    """Distinct items over all the lists of a run / catalogue size."""
    distinct = {i for ranked in lists for i in ranked}
    return len(distinct) / catalogue_size if catalogue_size else 0.0


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; two empty sets are identical (1.0)."""
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def intra_list_diversity(ranked: Sequence[int], genres: Mapping[int, frozenset[str]]) -> float | None:
    """Mean over the list's item pairs of ``1 - Jaccard(genres_i, genres_j)``: 0 when every item
    has the same genres, 1 when no two share one. None for fewer than two items. (Genre Jaccard,
    not embedding cosine: the genres are in the item table, the same for every ranker.)"""
    pairs = list(combinations(ranked, 2))
    if not pairs:
        return None
    empty: frozenset[str] = frozenset()
    return sum(1.0 - jaccard(genres.get(a, empty), genres.get(b, empty)) for a, b in pairs) / len(pairs)


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return round(sum(kept) / len(kept), 4) if kept else None


class BeyondAccuracy:
    """Collects a run's top-``k`` lists per ranker and reports, per ranker: ``popularity_percentile``
    (mean over cases of the list's mean), ``long_tail_share``, ``catalogue_coverage``,
    ``intra_list_diversity``, ``chat_top50_share`` (share from the chat corpus's 50 most-mentioned
    films) and ``n_cases`` (cases whose list is not empty; the means are over those);
    ``taste_known``: the same over the cases with at least one liked film."""

    def __init__(
        self,
        counts: Mapping[int, int],
        genres: Mapping[int, frozenset[str]],
        mentions: Mapping[int, int],
        k: int = K,
    ) -> None:
        self.k = k
        self.catalogue_size = len(counts)
        self.percentiles = popularity_percentiles(counts)
        self.head = head_items(counts)
        self.chat_top = top_mentioned(mentions)
        self.genres = genres
        self.lists: dict[str, list[tuple[list[int], bool]]] = {}

    @classmethod
    def of(cls, evaluation: Evaluation, k: int = K) -> BeyondAccuracy:
        counts = evaluation.popularity_counts()
        genres = {i: frozenset(evaluation.facts(i).get("genres", [])) for i in counts}
        return cls(counts, genres, evaluation.chat_mention_counts(), k)

    def add(self, ranker: str, ranked: Sequence[int], taste_known: bool) -> None:
        """One case's ranking (cut to ``k``); ``taste_known``: the case knows a liked film."""
        self.lists.setdefault(ranker, []).append((list(ranked[: self.k]), taste_known))

    def figures(self, lists: Sequence[list[int]]) -> dict[str, Any]:
        return {
            "popularity_percentile": _mean(mean_popularity_percentile(r, self.percentiles) for r in lists),
            "long_tail_share": _mean(long_tail_share(r, self.head) for r in lists),
            "catalogue_coverage": round(catalogue_coverage(lists, self.catalogue_size), 4),
            "intra_list_diversity": _mean(intra_list_diversity(r, self.genres) for r in lists),
            "chat_top50_share": _mean(share_in(r, self.chat_top) for r in lists),
            "n_cases": sum(1 for r in lists if r),  # the cases with a non-empty list
        }

    def by_ranker(self) -> dict[str, dict[str, Any]]:
        return {
            name: self.figures([r for r, _ in cases])
            | {"taste_known": self.figures([r for r, known in cases if known])}
            for name, cases in self.lists.items()
        }


KEYS = [
    "popularity_percentile",
    "long_tail_share",
    "catalogue_coverage",
    "intra_list_diversity",
    "chat_top50_share",
    "n_cases",
]


def markdown(by_ranker: Mapping[str, Mapping[str, Any]], what: str = f"top {K} of each ranker") -> list[str]:
    """The beyond-accuracy tables (every case; cases with a liked film known) as markdown lines,
    one row per ranker (or policy); ``what`` names the lists in the heading."""

    def table(rows: Mapping[str, Mapping[str, Any]]) -> list[str]:
        lines = ["| | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
        for name, row in rows.items():
            cells = ("–" if row.get(key) is None else str(row[key]) for key in KEYS)
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        return lines

    return [
        f"## Beyond accuracy ({what})",
        "",
        "Popularity percentile: mid-rank percentile of the ratings count in the catalogue (0-100); long "
        "tail: outside the top 10% by ratings; coverage: distinct recommended items / catalogue; "
        "diversity: mean pairwise 1 - genre Jaccard; chat top-50: share from the 50 films most "
        "mentioned in the chat corpus.",
        "",
        *table(by_ranker),
        "",
        "Cases where the person's taste is known (at least one liked film):",
        "",
        *table({name: row["taste_known"] for name, row in by_ranker.items()}),
    ]
