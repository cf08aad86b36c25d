"""The graph a catalogue describes (movies, entities, ranked links), keyed the way the graph is, with
a digest that tells whether the graph already holds it."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from retrieval.catalogue_types import Catalogue, entity_key
from retrieval.graph.schema import BY_RELATION, ENTITY_LABELS, MOVIE, REL_SPECS, SCHEMA_VERSION, RelSpec


@dataclass
class DesiredGraph:
    """The graph a catalogue describes, keyed the way the graph is."""

    movies: dict[int, dict[str, Any]]  # item_id -> {item_id, title, year, overview}
    entities: dict[str, dict[str, str]]  # label -> key -> name (the first spelling seen)
    links: dict[str, dict[int, list[str]]]  # rel type -> item_id -> keys, in rank order
    skipped_facts: int = 0

    def digest(self) -> str:
        """sha256 over a canonical JSON form of the whole described graph."""
        canonical = {
            "schema": SCHEMA_VERSION,
            "movies": sorted(self.movies.items()),
            "entities": {label: sorted(names.items()) for label, names in self.entities.items()},
            "links": {rel: sorted(per_movie.items()) for rel, per_movie in self.links.items()},
        }
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()

    def degrees(self) -> dict[str, Counter[str]]:
        """Per entity label and key, the number of distinct movies linked to it."""
        movies: dict[tuple[str, str], set[int]] = defaultdict(set)
        for spec in REL_SPECS:
            for item_id, keys in self.links[spec.type].items():
                for key in keys:
                    movies[(spec.label, key)].add(item_id)
        degrees: dict[str, Counter[str]] = {label: Counter() for label in ENTITY_LABELS}
        for (label, key), ids in movies.items():
            degrees[label][key] = len(ids)
        return degrees

    def counts(self) -> dict[str, int]:
        counts = {MOVIE: len(self.movies)} | {label: len(names) for label, names in self.entities.items()}
        for rel, per_movie in self.links.items():
            counts[rel] = sum(len(keys) for keys in per_movie.values())
        return counts


def describe(catalogue: Catalogue) -> DesiredGraph:
    """The nodes and relationships ``catalogue`` asks for."""
    movies: dict[int, dict[str, Any]] = {}
    entities: dict[str, dict[str, str]] = {label: {} for label in ENTITY_LABELS}
    links: dict[str, dict[int, list[str]]] = {spec.type: defaultdict(list) for spec in REL_SPECS}
    seen: set[tuple[str, int, str]] = set()
    skipped = 0

    def link(spec: RelSpec, item_id: int, name: str) -> bool:
        key = entity_key(name)
        if not key:
            return False
        entities[spec.label].setdefault(key, name.strip())
        if (spec.type, item_id, key) not in seen:
            seen.add((spec.type, item_id, key))
            links[spec.type][item_id].append(key)
        return True

    genre = BY_RELATION["genre"]
    for item in catalogue.items.values():
        movies[item.item_id] = {
            "item_id": item.item_id,
            "title": item.title,
            "year": item.year,
            "overview": item.overview or None,
        }
        for name in item.genres:
            link(genre, item.item_id, name)
    for fact in catalogue.facts:
        if fact.item_id in movies and not link(BY_RELATION[fact.relation], fact.item_id, fact.value):
            skipped += 1
    return DesiredGraph(
        movies=movies,
        entities=entities,
        links={rel: dict(per_movie) for rel, per_movie in links.items()},
        skipped_facts=skipped,
    )
