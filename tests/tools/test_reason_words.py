"""The words a reason may show (``tools.reason_words``), the graph's reason texts
(``tools.kg_lookup``) and the rating sources' reasons naming the liked films (``ScorerSource``)."""

from __future__ import annotations

from typing import ClassVar

from tools.base import Evidence, EvidenceSource
from tools.item_table import ItemRow, ItemTable
from tools.kg_lookup import genre_phrase, neighbour_evidence, path_evidence, shared_summary
from tools.profile import PreferenceProfile
from tools.reason_words import FILLER_WORDS, ReasonWords, keyword_shown, title_words
from tools.scorers.base import ItemScorer, ScoredItem
from tools.sources import ScorerSource

ROWS = {
    6: ItemRow(
        6,
        "Heat",
        1995,
        frozenset({"Crime", "Sci-Fi"}),
        keywords=frozenset({"heist", "zombie", "los angeles"}),
    ),
    16: ItemRow(16, "Casino", 1995, frozenset({"Crime"}), keywords=frozenset({"heist", "zombie", "mafia"})),
    8798: ItemRow(8798, "Collateral", 2004, frozenset({"Thriller"}), keywords=frozenset({"assassin"})),
}


def test_only_words_that_say_something_about_films_are_shown() -> None:
    rule = ReasonWords.from_items(ItemTable(ROWS))
    # keywords of two films or more, genre words, the curated descriptive words; plurals fold
    assert rule.vocabulary >= {"heist", "zombie", "crime", "thriller", "funny"}
    assert "mafia" not in rule.vocabulary and "assassin" not in rule.vocabulary  # one film only
    said = (
        "please similar second before something movie like want watch good another 2000 heist zombies funny"
    )
    assert rule.shown(said.split()) == ["heist", "zombies", "funny"]
    assert rule.shown(["comedies", "thrillers", "crime"]) == [
        "thrillers",
        "crime",
    ]  # comedy: no such genre here
    assert all(not rule.descriptive(w) for w in ("please", "similar", "second", "before", "sequel", "1990s"))
    # the words of the person's titles are titles, not wishes
    assert rule.shown(["heat", "heist"], exclude=title_words(["Heat"])) == ["heist"]


def test_filler_words_and_bookkeeping_keywords_are_never_quoted() -> None:
    rule = ReasonWords({"heist"})
    assert rule.quotable("heist") and rule.quotable("bank robbery") and rule.quotable("los angeles")
    for filler in ("please", "second", "before", "duringcreditsstinger", "original", "woman director", "3d"):
        assert not rule.quotable(filler), filler
    assert keyword_shown("based on novel") and not keyword_shown("aftercreditsstinger")
    assert not keyword_shown("action")  # a genre's name: "also an action film" says it
    assert ReasonWords({"action"}).descriptive(
        "action"
    )  # but a person asking for 'action' asked for something
    assert {"please", "similar", "second", "before", "something", "movie", "like", "want"} <= FILLER_WORDS


def test_graph_reasons_read_as_one_specific_connection() -> None:
    assert shared_summary("director", "Michael Mann", ["Heat", "Collateral"]) == (
        "directed by Michael Mann, like Heat and Collateral"
    )
    assert shared_summary("cast", "Robert De Niro", ["Heat"]) == "with Robert De Niro, also in Heat"
    assert (
        shared_summary("keyword", "bank robbery", ["Heat"]) == "shares the keyword 'bank robbery' with Heat"
    )
    assert shared_summary("genre", "Action", ["Heat"]) == "also an action film, like Heat"
    assert genre_phrase("Film-Noir") == "a film noir" and genre_phrase("Children") == "a children's film"
    row = {
        "shared": [{"relation": "cast", "name": "Al Pacino", "key": "al pacino", "via": [6], "weight": 2.0}]
    }
    (evidence,) = neighbour_evidence(row, {6: "Heat"})
    assert evidence.summary == "with Al Pacino, also in Heat" and "shares cast" not in evidence.summary
    path = {
        "nodes": [{"name": "Heat"}, {"name": "heist", "id": "heist"}, {"name": "Casino"}],
        "relationships": [{"type": "HAS_KEYWORD"}, {"type": "HAS_KEYWORD"}],
    }
    assert path_evidence(path).summary == "shares the keyword 'heist' with Heat"


class _Fixed(ItemScorer):
    name: ClassVar[str] = "fixed"
    source: ClassVar[EvidenceSource] = "cf"

    def __init__(self, evidence: list[Evidence]) -> None:
        self.evidence = evidence

    def score(self, profile: PreferenceProfile, k: int) -> list[ScoredItem]:
        return [ScoredItem(16, 1.0, list(self.evidence))]


def test_rating_reasons_name_the_liked_films_they_rest_on() -> None:
    knn = Evidence(
        source="cf",
        kind="cf_neighbours",
        summary="people who liked the films you mentioned also rated this highly",
        facts={"neighbours": [{"item_id": 6, "similarity": 0.3}, {"item_id": 8798, "similarity": 0.1}]},
    )
    svd = Evidence(
        source="cf",
        kind="svd_foldin",
        summary="rated highly by people with the same taste in the films you liked",
        facts={"predicted_rating": 4.2, "closest_liked": [{"item_id": 8798, "similarity": 0.4}]},
    )
    source = ScorerSource("cf", _Fixed([knn, svd]), ItemTable(ROWS))
    (found,) = source.candidates(PreferenceProfile(liked_items=(6, 8798)), 5)
    assert [e.summary for e in found.evidence] == [
        "people who liked Heat and Collateral also rated this highly",
        "rated highly by people with your taste in Collateral",
    ]
    assert found.evidence[0].facts == knn.facts  # the numbers stay with the evidence
    # without the item table the scorer's own text stays
    (plain,) = ScorerSource("cf", _Fixed([knn])).candidates(PreferenceProfile(liked_items=(6,)), 5)
    assert plain.evidence[0].summary == knn.summary
