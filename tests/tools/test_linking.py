"""Entity linking on the index built from the real graph (small catalogue)."""

from __future__ import annotations

from tests.fixtures.tools import ToolSet
from tools.kg_lookup import KgLookupArgs

INJECTION = "Heat'}) MATCH (n) DETACH DELETE n //"


def best_item(toolset: ToolSet, text: str) -> int | None:
    found = toolset.index.link(text, kinds=["item"])
    return found[0].item_id if found else None


def test_exact_title(toolset: ToolSet) -> None:
    found = toolset.index.link("Heat", kinds=["item"])
    assert found[0].item_id == 6
    assert found[0].match == "exact"
    assert found[0].confidence == 1.0


def test_title_with_year(toolset: ToolSet) -> None:
    assert best_item(toolset, "Heat (1995)") == 6
    assert best_item(toolset, "collateral 2004") == 8798


def test_trailing_article(toolset: ToolSet) -> None:
    assert best_item(toolset, "Graduate, The") == 1247
    assert best_item(toolset, "the graduate") == 1247


def test_fuzzy_misspelling(toolset: ToolSet) -> None:
    found = toolset.index.link("Colateral", kinds=["item"])
    assert found[0].item_id == 8798
    assert found[0].match == "fuzzy"
    assert 0.84 <= found[0].confidence < 1.0


def test_person(toolset: ToolSet) -> None:
    found = toolset.index.link("Kathryn Bigelow", kinds=["person"])
    assert found[0].name == "Kathryn Bigelow"
    assert found[0].match == "exact"


def test_ambiguous_surname_returns_ranked_candidates(toolset: ToolSet) -> None:
    mentions = toolset.index.find_mentions("Anything by Scott would do, but not Mann")
    scott = [m for m in mentions if m.mention == "Scott"]
    assert scott, mentions
    assert scott[0].kind == "person"
    assert len(scott[0].candidates) >= 2
    assert scott[0].ambiguous
    confidences = [c.confidence for c in scott[0].candidates]
    assert confidences == sorted(confidences, reverse=True)
    explicit = toolset.index.link("Scott", kinds=["person"])
    assert len(explicit) >= 2
    assert all(c.match == "partial" for c in explicit)


def test_find_mentions_free_text(toolset: ToolSet) -> None:
    mentions = toolset.index.find_mentions("I loved Heat, but no horror")
    items = [m.best.item_id for m in mentions if m.kind == "item"]
    genres = [m.best.name for m in mentions if m.kind == "genre"]
    assert items == [6]
    assert genres == ["Horror"]


def test_injection_title_is_inert(toolset: ToolSet) -> None:
    before = toolset.graph.counts()
    found = toolset.index.link(INJECTION)
    assert all(c.kind in ("item", "person", "genre", "keyword") for c in found)
    toolset.index.find_mentions(f"I liked {INJECTION} a lot")
    for action in ("link", "facts", "neighbours", "paths"):
        toolset.kg_lookup.run(
            KgLookupArgs(action=action, text=INJECTION, item_ids=[6], target_id=8798, limit=3)
        )
    assert toolset.graph.counts() == before
    assert toolset.graph.movie(6) is not None
