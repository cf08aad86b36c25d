"""The per-item validator (issue 14): the false positives of the old whole-reply validator pass, the
true positives stay caught. Each blurb is checked against its own item's fact card."""

from __future__ import annotations

import pytest

from bot.writing import CardChecker, FactCard
from retrieval.catalogue_types import Catalogue
from tools.item_table import ItemTable
from tools.linking import index_from_catalogue

CASINO = FactCard(
    item_id=16,
    title="Casino",
    year=1995,
    genres=["Crime", "Drama"],
    directors=["Martin Scorsese"],
    cast=["Robert De Niro", "Sharon Stone", "Joe Pesci"],
    overview="The life of the gambling paradise, Las Vegas, and its dark mafia underbelly.",
    reasons=["With Robert De Niro, who is also in Heat"],
    wish="I loved Heat, something similar please",
)
HEAT = 6


@pytest.fixture(scope="module")
def checker(bundled_catalogue: Catalogue) -> CardChecker:
    genres = {g for item in bundled_catalogue.items.values() for g in item.genres}
    return CardChecker(
        index_from_catalogue(bundled_catalogue),
        genres,
        ItemTable.from_catalogue(bundled_catalogue).get,
    )


def kinds(checker: CardChecker, text: str) -> list[str]:
    return [p.kind for p in checker.problems(text, CASINO, {HEAT})]


def test_a_grounded_blurb_passes(checker: CardChecker) -> None:
    text = "Robert De Niro is back with Martin Scorsese in a crime drama about the mafia in Las Vegas."
    assert checker.problems(text, CASINO, {HEAT}) == []


def test_contractions_and_hyphenated_words_are_not_claims(checker: CardChecker) -> None:
    text = (
        "You'll like it: you're in for a well-liked crime drama, and here's why. That's Robert De Niro "
        "again, and let's say you've seen nothing like it; it's Las Vegas."
    )
    assert kinds(checker, text) == []


def test_common_phrases_that_are_also_titles_are_prose(checker: CardChecker) -> None:
    text = "It is a true romance with the mafia, and a beautiful mind for crime drama in Las Vegas."
    assert "title" not in kinds(checker, text)


def test_first_and_last_names_of_card_people_are_those_people(checker: CardChecker) -> None:
    text = "Robert is superb here, Pesci is fierce, and Sharon steals the show in Las Vegas."
    assert "person" not in kinds(checker, text)


def test_opinion_adjectives_are_not_claims(checker: CardChecker) -> None:
    text = "An exceptional, compelling and gripping crime drama: stylish, tense and unforgettable."
    assert kinds(checker, text) == []


def test_a_person_not_on_the_card_is_caught(checker: CardChecker) -> None:
    assert "person" in kinds(checker, "Tom Hanks is superb in this crime drama.")


def test_another_films_year_is_caught(checker: CardChecker) -> None:
    assert "year" in kinds(checker, "A crime drama from 2004 with Robert De Niro.")


def test_a_plot_claim_not_on_the_card_is_caught(checker: CardChecker) -> None:
    text = "It is set in a dystopian future where humans battle giant robots on a frozen planet."
    assert "claim" in kinds(checker, text)


def test_an_unlisted_title_is_caught(checker: CardChecker) -> None:
    assert "title" in kinds(checker, "If you like it, try True Romance next.")
    assert "title" in kinds(checker, 'Fans of "Forrest Gump" will like it.')


def test_a_genre_not_on_the_card_is_caught(checker: CardChecker) -> None:
    assert "genre" in kinds(checker, "A light comedy with Robert De Niro.")


def test_a_liked_title_and_its_year_may_be_named(checker: CardChecker) -> None:
    assert kinds(checker, "Like Heat (1995), it has Robert De Niro in a crime drama.") == []


def test_an_empty_blurb_is_rejected(checker: CardChecker) -> None:
    assert kinds(checker, "   ") == ["empty"]


def test_a_name_or_year_from_the_wish_is_not_this_films(checker: CardChecker) -> None:
    card = CASINO.model_copy(update={"wish": "I like Tom Hanks films from 2004"})
    assert {"person", "year"} <= {
        p.kind for p in checker.problems("Tom Hanks stars in this 2004 crime drama.", card)
    }


def test_a_copy_of_the_prompts_example_is_rejected(checker: CardChecker) -> None:
    from bot.writing.blurbs import PieceWriter
    from tests.doubles.fake_llm import FakeLLM

    examples = PieceWriter(FakeLLM(), checker).examples
    assert len(examples) == 4  # three blurbs and the opening
    for example in examples:
        writer = PieceWriter(FakeLLM(default=example), checker)
        text, attempts = writer.write(CASINO, "blurb", {HEAT})
        assert text is None and "copy" in attempts.kinds


def test_everyday_words_for_the_cards_genres_are_those_genres(checker: CardChecker) -> None:
    """Seen in `parley bench writer`: "science fiction" for a Sci-Fi card was rejected as a claim."""
    card = CASINO.model_copy(update={"genres": ["Animation", "Children", "Sci-Fi", "Thriller"]})
    text = "An animated science fiction thriller for kids, full of suspense, with Robert De Niro."
    assert checker.problems(text, card, {HEAT}) == []
    # on a card without those genres the same words are claims beyond it
    assert "claim" in kinds(checker, "A science fiction fable, full of suspense, about robots and androids.")


def test_phrasing_verbs_are_not_claims(checker: CardChecker) -> None:
    text = "It explores the mafia and combines elements of crime drama, with a packed lead character."
    assert kinds(checker, text) == []


def test_again_needs_a_person_the_liked_film_shares(checker: CardChecker) -> None:
    """Seen on the embedded model for "I loved Heat": "Martin Scorsese again, with Robert De Niro"
    (Scorsese did not make Heat). The reasons share De Niro only."""
    assert "again" in kinds(checker, "Martin Scorsese again, with Robert De Niro in Las Vegas.")
    assert "again" in kinds(checker, "It reunites you with Joe Pesci in a crime drama.")
    assert "again" not in kinds(checker, "Robert De Niro again, with Martin Scorsese in Las Vegas.")
    assert "again" not in kinds(checker, "Robert De Niro is back with Martin Scorsese in Las Vegas.")
    assert "again" not in kinds(checker, "A crime drama again, set in Las Vegas.")  # names nobody
    shared = CASINO.model_copy(update={"reasons": ["directed by Martin Scorsese, like Goodfellas"]})
    assert checker.problems("Martin Scorsese again, with Robert De Niro.", shared, {HEAT}) == []


def test_a_genre_said_of_a_liked_film_must_be_its_own(checker: CardChecker) -> None:
    """Seen on the embedded model: the opening "Heat is a comedy that you like" (Heat is Action,
    Crime, Thriller; one comedy in the list put Comedy on the opening card)."""
    opening = FactCard(item_id=0, title="", genres=["Comedy", "Crime", "Drama"], reasons=["liked: Heat"])
    said = [p.kind for p in checker.problems("Heat is a comedy that you like, so here are more.", opening, {HEAT})]
    assert "genre" in said
    assert "genre" in kinds(checker, "Like the comedy Heat, it has Robert De Niro in Las Vegas.")
    fine = "Since you loved Heat, a crime thriller, here are more crime stories."
    assert checker.problems(fine, opening.model_copy(update={"genres": ["Crime", "Thriller"]}), {HEAT}) == []


def test_a_plural_genre_is_that_genre(checker: CardChecker) -> None:
    assert "genre" in kinds(checker, "Here are more comedies with Robert De Niro.")
    assert "genre" not in kinds(checker, "More crime dramas with Robert De Niro.")


def test_the_opening_gives_the_list_only_genres_two_films_share() -> None:
    from bot.types import Recommendation
    from bot.writing.cards import list_genres

    def rec(i: int, *genres: str) -> Recommendation:
        return Recommendation(item_id=i, title=f"film {i}", genres=list(genres), score=1.0, reasons=[])

    films = [rec(1, "Crime", "Drama"), rec(2, "Action", "Comedy", "Crime"), rec(3, "Crime", "Drama")]
    assert list_genres(films) == ["Crime", "Drama"]
    assert list_genres([rec(1, "Comedy", "War")]) == ["Comedy", "War"]
    assert list_genres([rec(1, "Comedy"), rec(2, "War")]) == ["Comedy", "War"]


def test_a_false_again_is_left_out_when_the_rest_passes(checker: CardChecker) -> None:
    """The 0.5B model writes the examples' "X again" for people no liked film has (66 rejections in
    40 bench turns); the draft is shown without the word when nothing else is wrong."""
    from bot.writing.blurbs import PieceWriter
    from tests.doubles.fake_llm import FakeLLM

    draft = "Martin Scorsese again, with Robert De Niro in Las Vegas."
    text, attempts = PieceWriter(FakeLLM(default=draft), checker).write(CASINO, "blurb", {HEAT})
    assert text == "Martin Scorsese, with Robert De Niro in Las Vegas." and not attempts.rejected
    other = "Martin Scorsese again, with Tom Hanks in Las Vegas."  # a stranger too: rejected
    text, attempts = PieceWriter(FakeLLM(default=other), checker).write(CASINO, "blurb", {HEAT})
    assert text is None and "again" in attempts.kinds and "person" in attempts.kinds
