"""Escaping of cards, chat text and profile entries (no fixtures: fast)."""

from __future__ import annotations

import re

from bot.state import DialogueState
from bot.types import Reason, Recommendation, ToolStep
from bot.ui.render import (
    card_html,
    chat_text,
    profile_entries,
    profile_html,
    recommendations_markdown,
    reply_with_list,
    tool_step_message,
)

EVIL = '<img src=x onerror="alert(1)">'


def _rec() -> Recommendation:
    return Recommendation(
        item_id=1,
        title=f"Heat {EVIL}",
        year=1995,
        genres=["Crime", EVIL],
        score=1.0,
        reasons=[Reason(text=f"because {EVIL}", source="kg", evidence={"director": EVIL})],
    )


def test_cards_escape_every_field() -> None:
    html = card_html(_rec(), 0, note="liked")
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "You liked this" in html


def test_chat_text_list_and_tool_steps_escape_html() -> None:
    assert "<" not in chat_text(EVIL)
    assert "<img" not in recommendations_markdown([_rec()])
    message = tool_step_message(ToolStep(name="kg_lookup", args={"q": EVIL}, summary=EVIL, ms=12.0), "t")
    assert "<img" not in message["content"]
    assert message["metadata"]["title"] == "kg_lookup"
    assert message["metadata"]["duration"] == 0.01


def test_profile_entries_and_panel() -> None:
    state = DialogueState(liked_items=[6], genres_out=["Horror"], liked_people=[EVIL])
    entries = profile_entries(state, lambda i: f"Heat (1995) #{i}")
    assert ("liked_items", "6", "Liked: Heat (1995) #6") in entries
    html = profile_html(entries)
    assert "<img" not in html
    assert "Heat (1995)" in html and "No: Horror" in html


def test_a_card_shows_reasons_in_words_and_keeps_the_numbers_behind_details() -> None:
    """The person reads "directed by Michael Mann, like Heat"; weights, scores and counts are in a
    closed ``<details>`` of the card, not in its visible text."""
    rec = Recommendation(
        item_id=47044,
        title="Miami Vice",
        year=2006,
        genres=["Crime"],
        score=0.153,
        reasons=[
            Reason(
                text="directed by Michael Mann, like Heat",
                source="kg",
                evidence={"kind": "shared_director", "name": "Michael Mann", "weight": 4.0, "via": [6]},
            ),
            Reason(
                text="people who liked Heat also rated this highly",
                source="cf",
                evidence={"kind": "cf_neighbours", "score": 0.15, "counts": [1]},
            ),
        ],
    )
    html = card_html(rec, 0)
    details = re.search(r"<details class=\"p-details\">(.*?)</details>", html, re.S)
    assert details is not None and "<summary>Details</summary>" in details.group(1)
    assert "<details open" not in html  # closed until the person opens it
    visible = re.sub(r"<[^>]+>", " ", html.replace(details.group(0), ""))
    assert "directed by Michael Mann, like Heat" in visible
    assert "people who liked Heat also rated this highly" in visible
    for internal in ("weight:", "score:", "via:", "counts:"):
        assert internal not in visible
    hidden = details.group(1)
    assert "weight: 4.00" in hidden and "score: 0.15" in hidden and "ranking score: 0.153" in hidden


def _listed(n: int) -> list[Recommendation]:
    return [
        Recommendation(item_id=i, title=f"Film {i}", year=2000 + i, genres=["Drama"], score=1.0, reasons=[])
        for i in range(1, n + 1)
    ]


def test_the_list_is_shown_once_and_each_line_is_replaced_as_the_reply_reaches_it() -> None:
    recs = _listed(3)
    before = reply_with_list("", recs)
    assert [line.split(" · ")[0] for line in before.splitlines()] == [
        "1. **Film 1 \\(2001\\)**",
        "2. **Film 2 \\(2002\\)**",
        "3. **Film 3 \\(2003\\)**",
    ]
    halfway = reply_with_list("Three dramas for you.\n1. Film 1 (2001) — a <b>quiet</b> one\n", recs)
    lines = halfway.splitlines()
    assert lines[0] == "Three dramas for you."
    assert lines[1] == "1. Film 1 (2001) — a &lt;b&gt;quiet&lt;/b&gt; one"  # written text, escaped
    assert lines[2].startswith("2. **Film 2") and lines[3].startswith("3. **Film 3")
    assert sum("Film 1" in line for line in lines) == 1  # never twice
    done = reply_with_list("Ok.\n1. Film 1 (2001) — a\n2. Film 2 (2002) — b\n3. Film 3 (2003) — c", recs)
    assert done.count("Film") == 3 and "**" not in done
    assert reply_with_list("Which one did you mean?", []) == "Which one did you mean?"


def test_the_profile_lists_limits_that_can_be_lifted() -> None:
    state = DialogueState(liked_items=[6], year_min=1991, runtime_max=100, languages=["fr"])
    entries = profile_entries(state, lambda i: f"Heat #{i}")
    assert ("year_min", "1991", "From 1991") in entries
    assert ("runtime_max", "100", "At most 100 min") in entries
    assert ("languages", "fr", "In French") in entries
    html = profile_html(entries)
    assert "<h4>Limits</h4>" in html and html.index("Limits") > html.index("You'd rather not")
    assert "Limits" not in profile_html(profile_entries(DialogueState(liked_items=[6]), str))


def test_the_profile_lists_liked_films_beyond_the_catalogue_beside_the_liked_ones() -> None:
    state = DialogueState(liked_items=[6], liked_outside=[288513], outside_genres=["Crime", "Drama"])
    entries = profile_entries(state, lambda i: "Heat (1995)", {288513: f"Barbie (2023) {EVIL}"}.__getitem__)
    assert entries[:2] == [
        ("liked_items", "6", "Liked: Heat (1995)"),
        ("liked_outside", "288513", f"Liked (not in my catalogue): Barbie (2023) {EVIL}"),
    ]
    assert not any(field == "outside_genres" for field, _, _ in entries)  # derived from the films
    html = profile_html(entries)
    likes = html.split("You'd rather not")[0]
    assert "Liked (not in my catalogue): Barbie (2023)" in likes and "<img" not in html
    assert profile_entries(state, str)[1][2] == "Liked (not in my catalogue): film 288513"
