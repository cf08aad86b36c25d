"""Each tool through its Args, on the real stores; the OpenAI schemas."""

from __future__ import annotations

import json

from tests.fixtures.catalogue import MICHAEL_MANN, MUSICALS
from tests.fixtures.tools import ToolSet
from tools.cf_score import CfScoreArgs
from tools.kg_lookup import KgLookupArgs
from tools.registry import TOOL_CLASSES, openai_schemas
from tools.vector_search import VectorSearchArgs


def test_kg_lookup_link(toolset: ToolSet) -> None:
    result = toolset.kg_lookup(action="link", text="Heat")
    assert result.entities[0].item_id == 6


def test_kg_lookup_facts(toolset: ToolSet) -> None:
    result = toolset.kg_lookup.run(KgLookupArgs(action="facts", target_id=6))
    assert result.facts is not None
    assert result.facts["title"].startswith("Heat")
    assert "Michael Mann" in result.facts["directors"]


def test_kg_lookup_neighbours(toolset: ToolSet) -> None:
    result = toolset.kg_lookup.run(KgLookupArgs(action="neighbours", item_ids=[6], limit=20))
    ids = [n.item_id for n in result.neighbours]
    assert 6 not in ids
    assert set(ids) & (set(MICHAEL_MANN) - {6})
    assert all(n.evidence for n in result.neighbours)
    scores = [n.score for n in result.neighbours]
    assert scores == sorted(scores, reverse=True)


def test_kg_lookup_paths(toolset: ToolSet) -> None:
    result = toolset.kg_lookup.run(KgLookupArgs(action="paths", item_ids=[6], target_id=8798, limit=5))
    assert result.paths
    assert any(p.kind == "shared_director" and "Michael Mann" in p.summary for p in result.paths)
    assert toolset.kg_lookup.run(KgLookupArgs(action="paths", item_ids=[6])).paths == []


def test_cf_score_knn_and_svd(toolset: ToolSet) -> None:
    liked = [296, 1089, 47]
    for method in ("knn", "svd"):
        result = toolset.cf_score.run(CfScoreArgs(liked_item_ids=liked, method=method, limit=15))
        assert not result.fallback
        assert 0 < len(result.items) <= 15
        ids = [i.item_id for i in result.items]
        assert not set(ids) & set(liked)
        assert len(ids) == len(set(ids))
        assert all(i.evidence for i in result.items)


def test_cf_score_fallback(toolset: ToolSet) -> None:
    result = toolset.cf_score.run(CfScoreArgs(method="knn", limit=5))
    assert result.fallback
    assert len(result.items) == 5


def test_cf_score_excludes(toolset: ToolSet) -> None:
    first = toolset.cf_score.run(CfScoreArgs(liked_item_ids=[296], limit=5))
    skip = [i.item_id for i in first.items[:2]]
    again = toolset.cf_score.run(CfScoreArgs(liked_item_ids=[296], exclude_item_ids=skip, limit=5))
    assert not {i.item_id for i in again.items} & set(skip)


def test_vector_search_with_filters(toolset: ToolSet) -> None:
    args = VectorSearchArgs(
        text="a singing and dancing romance",
        year_min=1950,
        year_max=1980,
        genres_out=["Horror"],
        exclude_item_ids=[1035],
        limit=10,
    )
    result = toolset.vector_search.run(args)
    assert result.items
    for match in result.items:
        row = toolset.items.rows[match.item_id]
        assert row.year is not None and 1950 <= row.year <= 1980
        assert "Horror" not in row.genres
        assert match.item_id != 1035
        assert match.evidence and match.evidence[0].source == "vector"
    assert set(MUSICALS) & {m.item_id for m in result.items}


def test_vector_search_genres_in(toolset: ToolSet) -> None:
    result = toolset.vector_search(text="a heist", genres_in=["Crime"], limit=10)
    assert result.items
    assert all("Crime" in toolset.items.rows[m.item_id].genres for m in result.items)


def test_openai_schemas() -> None:
    schemas = openai_schemas()
    assert [s["function"]["name"] for s in schemas] == [cls.name for cls in TOOL_CLASSES]
    for schema in schemas:
        json.dumps(schema)
        assert schema["type"] == "function"
        function = schema["function"]
        assert function["name"] and function["description"]
        params = function["parameters"]
        assert params["type"] == "object"
        assert params["properties"]
