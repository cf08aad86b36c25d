"""An in-memory table of catalogue items (what does not change per turn): titles, years, genres,
people and keywords, used for hard constraints, diversity and display."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from retrieval.catalogue_types import Catalogue, entity_key
from tools.linking import primary_key

RECENT_YEARS = 3


@dataclass(frozen=True)
class ItemRow:
    item_id: int
    title: str
    year: int | None
    genres: frozenset[str]
    directors: frozenset[str] = frozenset()  # entity keys
    cast: frozenset[str] = frozenset()  # entity keys
    keywords: frozenset[str] = frozenset()  # entity keys
    franchise: str = ""
    popularity: int = 0
    recent_popularity: int = 0  # ratings in the last RECENT_YEARS of the ratings log
    features: frozenset[str] = field(default_factory=frozenset)
    runtime: int | None = None  # minutes; None = unknown
    language: str = ""  # original language (ISO 639-1); "" = unknown
    countries: frozenset[str] = frozenset()  # production countries as the graph names them ("France")

    def by_any(self, people: frozenset[str]) -> bool:
        """Whether one of ``people`` (entity keys) directed or is in the cast of the item."""
        return not (people.isdisjoint(self.directors) and people.isdisjoint(self.cast))

    @property
    def display_title(self) -> str:
        """The main title without alternative titles in brackets ("Léon: The Professional")."""
        return re.sub(r"\s*\([^()]*\)", "", self.title).strip() or self.title


def franchise_key(title: str) -> str:
    """``"Star Wars: Episode V - ..."`` and ``"Star Wars"`` share ``"star wars"``; trailing sequel
    numbers are dropped (``"Toy Story 2"`` -> ``"toy story"``)."""
    key = primary_key(title.split(":")[0])
    key = re.sub(r"\s+(\d+|ii|iii|iv|v|vi|part \w+)$", "", key)
    return re.sub(r"^(the|a|an) ", "", key)


class ItemTable:
    """Catalogue items by id, with the feature sets diversity and constraints need."""

    def __init__(self, rows: Mapping[int, ItemRow], latest_year: int | None = None) -> None:
        self.rows = rows  # a dict here; rows read from disk in ``tools.item_store.DiskItemTable``
        # the catalogue's newest year ("something recent" counts back from it); None without years
        self.latest_year = (
            latest_year
            if latest_year is not None
            else max((row.year for row in rows.values() if row.year is not None), default=None)
        )

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> ItemTable:
        people: dict[int, dict[str, set[str]]] = {}
        countries: dict[int, set[str]] = {}
        for fact in catalogue.facts:
            people.setdefault(fact.item_id, {}).setdefault(fact.relation, set()).add(entity_key(fact.value))
            if fact.relation == "country":
                countries.setdefault(fact.item_id, set()).add(fact.value)
        ratings = catalogue.ratings
        counts = ratings["item_id"].value_counts().to_dict()
        recent_counts: dict[object, int] = {}
        if len(ratings):
            cutoff = float(ratings["timestamp"].max()) - RECENT_YEARS * 365.25 * 86400
            recent_counts = ratings.loc[ratings["timestamp"] >= cutoff, "item_id"].value_counts().to_dict()
        rows = {}
        for item_id, item in catalogue.items.items():
            facts = people.get(item_id, {})
            directors = frozenset(facts.get("director", set()))
            keywords = frozenset(facts.get("keyword", set()))
            features = frozenset(
                {f"g:{g}" for g in item.genres} | {f"d:{d}" for d in directors} | {f"k:{k}" for k in keywords}
            )
            rows[item_id] = ItemRow(
                item_id=item_id,
                title=item.title,
                year=item.year,
                genres=frozenset(item.genres),
                directors=directors,
                cast=frozenset(facts.get("cast", set())),
                keywords=keywords,
                franchise=franchise_key(item.title),
                popularity=int(counts.get(item_id, 0)),
                recent_popularity=int(recent_counts.get(item_id, 0)),
                features=features,
                runtime=item.runtime,
                language=item.language,
                countries=frozenset(countries.get(item_id, set())),
            )
        return cls(rows)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.rows

    def get(self, item_id: int) -> ItemRow | None:
        return self.rows.get(item_id)

    def similarity(self, a: int, b: int) -> float:
        """Jaccard similarity of genre/director/keyword sets; same franchise counts as 0.9 at least."""
        ra, rb = self.rows[a], self.rows[b]
        union = len(ra.features | rb.features)
        sim = len(ra.features & rb.features) / union if union else 0.0
        if ra.franchise and ra.franchise == rb.franchise:
            sim = max(sim, 0.9)
        return sim
