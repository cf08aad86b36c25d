"""Reasons a person would read (``eval.traceability.reason_faults``): the check catches a reason
quoting filler words and one naming Parley's own suggestions as the person's, and passes good ones."""

from __future__ import annotations

from typing import Any

from bot.state import DialogueState
from bot.types import Reason, Recommendation
from eval.traceability import count_faults, reason_faults
from tools.reason_words import ReasonWords

RULE = ReasonWords({"heist", "zombie", "assassin", "bank robbery"}).quotable
# the person liked Heat (6) and Collateral (8798); Parley suggested Die Hard (1036) and Deadpool 2 (189333)
STATE = DialogueState(
    liked_items=[6, 8798],
    recommended=[1036, 189333],
    conversation_text="I loved Heat and Collateral, something similar please. no thanks, nothing before 2000",
)


def _chat(text: str, **evidence: Any) -> Reason:
    return Reason(text=text, source="cf", evidence={"kind": "chat_similar", "n_dialogues": 7, **evidence})


def test_a_reason_quoting_filler_words_is_caught() -> None:
    bad = _chat(
        "recommended in 7 real movie chats like this one (people who also asked for 'please', 'similar')",
        via=[],
        words=["please", "similar"],
    )
    assert reason_faults(bad, STATE, RULE) == ["filler"]
    # a filler word only in the text's quotes is caught too
    quoted = _chat("recommended in 7 real movie chats like this one (people who also asked for 'second')")
    assert reason_faults(quoted, STATE, RULE) == ["filler"]
    # a bookkeeping keyword of the graph
    keyword = Reason(
        text="shares the keyword 'duringcreditsstinger' with Heat",
        source="kg",
        evidence={"kind": "shared_keyword", "key": "duringcreditsstinger", "via": [6]},
    )
    assert reason_faults(keyword, STATE, RULE) == ["filler"]


def test_a_reason_naming_parleys_suggestions_as_the_persons_is_caught() -> None:
    bad = _chat(
        "recommended in 7 real movie chats like this one (people who also mentioned Die Hard, Deadpool 2)",
        via=[1036, 189333],
        words=[],
    )
    assert reason_faults(bad, STATE, RULE) == ["bot_mentions"]
    both = _chat("... mentioned Die Hard and asked for 'before'", via=[1036], words=["before"])
    assert reason_faults(both, STATE, RULE) == ["filler", "bot_mentions"]
    path = Reason(  # a graph path from a film the person never named
        text="with Bruce Willis, also in Die Hard",
        source="kg",
        evidence={"kind": "shared_cast", "source": 1036, "nodes": []},
    )
    neighbours = Reason(
        text="people who liked Die Hard also rated this highly",
        source="cf",
        evidence={"kind": "cf_neighbours", "neighbours": [{"item_id": 1036, "similarity": 0.2}]},
    )
    assert reason_faults(path, STATE, RULE) == ["bot_mentions"]
    assert reason_faults(neighbours, STATE, RULE) == ["bot_mentions"]


def test_good_reasons_pass() -> None:
    good = [
        _chat(
            "recommended in 7 real movie chats like this one (people who also mentioned Heat and "
            "asked for 'heist', 'zombies')",
            via=[6],
            words=["heist", "zombies"],
        ),
        _chat("recommended in 3 real movie chats like this one", via=[], words=[], matched_words=2),
        Reason(
            text="shares the keyword 'bank robbery' with Heat",
            source="kg",
            evidence={"kind": "shared_keyword", "key": "bank robbery", "via": [6]},
        ),
        Reason(
            text="directed by Michael Mann, like Heat and Collateral",
            source="kg",
            evidence={"kind": "shared_director", "key": "michael mann", "via": [6, 8798]},
        ),
        Reason(
            text="people who liked Schindler's List and Ocean's Eleven also rated this highly",
            source="cf",
            evidence={"kind": "cf_neighbours", "neighbours": [{"item_id": 8798}]},
        ),
        Reason(
            text="matches what you described: \u201cthe 'one last job' goes wrong\u201d",
            source="vector",
            evidence={"kind": "text_match", "snippet": "..."},
        ),
    ]
    assert [reason_faults(r, STATE, RULE) for r in good] == [[]] * len(good)
    # a disliked film is the person's own too
    disliked = _chat("... people who also mentioned Die Hard", via=[1036], words=[])
    assert reason_faults(disliked, STATE.model_copy(update={"disliked_items": [1036]}), RULE) == []


def test_faults_are_counted_per_reason() -> None:
    filler = _chat("asked for 'please'", words=["please"])
    mentions = _chat("mentioned Die Hard", via=[1036])
    good = _chat("asked for 'heist'", words=["heist"])
    recs = [
        Recommendation(item_id=1, title="A", score=1.0, reasons=[filler, good]),
        Recommendation(item_id=2, title="B", score=1.0, reasons=[mentions, filler]),
    ]
    assert count_faults(recs, STATE, RULE) == {"reason_filler": 2, "reason_bot_mentions": 1}
