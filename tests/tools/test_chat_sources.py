"""Conversation sources (prior, co-mentions, chats like this one): ranking by hand, hard exclusions,
wanted genres, the held-out dialogue."""

from __future__ import annotations

from retrieval.chats import ChatDialogues, ChatMentions
from tools.item_table import ItemRow, ItemTable
from tools.profile import PreferenceProfile, RankingContext
from tools.sources import ChatCoSource, ChatPriorSource, ChatRecentSource, ChatSimilarSource

HELD_OUT = RankingContext(held_out_dialogue="d1")
ROWS = {
    6: ItemRow(
        6, "Heat", 1995, frozenset({"Crime", "Action"}), keywords=frozenset({"heist"}), popularity=102
    ),
    16: ItemRow(16, "Casino", 1995, frozenset({"Crime"}), keywords=frozenset({"heist"}), popularity=80),
    858: ItemRow(858, "The Godfather", 1972, frozenset({"Crime"}), popularity=192),
    1: ItemRow(1, "Toy Story", 1995, frozenset({"Animation", "Comedy"}), popularity=215),
}
MENTIONS = [
    ("d1", 6, "seeker"),
    ("d1", 858, "recommender"),
    ("d1", 1, "recommender"),
    ("d2", 6, "seeker"),
    ("d2", 858, "recommender"),
    ("d3", 1, "recommender"),
    ("d4", 1, "recommender"),
    ("d4", 16, "recommender"),
]


def _sources() -> tuple[ChatPriorSource, ChatCoSource]:
    chats, items = ChatMentions(MENTIONS), ItemTable(ROWS)
    return ChatPriorSource(chats, items), ChatCoSource(chats, items)


def test_prior_ranks_by_recommending_dialogues_with_evidence() -> None:
    prior, _ = _sources()
    found = prior.candidates(PreferenceProfile(), 10)
    assert [s.item_id for s in found] == [1, 858, 16]  # 3, 2 and 1 dialogues
    assert found[0].evidence[0].facts["n_dialogues"] == 3
    assert "3 conversations" in found[0].evidence[0].summary


def test_prior_respects_exclusions_genres_and_the_held_out_dialogue() -> None:
    prior, _ = _sources()
    assert [s.item_id for s in prior.candidates(PreferenceProfile(rejected=(1,)), 10)] == [858, 16]
    assert [s.item_id for s in prior.candidates(PreferenceProfile(genres_in=("Crime",)), 10)] == [858, 16]
    held_out = prior.candidates(PreferenceProfile(), 10, HELD_OUT)
    assert {s.item_id: s.evidence[0].facts["n_dialogues"] for s in held_out} == {1: 2, 858: 1, 16: 1}


def test_co_mentions_follow_the_liked_movies() -> None:
    _, co = _sources()
    assert co.candidates(PreferenceProfile(), 10) == []  # nothing liked: nothing to go on
    found = co.candidates(PreferenceProfile(liked_items=(6,)), 10)
    assert [s.item_id for s in found] == [858, 1]  # with Heat: 858 in d1 and d2, Toy Story in d1
    assert found[0].evidence[0].facts == {"via": [6], "counts": [2], "corpus": "ReDial"}
    assert "Heat" in found[0].evidence[0].summary
    # leaving d1 out, Toy Story was never recommended next to Heat
    assert [s.item_id for s in co.candidates(PreferenceProfile(liked_items=(6,)), 10, HELD_OUT)] == [858]
    # a liked movie is never its own candidate, and seen ones are excluded
    assert [s.item_id for s in co.candidates(PreferenceProfile(liked_items=(6,), seen=(858,)), 10)] == [1]


def _similar() -> ChatSimilarSource:
    chats, items = ChatMentions(MENTIONS), ItemTable(ROWS)
    words = {"d1": frozenset({"heist", "gritty"}), "d2": frozenset({"gritty"}), "d3": frozenset({"cartoon"})}
    return ChatSimilarSource(ChatDialogues(words, chats.mentioned_in), chats, items)


def test_similar_chats_recommend_what_was_recommended_there_with_evidence() -> None:
    similar = _similar()
    assert similar.candidates(PreferenceProfile(), 10) == []  # nothing said, nothing named
    found = similar.candidates(PreferenceProfile(liked_items=(6,), conversation_text="a gritty heist"), 10)
    # d1 (Heat, heist, gritty) recommended 858 and Toy Story; d2 (Heat, gritty) 858 again
    assert [s.item_id for s in found] == [858, 1]
    facts = found[0].evidence[0].facts
    assert facts["n_dialogues"] == 2 and facts["via"] == [6] and set(facts["words"]) == {"heist", "gritty"}
    assert "Heat" in found[0].evidence[0].summary and "'heist'" in found[0].evidence[0].summary
    cartoon = similar.candidates(PreferenceProfile(conversation_text="a cartoon please"), 10)
    assert [s.item_id for s in cartoon] == [1]  # only d3 used the word


def test_similar_chats_respect_exclusions_genres_and_the_held_out_dialogue() -> None:
    similar = _similar()
    base = {"liked_items": (6,), "conversation_text": "a gritty heist"}
    assert [s.item_id for s in similar.candidates(PreferenceProfile(**base, rejected=(858,)), 10)] == [1]
    assert [
        s.item_id for s in similar.candidates(PreferenceProfile(**base, genres_in=("Animation",)), 10)
    ] == [1]
    held_out = similar.candidates(PreferenceProfile(**base), 10, HELD_OUT)
    assert [(s.item_id, s.evidence[0].facts["n_dialogues"]) for s in held_out] == [(858, 1)]


def test_similar_chats_show_only_words_about_films_and_the_persons_own_movies() -> None:
    """Filler words ('please', 'similar', 'second') still count for the similarity but are never
    shown; a word of a title the person named is not a wish; Parley's own suggestions neither
    count as the person's movies nor appear as what they mentioned."""
    chats, items = ChatMentions(MENTIONS), ItemTable(ROWS)
    words = {"d1": frozenset({"please", "similar", "heist", "heat"}), "d2": frozenset({"please", "second"})}
    similar = ChatSimilarSource(ChatDialogues(words, chats.mentioned_in), chats, items)
    found = similar.candidates(
        PreferenceProfile(liked_items=(6,), conversation_text="I loved Heat, a heist please, similar"), 10
    )
    by_item = {s.item_id: s.evidence[0] for s in found}
    assert set(by_item) == {858, 1}  # d1 and d2 both match (Heat, 'please')
    shown = by_item[858]
    assert shown.facts["words"] == ["heist"] and shown.facts["matched_words"] >= 3
    assert "'heist'" in shown.summary and "'please'" not in shown.summary and "'heat'" not in shown.summary
    # only filler shared: the reason reads without the words part
    only_filler = similar.candidates(PreferenceProfile(conversation_text="the second one please"), 10)
    assert only_filler and all(s.evidence[0].facts["words"] == [] for s in only_filler)
    assert all(s.evidence[0].summary.endswith("like this one") for s in only_filler)
    # Heat was Parley's suggestion, not the person's: no chat matches by it, and none says so
    suggested = similar.candidates(PreferenceProfile(recommended=(6,), conversation_text="a heist"), 10)
    assert suggested and all(s.evidence[0].facts["via"] == [] for s in suggested)
    assert all("Heat" not in s.evidence[0].summary for s in suggested)
    assert similar.candidates(PreferenceProfile(recommended=(6,), seen=(858,), rejected=(1,)), 10) == []


def test_new_releases_are_those_of_the_conversations_time() -> None:
    """Films released in the three years up to the chat's year, by recommending dialogues: a
    replayed dialogue's corpus year (ReDial 2018, INSPIRED 2019), else this year; the replayed
    dialogue never counts for itself."""
    rows = {
        10: ItemRow(10, "Knives Out", 2019, frozenset({"Mystery"}), popularity=0),
        11: ItemRow(11, "A Quiet Place", 2018, frozenset({"Horror"}), popularity=9),
        12: ItemRow(12, "Get Out", 2017, frozenset({"Horror"}), popularity=20),
        13: ItemRow(13, "Inception", 2010, frozenset({"Action"}), popularity=143),
        14: ItemRow(14, "Split", 2016, frozenset({"Horror"}), popularity=5),
    }
    mentions = [
        ("inspired:a", 10, "recommender"),
        ("inspired:b", 10, "recommender"),
        ("inspired:b", 11, "recommender"),
        ("redial:1", 11, "recommender"),
        ("redial:1", 13, "recommender"),
        ("redial:2", 12, "recommender"),
        ("redial:2", 13, "recommender"),
        ("redial:3", 14, "recommender"),
    ]
    assert ChatRecentSource(ChatMentions(mentions), ItemTable(rows)).candidates(PreferenceProfile(), 10) == []
    recent = ChatRecentSource(ChatMentions(mentions), ItemTable(rows), this_year=2019)
    live = recent.candidates(PreferenceProfile(), 10)  # 2017-2019
    assert [s.item_id for s in live] == [11, 10, 12]  # 2, 2 (ties: more ratings first) and 1
    assert live[1].evidence[0].facts["year"] == 2019 and live[1].evidence[0].facts["n_dialogues"] == 2
    assert live[1].evidence[0].summary == "a 2019 film, recommended in 2 real movie chats"
    # a ReDial chat took place in 2018: Knives Out was not out, Split (2016) was new
    redial = recent.candidates(PreferenceProfile(), 10, RankingContext(held_out_dialogue="redial:2"))
    assert [s.item_id for s in redial] == [11, 14]  # Get Out only ever recommended in redial:2
    assert {s.item_id: s.evidence[0].facts["n_dialogues"] for s in redial} == {11: 2, 14: 1}
    inspired = recent.candidates(PreferenceProfile(), 10, RankingContext(held_out_dialogue="inspired:b"))
    assert [s.item_id for s in inspired] == [12, 11, 10]  # once each: by ratings
    assert [s.evidence[0].facts["n_dialogues"] for s in inspired] == [1, 1, 1]
    assert [s.item_id for s in recent.candidates(PreferenceProfile(genres_in=("Horror",)), 10)] == [11, 12]
    assert [s.item_id for s in recent.candidates(PreferenceProfile(rejected=(10,)), 1)] == [11]
