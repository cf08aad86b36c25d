"""Unsupported-claim detection for writer drafts."""

from __future__ import annotations

from bot.writing.claims import unsupported_words

EVIDENCE = (
    "Mission: Impossible 1996 Jon Voight, who is also in Heat (shared_cast); GoldenEye 1995 "
    "People who liked the films you mentioned also rated this highly"
)


def test_an_invented_plot_is_flagged_word_by_word() -> None:
    draft = (
        "Mission: Impossible shares Jon Voight with Heat. It is set in a dystopian future where "
        "humans must survive a harsh world."
    )
    assert unsupported_words(draft, EVIDENCE) == [
        "dystopian",
        "future",
        "humans",
        "survive",
        "harsh",
        "world",
    ]


def test_a_grounded_draft_has_no_unsupported_words() -> None:
    draft = (
        "If you loved Heat, Mission: Impossible is a great pick: Jon Voight is in both. GoldenEye is "
        "another one that people who liked the films you mentioned rated highly."
    )
    assert unsupported_words(draft, EVIDENCE) == []


def test_words_match_by_stem_and_case() -> None:
    assert unsupported_words("DIRECTED by Michael Mann", "director: michael mann") == []
    assert unsupported_words("Samurai swordplay", "a western") == ["samurai", "swordplay"]


def test_a_year_given_to_the_wrong_film_is_caught() -> None:
    from bot.types import Recommendation
    from bot.writing import mislabelled_years

    recs = [
        Recommendation(item_id=858, title="The Godfather", year=1972, score=1.0, reasons=[]),
        Recommendation(item_id=2959, title="Fight Club", year=1999, score=1.0, reasons=[]),
    ]
    assert mislabelled_years("4. Fight Club: The Godfather (1999) - liked", recs) == [
        "it gives The Godfather the year 1999"
    ]
    assert mislabelled_years("The Godfather (1972) and Fight Club (1999) both fit.", recs) == []
