"""A query's filter resolved to ids in memory (``retrieval.vectors.filter``) finds exactly what
Chroma's ``where`` finds: the same ids as ``get(where=...)`` and the same hits, distances included."""

from __future__ import annotations

import itertools
from typing import Any, cast

from retrieval.vectors import VectorStore, build_where
from retrieval.vectors.filter import MetadataFilter

FILTERS: list[dict[str, Any]] = [
    {"year_min": 1990},
    {"year_max": 1980},
    {"year_min": 1995, "year_max": 1999},
    {"genres_in": ["Crime", "Musical"]},
    {"genres_in": ["Sci-Fi"], "genres_out": ["Comedy"], "year_min": 2000},
    {"genres_out": ["Drama", "crime", "(no genres listed)"]},
    {"genres_out": ["Horror"], "exclude_ids": [1, 2, 3, 5, 47]},
    {"year_min": 2100},  # nothing passes
]
TEXTS = ("a gritty story about crime, love and songs", "toys come alive", "space war")


def test_the_ids_are_those_chroma_finds(vector_store: VectorStore) -> None:
    col = vector_store._get_collection(create=False)
    table = MetadataFilter().table(col)
    assert table is not None
    for filters in FILTERS:
        found = col.get(where=cast(Any, build_where(**filters)), include=[])["ids"]
        assert sorted(table.allowed(**filters)) == sorted(found), filters


def test_filtered_queries_find_the_same_hits_as_a_where(vector_store: VectorStore) -> None:
    chroma_filters = VectorStore(
        vector_store.client,
        vector_store.collection_name,
        where="test",
        embedding_function=vector_store.embedding_function,
    )
    chroma_filters._filter = MetadataFilter(max_documents=0)  # too many documents: Chroma filters
    for text, filters, k in itertools.product(TEXTS, FILTERS, (3, 20, 500)):
        vector = vector_store.embed_query(text)
        assert vector_store.query(vector=vector, k=k, **filters) == chroma_filters.query(
            vector=vector, k=k, **filters
        ), (text, filters, k)
    assert vector_store._filter.table(vector_store._get_collection(create=False)) is not None
    assert chroma_filters._filter.table(chroma_filters._get_collection(create=False)) is None
