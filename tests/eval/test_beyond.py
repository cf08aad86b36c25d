"""Beyond-accuracy metrics against hand-computed examples."""

from __future__ import annotations

import pytest

from bot.state import DialogueState
from bot.types import Recommendation, Reply
from eval.beyond import (
    BeyondAccuracy,
    catalogue_coverage,
    head_items,
    intra_list_diversity,
    jaccard,
    long_tail_share,
    markdown,
    mean_popularity_percentile,
    popularity_percentiles,
    share_in,
    top_mentioned,
)
from eval.harness import shown_beyond_accuracy
from eval.types import Dialogue, Utterance

# ten items: item i has i ratings (item 10 the most rated), item 11 none
COUNTS = {i: i for i in range(1, 11)} | {11: 0}
GENRES = {
    1: frozenset({"Crime", "Drama"}),
    2: frozenset({"Crime", "Drama"}),
    3: frozenset({"Comedy"}),
    4: frozenset({"Crime"}),
}


def test_popularity_percentiles_are_mid_ranks() -> None:
    pct = popularity_percentiles(COUNTS)
    assert pct[11] == pytest.approx(100 * 0.5 / 11)  # least rated: no item below it
    assert pct[10] == pytest.approx(100 * 10.5 / 11)
    tied = popularity_percentiles({1: 5, 2: 5, 3: 7, 4: 1})
    assert tied[1] == tied[2] == pytest.approx(100 * (1 + 1) / 4)  # one below, two share
    assert mean_popularity_percentile([10, 11], pct) == pytest.approx(50.0)
    assert mean_popularity_percentile([], pct) is None
    assert mean_popularity_percentile([999], pct) == 0.0  # outside the catalogue


def test_head_long_tail_and_chat_top() -> None:
    head = head_items(COUNTS)  # ceil(0.1 * 11) = 2 items
    assert head == {10, 9}
    assert long_tail_share([10, 9, 1, 2], head) == pytest.approx(0.5)
    assert long_tail_share([10, 9], head) == 0.0
    assert long_tail_share([], head) is None
    assert head_items({1: 3, 2: 3, 3: 1}, share=0.3) == {1}  # tie broken by the smaller id
    assert top_mentioned({5: 2, 6: 9, 7: 2}, n=2) == {6, 5}
    assert share_in([5, 6, 7, 8], {6, 5}) == pytest.approx(0.5)


def test_coverage_over_a_run() -> None:
    assert catalogue_coverage([[1, 2, 3], [1, 2, 3]], 11) == pytest.approx(3 / 11)  # identical lists
    assert catalogue_coverage([[1, 2], [3, 4]], 4) == 1.0
    assert catalogue_coverage([], 4) == 0.0


def test_intra_list_diversity() -> None:
    assert jaccard(frozenset(), frozenset()) == 1.0
    assert intra_list_diversity([1, 2], GENRES) == 0.0  # identical genres
    assert intra_list_diversity([1, 3], GENRES) == 1.0  # no genre shared
    # pairs (1,2) 0, (1,4) 1 - 1/2, (2,4) 1 - 1/2: mean 1/3
    assert intra_list_diversity([1, 2, 4], GENRES) == pytest.approx(1 / 3)
    assert intra_list_diversity([1], GENRES) is None


def test_accumulator_per_ranker_and_taste_known() -> None:
    beyond = BeyondAccuracy(COUNTS, GENRES, {1: 5, 3: 1}, k=2)
    beyond.add("a", [10, 9, 1], taste_known=True)  # cut to the top 2: head items
    beyond.add("a", [1, 3], taste_known=False)
    figures = beyond.by_ranker()["a"]
    assert figures["n_cases"] == 2
    assert figures["long_tail_share"] == 0.5  # 0 and 1
    assert figures["catalogue_coverage"] == round(4 / 11, 4)
    assert figures["intra_list_diversity"] == 0.5  # (10, 9): no genres, 0; (1, 3): 1
    assert figures["chat_top50_share"] == 0.5  # both chat-mentioned films are in the top 50
    known = figures["taste_known"]
    assert known["n_cases"] == 1
    assert known["long_tail_share"] == 0.0
    assert known["chat_top50_share"] == 0.0
    assert known["popularity_percentile"] == round(100 * (9.5 + 10.5) / 2 / 11, 4)


class _Evaluation:
    """The three lookups ``BeyondAccuracy.of`` reads (the real ones: ``bot.evaluation``)."""

    def popularity_counts(self) -> dict[int, int]:
        return dict(COUNTS)

    def facts(self, item_id: int) -> dict[str, object]:
        return {"genres": sorted(GENRES.get(item_id, frozenset()))}

    def chat_mention_counts(self) -> dict[int, int]:
        return {1: 3}


def _bot(items: list[int], liked: list[int]) -> Utterance:
    recs = [Recommendation(item_id=i, title=str(i), score=1.0, reasons=[]) for i in items]
    reply = Reply(session_id="s", text="", recommendations=recs, profile=DialogueState(liked_items=liked))
    return Utterance(speaker="bot", text="", reply=reply)


def test_shown_lists_of_simulated_dialogues() -> None:
    dialogue = Dialogue(
        dialogue_id="d",
        utterances=[Utterance(speaker="user", text="hi"), _bot([1, 2], []), _bot([1, 3], [4]), _bot([], [4])],
    )
    figures = shown_beyond_accuracy(_Evaluation(), [dialogue])  # type: ignore[arg-type]
    assert figures["n_cases"] == 2  # the empty list is not a list shown
    assert figures["intra_list_diversity"] == 0.5  # (1, 2): 0; (1, 3): 1
    assert figures["catalogue_coverage"] == round(3 / 11, 4)
    assert figures["chat_top50_share"] == 0.5
    assert figures["taste_known"]["n_cases"] == 1 and figures["taste_known"]["intra_list_diversity"] == 1.0
    empty = shown_beyond_accuracy(_Evaluation(), [])  # type: ignore[arg-type]
    assert empty["n_cases"] == 0 and empty["taste_known"]["popularity_percentile"] is None


def test_markdown_has_both_tables_and_dashes_for_missing_figures() -> None:
    beyond = BeyondAccuracy(COUNTS, GENRES, {}, k=2)
    beyond.add("fused", [1, 3], taste_known=False)
    lines = markdown(beyond.by_ranker())
    rows = [line for line in lines if line.startswith("| fused |")]
    assert len(rows) == 2
    assert rows[0].endswith("| 1 |") and rows[1] == "| fused | – | – | 0.0 | – | – | 0 |"
