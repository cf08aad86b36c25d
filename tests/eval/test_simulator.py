"""The rule-based simulated user: deterministic, answers from the facts, never states a target title."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.state import DialogueState
from bot.types import Recommendation, Reply
from eval.simulator import RuleBasedUser, leaks_title, normalise
from eval.types import Dialogue, Goal, Utterance

WORDS = [
    "heat",
    "action",
    "crime",
    "heist",
    "the",
    "one",
    "love",
    "comedy",
    "drama",
    "mann",
    "al",
    "pacino",
    "something",
    "not",
    "that",
    "from",
    "1990s",
    "space",
    "war",
    "maybe",
    "any",
    "suggestions",
    "a",
]
GENRES = ["Action", "Comedy", "Crime", "Drama", "Sci-Fi", "War", "Thriller"]
word = st.sampled_from(WORDS)
person = st.lists(
    st.sampled_from(["al", "pacino", "michael", "mann", "tom", "hanks", "heat"]), min_size=1, max_size=2
)


@st.composite
def goal_facts(draw: Any) -> dict[int, dict[str, Any]]:
    n = draw(st.integers(1, 3))
    out = {}
    for item_id in range(1, n + 1):
        genres = draw(st.lists(st.sampled_from(GENRES), min_size=0, max_size=3, unique=True))
        keywords = [" ".join(k) for k in draw(st.lists(st.lists(word, min_size=1, max_size=2), max_size=4))]
        directors = [" ".join(p) for p in draw(st.lists(person, max_size=2))]
        cast = [" ".join(p) for p in draw(st.lists(person, max_size=3))]
        # titles made of the same words as the facts (the adversarial case), or of a fact itself
        title_words = draw(st.lists(word, min_size=1, max_size=3))
        title = draw(
            st.sampled_from(
                [" ".join(title_words), *(keywords or ["x"]), *(genres or ["x"]), *(cast or ["x"])]
            )
        )
        out[item_id] = {
            "item_id": item_id,
            "title": title.title(),
            "year": draw(st.one_of(st.none(), st.integers(1920, 2020))),
            "genres": genres,
            "keywords": keywords,
            "directors": directors,
            "cast": cast,
        }
    return out


def _bot(slot: str | None, recommended: list[int]) -> Utterance:
    state = DialogueState(asked_slots=[slot] if slot else [])
    recs = [Recommendation(item_id=i, title=f"Film {i}", score=1.0, reasons=[]) for i in recommended]
    reply = Reply(
        session_id="s", text="", question="?" if slot else None, recommendations=recs, profile=state
    )
    return Utterance(speaker="bot", text="", reply=reply)


@settings(max_examples=300, deadline=None)
@given(
    goal_facts(),
    st.integers(0, 10_000),
    st.lists(st.sampled_from(["genre", "era", "people", "mood", "recs", "none"]), max_size=6),
)
def test_the_simulated_user_never_states_a_target_title(
    facts: dict[int, dict[str, Any]], seed: int, bot_moves: list[str]
) -> None:
    user = RuleBasedUser(lambda i: facts.get(i, {}), seed=seed)
    goal = Goal(goal_id="g", targets=sorted(facts))
    titles = [f["title"] for f in facts.values()]
    dialogue = Dialogue(dialogue_id="d", goal=goal)
    for move in ["open", *bot_moves]:
        if move != "open":
            slot = move if move in ("genre", "era", "people", "mood") else None
            dialogue.utterances.append(_bot(slot, [900, 901] if move == "recs" else []))
        said = user.respond(dialogue)
        dialogue.utterances.append(said)
        assert not said.stop
        assert not leaks_title(said.text, titles)
        for title in titles:  # an independent check: the title's words never appear in order
            wanted = normalise(title)
            assert not wanted or f" {wanted} " not in f" {normalise(said.text)} "
        if move == "recs":
            assert said.feedback == [(900, "reject"), (901, "reject")]
            assert said.text.startswith("Not that one") or said.text in ("?", "")


def test_opens_from_facts_answers_questions_and_stops_on_success() -> None:
    facts = {
        6: {
            "title": "Heat",
            "year": 1995,
            "genres": ["Crime"],
            "directors": ["michael mann"],
            "cast": ["al pacino"],
            "keywords": ["bank robbery"],
        }
    }
    user = RuleBasedUser(lambda i: facts.get(i, {}), seed=1)
    dialogue = Dialogue(dialogue_id="d", goal=Goal(goal_id="g", targets=[6]))
    opener = user.respond(dialogue)
    assert dialogue.goal is not None
    assert opener.text in user.openers(dialogue.goal)
    assert opener.text == RuleBasedUser(lambda i: facts.get(i, {}), seed=1).respond(dialogue).text
    dialogue.utterances += [opener, _bot("era", [])]
    assert user.respond(dialogue).text == "Something from the 1990s."
    dialogue.utterances += [_bot("people", [])]
    assert "Michael Mann" in user.respond(dialogue).text
    dialogue.utterances += [_bot(None, [16, 6])]
    assert user.respond(dialogue).stop


def test_a_leaking_phrasing_is_dropped_and_counted() -> None:
    facts = {
        1: {"title": "Crime", "year": 1990, "genres": ["Crime"], "directors": [], "cast": [], "keywords": []}
    }
    user = RuleBasedUser(lambda i: facts.get(i, {}), seed=0)
    said = user.respond(Dialogue(dialogue_id="d", goal=Goal(goal_id="g", targets=[1])))
    assert "crime" not in said.text.lower()
    assert user.leaks_dropped >= 1
    assert leaks_title("I loved The Godfahter", ["The Godfather"])
    assert not leaks_title("I'd like a heist film", ["Heat"])
