"""GraphStore on a real ArcadeDB server over Bolt (fixtures in tests/fixtures/graph.py). No mocks."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from retrieval.catalogue_types import Catalogue, Fact, Item
from retrieval.errors import GraphQueryError, StoreUnavailableError
from retrieval.graph import EmbeddedGraphServer, GraphStore, describe
from tests.fixtures.catalogue import MICHAEL_MANN

HEAT, COLLATERAL, THE_INSIDER = 6, 8798, 3006
MANN_WITH_FACT = {6, 8798, 3006, 4210, 1408, 5009, 47044}  # the Mann films with a director fact
EVIL = "x'}) MATCH (n) DETACH DELETE n //"


def schema_counts(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if not k.startswith("all_")}


# -- loading -----------------------------------------------------------------------------------
def test_counts_match_the_catalogue(graph_store: GraphStore, small_catalogue: Catalogue) -> None:
    counts = graph_store.counts()
    want = describe(small_catalogue).counts()
    assert counts["Movie"] == len(small_catalogue.items) == 400
    assert {k: counts[k] for k in want} == want
    assert counts["nodes"] == sum(counts[k] for k in ("Movie", "Person", "Genre", "Keyword", "Country"))
    assert counts["DIRECTED"] > 0 and counts["ACTED_IN"] > 0 and counts["HAS_KEYWORD"] > 0


def test_loading_twice_gives_identical_counts(scratch_graph: GraphStore, small_catalogue: Catalogue) -> None:
    phases: list[str] = []
    first = scratch_graph.load(small_catalogue, batch_size=500, progress=lambda p, d, t: phases.append(p))
    assert first.movies_written == 400 and first.relationships_created > 0
    assert {"movies", "entities", "relationships"} <= set(phases)
    counts = scratch_graph.counts()
    second = scratch_graph.load(small_catalogue)
    assert second.unchanged and not second.changed
    assert scratch_graph.counts() == counts
    forced = scratch_graph.load(small_catalogue, force=True)  # the full diff finds nothing to do
    assert not forced.unchanged and not forced.changed
    assert scratch_graph.counts() == counts


def test_reload_applies_changes_prunes_and_restores(
    scratch_graph: GraphStore, small_catalogue: Catalogue
) -> None:
    scratch_graph.load(small_catalogue, fingerprint="v1")
    original = scratch_graph.counts()
    assert scratch_graph.fingerprint() == "v1"
    items = dict(small_catalogue.items)
    del items[THE_INSIDER]
    items[HEAT] = items[HEAT].model_copy(update={"title": "Heat (renamed)"})
    facts = [f for f in small_catalogue.facts if f.item_id != THE_INSIDER and f.value != "Al Pacino"]
    facts.append(Fact(item_id=HEAT, relation="keyword", value="A Brand New Keyword"))
    changed = dataclasses.replace(small_catalogue, items=items, facts=facts)

    report = scratch_graph.load(changed, fingerprint="v2")
    assert report.movies_pruned == 1 and report.movies_written == 1
    assert report.relationships_created == 1 and report.relationships_deleted > 0
    assert report.relationships_reranked > 0  # cast members after Al Pacino moved up
    assert report.entities_pruned >= 1  # Al Pacino is named by no fact any more
    assert scratch_graph.movie(THE_INSIDER) is None
    heat = scratch_graph.movie(HEAT)
    assert heat is not None and heat["title"] == "Heat (renamed)"
    assert "Al Pacino" not in heat["cast"] and "A Brand New Keyword" in heat["keywords"]
    assert scratch_graph.find_people("al pacino") == []
    want = describe(changed).counts()
    assert {k: scratch_graph.counts()[k] for k in want} == want
    assert scratch_graph.fingerprint() == "v2"

    scratch_graph.load(small_catalogue)
    assert scratch_graph.counts() == original


def test_interrupted_load_is_completed(scratch_graph: GraphStore, small_catalogue: Catalogue) -> None:
    scratch_graph.load(small_catalogue)
    counts = scratch_graph.counts()
    # as if a load had died half-way: relationships of some movies are missing
    scratch_graph._write("MATCH (m:Movie)-[r:HAS_KEYWORD]->() WHERE m.item_id < 100 DELETE r")
    assert scratch_graph.counts()["HAS_KEYWORD"] < counts["HAS_KEYWORD"]
    report = scratch_graph.load(small_catalogue)  # the digest matches but the counts do not
    assert not report.unchanged and report.relationships_created > 0
    assert scratch_graph.counts() == counts


def test_load_stores_odd_text_verbatim_and_skips_keyless_facts(scratch_graph: GraphStore) -> None:
    items = {
        1: Item(item_id=1, title=EVIL, year=None, genres=("Drama",)),
        2: Item(item_id=2, title="Amélie", year=2001, genres=("Comedy", "Romance")),
    }
    facts = [
        Fact(item_id=1, relation="director", value="Jean-Pierre Jeunet"),
        Fact(item_id=2, relation="director", value="Jean-Pierre Jeunet"),
        Fact(item_id=2, relation="cast", value="Audrey Tautou"),
        Fact(item_id=2, relation="keyword", value="???"),  # entity_key("???") == "": skipped
    ]
    catalogue = Catalogue(items=items, ratings=_no_ratings(), facts=facts)
    report = scratch_graph.load(catalogue)
    assert report.skipped_facts == 1
    odd = scratch_graph.movie(1)
    assert odd is not None and odd["title"] == EVIL and odd["year"] is None and odd["overview"] == ""
    assert scratch_graph.counts()["Movie"] == 2
    assert [m["item_id"] for m in scratch_graph.movies_by_person("jean pierre jeunet")] == [
        2,
        1,
    ]  # undated last
    # a movie with only a director in common and genres apart: found through the person
    found = scratch_graph.shared_neighbours([2])
    assert [c["item_id"] for c in found] == [1]
    assert found[0]["shared"][0]["name"] == "Jean-Pierre Jeunet"


def test_genre_only_neighbours_fill_up(scratch_graph: GraphStore) -> None:
    items = {i: Item(item_id=i, title=f"Film {i}", year=2000, genres=("Drama",)) for i in range(1, 6)}
    items[6] = Item(item_id=6, title="Other", year=2000, genres=("Comedy",))
    scratch_graph.load(Catalogue(items=items, ratings=_no_ratings(), facts=[]))
    found = scratch_graph.shared_neighbours([1], limit=10)
    assert [c["item_id"] for c in found] == [2, 3, 4, 5]
    assert all(c["score"] == 0.5 and c["shared"][0]["relation"] == "genre" for c in found)
    assert scratch_graph.shared_neighbours([1], weights={"genre": 0}) == []


def _no_ratings() -> pd.DataFrame:
    return pd.DataFrame({"user_id": [], "item_id": [], "rating": [], "timestamp": []})


# -- lookups -----------------------------------------------------------------------------------
def test_heat_is_directed_by_michael_mann(graph_store: GraphStore) -> None:
    heat = graph_store.movie(HEAT)
    assert heat is not None
    assert heat["title"] == "Heat" and heat["year"] == 1995
    assert heat["directors"] == ["Michael Mann"]
    assert "Al Pacino" in heat["cast"] and "Robert De Niro" in heat["cast"]
    assert "Crime" in heat["genres"]
    assert heat["overview"]
    assert graph_store.movie(999_999_999) is None


def test_movies_by_person_and_find_people(graph_store: GraphStore) -> None:
    films = graph_store.movies_by_person("Michael Mann")
    ids = {f["item_id"] for f in films}
    assert {HEAT, COLLATERAL} <= ids <= set(MICHAEL_MANN)
    assert all(f["roles"] == ["director"] for f in films)
    assert [f["year"] for f in films] == sorted(f["year"] for f in films)
    exact = graph_store.find_people("michael mann")
    assert [p["key"] for p in exact] == ["michael mann"] and exact[0]["directed"] >= 2
    assert "michael mann" in [p["key"] for p in graph_store.find_people("Mann")]
    assert graph_store.find_people("") == [] and graph_store.movies_by_person("") == []


def test_shared_neighbours_of_heat_include_mann_films(graph_store: GraphStore) -> None:
    found = graph_store.shared_neighbours([HEAT], limit=20)
    assert found and HEAT not in [c["item_id"] for c in found]
    assert [c["score"] for c in found] == sorted((c["score"] for c in found), reverse=True)
    mann = [c for c in found if c["item_id"] in MANN_WITH_FACT]
    assert mann, "no Michael Mann film among Heat's neighbours"
    for candidate in mann:
        relations = {(e["relation"], e["key"]) for e in candidate["shared"]}
        assert ("director", "michael mann") in relations
        director = next(e for e in candidate["shared"] if e["relation"] == "director")
        assert director["via"] == [HEAT] and director["label"] == "Person" and director["weight"] == 3.0
        assert candidate["score"] == pytest.approx(sum(e["weight"] for e in candidate["shared"]))
    # a genre and the director in common
    assert any(any(e["relation"] == "genre" for e in c["shared"]) for c in mann)
    collateral = next((c for c in found if c["item_id"] == COLLATERAL), None)
    assert collateral is not None and collateral["title"] == "Collateral"


def test_shared_neighbours_weights_and_exclusions(graph_store: GraphStore) -> None:
    no_director = graph_store.shared_neighbours([HEAT], weights={"director": 0})
    assert all(e["relation"] != "director" for c in no_director for e in c["shared"])
    excluded = graph_store.shared_neighbours([HEAT], exclude_ids=[COLLATERAL])
    assert COLLATERAL not in [c["item_id"] for c in excluded]
    several = graph_store.shared_neighbours([HEAT, COLLATERAL], limit=5)
    assert len(several) == 5 and not {HEAT, COLLATERAL} & {c["item_id"] for c in several}
    assert graph_store.shared_neighbours([]) == []
    with_country = graph_store.shared_neighbours([HEAT], weights={"country": 0.25})  # two hub types
    assert any(e["relation"] == "country" and e["key"] == "usa" for c in with_country for e in c["shared"])
    for c in with_country:
        assert c["score"] == pytest.approx(sum(e["weight"] for e in c["shared"]))
    with pytest.raises(ValueError, match="unknown relation"):
        graph_store.shared_neighbours([HEAT], weights={"writer": 1.0})


def test_two_hop_path_between_mann_films_goes_through_the_director(graph_store: GraphStore) -> None:
    paths = graph_store.paths([HEAT], COLLATERAL)
    assert paths and all(p["hops"] == 2 for p in paths)
    best = paths[0]
    assert [n["label"] for n in best["nodes"]] == ["Movie", "Person", "Movie"]
    assert best["nodes"][1] == {"label": "Person", "id": "michael mann", "name": "Michael Mann"}
    assert best["nodes"][0]["id"] == HEAT and best["nodes"][2]["id"] == COLLATERAL
    assert best["relationships"] == [
        {"type": "DIRECTED", "start": 1, "end": 0},
        {"type": "DIRECTED", "start": 1, "end": 2},
    ]
    assert all(n["label"] != "Country" for p in paths for n in p["nodes"])  # weight 0: not meaningful


def test_four_hop_paths_and_bad_hops(graph_store: GraphStore) -> None:
    paths = graph_store.paths([HEAT], THE_INSIDER, max_hops=4, limit=200)
    four = [p for p in paths if p["hops"] == 4]
    labels = ["Movie", "Person", "Movie", "Person", "Movie"]
    assert four and all([n["label"] for n in p["nodes"]] == labels for p in four)
    assert all(p["nodes"][2]["id"] not in (HEAT, THE_INSIDER) for p in four)
    assert [p["hops"] for p in paths] == sorted(p["hops"] for p in paths)
    with pytest.raises(ValueError, match="max_hops"):
        graph_store.paths([HEAT], COLLATERAL, max_hops=3)
    assert graph_store.paths([HEAT], HEAT) == []


# -- safety --------------------------------------------------------------------------------------
def test_injection_text_as_parameter_matches_nothing(graph_store: GraphStore) -> None:
    before = graph_store.counts()
    assert graph_store.movies_by_person(EVIL) == []
    assert graph_store.find_people(EVIL) == []
    rows = graph_store.run_read(
        "MATCH (m:Movie) WHERE m.title = $title RETURN m.item_id AS id", {"title": EVIL}
    )
    assert rows == []
    assert graph_store.counts() == before


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) DETACH DELETE n",
        "CREATE (:Movie {item_id: -1, title: 'ghost'})",
        "match (m:Movie {item_id: 6}) set m.title = 'x' return m",
        "MERGE (p:Person {key: 'ghost'}) RETURN p",
        "MATCH (m:Movie) WITH m LIMIT 1 REMOVE m.title RETURN m",
        "CALL db.labels()",
        "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
        "MATCH (m:Movie) FOREACH (x IN [1] | CREATE (:Movie {item_id: -2}))",
        "DROP CONSTRAINT movie_item_id",
        "MATCH (m:Movie) /* */ DeLeTe m",
    ],
)
def test_run_read_refuses_writes(graph_store: GraphStore, query: str) -> None:
    before = graph_store.counts()
    with pytest.raises(GraphQueryError, match="refused"):
        graph_store.run_read(query)
    assert graph_store.counts() == before
    heat = graph_store.movie(HEAT)
    assert heat is not None and heat["title"] == "Heat"


def test_run_read_rolls_back_even_past_the_guard(
    scratch_graph: GraphStore, small_catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch_graph.load(small_catalogue.subset({HEAT, COLLATERAL}))
    before = scratch_graph.counts()
    monkeypatch.setattr("retrieval.graph.store.check_read_only", lambda query: None)  # layer 1 off
    rows = scratch_graph.run_read("CREATE (m:Movie {item_id: -1, title: 'ghost'}) RETURN m.item_id AS id")
    assert rows == [{"id": -1}]  # ArcadeDB ran the write inside the READ transaction ...
    assert scratch_graph.counts() == before  # ... and the rollback discarded it
    assert scratch_graph.movie(-1) is None


def test_run_read_answers_reads(graph_store: GraphStore) -> None:
    rows = graph_store.run_read(
        "MATCH (p:Person)-[:DIRECTED]->(m:Movie {item_id: $id}) RETURN p.name AS name, 'create set' AS text",
        {"id": HEAT},
    )
    assert rows == [{"name": "Michael Mann", "text": "create set"}]
    assert len(graph_store.run_read("MATCH (m:Movie) RETURN m.item_id AS id", max_rows=7)) == 7
    with pytest.raises(GraphQueryError, match="failed"):
        graph_store.run_read("MATCH (m:Movie RETURN m")


def test_common_entities_count_but_are_not_expanded(scratch_graph: GraphStore) -> None:
    items = {i: Item(item_id=i, title=f"Film {i}", year=2000) for i in range(1, 7)}
    facts = [Fact(item_id=i, relation="keyword", value="Common") for i in range(1, 6)]
    facts += [Fact(item_id=i, relation="director", value="Ann Auteur") for i in (1, 2)]
    scratch_graph.load(Catalogue(items=items, ratings=_no_ratings(), facts=facts))
    assert scratch_graph.run_read("MATCH (k:Keyword {key: 'common'}) RETURN k.movies AS n") == [{"n": 5}]
    every = scratch_graph.shared_neighbours([1], limit=10)
    narrow = scratch_graph.shared_neighbours([1], limit=10, hub_degree=3)  # "common" is now a hub
    assert [(c["item_id"], c["score"]) for c in every] == [(2, 4.0), (3, 1.0), (4, 1.0), (5, 1.0)]
    assert [(c["item_id"], c["score"]) for c in narrow] == [(c["item_id"], c["score"]) for c in every]
    assert {e["key"] for e in narrow[0]["shared"]} == {"ann auteur", "common"}
    assert [c["item_id"] for c in scratch_graph.shared_neighbours([1], limit=1, hub_degree=3)] == [2]


def test_missing_database_and_wrong_password_are_store_unavailable(graph_server: EmbeddedGraphServer) -> None:
    for database, password in (("no_such_db", graph_server.password), (graph_server.database, "wrong-pass")):
        with (
            GraphStore(graph_server.uri, graph_server.user, password, database, retry_time_s=0) as store,
            pytest.raises(StoreUnavailableError) as info,
        ):
            store.ping()
        assert info.value.store == "graph"
