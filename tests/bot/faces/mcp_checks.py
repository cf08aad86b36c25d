"""What the MCP server must do, checked through the SDK's own client on any transport (stdio or HTTP).

``run_all(client, catalogue_ids, secret)`` lists the tools and resources, calls every tool on the test
catalogue (ids are catalogue ids, reasons carry evidence, hard constraints hold) and sends bad
arguments, which must be tool errors with a clear message that change nothing."""

from __future__ import annotations

import json
from typing import Any

from mcp import Client
from mcp.types import CallToolResult, TextContent, TextResourceContents

HEAT, COLLATERAL = 6, 8798
MICHAEL_MANN_FILMS = {6, 8798, 5867, 3006, 4210, 1408, 5009, 47044, 69640, 120637}
TOOL_NAMES = {"search_catalogue", "item_facts", "recommend", "explain", "feedback"}


def _text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


async def call(client: Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    assert not result.is_error, f"{name}({arguments}) failed: {_text(result)}"
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def tool_error(client: Client, name: str, arguments: dict[str, Any], *expected: str) -> str:
    result = await client.call_tool(name, arguments)
    text = _text(result)
    assert result.is_error, f"{name}({arguments}) should fail, got {result.structured_content}"
    assert "Traceback" not in text and 'File "' not in text
    for part in expected:
        assert part in text, f"{part!r} not in the error {text!r}"
    return text


def check_items(items: list[dict[str, Any]], catalogue_ids: set[int]) -> None:
    assert items
    for item in items:
        assert item["item_id"] in catalogue_ids
        assert item["reasons"], item
        for reason in item["reasons"]:
            assert reason["text"] and reason["source"] in {"kg", "cf", "vector"}
            assert reason["evidence"].get("kind"), reason


async def check_listing(client: Client, secret: str) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == TOOL_NAMES
    for tool in tools.values():
        assert tool.description
        assert tool.input_schema["type"] == "object" and tool.input_schema["properties"]
        assert tool.input_schema.get("additionalProperties") is False
        assert tool.output_schema is not None and tool.output_schema.get("properties")
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is (tool.name != "feedback")
    assert tools["search_catalogue"].input_schema["required"] == ["query"]
    assert set(tools["recommend"].input_schema["properties"]) >= {
        "liked",
        "disliked",
        "genres_in",
        "genres_out",
        "years",
        "runtime",
        "languages",
        "description",
        "k",
        "conversation_id",
    }
    assert "items" in tools["recommend"].output_schema["properties"]

    resources = {str(r.uri): r for r in (await client.list_resources()).resources}
    assert set(resources) == {"parley://genres", "parley://settings"}
    genres = await _resource(client, "parley://genres")
    names = {g["genre"] for g in genres["genres"]}
    assert {"Crime", "Drama", "Comedy"} <= names and all(g["items"] > 0 for g in genres["genres"])
    raw = await _resource_text(client, "parley://settings")
    assert secret not in raw
    settings = json.loads(raw)
    assert "neo4j_password" not in settings["settings"] and "openai_api_key" not in settings["settings"]
    assert settings["recommender"]["catalogue_items"] > 0


async def _resource_text(client: Client, uri: str) -> str:
    contents = (await client.read_resource(uri)).contents
    assert len(contents) == 1 and isinstance(contents[0], TextResourceContents)
    assert contents[0].mime_type == "application/json"
    return contents[0].text


async def _resource(client: Client, uri: str) -> dict[str, Any]:
    data = json.loads(await _resource_text(client, uri))
    assert isinstance(data, dict)
    return data


async def check_tools(client: Client, catalogue_ids: set[int], conversation: str) -> None:
    found = await call(client, "search_catalogue", {"query": "Heat"})
    check_items(found["items"], catalogue_ids)
    assert found["items"][0]["item_id"] == HEAT
    assert found["items"][0]["reasons"][0]["evidence"]["kind"] == "title"

    by_person = await call(client, "search_catalogue", {"query": "Michael Mann", "limit": 5})
    check_items(by_person["items"], catalogue_ids)
    assert {i["item_id"] for i in by_person["items"]} <= MICHAEL_MANN_FILMS

    described = await call(
        client,
        "search_catalogue",
        {
            "query": "bank robbers and detectives in Los Angeles",
            "year_min": 1990,
            "year_max": 2005,
            "genres": ["crime"],
        },
    )
    check_items(described["items"], catalogue_ids)
    assert all(1990 <= i["year"] <= 2005 and "Crime" in i["genres"] for i in described["items"])

    facts = await call(client, "item_facts", {"item_id": HEAT})
    assert facts["item_id"] == HEAT and facts["title"] == "Heat" and facts["year"] == 1995
    assert any("mann" in d for d in facts["directors"])

    ranked = await call(client, "recommend", {"liked": [HEAT], "genres_out": ["Comedy"], "k": 5})
    check_items(ranked["items"], catalogue_ids)
    assert len(ranked["items"]) == 5
    assert HEAT not in {i["item_id"] for i in ranked["items"]}
    assert all("Comedy" not in i["genres"] for i in ranked["items"])
    assert ranked["profile"]["liked_items"] == [HEAT]

    by_title = await call(
        client, "recommend", {"liked": ["Heat"], "years": {"min": 1990, "max": 2010}, "description": "tense"}
    )
    check_items(by_title["items"], catalogue_ids)
    assert by_title["profile"]["liked_items"] == [HEAT]
    assert all(i["year"] is not None and 1990 <= i["year"] <= 2010 for i in by_title["items"])

    limited = await call(
        client, "recommend", {"liked": [HEAT], "runtime": {"max": 110}, "languages": ["en"], "k": 5}
    )
    check_items(limited["items"], catalogue_ids)
    assert limited["profile"]["runtime_max"] == 110 and limited["profile"]["languages"] == ["en"]
    for item in limited["items"]:
        facts = await call(client, "item_facts", {"item_id": item["item_id"]})
        assert facts["runtime"] is not None and facts["runtime"] <= 110, facts  # unknown never fits
        assert facts["language"] == "en", facts

    why = await call(client, "explain", {"item_id": COLLATERAL, "liked": [HEAT]})
    assert why["item"]["item_id"] == COLLATERAL and why["liked"] == [HEAT]
    assert any("mann" in d for d in why["shared"][0]["directors"])
    assert why["paths"] and all(p["summary"] and p["source"] == "kg" for p in why["paths"])

    liked = await call(
        client, "feedback", {"conversation_id": conversation, "item_id": COLLATERAL, "kind": "like"}
    )
    assert liked["conversation_id"] == conversation and COLLATERAL in liked["profile"]["liked_items"]
    again = await call(client, "recommend", {"conversation_id": conversation, "k": 5})
    assert COLLATERAL in again["profile"]["liked_items"]
    check_items(again["items"], catalogue_ids)
    assert COLLATERAL not in {i["item_id"] for i in again["items"]}


async def check_bad_arguments(client: Client, conversation: str) -> None:
    """Run after check_tools: ``conversation`` exists and likes Collateral."""
    before = (await call(client, "recommend", {"conversation_id": conversation}))["profile"]
    await tool_error(client, "item_facts", {"item_id": 999_999_999}, "not in the catalogue")
    await tool_error(client, "item_facts", {"item_id": "Heat"}, "item_id")
    await tool_error(client, "item_facts", {}, "item_id")
    await tool_error(client, "search_catalogue", {"query": ""}, "query")
    await tool_error(client, "search_catalogue", {"query": "x", "year_min": 2000, "year_max": 1990}, "year")
    await tool_error(
        client, "search_catalogue", {"query": "x", "genres": ["Sci-Fy"]}, "not a catalogue genre"
    )
    await tool_error(client, "recommend", {"liked": [HEAT], "genres_in": ["Noir-ish"]}, "genres_in", "Crime")
    await tool_error(client, "recommend", {"liked": ["zzqx nothing like this title"]}, "liked")
    await tool_error(client, "recommend", {"liked": [HEAT], "disliked": [HEAT]}, "both liked and disliked")
    await tool_error(client, "recommend", {"k": 500}, "k")
    await tool_error(client, "recommend", {"runtime": {"min": 150, "max": 90}}, "runtime range")
    await tool_error(client, "recommend", {"languages": ["xx"]}, "unknown code", "fr")
    await tool_error(client, "recommend", {"favourite": HEAT}, "favourite")
    await tool_error(client, "recommend", {"conversation_id": "never-seen-before"}, "unknown conversation")
    await tool_error(client, "explain", {"item_id": COLLATERAL, "liked": []}, "liked")
    await tool_error(client, "explain", {"item_id": 999_999_999, "liked": [HEAT]}, "not in the catalogue")
    await tool_error(
        client,
        "feedback",
        {"conversation_id": conversation, "item_id": 999_999_999, "kind": "like"},
        "not in the catalogue",
    )
    await tool_error(
        client, "feedback", {"conversation_id": conversation, "item_id": HEAT, "kind": "love"}, "kind"
    )
    await tool_error(
        client,
        "feedback",
        {"conversation_id": "a b<script>", "item_id": HEAT, "kind": "like"},
        "conversation_id",
    )
    await tool_error(
        client, "feedback", {"conversation_id": "ghost-1", "item_id": -1, "kind": "like"}, "item_id"
    )
    after = (await call(client, "recommend", {"conversation_id": conversation}))["profile"]
    assert after == before  # no failed call changed the conversation
    await tool_error(client, "recommend", {"conversation_id": "ghost-1"}, "unknown conversation")


async def run_all(client: Client, catalogue_ids: set[int], secret: str, conversation: str) -> None:
    await check_listing(client, secret)
    await check_tools(client, catalogue_ids, conversation)
    await check_bad_arguments(client, conversation)
