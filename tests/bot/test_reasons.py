"""Evidence to the reasons a person reads (``bot.reasons``): bookkeeping keywords left out, one
reason per shared entity."""

from __future__ import annotations

from bot.reasons import shown_evidence
from tools.base import Evidence


def _path(kind: str, key: str, source: int, text: str) -> Evidence:
    nodes = [{"id": source, "name": "Heat"}, {"id": key, "name": key}, {"id": 47044, "name": "Miami Vice"}]
    return Evidence(source="kg", kind=kind, summary=text, facts={"source": source, "nodes": nodes})


def _row(kind: str, key: str, via: list[int], text: str, name: str | None = None) -> Evidence:
    facts = {"key": key, "name": name or key, "via": via}
    return Evidence(source="kg", kind=kind, summary=text, facts=facts)


def test_each_shared_entity_is_told_once_by_the_reason_naming_most_films() -> None:
    heat = _path("shared_director", "michael mann", 6, "directed by Michael Mann, like Heat")
    collateral = _path("shared_director", "michael mann", 8798, "directed by Michael Mann, like Collateral")
    both = _row(
        "shared_director", "michael mann", [6, 8798], "directed by Michael Mann, like Heat and Collateral"
    )
    vector = Evidence(source="vector", kind="text_match", summary="similar in story", facts={"snippet": "x"})
    cast = _row("shared_cast", "al pacino", [6], "with Al Pacino, also in Heat")
    shown = shown_evidence([heat, vector, collateral, cast, both])
    assert [e.summary for e in shown] == [
        "directed by Michael Mann, like Heat and Collateral",  # in the place of the first
        "similar in story",
        "with Al Pacino, also in Heat",
    ]


def test_bookkeeping_keywords_are_left_out() -> None:
    stinger = _row(
        "shared_keyword", "duringcreditsstinger", [6], "shares the keyword 'duringcreditsstinger' with Heat"
    )
    original = _path("shared_keyword", "original", 6, "shares the keyword 'original' with Heat")
    heist = _row("shared_keyword", "heist", [6], "shares the keyword 'heist' with Heat")
    assert shown_evidence([stinger, original, heist]) == [heist]


def test_the_rule_judges_the_name_a_reason_quotes_not_the_graph_key() -> None:
    """The full ReDial replay (2026-12-02) counted 20 filler reasons: the graph keys
    'oscar best animated feature' and 'middle earth tolkien' pass the rule, the names the reasons
    quote ('oscar (best animated feature)') do not (symbols), and the harness judges the quote."""
    text = "shares the keyword 'oscar (best animated feature)' with Finding Dory"
    row = _row(
        "shared_keyword", "oscar best animated feature", [157296], text, "oscar (best animated feature)"
    )
    nodes = [
        {"id": 157296, "name": "Finding Dory"},
        {"id": "middle earth tolkien", "name": "middle-earth (tolkien)"},
    ]
    path = Evidence(
        source="kg",
        kind="shared_keyword",
        summary="shares the keyword 'middle-earth (tolkien)' with Finding Dory",
        facts={"source": 157296, "nodes": [*nodes, {"id": 118696, "name": "The Hobbit"}]},
    )
    heist = _row("shared_keyword", "heist", [6], "shares the keyword 'heist' with Heat")
    assert shown_evidence([row, path, heist]) == [heist]
