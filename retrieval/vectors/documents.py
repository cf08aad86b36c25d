"""One text document and one metadata record per catalogue item, for the vector store.

Document (most distinctive text first; MiniLM reads at most 256 word pieces)::

    Toy Story (1995)
    Genres: Adventure, Animation, Children, Comedy, Fantasy
    Led by Woody, Andy's toys live happily ...
    Keywords: jealousy, toy, boy, friendship, ...
    Directed by: John Lasseter
    Starring: Tom Hanks, Tim Allen, Don Rickles

Metadata (Chroma metadata values cannot be None)::

    item_id: int, title: str (display title), year: int (0 when unknown),
    genres: list[str] of genre keys (``entity_key``: "Sci-Fi" -> "sci fi"; omitted when none),
    doc_key: hex content key of the document (the build skips items whose document is unchanged)

The collection's own metadata records ``documents_fingerprint`` of what a finished ``build`` wrote
(``parley_fingerprint``); ``parley ingest`` publishes the same value, and ``/readyz`` compares them.

Genre filters use Chroma's array operators: ``{"genres": {"$contains": "crime"}}`` and
``{"genres": {"$not_contains": "musical"}}`` (the latter also matches items without genres).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from retrieval.catalogue_types import Catalogue, Fact, Item, entity_key

MAX_KEYWORDS = 15
MAX_DIRECTORS = 3
MAX_CAST = 6
NO_GENRES = "(no genres listed)"


def genre_key(genre: str) -> str:
    return entity_key(genre)


@dataclass(frozen=True)
class ItemDocument:
    item_id: int
    text: str
    metadata: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.item_id)


def _unique(values: Sequence[str], limit: int) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        v = " ".join(value.split())
        if v and v.lower() not in seen:
            seen.add(v.lower())
            out.append(v)
        if len(out) >= limit:
            break
    return out


def document_text(item: Item, facts: Sequence[Fact]) -> str:
    by_relation: dict[str, list[str]] = defaultdict(list)
    for fact in facts:
        by_relation[fact.relation].append(fact.value)
    genres = [g for g in item.genres if g != NO_GENRES]
    lines = [item.display_title]
    if genres:
        lines.append("Genres: " + ", ".join(genres))
    if item.overview.strip():
        lines.append(" ".join(item.overview.split()))
    keywords = _unique(by_relation["keyword"], MAX_KEYWORDS)
    if keywords:
        lines.append("Keywords: " + ", ".join(keywords))
    directors = _unique(by_relation["director"], MAX_DIRECTORS)
    if directors:
        lines.append("Directed by: " + ", ".join(directors))
    cast = _unique(by_relation["cast"], MAX_CAST)
    if cast:
        lines.append("Starring: " + ", ".join(cast))
    return "\n".join(lines)


def item_metadata(item: Item) -> dict[str, Any]:
    meta: dict[str, Any] = {"item_id": item.item_id, "title": item.display_title, "year": item.year or 0}
    genres = sorted({genre_key(g) for g in item.genres if g != NO_GENRES and genre_key(g)})
    if genres:
        meta["genres"] = genres
    return meta


def catalogue_documents(catalogue: Catalogue) -> list[ItemDocument]:
    """Documents for every item, ordered by item id."""
    facts: dict[int, list[Fact]] = defaultdict(list)
    for fact in catalogue.facts:
        facts[fact.item_id].append(fact)
    return [
        ItemDocument(item_id=i, text=document_text(item, facts[i]), metadata=item_metadata(item))
        for i, item in sorted(catalogue.items.items())
    ]


def documents_fingerprint(keys: Mapping[str, str]) -> str:
    """sha256 over document ids and their hex content keys, in id order: equal exactly when two
    collections hold the same documents with the same embeddings (model included in the key)."""
    digest = hashlib.sha256()
    for doc_id in sorted(keys):
        digest.update(f"{doc_id}:{keys[doc_id]}\n".encode())
    return digest.hexdigest()
