"""The vector store on real components: MiniLM, Chroma (embedded and a real `chroma run` server)."""

from __future__ import annotations

from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings

from retrieval.catalogue_types import Catalogue, entity_key
from retrieval.errors import StoreUnavailableError
from retrieval.vectors import (
    EmbeddingCache,
    MiniLMEmbeddingFunction,
    VectorStore,
    build_where,
    catalogue_documents,
    content_key,
    documents_fingerprint,
)
from tests.fixtures.vectors import SHIPPED_EMBEDDINGS, start_chroma_server

TOY_STORY = 1


def _slice(catalogue: Catalogue, n: int) -> Catalogue:
    ids = sorted(catalogue.items)[:n]
    return catalogue.subset(set(ids) | {TOY_STORY})


def test_descriptive_sentence_finds_the_movie(vector_store: VectorStore) -> None:
    hits = vector_store.query("a toy cowboy doll feels threatened by a new space ranger toy", k=3)
    assert TOY_STORY in [h.item_id for h in hits]
    assert all(0.0 <= h.distance <= 2.0 for h in hits)
    assert hits == sorted(hits, key=lambda h: h.distance)
    toy = next(h for h in hits if h.item_id == TOY_STORY)
    assert toy.title == "Toy Story (1995)"
    assert toy.snippet.startswith("Toy Story (1995)")


def test_query_vector_can_be_reused(vector_store: VectorStore) -> None:
    text = "gangsters and hitmen in Los Angeles"
    vector = vector_store.embed_query(text)
    assert vector.shape == (384,)
    assert [h.item_id for h in vector_store.query(vector=vector, k=5)] == [
        h.item_id for h in vector_store.query(text, k=5)
    ]


def test_filters_hold(vector_store: VectorStore, small_catalogue: Catalogue) -> None:
    items = small_catalogue.items

    def genres(item_id: int) -> set[str]:
        return {entity_key(g) for g in items[item_id].genres}

    text = "a gritty story about crime, love and songs"
    by_year = vector_store.query(text, k=20, year_min=1990, year_max=1999)
    assert len(by_year) == 20
    assert all(1990 <= (items[h.item_id].year or 0) <= 1999 for h in by_year)

    wanted = vector_store.query(text, k=20, genres_in=["Crime", "Musical"])
    assert len(wanted) == 20
    assert all(genres(h.item_id) & {"crime", "musical"} for h in wanted)

    unwanted = vector_store.query(text, k=20, genres_out=["crime", "Drama"])
    assert len(unwanted) == 20
    assert not any(genres(h.item_id) & {"crime", "drama"} for h in unwanted)

    first = vector_store.query(text, k=5)
    skipped = vector_store.query(text, k=5, exclude_ids=[h.item_id for h in first])
    assert not {h.item_id for h in first} & {h.item_id for h in skipped}

    combined = vector_store.query(text, k=10, year_min=2000, genres_in=["sci-fi"], genres_out=["Comedy"])
    assert combined
    for h in combined:
        assert (items[h.item_id].year or 0) >= 2000
        assert "sci fi" in genres(h.item_id) and "comedy" not in genres(h.item_id)


def test_build_where_shapes() -> None:
    assert build_where() is None
    assert build_where(genres_in=["Sci-Fi"]) == {"genres": {"$contains": "sci fi"}}
    where = build_where(year_max=1980, exclude_ids=[3, 1])
    assert where == {"$and": [{"year": {"$gte": 1}}, {"year": {"$lte": 1980}}, {"item_id": {"$nin": [1, 3]}}]}


def test_rebuild_is_idempotent_and_follows_the_catalogue(small_catalogue: Catalogue, tmp_path: Path) -> None:
    catalogue = _slice(small_catalogue, 60)
    store = VectorStore.persistent(tmp_path / "db", "items", seed_cache_dirs=[SHIPPED_EMBEDDINGS])
    first = store.build(catalogue, batch_size=16)
    assert first.total == first.added == len(catalogue.items)

    again = store.build(catalogue)
    assert (again.total, again.added, again.updated, again.unchanged) == (first.total, 0, 0, first.total)

    gone = sorted(catalogue.items)[-10:]
    changed_item = catalogue.items[TOY_STORY].model_copy(
        update={"overview": "A boy's toys come alive and quarrel."}
    )
    smaller = catalogue.subset(set(catalogue.items) - set(gone))
    smaller.items[TOY_STORY] = changed_item
    report = store.build(smaller)
    assert report.removed == 10
    assert report.updated == 1 and report.embedded == 1
    assert store.count() == len(catalogue.items) - 10
    assert store.query("toys come alive and quarrel", k=1)[0].item_id == TOY_STORY


def _expected_fingerprint(catalogue: Catalogue, store: VectorStore) -> str:
    model = store.embedding_function.model_name
    return documents_fingerprint(
        {d.id: content_key(d.text, model).hex() for d in catalogue_documents(catalogue)}
    )


def test_a_finished_build_records_its_fingerprint_and_an_unfinished_one_none(
    small_catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = _slice(small_catalogue, 30)
    store = VectorStore.persistent(tmp_path / "db", "items", seed_cache_dirs=[SHIPPED_EMBEDDINGS])
    store.build(catalogue)
    first = store.fingerprint()
    assert first == _expected_fingerprint(catalogue, store)
    reader = VectorStore.persistent(tmp_path / "db", "items")  # another client of the same collection
    assert reader.fingerprint() == first

    changed = catalogue.subset(set(catalogue.items))
    changed.items[TOY_STORY] = catalogue.items[TOY_STORY].model_copy(update={"overview": "Toys argue."})

    def broken(*args: object) -> None:
        raise RuntimeError("embedding died")

    monkeypatch.setattr(store.cache, "embed", broken)
    with pytest.raises(RuntimeError):
        store.build(changed)
    assert reader.fingerprint() == ""  # an unfinished build matches no published fingerprint
    monkeypatch.undo()
    store.build(changed)
    assert store.count() == len(catalogue.items)  # the same count ...
    assert reader.fingerprint() == _expected_fingerprint(changed, store) != first  # ... another fingerprint


def test_embedding_cache_avoids_recomputation(small_catalogue: Catalogue, tmp_path: Path) -> None:
    catalogue = _slice(small_catalogue, 24)
    n = len(catalogue.items)
    cold_fn = MiniLMEmbeddingFunction()
    cold = VectorStore.persistent(
        tmp_path / "a", "items", cache_dir=tmp_path / "cache", embedding_function=cold_fn
    )
    assert cold.build(catalogue).embedded == n
    assert cold_fn.encoded == n
    assert len(EmbeddingCache(tmp_path / "cache")) == n  # persisted

    warm_fn = MiniLMEmbeddingFunction()
    warm = VectorStore.persistent(
        tmp_path / "b", "items", cache_dir=tmp_path / "cache", embedding_function=warm_fn
    )
    report = warm.build(catalogue)
    assert (report.total, report.embedded, warm_fn.encoded) == (n, 0, 0)
    a = cold.query("toy cowboy", k=5)
    assert [h.item_id for h in a] == [h.item_id for h in warm.query("toy cowboy", k=5)]


def test_shipped_embeddings_cover_the_bundled_catalogue(bundled_catalogue: Catalogue) -> None:
    """data/embeddings is current: rerun scripts/precompute_embeddings.py when this fails."""
    from retrieval.vectors import content_key

    cache = EmbeddingCache(None, seeds=[SHIPPED_EMBEDDINGS])
    docs = catalogue_documents(bundled_catalogue)
    missing = [d.item_id for d in docs if content_key(d.text) not in cache]
    assert len(missing) <= len(docs) // 100, f"{len(missing)} documents not precomputed, e.g. {missing[:5]}"


def test_missing_collection_is_store_unavailable(tmp_path: Path) -> None:
    store = VectorStore.persistent(tmp_path / "empty", "items")
    assert store.count() == 0
    with pytest.raises(StoreUnavailableError, match="parley ingest") as info:
        store.query("anything")
    assert info.value.store == "vector"


def test_reopened_collection_keeps_our_embedding_function(vector_store: VectorStore) -> None:
    """Opened without an embedding function, the collection rebuilds ours from its config (it is
    registered), so query_texts embeds with MiniLM offline instead of Chroma's downloading default."""
    client = vector_store.client
    collection = client.get_collection(vector_store.collection_name)
    assert isinstance(collection.configuration.get("embedding_function"), MiniLMEmbeddingFunction)
    result = collection.query(query_texts=["a toy cowboy doll and a space ranger toy"], n_results=3)
    assert str(TOY_STORY) in result["ids"][0]


def test_server_mode(chroma_server: str, small_catalogue: Catalogue) -> None:
    catalogue = _slice(small_catalogue, 40)
    store = VectorStore.http(chroma_server, "items_http", seed_cache_dirs=[SHIPPED_EMBEDDINGS])
    store.drop()
    report = store.build(catalogue)
    assert report.total == store.count() == len(catalogue.items)
    assert store.build(catalogue).unchanged == len(catalogue.items)
    assert VectorStore.http(chroma_server, "items_http").fingerprint() == _expected_fingerprint(
        catalogue, store
    )
    hits = store.query(
        "a toy cowboy doll feels threatened by a new space ranger toy", k=3, genres_out=["Drama"]
    )
    assert hits[0].item_id == TOY_STORY
    client = chromadb.HttpClient(
        host="127.0.0.1",
        port=int(chroma_server.rsplit(":", 1)[1]),
        settings=Settings(anonymized_telemetry=False),
    )
    assert client.get_collection("items_http").count() == len(catalogue.items)


def test_server_unreachable_is_store_unavailable(small_catalogue: Catalogue, tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="cannot reach"):
        VectorStore.http("http://127.0.0.1:9", "items")

    with start_chroma_server(tmp_path / "db") as url:
        store = VectorStore.http(url, "items", seed_cache_dirs=[SHIPPED_EMBEDDINGS])
        store.build(_slice(small_catalogue, 10))
        assert store.query("toy", k=1)
    with pytest.raises(StoreUnavailableError) as info:
        store.query("toy", k=1)
    assert info.value.store == "vector" and "chroma run" in info.value.fix
